"""Functions for test_ufunc_outer.py: ufunc.outer, and the same written with broadcasting
(what autograd differentiates)."""
import numpy as np

W = np.arange(16.0).reshape(4, 4) / 7.0
W3 = np.arange(8.0).reshape(2, 2, 2) / 5.0


def outer_sub(x):
    return np.sum(np.subtract.outer(x, x) ** 2 * W)


def outer_mul(x):
    return np.sum(np.multiply.outer(x[:2], x.reshape(2, 2)) * W3)


def outer_scalars(x):
    return np.sum(np.add.outer(x[0], x) ** 2) + np.sum(np.add.outer(x, 2.0) ** 3)


def outer_pow_hypot(x):
    return np.sum(np.power.outer(x, np.array([1.0, 2.0, 3.0]))) + np.sum(np.hypot.outer(x, x) * W)


def outer_compare(x):
    return np.sum(np.greater_equal.outer(x, x) * np.outer(x, x))


FUNCS = [outer_sub, outer_mul, outer_scalars, outer_pow_hypot, outer_compare]


def outer_sub_broadcast(x):
    return np.sum((x[:, None] - x[None, :]) ** 2 * W)


def outer_mul_broadcast(x):
    return np.sum(x[:2][:, None, None] * x.reshape(2, 2)[None] * W3)
