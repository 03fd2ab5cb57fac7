"""Cumulative sums and products, and differences.

Three primitives along a constant axis: ``cumsum``, ``rcumsum`` (the cumulative sum from
the end, cumsum's adjoint, and the other way round) and ``cumprod``. The gradient of
``cumprod`` is exact where elements are zero: it is written without division, with two more
primitives, ``shift`` (move along the axis by one place) and ``linrec`` (the linear
recurrence y_i = g_i + a_i y_(i-1), or from the end), whose own derivatives are written with
``shift`` and ``linrec`` again, so Hessians are exact at zeros too.

``np.diff`` is slices: ``x[1:] - x[:-1]`` along the axis, n times.

Numba's ``np.cumsum``/``np.cumprod`` have no axis: the jit spelling of a 2-D or higher scan
calls ``scan_cumsum``/``scan_cumprod`` (runtime/support.py, compiled per axis in numba_ext).
"""
from __future__ import annotations

import math

import numpy as np

from .. import types as T
from ..ir import Const
from ..primitives import B_ALONG, P_ATOM, Spelling, defprim
from .callargs import array_arg, float_of, one_axis
from .registry import lowers

_FULL = ("s", False, False, False)


def _scan_type(x, axis):
    return T.with_dtype(x, "int64") if x.dtype in ("bool", "int64") else x


def _scan(np_name, helper):
    def spell(a, p):
        return f"np.{np_name}({a[0]}, axis={p['axis']})"

    def jit(a, p):
        return f"np.{np_name}({a[0]})" if p["ndim"] == 1 else f"{helper}({a[0]}, {p['axis']})"

    return Spelling(spell, spell, P_ATOM, (1,), jit=jit, helpers=(helper,))


def _helper(name):
    def spell(a, p):
        return f"{name}({a[0]}, {p['axis']})"
    return Spelling(spell, spell, P_ATOM, (1,), helpers=(name,))


def _like(q, args, p):
    return q.shape(args[0])


defprim("cumsum", 1, _scan_type, _scan("cumsum", "scan_cumsum"), elementwise=False,
        costly=True, reads_values=False, shape=_like,
        vjp=(lambda b, g, out, x, axis: b.rcumsum(g, axis=axis),),
        jvp=(lambda b, t, out, x, axis: b.cumsum(t, axis=axis),),
        batch=B_ALONG)
defprim("rcumsum", 1, _scan_type, _helper("rcumsum"), elementwise=False, costly=True,
        reads_values=False, shape=_like,
        vjp=(lambda b, g, out, x, axis: b.cumsum(g, axis=axis),),
        jvp=(lambda b, t, out, x, axis: b.rcumsum(t, axis=axis),),
        batch=B_ALONG)


def _shift_spell(a, p):
    return f"shift_along({a[0]}, {p['axis']}, {p['k']}, {p['fill']!r})"


# x moved k = +1/-1 places along axis, fill in the place left (linear in x: the fill is a
# constant)
defprim("shift", 1, lambda x, axis, k, fill: x,
        Spelling(_shift_spell, _shift_spell, P_ATOM, (1,), helpers=("shift_along",)),
        elementwise=False, reads_values=False, shape=_like,
        vjp=(lambda b, g, out, x, axis, k, fill: b.shift(g, axis=axis, k=-k, fill=0.0),),
        jvp=(lambda b, t, out, x, axis, k, fill: b.shift(t, axis=axis, k=k, fill=0.0),),
        batch=B_ALONG)


def _linrec_spell(a, p):
    return f"linrec({a[0]}, {a[1]}, {p['axis']}, {p['reverse']!r})"


def _linrec_vjp_g(b, gy, out, a, g, axis, reverse):
    """y_i = g_i + a_i y_(i-k) has the adjoint gbar_i = ybar_i + a_(i+k) gbar_(i+k)."""
    k = -1 if reverse else 1
    return b.linrec(b.shift(a, axis=axis, k=-k, fill=0.0), gy, axis=axis, reverse=not reverse)


def _before(b, out, axis, reverse):
    """y_(i-k): the previous value of the recurrence (0 before the first)."""
    return b.shift(out, axis=axis, k=-1 if reverse else 1, fill=0.0)


# the linear recurrence y_i = g_i + a_i * y_(i-1) along axis (y_(i+1) if reverse)
defprim("linrec", 2, lambda a, g, axis, reverse: T.broadcast(a, g),
        Spelling(_linrec_spell, _linrec_spell, P_ATOM, (1, 1), helpers=("linrec",)),
        elementwise=False, costly=True,
        shape=lambda q, args, p: q.shape(args[1]),
        vjp=(lambda b, gy, out, a, g, axis, reverse:
             b.mul(_linrec_vjp_g(b, gy, out, a, g, axis, reverse), _before(b, out, axis, reverse)),
             _linrec_vjp_g),
        jvp=(lambda b, t, out, a, g, axis, reverse:
             b.linrec(a, b.mul(t, _before(b, out, axis, reverse)), axis=axis, reverse=reverse),
             lambda b, t, out, a, g, axis, reverse: b.linrec(a, t, axis=axis, reverse=reverse)),
        batch=B_ALONG)


