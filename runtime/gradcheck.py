"""Gradient checking: flatgrad against central finite differences."""
from __future__ import annotations

import numpy as np


def numeric_grad(f, args: list, i: int, eps: float = 1e-6):
    """Central-difference derivative of scalar ``f(*args)`` with respect to ``args[i]``."""
    x = args[i]
    if isinstance(x, np.ndarray):
        g = np.zeros(x.shape, dtype=np.float64)
        flat = x.astype(np.float64).ravel()
        for j in range(flat.size):
            step = eps * max(1.0, abs(flat[j]))
            up, down = flat.copy(), flat.copy()
            up[j] += step
            down[j] -= step
            a_up, a_down = list(args), list(args)
            a_up[i] = up.reshape(x.shape).astype(x.dtype)
            a_down[i] = down.reshape(x.shape).astype(x.dtype)
            g.flat[j] = (float(f(*a_up)) - float(f(*a_down))) / (2 * step)
        return g
    x = float(x)
    step = eps * max(1.0, abs(x))
    a_up, a_down = list(args), list(args)
    a_up[i], a_down[i] = x + step, x - step
    return (float(f(*a_up)) - float(f(*a_down))) / (2 * step)


def compare(analytic, numeric, rtol: float, atol: float) -> float:
    """Largest error, scaled by the tolerance (<= 1 passes)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        return np.inf
    err = np.abs(a - n) / (atol + rtol * np.abs(n))
    return float(err.max()) if err.size else 0.0
