"""SciPy's special functions under Numba (the erf and gamma inverses, the Bessel functions:
``support.CYTHON_SPECIAL``): the C functions of ``scipy.special.cython_special``, the very
code SciPy's ufuncs run, called by a symbol name that llvmlite resolves to its address when
this module is imported (as ``numba_blas`` calls BLAS), so that compiled code can be cached
and loaded by another process. Each is a ufunc over its double-precision function (a float32
argument is computed in double and the result cast back, as the IR's types say)."""
from __future__ import annotations

import re

import numpy as np
from llvmlite import binding
from numba import types, vectorize
from numba.extending import get_cython_function_address, overload, register_jitable

from . import support

_F64 = types.float64
def _bind(name: str, nargs: int) -> types.ExternalFunction:
    """``name``'s double-precision C function (SciPy's Cython module exports fused versions
    under numbered prefixes, told apart by their signatures; each takes a trailing int,
    Cython's skip_dispatch, unused), registered under a symbol of flatgrad's."""
    from scipy.special import cython_special
    want = "double (" + ", ".join(["double"] * nargs) + ", int __pyx_skip_dispatch)"
    found = [n for n, cap in cython_special.__pyx_capi__.items()
             if re.fullmatch(r"(__pyx_fuse_\d+)?" + name, n)
             and f'"{want}"' in repr(cap)]
    symbol = "flatgrad_special_" + name
    binding.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special",
                                                           found[0]))
    return types.ExternalFunction(symbol, _F64(*([_F64] * nargs), types.int32))


_C = {name: _bind(name, n) for name, n in support.CYTHON_SPECIAL.items()}
_ufuncs: dict = {}


def _ufunc(name: str):
    """The ufunc of ``name``'s C function, built when code first uses it."""
    uf = _ufuncs.get(name)
    if uf is None:
        c = _C[name]
        if support.CYTHON_SPECIAL[name] == 1:
            def scalar(x):
                return c(x, 0)
            sig = ["float64(float64)"]
        else:
            def scalar(v, x):
                return c(v, x, 0)
            sig = ["float64(float64, float64)"]
        uf = _ufuncs[name] = vectorize(sig)(scalar)
    return uf


def _float32(*args) -> bool:
    dts = [getattr(a, "dtype", a) for a in args]
    return types.float32 in dts and types.float64 not in dts


def _impl(name: str, args):
    """The implementation for these argument types: the ufunc, its result cast to float32
    where the arguments are float32."""
    uf = _ufunc(name)
    if not _float32(*args):
        cast = _same
    elif any(isinstance(a, types.Array) for a in args):
        cast = _to_f32_array
    else:
        cast = _to_f32
    if len(args) == 1:
        return lambda x: cast(uf(x))
    return lambda v, x: cast(uf(v, x))


def _same(y):
    return y


def _to_f32_array(y):
    return y.astype(np.float32)


def _to_f32(y):
    return np.float32(y)


for _fn in (_same, _to_f32_array, _to_f32):
    register_jitable(_fn)


def _register(name: str) -> None:
    if support.CYTHON_SPECIAL[name] == 1:
        overload(getattr(support, name))(lambda x: _impl(name, (x,)))
    else:
        overload(getattr(support, name))(lambda v, x: _impl(name, (v, x)))


for _name in support.CYTHON_SPECIAL:
    _register(_name)
