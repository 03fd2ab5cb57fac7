"""Functions for test_introspection.py: dtypes and their limits, hasattr/getattr, imports
inside the function, sorted() and min/max with key= (each answered while compiling or
lowered to compare-and-swap steps)."""
import numpy as np


def zeros_of_its_dtype(x):
    out = np.zeros(x.shape[0], dtype=x.dtype)
    for i in range(x.shape[0]):
        out[i] = x[i] ** 2
    return out.sum() + np.sum(np.ones_like(x, dtype=x.dtype) * x) + np.sum(x.astype(x.dtype))


def branches_on_its_dtype(x):
    assert x[0].dtype == np.float64
    if x.dtype == np.float32 or x.dtype != float or x.dtype.kind != "f":
        return np.sum(x)
    if x.dtype in (np.float32, np.float64) and np.issubdtype(x.dtype, np.floating):
        return np.sum(x ** 3) * x.dtype.itemsize
    return np.sum(x)


def limits_of_floats(x):
    eps = np.finfo(float).eps
    tiny = np.finfo(x.dtype).tiny
    big = np.finfo(np.float64).max
    return np.sum(np.log(x ** 2 + eps)) + np.sum(np.clip(x, -big, big)) * (tiny > 0) \
        + np.sum(x) * (np.iinfo(np.int32).max > 5)


def asks_hasattr(x):
    if hasattr(x, "shape") and not hasattr(x, "no_such_thing") and hasattr(np, "tanh"):
        return np.sum(getattr(np, "tanh")(x)) + getattr(np, "no_such_thing", 2.0) * x[0]
    return 0.0


def imports_inside(x):
    import numpy
    import scipy.special
    import scipy.special as sp
    from math import pi
    from numpy import linalg as la
    from scipy.special import expit as sig
    return (numpy.sum(sig(x)) + np.sum(scipy.special.gammaln(x + 3.0)) + np.sum(sp.xlogy(x, x ** 2))
            + la.norm(x) * pi)


def sorted_numbers(x):
    v = sorted([x[0], x[1] * 2.0, x[2] - 0.1, -x[2]])
    w = sorted((x[0], x[1], x[2]), reverse=True)
    return v[0] * 2.0 + v[1] - v[3] * 3.0 + w[0] * 0.5 - w[2] + len(v)


def sorted_by_key(x):
    v = sorted([x[0], x[1] * 2.0, x[2] - 1.0, -x[2]], key=lambda t: (t - 0.45) ** 2, reverse=True)
    u = sorted([x[0], x[1], x[2]], key=abs)
    return v[0] * 3.0 + v[1] - v[3] * 0.5 + u[0] * u[2]


def sorted_many(x):
    items = [x[i % 3] * (i + 1) - i * 0.37 for i in range(9)]
    return sum(w * (k + 1) for k, w in enumerate(sorted(items)))


def max_min_by_key(x):
    vals = [x[0], x[1] * 2.0, x[2] - 1.0]
    parts = [x[:2], x[1:] * 2.0]
    return max(vals, key=abs) * 3.0 + min(vals, key=lambda v: (v - 1.0) ** 2) \
        + np.sum(max(parts, key=lambda p: np.sum(p ** 2)) ** 2)


FUNCS = [zeros_of_its_dtype, branches_on_its_dtype, limits_of_floats, asks_hasattr, imports_inside,
         sorted_numbers, sorted_by_key, sorted_many, max_min_by_key]


def finfo_of_an_array(x):
    return np.sum(x) * np.finfo(x).eps


def sorted_array(x):
    return sorted(x)[0]


def import_fails(x):
    import no_such_module_here   # noqa: F401
    return np.sum(x)
