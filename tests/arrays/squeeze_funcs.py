"""np.squeeze without an axis: the result's rank depends on which axes have length 1."""
import numpy as np


def squeezed(x, w):
    y = np.squeeze(x)
    return np.sum(np.tanh(y * w) * y)


def method(x):
    return np.sum(x.squeeze() ** 3)


def _inner(a):
    return np.squeeze(a) * 2.0


def in_helper(x):
    return np.sum(np.sin(_inner(x)))


def rank_used(x):
    y = np.squeeze(x)      # (all axes of length 1 give a number, whose .ndim flatgrad rejects)
    if y.ndim == 1:
        return np.sum(y * y) + y[0]
    return np.sum(y[:, 0] * y[:, -1])


def intermediate(x):
    z = x * 2.0
    return np.sum(np.squeeze(z))


def no_squeeze(x):
    return np.sum(x * x)
