"""Functions for test_statics.py: isinstance folded while compiling, starred expressions,
np.meshgrid and np.indices (flatgrad reads their source, so they live in a module)."""
import numpy as np


def by_kind(x, t):
    """isinstance on an array or a number, a tuple or a list argument."""
    a = x[0] if isinstance(x, np.ndarray) else x
    b = 2.0 if isinstance(t, tuple) else 3.0
    c = 5.0 if isinstance(t, list) else 7.0
    d = 11.0 if isinstance(a, (int, float)) else 13.0
    return a * b * c * d + np.sum(t[0] * t[1])


def by_kind_dict(x, d):
    """isinstance(d, dict) on a dict argument; of a number for int, bool and float."""
    s = d["w"] if isinstance(d, dict) else 1.0
    k = 3.0 if isinstance(x, int) else 0.5
    return np.sum(s * x) * k


def by_kind_local(x):
    """Locals: a list display, a list comprehension, a tuple, numbers and arrays."""
    ys = [x, 2.0 * x]
    zs = [x * k for k in range(3)]
    ts = (x, x)
    n = 2
    s = 0.0
    if isinstance(ys, list) and isinstance(zs, list) and not isinstance(ts, list):
        s = s + x
    if isinstance(n, int) and not isinstance(n, float) and not isinstance(x, np.ndarray):
        s = s + 3.0 * x
    if isinstance(ts, (list, tuple)) and isinstance(np.ones(2) * x, np.ndarray):
        s = s + x * x
    return s


def _abc(a, b, c):
    return a * b + np.sin(c)


def starred_calls(x, params):
    """f(*t), a, *rest = t, [*a, *b], (*a, x)."""
    a, *rest = params
    b, *mid, z = (x, 2.0, 3.0, 4.0)
    t = [*rest, *mid]
    u = (*t, x)
    return (_abc(*params) + _abc(x, *rest) + sum(u) * a + z * len(mid)
            + np.sum(np.array([*mid, x])) + np.sum(np.stack([*params])) * b)


def starred_arrays(W, b):
    """Starring a tuple of arrays: into np.stack, a helper and a nested unpacking."""
    layers = (W, b)
    first, *others = [*layers, W * 2.0]
    return np.sum(np.stack([others[1], *others, first])) + _abc(*(np.sum(W), np.sum(b), 0.5))


def meshgrids(x, y, z):
    """np.meshgrid with both indexings, 2 and 3 vectors, sparse; np.indices."""
    X, Y = np.meshgrid(x, y)
    A, B, C = np.meshgrid(x, y, z, indexing="ij")
    P, Q, R = np.meshgrid(x, y, z)
    S, U = np.meshgrid(x, y, sparse=True)
    I = np.indices((len(x), len(y)))
    J, K = np.indices((len(x), 3), sparse=True)
    W = np.indices((2, len(y)), dtype=float)
    return (np.sum(np.sin(X) * Y ** 2) + np.sum(A * B * np.cos(C)) + np.sum(P * Q ** 2 * R ** 3)
            + np.sum(S * U) + np.sum(I[0] * I[1] * X.T) + np.sum(J * K) * x[0]
            + np.sum(W[1] * y))


def meshgrid_potential(x, y):
    """A fluid-simulation-style grid: a field on a meshgrid, differentiated through both."""
    X, Y = np.meshgrid(x, y, indexing="xy")
    field = np.exp(-(X ** 2 + 2.0 * Y ** 2)) * np.cos(X * Y)
    return np.sum(field[1:, :] - field[:-1, :]) + np.sum(field ** 2)
