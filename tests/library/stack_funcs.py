"""np.linalg's functions on stacks of matrices (test_stacks.py): each takes a (3, 4, 4)
stack ``a`` (well conditioned) unless it says otherwise."""
import numpy as np

RNG = np.random.default_rng(5)
W = RNG.normal(size=(3, 4, 4))
B3 = RNG.normal(size=(3, 4, 2))
B2 = RNG.normal(size=(4, 2))
B1 = RNG.normal(size=4)


def spd(a):
    return np.einsum("bij,bkj->bik", a, a) + np.eye(4)


def inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def det_and_slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(np.linalg.det(a) * 1e-3) + np.sum(logdet * np.arange(3.0)) + np.sum(sign)


def cholesky(a):
    return np.sum(np.linalg.cholesky(spd(a)) * W)


def eigh(a):
    w, v = np.linalg.eigh(spd(a))
    return np.sum(w ** 2) + np.sum(v ** 4) + np.sum(np.linalg.eigvalsh(spd(a), UPLO="U"))


def pinv(a):
    return np.sum(np.linalg.pinv(a[:, :, :3]) ** 2)


def svd(a):
    u, s, vh = np.linalg.svd(a[:, :3, :], full_matrices=False)
    r = np.linalg.svd(a, compute_uv=False)
    return np.sum((u * s[:, None, :]) ** 2) + np.sum(r ** 2) + np.sum(np.abs(vh) ** 3)


def solves(a):
    return np.sum(np.linalg.solve(a, B1) ** 2) + np.sum(np.linalg.solve(a, B3) ** 2) + \
        np.sum(np.linalg.solve(a, B2) ** 2) + np.sum(np.linalg.solve(a[0], B3) ** 2)


def powers(a):
    return np.sum(np.linalg.matrix_power(a, 3) * 1e-3) + np.sum(np.linalg.cond(a))


def four_dims(a):
    a4 = np.stack([a, a * 0.5 + np.eye(4)])
    return np.sum(np.sin(np.linalg.inv(a4))) + np.sum(np.linalg.slogdet(a4)[1])


FUNCS = [inv, det_and_slogdet, cholesky, eigh, pinv, svd, solves, powers, four_dims]
