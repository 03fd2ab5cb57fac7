"""Polynomials, grids, integration, clipping and index picks: ``np.polyval``, ``np.linspace``,
``np.trapezoid`` (``np.trapz`` where NumPy still has it), ``np.clip`` with ``a_min``/``a_max``
(``min``/``max``) keywords or ``None``, ``np.argmax``/``np.argmin``.

Each is written as the NumPy code it means and lowered by the frontend
(``Lowerer.lower_text``), so its derivatives come from the primitives it is made of:
``polyval`` is Horner's loop (no power of zero, whose derivative would read ``0 * inf``),
``linspace`` is ``start + k * step`` with the last point exactly ``stop`` (as NumPy sets it),
``trapezoid`` sums neighbouring pairs. ``argmax``/``argmin`` are integers (no gradient):
the first index of the extreme value, as NumPy; along an axis they pick the first entry of a
stable ``argsort``.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from ..primitives import P_ATOM, Spelling, defprim
from .callargs import one_axis
from .registry import lowers

defprim("argmax", 1, lambda x: T.I64, Spelling("np.argmax({0})", "np.argmax({0})", P_ATOM, (0,)),
        elementwise=False, nondiff=True, shape=lambda q, args, p: (),
        batch="a flat index (np.argmax without an axis)")
defprim("argmin", 1, lambda x: T.I64, Spelling("np.argmin({0})", "np.argmin({0})", P_ATOM, (0,)),
        elementwise=False, nondiff=True, shape=lambda q, args, p: (),
        batch="a flat index (np.argmin without an axis)")


def _array(lowerer, node, name):
    x = lowerer.atom(node)
    if not T.is_array(x.type):
        raise lowerer.err(node, f"{name} needs an array here")
    return x


@lowers(np.argmax, np.argmin, takes="a axis")
def _argextreme(lowerer, node, args):
    name = "argmax" if args.fn is np.argmax else "argmin"    # (x.argmax() too: the bound fn)
    x = _array(lowerer, args["a"], f"np.{name}")
    axis = one_axis(lowerer, args.get("axis"), x.type.ndim, f"np.{name}")
    if axis is None:
        return lowerer.op(node, name, x)
    # the first extreme along the axis: the first entry of a stable sort (of -x for the max)
    key = lowerer.op(node, "neg", x) if name == "argmax" else x
    order = lowerer.op(node, "argsort", key, axis=axis)
    spec = tuple(("s", False, False, False) if k != axis else ("i",) for k in range(x.type.ndim))
    return lowerer.op(node, "getitem", order, Const(0, T.I64), spec=spec)


@lowers(np.clip, takes="a a_min a_max min max")
def _clip(lowerer, node, args):
    x = lowerer.atom(args["a"])
    for key, new, prim in (("a_min", "min", "max"), ("a_max", "max", "min")):
        given = args[key] if key in args else args[new]     # NumPy 2 spells them min=, max= too
        if given is not None:
            bound = lowerer.expr(given)
            if getattr(bound, "obj", 0) is None:     # None: no bound on this side
                continue
            x = lowerer.op(node, prim, x, lowerer.atom(given))
    return x


@lowers(np.polyval, takes="p x")
def _polyval(lowerer, node, args):
    p, x = lowerer.expr(args["p"]), lowerer.atom(args["x"])
    if isinstance(p, tuple):                       # coefficients listed: Horner unrolled
        acc = lowerer.op(node, "mul", x, Const(0.0, T.F64))     # x's shape, as NumPy's zeros_like(x)
        for c in p:
            acc = lowerer.op(node, "add", lowerer.op(node, "mul", acc, x), c)
        return acc
    if not (T.is_array(p.type) and p.type.ndim == 1):
        raise lowerer.err(args["p"], "np.polyval takes a 1-D array or a list of coefficients")
    return lowerer.lower_text("""
        acc = x * 0.0
        for k in range(p.shape[0]):
            acc = acc * x + p[k]
        acc
    """, node, p=p, x=x)


@lowers(np.linspace, takes="start stop num endpoint")
def _linspace(lowerer, node, args):
    start, stop = lowerer.atom(args["start"]), lowerer.atom(args["stop"])
    if T.is_array(start.type) or T.is_array(stop.type):
        raise lowerer.err(node, "np.linspace takes numbers for start and stop here")
    num = lowerer.int_atom(args["num"]) if "num" in args else Const(50, T.I64)
    endpoint = lowerer.const_bool(args["endpoint"]) if "endpoint" in args else True
    if not endpoint:
        return lowerer.lower_text("start + np.arange(num) * ((stop - start) / num)", node,
                             start=start, stop=stop, num=num)
    # NumPy's: k * step + start, the last point exactly stop; one point is start
    return lowerer.lower_text("""
        k = np.arange(num)
        np.where(np.logical_and(k == num - 1, num > 1), stop,
                 k * ((stop - start) / max(num - 1, 1)) + start)
    """, node, start=start, stop=stop, num=num)


_TRAPEZOID = [f for f in (getattr(np, "trapezoid", None), getattr(np, "trapz", None)) if f]


@lowers(*_TRAPEZOID, takes="y x dx axis")
def _trapezoid(lowerer, node, args):
    y = _array(lowerer, args["y"], "np.trapezoid")
    nd = y.type.ndim
    axis = one_axis(lowerer, args.get("axis"), nd, "np.trapezoid", default=nd - 1)
    hi = ", ".join("1:" if k == axis else ":" for k in range(nd))
    lo = ", ".join(":-1" if k == axis else ":" for k in range(nd))
    if "x" in args and getattr(lowerer.expr(args["x"]), "obj", 0) is not None:
        x = _array(lowerer, args["x"], "np.trapezoid")
        if x.type.ndim == 1 and nd > 1:     # spacing along the axis, broadcast over the others
            shape = ", ".join("-1" if k == axis else "1" for k in range(nd))
            return lowerer.lower_text(f"np.sum((y[{hi}] + y[{lo}]) * np.reshape(x[1:] - x[:-1], "
                                 f"({shape},)), axis={axis}) / 2.0", node, y=y, x=x)
        return lowerer.lower_text(f"np.sum((y[{hi}] + y[{lo}]) * (x[{hi}] - x[{lo}]), axis={axis}) / 2.0",
                             node, y=y, x=x)
    dx = lowerer.atom(args["dx"]) if "dx" in args else Const(1.0, T.F64)
    return lowerer.lower_text(f"np.sum(y[{hi}] + y[{lo}], axis={axis}) * dx / 2.0", node, y=y, dx=dx)


# ---- closeness and non-finite values

def _number(lowerer, args, name, default):
    return default if args[name] is None else lowerer.atom(args[name])


@lowers(np.isclose, takes="a b rtol atol equal_nan")
def _isclose(lowerer, node, args):
    """``|a - b| <= atol + rtol |b|``, equal infinities close, NaN close to nothing (unless
    ``equal_nan``), elementwise: no gradient."""
    close = "np.logical_or(a == b, np.abs(a - b) <= atol + rtol * np.abs(b))"
    if args["equal_nan"] is not None and lowerer.const_bool(args["equal_nan"]):
        close = f"np.logical_or({close}, np.logical_and(np.isnan(a), np.isnan(b)))"
    return lowerer.lower_text(close, node,
                              a=lowerer.atom(args["a"]), b=lowerer.atom(args["b"]),
                              rtol=_number(lowerer, args, "rtol", Const(1e-5, T.F64)),
                              atol=_number(lowerer, args, "atol", Const(1e-8, T.F64)))


@lowers(np.allclose, takes="a b rtol atol equal_nan")
def _allclose(lowerer, node, args):
    return lowerer.lower_text("np.all(close)", node, close=_isclose(lowerer, node, args))


@lowers(np.nan_to_num, takes="x copy nan posinf neginf")
def _nan_to_num(lowerer, node, args):
    """NaN -> ``nan`` (0.0), +inf -> ``posinf`` (the largest float of x's type), -inf ->
    ``neginf`` (the most negative): the derivative is 1 where x is finite, 0 where replaced."""
    x = lowerer.atom(args["x"])
    big = float(np.finfo(np.float32 if getattr(x.type, "dtype", "") == "float32" else
                         np.float64).max)
    return lowerer.lower_text("np.where(np.isnan(x), nan, np.where(x == np.inf, posinf, "
                              "np.where(x == -np.inf, neginf, x)))", node, x=x,
                              nan=_number(lowerer, args, "nan", Const(0.0, T.F64)),
                              posinf=_number(lowerer, args, "posinf", Const(big, T.F64)),
                              neginf=_number(lowerer, args, "neginf", Const(-big, T.F64)))
