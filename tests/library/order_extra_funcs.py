"""Functions for tests/library/test_order.py's list-of-q and starred-unpacking tests."""
import numpy as np


def percentiles_of_a_list(X):
    lo, mid, hi = np.percentile(X, [10, 50, 90])
    return hi - lo + mid * 0.5


def quantiles_of_an_array_along_an_axis(X):
    q = np.quantile(X, np.array([0.2, 0.7]), axis=1, keepdims=True)
    return np.sum(q * np.arange(q.size).reshape(q.shape))


def percentile_of_a_one_item_tuple(X):
    return np.sum(np.percentile(X, (25.0,), axis=-1) ** 2)


def first_and_rest(x):
    first, *rest, last = x
    return first * np.sum(np.array(rest)) + last
