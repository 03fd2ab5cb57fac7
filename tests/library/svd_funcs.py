"""np.linalg.svd as users call it, each function invariant to the signs LAPACK gives the pairs
of singular vectors (so finite differences and autograd see the same function): singular
values, reconstructions, projectors, squared entries, norms, a low-rank approximation. Each
works on tall, wide and square matrices."""
import numpy as np


def weights(k):
    return np.linspace(1.0, 2.0, k)


def cloth(n):
    """A fixed n x n matrix to weigh a result with."""
    return np.outer(np.cos(np.arange(n)), np.arange(1.0, n + 1.0))


def s_sum(A):
    return np.sum(np.linalg.svd(A, compute_uv=False))


def s_weighted(A):
    s = np.linalg.svd(A, full_matrices=False)[1]
    return s @ weights(s.shape[0])


def s_of_full(A):
    U, s, Vh = np.linalg.svd(A)                 # full_matrices=True: only s is differentiated
    return np.sum(s ** 2 * weights(s.shape[0])) + np.sum(np.linalg.svdvals(A) ** 3)


def reconstruct(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return np.sum(np.sin(U @ np.diag(s) @ Vh))


def u_projector(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    P = (U * weights(s.shape[0])) @ U.T
    return np.sum(P * cloth(A.shape[0]))


def v_projector(A):
    Vh = np.linalg.svd(A, full_matrices=False)[2]
    Q = Vh.T @ (Vh * weights(Vh.shape[0])[:, None])
    return np.sum(Q * cloth(A.shape[1]))


def v_projector_named(A):
    """The same read as NumPy 2's SVDResult (autograd's svd gives a plain tuple)."""
    res = np.linalg.svd(A, full_matrices=False)
    Q = res.Vh.T @ (res.Vh * weights(res.S.shape[0])[:, None])
    return np.sum(Q * cloth(A.shape[1])) + np.sum(res.U[:, 0] ** 2)


def squares(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return np.sum(U ** 2 * cloth(A.shape[0])[:, :s.shape[0]]) + np.sum(Vh ** 2 * np.sin(cloth(A.shape[1])[:s.shape[0]]))


def low_rank(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    approx = (U[:, :2] * s[:2]) @ Vh[:2]
    return np.sum((A - approx) ** 2) + np.sum(approx * cloth(A.shape[0])[:, :1])


def norms(A):
    return (np.linalg.norm(A, "nuc") + np.linalg.norm(A, 2) ** 2 + np.linalg.norm(A, -2)
            + np.linalg.cond(A) + np.sum(np.linalg.norm(A.T, "nuc", axis=(1, 0), keepdims=True)))


FUNCS = [s_sum, s_weighted, s_of_full, reconstruct, u_projector, v_projector, v_projector_named,
         squares, low_rank, norms]


def u_of(A):
    return np.linalg.svd(A, full_matrices=False)[0]


def s_of(A):
    return np.linalg.svd(A, full_matrices=False).S


def vh_of(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return Vh


def s_only(A):
    return np.linalg.svd(A, compute_uv=False)


def full_u(A):
    return np.linalg.svd(A)[0]


def full_vh(A):
    return np.linalg.svd(A, full_matrices=True).Vh


# the results themselves, for values (against NumPy's, bit for bit) and tangents
RESULTS = [u_of, s_of, vh_of, s_only, full_u, full_vh]


def full_u_differentiated(A):
    U, s, Vh = np.linalg.svd(A)
    return np.sum(U[:, :s.shape[0]] * s)


def full_vh_differentiated(A):
    return np.sum(np.linalg.svd(A, True, True).Vh ** 3)


def hermitian(A):
    return np.sum(np.linalg.svd(A, hermitian=True)[1])


def stack_norm(A):
    return np.linalg.norm(A, "nuc", axis=(0, 1))


def stack_norm_sum(A):
    return np.sum(np.linalg.norm(A, "nuc", axis=(0, 1)) * np.array([1.0, 2.0]))
