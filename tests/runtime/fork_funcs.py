"""Functions for the fork tests (tests/runtime/test_fork.py, fork_storm.py), with their
derivatives written out by hand as the oracle."""
import math

import numpy as np


def settled(x, y):
    """The parent brings it to the cpu tier (Numba) before it forks."""
    return math.sin(x) * y + x * x * y


def d_settled(x, y):
    return math.cos(x) * y + 2.0 * x * y


def d_settled_dy(x, y):
    return math.sin(x) + x * x


def fresh(k: int):
    """A function no process has compiled before (its closure constant is part of the cache
    key): ``exp(c x) cos(x)``, ``c`` between 1 and 2, one per ``k``."""
    c = _c(k)

    def f(x):
        return math.exp(c * x) * math.cos(x)
    return f


def _c(k: int) -> float:
    return 1.0 + (k % 1000) / 1000.0 + k * 1e-12


def d_fresh(k: int, x: float) -> float:
    c = _c(k)
    return math.exp(c * x) * (c * math.cos(x) - math.sin(x))


def energy(x):
    """A scalar function of an array, for pools and vectorize."""
    return np.sum(np.tanh(x) ** 2)


def d_energy(x):
    t = np.tanh(x)
    return 2.0 * t * (1.0 - t * t)


def greek(s, k):
    """A scalar function of two numbers, mapped with fg.vectorize (Dask)."""
    return s * s * k + math.log(1.0 + s * s)


def d_greek_ds(s, k):
    return 2.0 * s * k + 2.0 * s / (1.0 + s * s)
