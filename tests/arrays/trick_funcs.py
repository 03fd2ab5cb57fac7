"""NumPy's index tricks np.r_ and np.c_ as users write them."""
import numpy as np
from numpy import c_, r_

X = np.arange(12.0).reshape(4, 3) / 5


def design_matrix(w):
    A = np.c_[np.ones(4), X]                 # an intercept column
    return np.sum((A @ w - 1.0) ** 2)


def joined(w):
    v = np.r_[w[:2], 0.5, w[2:] * 2]
    return np.sum(v ** 2 * np.arange(5))


def ranges(w):
    return np.sum(w[np.r_[0:2, 3]] ** 2)


def columns(w):
    return np.sum(c_[w[:3], w[1:], [1.0, 2.0, 3.0]] @ w[:3])


def rows_2d(w):
    return np.sum(r_[np.outer(w[:2], w[:2]), np.ones((1, 2))] ** 2)


FUNCS = [design_matrix, joined, ranges, columns, rows_2d]


def directive(w):
    return np.sum(np.r_["0,2", w, w])
