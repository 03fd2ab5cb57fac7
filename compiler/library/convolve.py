"""One-dimensional convolution: ``np.convolve(a, v, mode)`` and ``scipy.signal.convolve`` of
1-D arrays.

One primitive, the full convolution (``conv_full``: ``np.convolve(a, v)``, which Numba
compiles); the modes are slices of it (``valid``: the positions where one covers the other;
``same``: the centred ``max(n, m)``). It is bilinear, so its derivatives are convolutions
again: the VJP in ``a`` is the full convolution of the cotangent with ``v`` reversed, sliced
to ``a``'s positions (a correlation), and likewise in ``v``; the JVP is the sum of the two
convolutions with the tangents.
"""
from __future__ import annotations

import numpy as np
import scipy.signal

from .. import types as T
from ..ir import Const
from ..primitives import call, defprim
from .callargs import array_arg, float_of
from .registry import lowers

_I = T.I64


def _window(b, x, start, length):
    """``x[start:start + length]``."""
    return b.getitem(x, start, b.add(start, length), spec=(("s", True, True, False),))


def _reversed(b, x):
    return b.getitem(x, Const(-1, _I), spec=(("s", False, False, True),))


def _vjp_a(b, g, out, a, v):
    # d out[k] / d a[i] = v[k - i]: sum_k g[k] v[k - i] = conv_full(g, v[::-1])[len(v) - 1 + i]
    return _window(b, b.conv_full(g, _reversed(b, v)), b.sub(b.dim(v, axis=0), 1), b.dim(a, axis=0))


def _vjp_v(b, g, out, a, v):
    return _window(b, b.conv_full(g, _reversed(b, a)), b.sub(b.dim(a, axis=0), 1), b.dim(v, axis=0))


defprim("conv_full", 2, lambda a, v: T.Array(T.promote_dtype(a.dtype, v.dtype, "float32"), 1),
        call("np.convolve", arity=2), elementwise=False, costly=True, allocates=True,
        vjp=(_vjp_a, _vjp_v),
        jvp=(lambda b, t, out, a, v: b.conv_full(t, v), lambda b, t, out, a, v: b.conv_full(a, t)),
        reads_output=False,
        batch="np.convolve takes 1-D arrays: vmap's loop runs one example at a time")


def convolve(lowerer, node, a, v, mode: str, name: str):
    """``a`` and ``v`` (1-D arrays) convolved in ``mode``, as NumPy does (the shorter one slides
    along the longer, whichever is first)."""
    if mode not in ("full", "valid", "same"):
        raise lowerer.err(node, f"{name}: mode must be 'full', 'valid' or 'same', not {mode!r}")
    for x in (a, v):
        if not (T.is_array(x.type) and x.type.ndim == 1):
            raise lowerer.err(node, f"{name} is supported on 1-D arrays here",
                              "Convolve each row, or write the sum of shifted slices.")
    a, v = float_of(lowerer, a, node), float_of(lowerer, v, node)
    full = lowerer.op(node, "conv_full", a, v)
    if mode == "full":
        return full
    n, m = lowerer.op(node, "dim", a, axis=0), lowerer.op(node, "dim", v, axis=0)
    short, long = lowerer.op(node, "min", n, m), lowerer.op(node, "max", n, m)
    if mode == "valid":
        start = lowerer.op(node, "sub", short, Const(1, _I))
        length = lowerer.op(node, "add", lowerer.op(node, "sub", long, short), Const(1, _I))
    else:
        start = lowerer.op(node, "floordiv", lowerer.op(node, "sub", short, Const(1, _I)),
                           Const(2, _I))
        length = long
    stop = lowerer.op(node, "add", start, length)
    return lowerer.op(node, "getitem", full, start, stop, spec=(("s", True, True, False),))


def _mode(lowerer, args, default):
    if "mode" not in args:
        return default
    m = lowerer.expr(args["mode"])
    return getattr(m, "obj", None)


@lowers(np.convolve, takes="a v mode")
def _np_convolve(lowerer, node, args):
    return convolve(lowerer, node, array_arg(lowerer, args["a"], "np.convolve"),
                    array_arg(lowerer, args["v"], "np.convolve"), _mode(lowerer, args, "full"),
                    "np.convolve")


@lowers(scipy.signal.convolve, takes="in1 in2 mode method")
def _sp_convolve(lowerer, node, args):
    return convolve(lowerer, node, array_arg(lowerer, args["in1"], "scipy.signal.convolve"),
                    array_arg(lowerer, args["in2"], "scipy.signal.convolve"),
                    _mode(lowerer, args, "full"), "scipy.signal.convolve")
