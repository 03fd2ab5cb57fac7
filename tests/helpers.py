"""Helpers shared by the test packages: finite differences and IR construction."""
from __future__ import annotations

import math

import numpy as np


def fd(f, args, i, eps=1e-6):
    """Central finite difference of scalar ``f(*args)`` with respect to ``args[i]``."""
    args = list(args)
    h = eps * max(1.0, abs(args[i]))
    up, down = list(args), list(args)
    up[i] = args[i] + h
    down[i] = args[i] - h
    return (f(*up) - f(*down)) / (2 * h)


def fd_array(f, x, eps=1e-6):
    """Central finite differences of scalar ``f(x)`` with respect to each item of array ``x``."""
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = eps
        out[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def fd_all(f, args, argnums, eps=1e-6):
    return tuple(fd(f, args, i, eps) for i in argnums)


def assert_close(actual, expected, rtol=1e-5, atol=1e-7):
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, (actual, expected)
    assert np.all(np.isfinite(a)), actual
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def isclose(a, b, tol=1e-6):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
