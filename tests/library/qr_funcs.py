"""np.linalg.qr and scipy.linalg.qr as users call them (library/qr.py, test_qr.py). Each loss
is written with ``np`` and ``scipy.linalg`` only, so that test_qr.py can run it under JAX too
(its own QR, whose Q and R have LAPACK's signs, and its own derivative rules)."""
import numpy as np
import scipy.linalg


def cloth(shape):
    """A fixed array of ``shape`` to weigh a result with."""
    return np.cos(0.7 * np.arange(shape[0] * shape[1]).reshape(shape)) + 0.5


# ---------------------------------------------------------------- losses (m x n, any shape)

def weighted(A):
    """Weighted sums of Q's and R's entries."""
    Q, R = np.linalg.qr(A)
    return np.sum(Q * cloth(Q.shape)) + np.sum(R * np.sin(cloth(R.shape)))


def abs_diag(A):
    """|det|-like: the absolute values of R's diagonal (R alone, mode='r')."""
    R = np.linalg.qr(A, mode="r")
    return np.sum(np.abs(np.diag(R)))


def q_only(A):
    """A smooth function of Q alone."""
    Q = np.linalg.qr(A)[0]
    return np.sum(np.sin(Q) * cloth(Q.shape))


def r_only(A):
    R = np.linalg.qr(A)[1]
    return np.sum(R ** 3 * cloth(R.shape))


def projector(A):
    """Q Qᵀ, the projector on A's column space (the first k columns'), independent of signs."""
    Q, _ = np.linalg.qr(A)
    return np.sum((Q @ Q.T) * cloth((A.shape[0], A.shape[0])))


def named(A):
    """NumPy's QRResult read by field and by index."""
    res = np.linalg.qr(A)
    return np.sum(res.Q ** 2 * cloth(res.Q.shape)) + np.sum(res[1] * cloth(res.R.shape))


def scipy_economic(A):
    Q, R = scipy.linalg.qr(A, mode="economic")
    return np.sum(np.cos(Q) * cloth(Q.shape)) + np.sum(R * cloth(R.shape))


def scipy_r(A):
    """SciPy's mode='r': the tuple (R,), R m x n (of the full factorisation)."""
    (R,) = scipy.linalg.qr(A, mode="r")
    return np.sum(R * cloth(R.shape)) + np.sum(R ** 2)


def complete_r(A):
    """R of the complete factorisation (m x n, zeros past row k): differentiable."""
    Q, R = np.linalg.qr(A, mode="complete")
    return np.sum(R * cloth(R.shape)) + Q.shape[1] * 0.25


def scipy_full_r(A):
    R = scipy.linalg.qr(A)[1]
    return np.sum(np.sin(R) * cloth(R.shape))


# ---------------------------------------------------------------- tall or square only

def least_squares(A):
    """The least-squares solution of A x = b through Q and R."""
    Q, R = np.linalg.qr(A)
    b = np.cos(np.arange(A.shape[0]) + 1.0)
    x = scipy.linalg.solve_triangular(R, Q.T @ b)
    return np.sum(x ** 2) + np.sum(x)


def orthogonal_map(A, v):
    """An orthogonal parametrisation: Q of A (square) applied to v."""
    Q, R = np.linalg.qr(A)
    return np.sum(np.sin(Q @ v) * np.arange(1.0, v.shape[0] + 1.0))


LOSSES = [weighted, abs_diag, q_only, r_only, projector, named, scipy_economic, scipy_r,
          complete_r, scipy_full_r]
TALL_LOSSES = [least_squares]


# ---------------------------------------------------------------- results themselves

def factors(A):
    return np.linalg.qr(A)


def factors_complete(A):
    return np.linalg.qr(A, mode="complete")


def factors_r(A):
    return np.linalg.qr(A, mode="r")


def scipy_factors(A):
    return scipy.linalg.qr(A)


def scipy_factors_economic(A):
    return scipy.linalg.qr(A, mode="economic", overwrite_a=False, check_finite=True)


def scipy_factors_r(A):
    return scipy.linalg.qr(A, mode="r")


RESULTS = [factors, factors_complete, factors_r, scipy_factors, scipy_factors_economic,
           scipy_factors_r]


def q_of(A):
    return np.linalg.qr(A)[0]


def r_of(A):
    return np.linalg.qr(A)[1]


def r_of_complete(A):
    return np.linalg.qr(A, mode="complete")[1]


# ---------------------------------------------------------------- stacks (..., m, n)

def stack_weighted(A):
    Q, R = np.linalg.qr(A)
    return np.sum(Q * np.cos(np.arange(Q.size).reshape(Q.shape))) + np.sum(R ** 2)


def stack_r(A):
    R = np.linalg.qr(A, mode="r")
    return np.sum(np.abs(R) * np.sin(np.arange(R.size).reshape(R.shape)))


def stack_scipy(A):
    R = scipy.linalg.qr(A, mode="r")           # R itself for a stack (SciPy's batching)
    Q = scipy.linalg.qr(A, mode="economic")[0]
    return np.sum(R * np.cos(np.arange(R.size).reshape(R.shape))) + np.sum(Q ** 3)


# ---------------------------------------------------------------- refusals

def raw(A):
    h, tau = np.linalg.qr(A, mode="raw")
    return np.sum(h) + np.sum(tau)


def pivoting(A):
    Q, R, P = scipy.linalg.qr(A, pivoting=True)
    return np.sum(R)


def complete_q(A):
    Q, R = np.linalg.qr(A, mode="complete")
    return np.sum(Q * cloth(Q.shape))


def scipy_full_q(A):
    Q, R = scipy.linalg.qr(A)
    return np.sum(Q ** 3) + np.sum(R)


def deprecated_mode(A):
    return np.sum(np.linalg.qr(A, mode="economic"))
