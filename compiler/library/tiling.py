"""Repeating and padding arrays, and reading shapes: ``np.repeat``, ``np.tile``, ``np.pad``,
``np.shape``/``np.ndim``/``np.size``. ``repeat``, ``tile`` and the edge/wrap/reflect modes of
``pad`` gather with an index array built by ``arange`` (their adjoints are scatter-adds);
constant ``pad`` writes the array into a fresh one; a negative repeat count is checked at
run time (``nonneg`` in runtime/support.py). Split from :mod:`.shape`, whose helpers they
share.
"""
from __future__ import annotations

import ast

import numpy as np

from .. import types as T
from ..ir import Const, Var
from .registry import as_method, lowers
from .shape import I64, _add, _axis_arg, _ndim, _nonneg, _norm_axis, _ravel, _take

# ======================================================================= repetition

@lowers(np.repeat)
def _np_repeat(lowerer, node, args):
    x = lowerer.atom(args["a"])
    rv = lowerer.expr(args["repeats"])
    if not (isinstance(rv, (Var, Const)) and isinstance(rv.type, T.Scalar)):
        raise lowerer.err(node, "np.repeat is supported with one integer count of repeats",
                     "For counts per element, build the index array and gather: x[idx].")
    r = _nonneg(lowerer, node, rv, "np.repeat: the number of repeats")
    axis = _axis_arg(lowerer, args, None)
    if axis is None:
        x, axis = _ravel(lowerer, node, x), 0
    else:
        if not T.is_array(x.type):
            x = lowerer.op(node, "pack", x)
        axis = _norm_axis(lowerer, node, axis, _ndim(x), "np.repeat")
    if isinstance(r, Const) and r.value == 1:
        return lowerer.op(node, "copy_array", x)
    n = lowerer.op(node, "dim", x, axis=axis)
    ar = lowerer.op(node, "arange", lowerer.op(node, "mul", n, r))
    idx = lowerer.op(node, "floordiv", ar, r if isinstance(r, Const) and r.value > 0
                else lowerer.op(node, "max", r, Const(1, I64)))
    return _take(lowerer, node, x, idx, axis)


@lowers(np.tile)
def _np_tile(lowerer, node, args):
    x = lowerer.atom(args["A"])
    rv = lowerer.expr(args["reps"])
    reps = [_nonneg(lowerer, node, v, "np.tile: reps") for v in (rv if isinstance(rv, tuple) else (rv,))]
    d = max(_ndim(x), len(reps))
    if not T.is_array(x.type):
        x = lowerer.op(node, "pack", x)
    while _ndim(x) < d:
        x = lowerer.op(node, "expand_dims", x, axis=0)
    reps = [Const(1, I64)] * (d - len(reps)) + reps
    out = x
    for k, rk in enumerate(reps):
        if isinstance(rk, Const) and rk.value == 1:
            continue
        n = lowerer.op(node, "dim", out, axis=k)
        ar = lowerer.op(node, "arange", lowerer.op(node, "mul", n, rk))
        idx = lowerer.op(node, "mod", ar, lowerer.op(node, "max", n, Const(1, I64)))
        out = _take(lowerer, node, out, idx, k)
    return out if out is not x else lowerer.op(node, "copy_array", x)


# ======================================================================= padding

def _pad_widths(lowerer, node, v, nd):
    """NumPy's pad_width, broadcast to ``nd`` pairs (before, after) of int atoms."""
    def ints(t):
        return [_nonneg(lowerer, node, e, "np.pad: a pad width") for e in t]

    if not isinstance(v, tuple):
        w = ints((v,))[0]
        return [(w, w)] * nd
    if all(not isinstance(e, tuple) for e in v):
        w = ints(v)
        if len(w) == 1:
            return [(w[0], w[0])] * nd
        if len(w) == 2:
            return [(w[0], w[1])] * nd
        raise lowerer.err(node, "np.pad: pad_width must be an int, a pair, or one pair per axis")
    if not all(isinstance(e, tuple) for e in v):
        raise lowerer.err(node, "np.pad: pad_width mixes numbers and pairs")
    pairs = [ints(e) for e in v]
    if len(pairs) == 1:
        pairs = pairs * nd
    if len(pairs) != nd or any(len(p) not in (1, 2) for p in pairs):
        raise lowerer.err(node, f"np.pad: pad_width needs one pair per axis ({nd} here)")
    return [(p[0], p[-1]) for p in pairs]


_PAD_MODES = ("constant", "edge", "wrap", "reflect", "symmetric")


