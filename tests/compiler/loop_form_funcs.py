import numpy as np
def rows(M, w):
    s = 0.0
    for row in M:
        s = s + np.sum(row * w)
    return s
def enum(M, w):
    s = 0.0
    for i, row in enumerate(M):
        s = s + i * np.sum(row * w)
    return s
def zipped(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b
    return s
def after(x):
    for i in range(3):
        y = x * i
    return y + i
def tup(x, y):
    s = 0.0
    for v in (x, y, x * y):
        s = s + v * v
    return s
def params_loop(x, W1, W2):
    h = x
    for W in (W1, W2):
        h = np.tanh(W @ h)
    return np.sum(h)


def _bad_helper(v):
    t = [a for a in v]
    return v * 2.0


def calls_bad_helper(x):
    y = x + 1.0
    return _bad_helper(y)


def runs_zero_times(x):
    for i in range(0):
        y = x * i
    return x


def by_rank(z):
    if z.ndim == 1:
        return np.sum(z * z)
    else:
        return np.sum(z[:, 0] ** 3)
