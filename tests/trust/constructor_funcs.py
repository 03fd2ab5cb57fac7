"""Constructors whose values come from the differentiated arguments: np.full's fill value and
np.arange's float start and step (for test_constructor_gradients.py)."""
import numpy as np


def full_of_a_number(x):
    return np.sum(np.full((2, 4), x[0]) * x) + np.sum(np.full(3, x[1]) ** 2)


def full_of_an_array(x):
    return np.sum(np.full((2, 4), x) * np.arange(8.0).reshape(2, 4)) + np.sum(np.full(shape=(3,), fill_value=x[2]))


def arange_from(x):
    return np.sum(np.arange(x[0], 3.0) * np.arange(4.0)[:np.arange(x[0], 3.0).shape[0]])


def arange_step(x):
    return np.sum(np.arange(0.1, 3.0, x[1] + 0.5) ** 2) + np.sum(np.arange(x[2], -1.0, -x[3]))


def arange_values(x):
    return np.arange(x[0], x[1] + 4.0, x[2] * 0.1 + 0.013)


def reshape_a_number(x):
    return np.sum(np.reshape(x[0], (1,)) * x[1]) + np.sum(np.reshape(x[2] * 2.0, (1, 1)) ** 2)
