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



# ---- np.unstack: a tuple of x.shape[axis] arrays

def unstack_rows(x):
    parts = np.unstack(x)
    s = 0.0
    for p in parts:               # a tuple: unrolled
        s = s + np.sum(np.sin(p) * p)
    return s * len(parts)


def unstack_columns(x):
    cols = np.unstack(x, axis=1)
    return np.sum(cols[0] * cols[-1])


def unpack_three(x):
    a, b, c = np.unstack(x)
    return np.sum(a * b * c)


def unstack_intermediate(x):
    return np.sum(np.unstack(x * 2.0)[0])


def both_facts(x):
    rows = np.unstack(x)
    return np.sum(np.squeeze(x) ** 2) + np.sum(rows[0])


def unpack_rows(x, w):
    a, b = x
    return np.sum(np.tanh(a * w) * b)


def unpack_product(x):
    a, b = x * 2.0
    return np.sum(a * b)


def unstack_masked(x):
    return np.sum(np.unstack(x[x[:, 0] > 0.0])[0])


def unpack_masked(x):
    a, b = x[x[:, 0] > 0.0]
    return np.sum(a * b)


def squeeze_intermediates(x):
    """Axes of length 1 known from the ops that made the array: a reshape to constants,
    keepdims, x[None], a product with a column, a stack of three rows."""
    col = np.sum(x, axis=1, keepdims=True)
    a = np.squeeze(x @ np.ones((x.shape[1], 1)))
    b = np.squeeze(np.reshape(x[0], (1, x.shape[1], 1)))
    c, d, e = np.stack([x[0], x[0] ** 2, np.sin(x[0])])
    ranks = (np.squeeze(col).ndim + 1) * (a.ndim + 2) * (b.ndim + 3) * (np.squeeze(x[None]).ndim + 4)
    return (np.sum(np.squeeze(col) ** 2) + np.sum(a) * np.sum(np.squeeze(x[None])[0])
            + np.sum(b * c * d + e)) * ranks


def intermediate_masked(x):
    return np.sum(np.squeeze(x[x[:, 0] > 0.0]))
