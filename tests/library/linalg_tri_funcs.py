"""Functions for test_linalg_tri.py. They name NumPy ``np`` and SciPy's linalg ``sla`` so the
tests can rebind both to autograd's (autograd.numpy, autograd.scipy.linalg)."""
import numpy as np
import scipy.linalg as sla


def tri_lower_vec(A, b):
    return np.sum(np.sin(sla.solve_triangular(A, b, lower=True)))


def tri_upper_mat(A, B):
    return np.sum(sla.solve_triangular(A, B) ** 2)


def tri_lower_trans(A, b):
    return np.sum(np.cos(sla.solve_triangular(A, b, trans="T", lower=True)))


def tri_upper_trans1(A, B):
    return np.sum(sla.solve_triangular(A, B, 1) * B)


def tri_unit_lower(A, B):
    return np.sum(np.tanh(sla.solve_triangular(A, B, lower=True, unit_diagonal=True)))


def tri_unit_upper_trans(A, b):
    return np.sum(sla.solve_triangular(A, b, trans=2, unit_diagonal=True) ** 3)


def np_cholesky(A):
    L = np.linalg.cholesky(A)
    return np.sum(np.sin(L) * np.arange(1.0, A.shape[0] ** 2 + 1).reshape(A.shape))


def scipy_cholesky_upper(A):
    U = sla.cholesky(A)
    return np.sum(U ** 3) + np.sum(np.log(np.diag(U)))


def scipy_cholesky_lower(A):
    return np.sum(np.tanh(sla.cholesky(A, lower=True)))


def cho_solve_upper(A, b):
    c = sla.cho_factor(A)
    return np.sum(np.sin(sla.cho_solve(c, b)))


def cho_solve_lower(A, B):
    c, low = sla.cho_factor(A, lower=True)
    return np.sum(sla.cho_solve((c, low), B) * B)


def eigh_both(A):
    w, V = np.linalg.eigh(A)
    # invariant under each eigenvector's sign: V diag(f(w)) V^T and V's squares
    M = V @ np.diag(np.sin(w)) @ V.T
    C = np.arange(1.0, A.shape[0] ** 2 + 1).reshape(A.shape)
    return np.sum(w ** 3) + np.sum(M * C) + np.sum(V ** 2 * C)


def eigh_upper(A):
    w, V = np.linalg.eigh(A, UPLO="U")
    return np.sum(np.exp(w / 10.0)) + np.sum((V[0] * V[1]) ** 2)


def eigvalsh(A):
    return np.sum(np.cos(np.linalg.eigvalsh(A)))


def solve_by_cholesky(A, b):
    """The user's np.linalg.solve with a Cholesky factor (rewritten to triangular solves)."""
    L = np.linalg.cholesky(A)
    a = np.linalg.solve(L.T, np.linalg.solve(L, b))
    return np.sum(a * b) + 2 * np.sum(np.log(np.diag(L)))


def solve_by_tril(A, B):
    return np.sum(np.linalg.solve(np.tril(A), B) ** 2)


def solve_by_triu_t(A, b):
    return np.sum(np.sin(np.linalg.solve(np.triu(A).T, b)))


def _kernel(x, log_ell, log_sf):
    d = x[:, None] - x[None, :]
    return np.exp(2 * log_sf) * np.exp(-0.5 * d ** 2 / np.exp(2 * log_ell))


def gp_nll_tri(theta, x, y):
    """The GP negative log likelihood, hyperparameters (log lengthscale, log amplitude, log
    noise), in the Cholesky + solve_triangular form."""
    n = x.shape[0]
    K = _kernel(x, theta[0], theta[1]) + np.exp(2 * theta[2]) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = sla.solve_triangular(L, y, lower=True)
    return 0.5 * np.sum(alpha ** 2) + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


def gp_nll_solve(theta, x, y):
    """The same with the user writing np.linalg.solve(L, y)."""
    n = x.shape[0]
    K = _kernel(x, theta[0], theta[1]) + np.exp(2 * theta[2]) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * np.dot(y, alpha) + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


def gp_nll_cho(theta, x, y):
    n = x.shape[0]
    K = _kernel(x, theta[0], theta[1]) + np.exp(2 * theta[2]) * np.eye(n)
    c = sla.cho_factor(K, lower=True)
    return (0.5 * np.dot(y, sla.cho_solve(c, y)) + np.sum(np.log(np.diag(c[0])))
            + 0.5 * n * np.log(2 * np.pi))