def _exclusive(b, out, axis):
    """The product of the elements before each one (1 for the first)."""
    return b.shift(out, axis=axis, k=1, fill=1.0)


# d out_i / d x_j = prod_{l <= i, l != j} x_l: with E_j the product before j, the adjoint is
# E_j * S_j with S_j = g_j + x_(j+1) S_(j+1), and the tangent T_i = t_i E_i + x_i T_(i-1):
# products only, no division, so exact where elements are 0
defprim("cumprod", 1, _scan_type, _scan("cumprod", "scan_cumprod"), elementwise=False,
        costly=True, shape=_like,
        vjp=(lambda b, g, out, x, axis: b.mul(_exclusive(b, out, axis), b.linrec(
            b.shift(x, axis=axis, k=-1, fill=0.0), g, axis=axis, reverse=True)),),
        jvp=(lambda b, t, out, x, axis:
             b.linrec(x, b.mul(t, _exclusive(b, out, axis)), axis=axis, reverse=False),),
        batch=B_ALONG)


# ======================================================================= lowerings

def _scan_call(np_fn, prim):
    @lowers(np_fn, takes="a axis dtype out")
    def lower(lowerer, node, args):
        """np.cumsum / np.cumprod: along ``axis``, or over the flattened array (axis=None)."""
        name = f"np.{np_fn.__name__}"
        for k in ("dtype", "out"):
            if k in args:
                raise lowerer.err(node, f"{name}: {k}= is not supported",
                             "Convert the argument first (x.astype(...)), and assign the result.")
        x = lowerer.atom(args["a"])
        if not T.is_array(x.type):
            return lowerer.op(node, "pack", x)          # np.cumsum(2.0) is array([2.0])
        if "axis" not in args:
            if x.type.ndim != 1:     # (a copy first: Numba reshapes contiguous arrays only)
                x = lowerer.op(node, "reshape", lowerer.op(node, "copy_array", x), Const(-1, T.I64))
            axis = 0
        else:
            axis = one_axis(lowerer, args["axis"], x.type.ndim, name)
        return lowerer.op(node, prim, x, axis=axis)
    return lower


_scan_call(np.cumsum, "cumsum")
_scan_call(np.cumprod, "cumprod")


def _axis_slice(lowerer, node, x, axis, lo, hi):
    spec = (_FULL,) * axis + (("s", lo is not None, hi is not None, False),)
    args = [Const(v, T.I64) for v in (lo, hi) if v is not None]
    return lowerer.op(node, "getitem", x, *args, spec=spec)


@lowers(np.diff, takes="a n axis prepend append")
def _diff(lowerer, node, args):
    """np.diff(a, n=1, axis=-1, prepend=, append=): x[1:] - x[:-1] along ``axis``, ``n`` times
    (booleans: !=); a number prepended or appended is broadcast to one slice along the axis,
    an array is joined as it is, as NumPy does."""
    if args.is_none("axis"):
        raise lowerer.err(node, "np.diff needs an integer axis (NumPy has no axis=None here)")
    x = array_arg(lowerer, args["a"], "np.diff")
    n = lowerer.const_int(args["n"]) if "n" in args else 1
    if n < 0:
        raise lowerer.err(node, f"np.diff: order must be non-negative but got {n}")
    axis = one_axis(lowerer, args.get("axis"), x.type.ndim, "np.diff", default=x.type.ndim - 1)
    if n == 0:
        return x
    if "prepend" in args or "append" in args:
        x = _joined(lowerer, node, args, x, axis)
    for _ in range(n):
        hi, lo = _axis_slice(lowerer, node, x, axis, 1, None), _axis_slice(lowerer, node, x, axis, None, -1)
        x = lowerer.op(node, "ne" if x.type.dtype == "bool" else "sub", hi, lo)
    return x


def _joined(lowerer, node, args, x, axis):
    """``x`` with np.diff's prepend/append values joined along ``axis``."""
    parts = []
    for k in ("prepend", "append"):
        if k not in args:
            continue
        v = lowerer.atom(args[k])
        if not T.is_array(v.type):
            shape = ", ".join("1" if d == axis else f"x.shape[{d}]" for d in range(x.type.ndim))
            v = lowerer.lower_text(f"np.broadcast_to(v, ({shape},))", node, v=v, x=x)
        elif v.type.ndim != x.type.ndim:
            raise lowerer.err(args[k], f"np.diff: {k}= must have the array's {x.type.ndim} "
                                       "dimensions, or be a number")
        parts.append((k, v))
    order = [v for k, v in parts if k == "prepend"] + [x] + [v for k, v in parts if k == "append"]
    return lowerer.lower_text(f"np.concatenate(({', '.join(f'p{i}' for i in range(len(order)))},"
                              f"), axis={axis})", node, **{f"p{i}": v for i, v in enumerate(order)})


