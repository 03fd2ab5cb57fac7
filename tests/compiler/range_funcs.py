"""Functions for tests/compiler/test_ranges.py: loops whose indices the range analysis proves
in range, and ones it must not."""
import numpy as np


def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def mirrored(x):
    s = 0.0
    n = len(x)
    for i in range(n):
        s += x[i] * x[n - 1 - i] + x[i - 1] * x[-1]
    return s


def reversed_diffs(x):
    s = 0.0
    for i in range(x.shape[0] - 1, 0, -1):
        s += (x[i] - x[i - 1]) ** 2
    return s


def one_past_the_end(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i + 1]
    return s


def other_array(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return s


def same_length_buffer(x):
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        out[i] = x[i] ** 2
    buf = np.zeros(x.shape[0] - 1)
    for i in range(x.shape[0] - 1):
        buf[i] = x[i + 1] - x[i]
    return np.sum(out) + np.sum(buf ** 2)


def rows_and_columns(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(i, A.shape[1]):
            s += A[i, j] * A[i, A.shape[1] - 1 - j]
    return s


def shrinking(x):
    s = 0.0
    y = x
    for i in range(x.shape[0] - 1):
        y = y[1:]
        s += y[i] ** 2
    return s


def constant_index(x):
    return x[3] * x[0] + x[-2]


def fixed_trip_count(x):
    s = 0.0
    for i in range(4):
        s += x[i] * x[i]
    return s


def by_an_index_array(x, idx):
    return np.sum(x[idx] ** 2)


def stepped(x):
    s = 0.0
    for i in range(1, x.shape[0] - 1, 2):
        s += x[i - 1] * x[i + 1]
    return s


def constant_buffer(x):
    buf = np.zeros(3)
    for i in range(3):
        buf[i] = x[0] * i
    out = np.zeros(3)
    for i in range(x.shape[0]):
        out[i] = x[i]
    return np.sum(buf) + np.sum(out)


def recurrence(x, w):
    h = 0.0
    for i in range(x.shape[0]):
        h = np.tanh(w * h + x[i])
    return h


def stepped_recurrence(x, w):
    h = 0.5
    for i in range(x.shape[0] - 1, 0, -2):
        h = np.tanh(w * h + x[i] * x[i - 1])
    return h


def nested_recurrence(A, w):
    h = 0.0
    for i in range(A.shape[0]):
        for j in range(1, A.shape[1]):
            h = np.sin(w * h + A[i, j] - A[i, j - 1])
    return h