@lowers(np.pad, takes="array pad_width mode constant_values")
def _np_pad(lowerer, node, args):
    x = lowerer.atom(args["array"])
    pw, m = args["pad_width"], args["mode"]
    mode = "constant"
    if m is not None:
        if not (isinstance(m, ast.Constant) and isinstance(m.value, str)):
            raise lowerer.err(node, "np.pad: mode must be a string constant")
        mode = m.value
    if mode not in _PAD_MODES:
        raise lowerer.err(node, f"np.pad: mode '{mode}' is not supported",
                     "Supported modes: " + ", ".join(_PAD_MODES) + ".")
    if not T.is_array(x.type):
        x = lowerer.op(node, "pack", x)
    nd = _ndim(x)
    widths = _pad_widths(lowerer, node, lowerer.expr(pw), nd)
    if mode == "constant":
        cv = args["constant_values"]
        c = lowerer.atom(cv) if cv is not None else Const(0, I64)
        if T.is_array(c.type):
            raise lowerer.err(node, "np.pad: constant_values is supported as one number",
                         "Pad with 0 and add the values where you need them.")
        ns = [lowerer.op(node, "dim", x, axis=k) for k in range(nd)]
        dims = [_add(lowerer, node, _add(lowerer, node, n, lo), hi) for n, (lo, hi) in zip(ns, widths)]
        base = lowerer.op(node, "zeros", *dims, dtype=x.type.dtype)
        if not (isinstance(c, Const) and c.value == 0):
            base = lowerer.op(node, "add", base, c)
            if base.type.dtype != x.type.dtype:
                base = lowerer.cast(base, T.with_dtype(base.type, x.type.dtype), node)
        spec, idx = [], []
        for n, (lo, hi) in zip(ns, widths):
            spec.append(("s", True, True, False))
            idx += [lo, _add(lowerer, node, lo, n)]
        return lowerer.op(node, "setitem", base, x, *idx, spec=tuple(spec))
    if "constant_values" in args:
        raise lowerer.err(node, f"np.pad: constant_values goes with mode='constant', not '{mode}'")
    out = x
    for k, (lo, hi) in enumerate(widths):
        if isinstance(lo, Const) and isinstance(hi, Const) and lo.value == hi.value == 0:
            continue
        n = lowerer.op(node, "dim", out, axis=k)
        extent = _add(lowerer, node, _add(lowerer, node, n, lo), hi)
        i = lowerer.op(node, "sub", lowerer.op(node, "arange", extent), lo)
        if mode == "edge":
            idx = lowerer.op(node, "min", lowerer.op(node, "max", i, Const(0, I64)),
                        lowerer.op(node, "sub", n, Const(1, I64)))
        elif mode == "wrap":
            idx = lowerer.op(node, "mod", i, lowerer.op(node, "max", n, Const(1, I64)))
        elif mode == "reflect":      # period 2(n - 1): 0 1 2 1 0 1 2 ...
            p = lowerer.op(node, "max", lowerer.op(node, "mul", lowerer.op(node, "sub", n, Const(1, I64)),
                                         Const(2, I64)), Const(1, I64))
            j = lowerer.op(node, "mod", i, p)
            idx = lowerer.op(node, "min", j, lowerer.op(node, "sub", p, j))
        else:                        # symmetric, period 2n: 0 1 2 2 1 0 0 1 ...
            p = lowerer.op(node, "max", lowerer.op(node, "mul", n, Const(2, I64)), Const(1, I64))
            j = lowerer.op(node, "mod", i, p)
            last = lowerer.op(node, "sub", p, Const(1, I64))
            idx = lowerer.op(node, "min", j, lowerer.op(node, "sub", last, j))
        out = _take(lowerer, node, out, idx, k)
    return out if out is not x else lowerer.op(node, "copy_array", x)


@lowers(np.shape, np.ndim, np.size)
def _np_shape(lowerer, node, args):
    """``np.shape(x)``, ``np.ndim(x)``, ``np.size(x)`` (``np.size(x, axis)``): as ``x.shape``,
    ``x.ndim``, ``x.size``; a number is 0-D, a tuple of numbers 1-D."""
    name = args.fn.__name__
    x = lowerer.expr(args["a"])
    if isinstance(x, tuple) and all(isinstance(v, (Var, Const)) and isinstance(v.type, T.Scalar)
                                    for v in x):
        dims = (Const(len(x), I64),)
    elif isinstance(x, (Var, Const)):
        dims = tuple(lowerer.op(node, "dim", x, axis=k) for k in range(T.ndim(x.type)))
    else:
        raise lowerer.err(node, f"np.{name} needs an array, a number or a tuple of numbers")
    if name == "shape":
        return dims
    if name == "ndim":
        return Const(len(dims), I64)
    if "axis" in args:
        k = lowerer.const_int(args["axis"])
        if not -len(dims) <= k < len(dims):
            raise lowerer.err(node, f"np.size: axis {k} is out of bounds for {len(dims)} dimension(s)")
        return dims[k % len(dims)]
    if isinstance(x, Var) and T.is_array(x.type):
        return lowerer.op(node, "size", x)
    return dims[0] if dims else Const(1, I64)


as_method(np.repeat, "repeat")
