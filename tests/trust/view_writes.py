"""Writes through a view of an array no name holds (issue 26's real programs; fuzz campaign
334, seeds 334002995 and 334004922), and views whose array someone still holds."""
import numpy as np


def item_into_a_reshaped_temporary(x):
    W = np.zeros(6).reshape(2, 3)
    W[0] = x
    W[1, 2] = np.sin(x[0])
    return np.sum(W * W) + W[1, 2]


def sum_into_a_reshaped_constant(x):
    W = np.array([-0.81, 1.31, -0.65, -0.9, 0.72, -1.11]).reshape(2, 3)
    W -= x
    W *= x
    return np.sum(W * W)


def _flipped_own(a):
    return (a * 2.0)[::-1]


def write_into_a_helpers_view(x):
    Z = _flipped_own(x)
    Z[1] += Z[0] * 3.0
    Z += x
    return np.sum(np.tanh(Z))


def rows_written_in_a_loop(x):
    W = np.ones(6).reshape(3, 2).T
    for i in range(3):
        W[:, i] = x[:2] * (i + 1.0)
    return np.sum(W ** 3)


def base_named(x):
    A = np.zeros(6)
    W = A.reshape(2, 3)
    W[0] = x
    return np.sum(A)


def base_in_a_list(x):
    L = [np.zeros(6)]
    W = L[0].reshape(2, 3)
    W += x
    return np.sum(L[0])


def row_of_a_named_array(x):
    W = np.zeros((2, 3))
    V = W[0]
    V[1] = x[0]
    return np.sum(W)