@lowers(np.gradient, signature="f, *varargs, axis=None, edge_order=1")
def _gradient(lowerer, node, args):
    """np.gradient(f, *spacing, axis=None, edge_order=1): central differences inside, one-sided
    ones (first or second order) at the two ends, along each axis asked for (one array for a
    1-D f or an int axis, else a tuple of them); the spacing numbers per axis (coordinate
    arrays are not read)."""
    x = float_of(lowerer, array_arg(lowerer, args["f"], "np.gradient"), node)
    nd = x.type.ndim
    v = None if "axis" not in args or args.is_none("axis") else lowerer.expr(args["axis"])
    if v is None:
        axes, single = list(range(nd)), nd == 1
    elif isinstance(v, tuple):
        axes, single = [_const_axis(lowerer, node, a, nd) for a in v], False
    else:
        axes, single = [_const_axis(lowerer, node, v, nd)], True
    order = lowerer.const_int(args["edge_order"]) if "edge_order" in args else 1
    if order not in (1, 2):
        raise lowerer.err(node, "np.gradient: edge_order must be 1 or 2")
    dxs = [float_of(lowerer, lowerer.atom(a), node) for a in args.rest]
    if any(T.is_array(d.type) for d in dxs):
        raise lowerer.err(node, "np.gradient: spacing by coordinate arrays is not supported",
                          "Pass the spacing as a number per axis.")
    if len(dxs) > 1 and len(dxs) != len(axes):
        raise lowerer.err(node, f"np.gradient: {len(dxs)} spacings for {len(axes)} axes")
    dxs = dxs * len(axes) if len(dxs) == 1 else dxs or [Const(1.0, T.F64)] * len(axes)
    outs = tuple(_gradient_along(lowerer, node, x, ax, dx, order) for ax, dx in zip(axes, dxs))
    return outs[0] if single else outs


def _const_axis(lowerer, node, a, nd):
    if not (isinstance(a, Const) and isinstance(a.value, int) and -nd <= a.value < nd):
        raise lowerer.err(node, "np.gradient needs constant integer axes within the array's")
    return a.value % nd


def _gradient_along(lowerer, node, x, axis, dx, order):
    def sl(lo, hi):
        return _axis_slice(lowerer, node, x, axis, lo, hi)

    def op(name, *a):
        return lowerer.op(node, name, *a)

    two_dx = op("mul", 2.0, dx)
    inner = op("div", op("sub", sl(2, None), sl(None, -2)), two_dx)
    if order == 1:
        first = op("div", op("sub", sl(1, 2), sl(0, 1)), dx)
        last = op("div", op("sub", sl(-1, None), sl(-2, -1)), dx)
    else:                # second-order one-sided: (-3 f0 + 4 f1 - f2) / 2dx and its mirror
        first = op("div", op("sub", op("add", op("mul", -3.0, sl(0, 1)), op("mul", 4.0, sl(1, 2))),
                             sl(2, 3)), two_dx)
        last = op("div", op("add", op("sub", op("mul", 3.0, sl(-1, None)), op("mul", 4.0, sl(-2, -1))),
                            sl(-3, -2)), two_dx)
    return lowerer.op(node, "concat", first, inner, last, axis=axis)


@lowers(np.unwrap, takes="p discont axis period")
def _unwrap(lowerer, node, args):
    """np.unwrap(p, discont, axis, period) as NumPy computes it: the steps between neighbours
    folded into [-period/2, period/2), their corrections summed along the axis and added to
    p. The corrections are piecewise constant in p: the gradient passes through unchanged."""
    x = float_of(lowerer, array_arg(lowerer, args["p"], "np.unwrap"), node)
    nd = x.type.ndim
    axis = one_axis(lowerer, args.get("axis"), nd, "np.unwrap", default=nd - 1)
    period = float_of(lowerer, lowerer.atom(args["period"]), node) if "period" in args \
        else Const(2 * math.pi, T.F64)
    half = lowerer.op(node, "div", period, 2.0)
    discont = lowerer.atom(args["discont"]) if "discont" in args else half
    hi, lo = _axis_slice(lowerer, node, x, axis, 1, None), _axis_slice(lowerer, node, x, axis, None, -1)
    dd = lowerer.op(node, "sub", hi, lo)
    low = lowerer.op(node, "neg", half)
    ddmod = lowerer.op(node, "add", lowerer.op(node, "mod", lowerer.op(node, "sub", dd, low), period), low)
    edge = lowerer.op(node, "and", lowerer.op(node, "eq", ddmod, low), lowerer.op(node, "gt", dd, 0.0))
    ddmod = lowerer.op(node, "select", edge, half, ddmod)
    fix = lowerer.op(node, "sub", ddmod, dd)
    fix = lowerer.op(node, "select", lowerer.op(node, "lt", lowerer.op(node, "abs", dd), discont), 0.0, fix)
    rest = lowerer.op(node, "add", hi, lowerer.op(node, "cumsum", fix, axis=axis))
    first = lowerer.op(node, "copy_array", _axis_slice(lowerer, node, x, axis, None, 1))
    return lowerer.op(node, "concat", first, rest, axis=axis)
