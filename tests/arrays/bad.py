"""Array programs flatgrad must reject (line numbers are asserted by test_errors.py)."""
import numpy as np


def mutate_item(x):
    x[0] = 1.0
    return np.sum(x)


def mutate_slice(x):
    x[1:] = 0.0
    return np.sum(x)


def mutate_augmented(x):
    x[0] += 1.0
    return np.sum(x)


def mutate_alias(x):
    y = x
    y[0] = 2.0
    return np.sum(y)


def mutate_view(x):
    y = x[1:]
    y[0] = 2.0
    return np.sum(y)


def mutate_transpose_view(m):
    t = m.T
    t[0, 0] = 2.0
    return np.sum(t)


def mutate_reshape_view(x):
    y = x.reshape(2, 2)
    y[0] = 1.0
    return np.sum(y)
