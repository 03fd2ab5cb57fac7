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
from .callargs import bind
from .registry import as_method, lowers
from .shape import I64, _add, _axis_arg, _check_kwargs, _ndim, _nonneg, _norm_axis, _ravel, _take

# ======================================================================= repetition

@lowers(np.repeat)
def _np_repeat(lw, node, kwargs):
    _check_kwargs(lw, node, kwargs, ("repeats", "axis"), "repeat")
    x = lw.atom(node.args[0])
    r = kwargs.get("repeats", node.args[1] if len(node.args) > 1 else None)
    if r is None:
        raise lw.err(node, "np.repeat needs the number of repeats")
    rv = lw.expr(r)
    if not (isinstance(rv, (Var, Const)) and isinstance(rv.type, T.Scalar)):
        raise lw.err(node, "np.repeat is supported with one integer count of repeats",
                     "For counts per element, build the index array and gather: x[idx].")
    r = _nonneg(lw, node, rv, "np.repeat: the number of repeats")
    axis = _axis_arg(lw, node, kwargs, 2, None)
    if axis is None:
        x, axis = _ravel(lw, node, x), 0
    else:
        if not T.is_array(x.type):
            x = lw.op(node, "pack", x)
        axis = _norm_axis(lw, node, axis, _ndim(x), "np.repeat")
    if isinstance(r, Const) and r.value == 1:
        return lw.op(node, "copy_array", x)
    n = lw.op(node, "dim", x, axis=axis)
    ar = lw.op(node, "arange", lw.op(node, "mul", n, r))
    idx = lw.op(node, "floordiv", ar, r if isinstance(r, Const) and r.value > 0
                else lw.op(node, "max", r, Const(1, I64)))
    return _take(lw, node, x, idx, axis)


@lowers(np.tile)
def _np_tile(lw, node, kwargs):
    _check_kwargs(lw, node, kwargs, ("reps",), "tile")
    x = lw.atom(node.args[0])
    r = kwargs.get("reps", node.args[1] if len(node.args) > 1 else None)
    if r is None:
        raise lw.err(node, "np.tile needs reps")
    rv = lw.expr(r)
    reps = [_nonneg(lw, node, v, "np.tile: reps") for v in (rv if isinstance(rv, tuple) else (rv,))]
    d = max(_ndim(x), len(reps))
    if not T.is_array(x.type):
        x = lw.op(node, "pack", x)
    while _ndim(x) < d:
        x = lw.op(node, "expand_dims", x, axis=0)
    reps = [Const(1, I64)] * (d - len(reps)) + reps
    out = x
    for k, rk in enumerate(reps):
        if isinstance(rk, Const) and rk.value == 1:
            continue
        n = lw.op(node, "dim", out, axis=k)
        ar = lw.op(node, "arange", lw.op(node, "mul", n, rk))
        idx = lw.op(node, "mod", ar, lw.op(node, "max", n, Const(1, I64)))
        out = _take(lw, node, out, idx, k)
    return out if out is not x else lw.op(node, "copy_array", x)


# ======================================================================= padding

def _pad_widths(lw, node, v, nd):
    """NumPy's pad_width, broadcast to ``nd`` pairs (before, after) of int atoms."""
    def ints(t):
        return [_nonneg(lw, node, e, "np.pad: a pad width") for e in t]

    if not isinstance(v, tuple):
        w = ints((v,))[0]
        return [(w, w)] * nd
    if all(not isinstance(e, tuple) for e in v):
        w = ints(v)
        if len(w) == 1:
            return [(w[0], w[0])] * nd
        if len(w) == 2:
            return [(w[0], w[1])] * nd
        raise lw.err(node, "np.pad: pad_width must be an int, a pair, or one pair per axis")
    if not all(isinstance(e, tuple) for e in v):
        raise lw.err(node, "np.pad: pad_width mixes numbers and pairs")
    pairs = [ints(e) for e in v]
    if len(pairs) == 1:
        pairs = pairs * nd
    if len(pairs) != nd or any(len(p) not in (1, 2) for p in pairs):
        raise lw.err(node, f"np.pad: pad_width needs one pair per axis ({nd} here)")
    return [(p[0], p[-1]) for p in pairs]


_PAD_MODES = ("constant", "edge", "wrap", "reflect", "symmetric")


