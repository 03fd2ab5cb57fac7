"""Programs that build slice objects (issue 25, item 3), as users write them."""
import numpy as np


def batch_loss(W, X, b):
    """The mini-batch idiom of autograd's neural_net example."""
    total = 0.0
    for i in range(X.shape[0] // b):
        idx = slice(i * b, (i + 1) * b)
        total = total + np.sum(np.tanh(X[idx] @ W) ** 2)
    return total


def rows_and_columns(X):
    rows = slice(1, 3)
    cols = slice(None, None, 2)
    return np.sum(X[rows, :] ** 2) + np.sum(X[:, cols] * X[:, cols]) + np.sum(X[rows, cols])


def stop_only(x):
    head = slice(3)
    tail = slice(3, None)
    return np.sum(x[head] ** 2) * np.sum(np.sin(x[tail]))


def reversed_step(x):
    back = slice(None, None, -1)
    return np.sum(x * x[back])


def _take(x, s):
    return x[s]


def passed_to_helper(x, k):
    s = slice(k, k + 2)
    return np.sum(_take(x, s) ** 3)


def held_in_tuple(X):
    idx = (slice(0, 2), 1)
    return np.sum(X[idx] ** 2)


def write_through_slice(x):
    out = np.zeros(6)
    first = slice(0, 3)
    out[first] = x[first] * 2.0
    out[slice(3, 6)] = np.exp(x[3:6])
    return np.sum(out * out)


def write_rows(X):
    out = np.zeros((4, 3))
    for i in range(2):
        rows = slice(2 * i, 2 * i + 2)
        out[rows, :] = X[rows, :] * (i + 1.0)
    return np.sum(out ** 2)


def slice_parts(x):
    s = slice(1, 5, 2)
    return np.sum(x[s.start:s.stop]) * s.step


def index_expression(X):
    return np.sum(X[np.s_[1:3, ::2]] ** 2) + np.sum(X[np.index_exp[0]])


def sliced_tuple(x):
    sizes = (2, 3, 4, 5)
    total = 0.0
    for m, n in zip(sizes[:-1], sizes[1:]):
        total = total + m * n * np.sum(x[:m])
    return total


def float_bound(x):
    s = slice(0, x[0])
    return np.sum(x[s])


def slice_of_tuple_not_constant(x, k):
    t = (x, x)
    return np.sum(t[0:k][0])


def slice_argument(W, X, idx):
    """autograd's neural_net: a mini-batch slice passed in."""
    return np.sum(np.tanh(X[idx] @ W) ** 2)
