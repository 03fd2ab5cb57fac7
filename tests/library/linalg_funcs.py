"""Programs for tests/library/test_linalg.py. Each uses ``np`` from this module's globals, so
the test can rebind it to autograd.numpy to get autograd's gradient of the same code."""
import numpy as np


def solve_vec(A, b):
    return np.sum(np.sin(np.linalg.solve(A, b)))


def solve_mat(A, B):
    return np.sum(np.linalg.solve(A, B) ** 2)


def inv(A):
    return np.sum(np.sin(np.linalg.inv(A)))


def det(A):
    return np.linalg.det(A) * 0.5


def slogdet(A):
    sign, logdet = np.linalg.slogdet(A)
    return sign * logdet + logdet * logdet


def slogdet_index(A):
    return np.linalg.slogdet(A)[1]


def cholesky(A):
    return np.sum(np.sin(np.linalg.cholesky(A)))


def cholesky_logdet(X):
    """log det(X X^T + I) by Cholesky: every perturbation of X perturbs A symmetrically."""
    A = X @ X.T + np.eye(X.shape[0])
    L = np.linalg.cholesky(A)
    return 2.0 * np.sum(np.log(np.diag(L))) + np.sum(L ** 2)


def trace(A):
    return np.trace(A) * 2.0 + np.sum(np.sin(A))


def trace_offset(A):
    return np.trace(A, 1) + np.trace(A, offset=-1) * 3.0


def diag_vec(v):
    return np.sum(np.sin(np.diag(v)) * np.arange(v.shape[0] * v.shape[0]).reshape(v.shape[0], v.shape[0]))


def diag_vec_k(v):
    return np.sum(np.diag(v, 1) ** 2) + np.sum(np.cos(np.diag(v, k=-2)))


def diag_mat(A):
    return np.sum(np.diag(A) ** 2) + np.sum(np.sin(np.diag(A, 1))) + np.sum(np.diag(A, -1) * 3.0)


def tril_triu(A):
    return np.sum(np.tril(A) ** 2) + np.sum(np.sin(np.triu(A, 1))) + np.sum(np.tril(A, k=-1) * A)


def tri_3d(A):
    return np.sum(np.triu(A, -1) ** 2)


def kron(a, b):
    return np.sum(np.sin(np.kron(a, b)))


def inner(a, b):
    return np.sum(np.inner(a, b) ** 2)


def outer(a, b):
    return np.sum(np.outer(a, b) ** 3)


# ---- norm: (ord, axis, keepdims) filled in by the test through module constants
def norm_vec(x):
    return (np.linalg.norm(x) + np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf) * 2.0
            + np.linalg.norm(x, -np.inf) * 3.0 + np.linalg.norm(x, 3) + np.linalg.norm(x, ord=2)
            + np.linalg.norm(x, 0.5) * 0.1 + np.linalg.norm(x, 0))


def norm_mat(x):
    return (np.linalg.norm(x) + np.linalg.norm(x, 'fro') * 2.0 + np.linalg.norm(x, 1) * 3.0
            + np.linalg.norm(x, np.inf) * 5.0 + np.linalg.norm(x, -1) + np.linalg.norm(x, -np.inf))


def norm_axis0(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=0)) + np.linalg.norm(x, 1, axis=0) ** 2
                  + np.linalg.norm(x, np.inf, axis=0) + np.linalg.norm(x, 3, 0))


def norm_axis_last_keep(x):
    return np.sum(np.linalg.norm(x, axis=-1, keepdims=True) * x + np.linalg.norm(x, 1, -1, True) * x)


def norm_axes_pair(x):
    return (np.sum(np.linalg.norm(x, axis=(1, 2)) ** 2) + np.sum(np.linalg.norm(x, 1, axis=(2, 0)))
            + np.sum(np.sin(np.linalg.norm(x, np.inf, axis=(0, 1))))
            + np.sum(np.linalg.norm(x, 'fro', (0, 2))))


def norm_axes_pair_keep(x):
    return np.sum(np.linalg.norm(x, -np.inf, axis=(2, 1), keepdims=True) * x
                  + np.linalg.norm(x, axis=(0, 2), keepdims=True) * x)


def norm_flat(x):
    return np.linalg.norm(x) + np.linalg.norm(x, keepdims=True)[0, 0, 0]


# ---- einsum, tensordot, batched matmul
def ein_matmul(a, b):
    return np.sum(np.sin(np.einsum('ij,jk->ik', a, b)))


def ein_implicit(a, b):
    return np.sum(np.einsum('ij,jk', a, b) ** 2) + np.einsum('ij,ij', a, a)


def ein_three(a, b, c):
    return np.sum(np.cos(np.einsum('ij,jk,kl->li', a, b, c)))


def ein_sum_out(a, b):
    return np.sum(np.einsum('ijk,j->k', a, b) ** 2) + np.einsum('ijk->', a)


def ein_transpose(a):
    return np.sum(np.einsum('ijk->kij', a) * np.arange(a.size).reshape(a.shape[2], a.shape[0], a.shape[1]))


def ein_ellipsis(a, b):
    return np.sum(np.sin(np.einsum('...ij,...jk->...ik', a, b)))


def ein_outer_broadcast(a, b):
    return np.sum(np.einsum('ij,jk->ik', a, b) ** 2)


def tensordot_int(a, b):
    return np.sum(np.sin(np.tensordot(a, b, 1))) + np.sum(np.tensordot(a, b, axes=0) ** 2)


def tensordot_pairs(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=([0, 2], [1, 0]))))


def tensordot_default(a, b):
    return np.sum(np.tensordot(a, b) ** 2)


def matmul_batched(a, b):
    return np.sum(np.sin(a @ b)) + np.sum(np.matmul(a, b) ** 2)


def norm_autograd_ords(x):
    return np.linalg.norm(x) + np.sum(np.linalg.norm(x, axis=-1) ** 2) + np.sum(np.linalg.norm(x, 3, axis=0))


def norm_autograd_matrix(x):
    return np.sum(np.linalg.norm(x, 'fro', axis=(0, 1))) + np.linalg.norm(x[0])


def matrix_powers(A):
    """np.linalg.matrix_power with positive, zero and negative powers."""
    return (np.sum(np.linalg.matrix_power(A, 3)) + np.sum(np.linalg.matrix_power(A, 0))
            + np.sum(np.linalg.matrix_power(A, -2)) + np.trace(np.linalg.matrix_power(A, 5)))
