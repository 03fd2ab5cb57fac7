"""CUDA device versions of the functions in :mod:`.support`, for ``vectorize(target="cuda")``.

Generated CUDA modules import ``sigmoid``, ``relu``, ... from here instead of from
:mod:`.support`: its scalar formulas (``sigmoid_scalar``, ...) compiled as
``cuda.jit(device=True)`` functions (Numba's ``overload`` registrations in
:mod:`.numba_ext` are CPU-only).
Importing this module imports ``numba.cuda``; nothing else in flatgrad does so at
import time.
"""
from __future__ import annotations

import math

from numba import cuda

from . import support


sigmoid = cuda.jit(device=True)(support.sigmoid_scalar)   # the formulas of support.py
relu = cuda.jit(device=True)(support.relu_scalar)
softplus = cuda.jit(device=True)(support.softplus_scalar)


@cuda.jit(device=True)
def erf(x):
    return math.erf(x)


@cuda.jit(device=True)
def erfc(x):
    return math.erfc(x)


# special functions (compiler/library/special.py, stable.py): the scalar formulas of support.py
gammaln = cuda.jit(device=True)(support.gammaln_scalar)
polygamma = cuda.jit(device=True)(support.polygamma_scalar)
xlogy = cuda.jit(device=True)(support.xlogy_scalar)
xlog1py = cuda.jit(device=True)(support.xlog1py_scalar)
