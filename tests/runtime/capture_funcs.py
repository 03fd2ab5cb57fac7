"""Functions reading arrays from their module, another module, or a closure."""
import numpy as np

import flatgrad as fg

from . import capture_data as data

W0 = np.array([0.5, -0.5])


def least_squares(w):
    return np.sum((data.X @ w - data.y) ** 2) + np.sum((w - W0) ** 2)


def _residual(w):
    return data.X @ w - data.y


def via_helper(w):
    r = _residual(w)
    return np.sum(r * r)


def make_loss(A, b):
    def loss(w):
        return np.sum(np.tanh(A @ w - b))
    return loss


def make_helper_with_closure(A):
    def helper(w):
        return A @ w

    def loss(w):
        return np.sum(helper(w))
    return loss


def make_nested_helpers(A, b):
    def inner(w):
        return A @ w - b

    def outer(w):
        return np.tanh(inner(w))

    def loss(w):
        return np.sum(outer(w) ** 2)
    return loss


def _make_global_helper(A):
    def helper(w):
        return A @ w
    return helper


GLOBAL_HELPER = _make_global_helper(np.eye(2))


def via_global_helper(w):
    return np.sum(GLOBAL_HELPER(w))


def scalar_with_data(x):
    return x * np.sum(W0)


@fg.grad
def decorated(w):
    return np.sum(W0 * w * w)
