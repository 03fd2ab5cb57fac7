"""Functions using functools.reduce, range inside zip/enumerate, and np.full_like."""
import functools
import operator
from functools import reduce

import numpy as np

MS = [np.eye(3) * 0.5 + 0.1 * np.arange(9.0).reshape(3, 3) * k for k in range(3)]


def reduce_product(x):
    return reduce(lambda a, b: a * b, [x[0], x[1], x[2]])


def reduce_with_initial(x):
    return functools.reduce(operator.add, [x[0] ** 2, np.sin(x[1])], 1.0)


def reduce_matrices(x):
    return np.sum(reduce(np.dot, [np.outer(x, x), np.eye(3) + np.diag(x), np.outer(x, x[::-1])]))


def reduce_layers(x):
    return np.sum(reduce(lambda h, W: np.tanh(W @ h), MS, x))


def zip_range_constant(x):
    s = 0.0
    for i, xi in zip(range(2), x):
        s += (i + 1) * xi ** 2
    return s


def zip_range_run_time(x):
    s = 0.0
    for i, xi in zip(range(1, len(x)), x):
        s += i * xi ** 2 + x[i] * xi
    return s


def enumerate_range(x):
    s = 0.0
    for j, i in enumerate(range(1, x.shape[0])):
        s += (j + 1) * x[i] ** 3
    return s


def zip_range_and_tuple(x):
    s = 0.0
    for i, c in zip(range(3), (0.5, 1.5, 2.5)):
        s += c * x[i] ** 2
    return s


def zip_reversed_range(x):
    return sum(x[i] * v for i, v in zip(reversed(range(len(x))), x))


def full_like(x):
    return np.sum(np.full_like(x, 2.0) * x + np.full_like(x, x[0]) * x ** 2)


def full_like_int(x):
    return np.sum(np.full_like(np.arange(3), 2.7) * x)     # 2, as NumPy casts


def array_like_lists(x):
    """NumPy reads a list of numbers (or of arrays of one shape) as an array."""
    return (np.std([x[0], x[0] + 2 * x[1]]) + np.mean((x[1], x[2] ** 2))
            + np.dot([1.0, 2.0, 3.0], x) + np.linalg.norm([x[0], x[2]])
            + np.sum(np.where(x > 0, x, [0.1, 0.2, 0.3]) ** 2)
            + np.linalg.det([[x[0], x[1]], [x[2], 1.0]]) + np.max([x[0], 2 * x[1]]))


def tuple_truth(x):
    shape = x.shape
    return np.sum(x ** 2) if shape else 0.0


T3 = np.arange(24.0).reshape(2, 3, 4) / 10


def dot_of_a_stack(x):
    """np.dot of a 3-D array with a matrix or a vector is the product @ gives."""
    W = np.outer(np.r_[x, 1.0], x[:2])
    return np.sum(np.dot(T3, W) ** 2) + np.sum(np.tanh(T3.dot(np.r_[x, 0.5])))


FUNCS = [dot_of_a_stack, array_like_lists, tuple_truth, reduce_product, reduce_with_initial, reduce_matrices, reduce_layers,
         zip_range_constant, zip_range_run_time, enumerate_range, zip_range_and_tuple,
         zip_reversed_range, full_like, full_like_int]


def reduce_rows(x):
    return reduce(lambda a, b: a + b, x)


def compares_tuples(x):
    return np.sum(x) if (x[0], x[1]) == (1.0, 2.0) else 0.0


def dot_with_a_stack(x):
    return np.sum(np.dot(np.outer(x, x), np.arange(24.0).reshape(2, 3, 4)) ** 2)


def max_of_a_list(x):
    best = max([x[0], x[1] * 2.0, x[2]])
    return best * 2.0 + min((x[0], x[2])) + max([x[1]])