@lowers(np.pad)
def _np_pad(lw, node, kwargs):
    _check_kwargs(lw, node, kwargs, ("pad_width", "mode", "constant_values"), "pad")
    x = lw.atom(node.args[0])
    pw = kwargs.get("pad_width", node.args[1] if len(node.args) > 1 else None)
    if pw is None:
        raise lw.err(node, "np.pad needs pad_width")
    m = kwargs.get("mode", node.args[2] if len(node.args) > 2 else None)
    mode = "constant"
    if m is not None:
        if not (isinstance(m, ast.Constant) and isinstance(m.value, str)):
            raise lw.err(node, "np.pad: mode must be a string constant")
        mode = m.value
    if mode not in _PAD_MODES:
        raise lw.err(node, f"np.pad: mode '{mode}' is not supported",
                     "Supported modes: " + ", ".join(_PAD_MODES) + ".")
    if not T.is_array(x.type):
        x = lw.op(node, "pack", x)
    nd = _ndim(x)
    widths = _pad_widths(lw, node, lw.expr(pw), nd)
    if mode == "constant":
        cv = kwargs.get("constant_values")
        c = lw.atom(cv) if cv is not None else Const(0, I64)
        if T.is_array(c.type):
            raise lw.err(node, "np.pad: constant_values is supported as one number",
                         "Pad with 0 and add the values where you need them.")
        ns = [lw.op(node, "dim", x, axis=k) for k in range(nd)]
        dims = [_add(lw, node, _add(lw, node, n, lo), hi) for n, (lo, hi) in zip(ns, widths)]
        base = lw.op(node, "zeros", *dims, dtype=x.type.dtype)
        if not (isinstance(c, Const) and c.value == 0):
            base = lw.op(node, "add", base, c)
            if base.type.dtype != x.type.dtype:
                base = lw.cast(base, T.with_dtype(base.type, x.type.dtype), node)
        spec, idx = [], []
        for n, (lo, hi) in zip(ns, widths):
            spec.append(("s", True, True, False))
            idx += [lo, _add(lw, node, lo, n)]
        return lw.op(node, "setitem", base, x, *idx, spec=tuple(spec))
    if "constant_values" in kwargs:
        raise lw.err(node, f"np.pad: constant_values goes with mode='constant', not '{mode}'")
    out = x
    for k, (lo, hi) in enumerate(widths):
        if isinstance(lo, Const) and isinstance(hi, Const) and lo.value == hi.value == 0:
            continue
        n = lw.op(node, "dim", out, axis=k)
        i = lw.op(node, "sub", lw.op(node, "arange", _add(lw, node, _add(lw, node, n, lo), hi)), lo)
        if mode == "edge":
            idx = lw.op(node, "min", lw.op(node, "max", i, Const(0, I64)),
                        lw.op(node, "sub", n, Const(1, I64)))
        elif mode == "wrap":
            idx = lw.op(node, "mod", i, lw.op(node, "max", n, Const(1, I64)))
        elif mode == "reflect":      # period 2(n - 1): 0 1 2 1 0 1 2 ...
            p = lw.op(node, "max", lw.op(node, "mul", lw.op(node, "sub", n, Const(1, I64)),
                                         Const(2, I64)), Const(1, I64))
            j = lw.op(node, "mod", i, p)
            idx = lw.op(node, "min", j, lw.op(node, "sub", p, j))
        else:                        # symmetric, period 2n: 0 1 2 2 1 0 0 1 ...
            p = lw.op(node, "max", lw.op(node, "mul", n, Const(2, I64)), Const(1, I64))
            j = lw.op(node, "mod", i, p)
            idx = lw.op(node, "min", j, lw.op(node, "sub", lw.op(node, "sub", p, Const(1, I64)), j))
        out = _take(lw, node, out, idx, k)
    return out if out is not x else lw.op(node, "copy_array", x)


@lowers(np.shape, np.ndim, np.size)
def _np_shape(lw, node, kwargs):
    """``np.shape(x)``, ``np.ndim(x)``, ``np.size(x)`` (``np.size(x, axis)``): as ``x.shape``,
    ``x.ndim``, ``x.size``; a number is 0-D, a tuple of numbers 1-D."""
    fn = lw.resolve_callee(node.func)
    name = fn.__name__
    args = bind(lw, node, kwargs, f"np.{name}", ("a", "axis") if fn is np.size else ("a",))
    x = lw.expr(args["a"])
    if isinstance(x, tuple) and all(isinstance(v, (Var, Const)) and isinstance(v.type, T.Scalar)
                                    for v in x):
        dims = (Const(len(x), I64),)
    elif isinstance(x, (Var, Const)):
        dims = tuple(lw.op(node, "dim", x, axis=k) for k in range(T.ndim(x.type)))
    else:
        raise lw.err(node, f"np.{name} needs an array, a number or a tuple of numbers")
    if name == "shape":
        return dims
    if name == "ndim":
        return Const(len(dims), I64)
    if "axis" in args:
        k = lw.const_int(args["axis"])
        if not -len(dims) <= k < len(dims):
            raise lw.err(node, f"np.size: axis {k} is out of bounds for {len(dims)} dimension(s)")
        return dims[k % len(dims)]
    if isinstance(x, Var) and T.is_array(x.type):
        return lw.op(node, "size", x)
    return dims[0] if dims else Const(1, I64)


as_method(np.repeat, "repeat")
