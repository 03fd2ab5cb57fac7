"""CUDA device versions of the functions in :mod:`.support`, for ``vectorize(target="cuda")``.

Generated CUDA modules import ``sigmoid``, ``relu``, ... from here instead of from
:mod:`.support`: the same overflow-safe formulas, as ``cuda.jit(device=True)``
functions (Numba's ``overload`` registrations in :mod:`.numba_ext` are CPU-only).
Importing this module imports ``numba.cuda``; nothing else in flatgrad does so at
import time.
"""
from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def sigmoid(x):
    e = math.exp(-abs(x))            # branch-free: no divergence within a warp
    return (1.0 if x >= 0 else e) / (1.0 + e)


@cuda.jit(device=True)
def relu(x):
    return x if x > 0 else 0.0 * x


@cuda.jit(device=True)
def softplus(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


@cuda.jit(device=True)
def erf(x):
    return math.erf(x)


@cuda.jit(device=True)
def erfc(x):
    return math.erfc(x)
