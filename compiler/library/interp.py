"""Piecewise-linear interpolation, ``np.interp``, and ``np.searchsorted``, which it reads.

``np.interp(x, xp, fp)`` is written with primitives that exist, as NumPy's C loop computes
it: ``j`` the segment (the last knot at or left of x: ``searchsorted(xp, x, 'right') - 1``,
kept within [0, n - 2]), ``slope = (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])`` and
``slope * (x - xp[j]) + fp[j]`` (NumPy's fallbacks where that is NaN), ``fp[-1]`` at the last
knot (as ``slope * (x - xp[-1]) + fp[-1]``, the same value), ``left``/``right`` (fp[0]/fp[-1]
by default) outside and NaN for a NaN x. Its derivatives are those of the formula: in x the
slope of the segment x falls in (at a knot, the segment to its right, as JAX's; at the last
knot, the one to its left; 0 outside), in fp the two interpolation weights, in xp
``-slope * (1 - t)`` and ``-slope * t`` (t = (x - xp[j]) / (xp[j+1] - xp[j])), and second
derivatives are the formula's (bilinear in x and fp). A segment of length 0 (repeated knots)
is never the one x falls in, but for x at a repeated last knot; its slope is 0 and its
division guarded, so that no NaN reaches a gradient. (NaN for a NaN x, but fp[0] with one
knot, as NumPy's.) With ``period=`` x and xp are reduced modulo the period, xp sorted (a stable sort: NumPy's quicksort may
order repeated knots otherwise) and fp with it, and both extended by one knot past each
end, as NumPy does. xp increasing is the caller's promise, as NumPy's.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Var
from ..primitives import P_ATOM, Spelling, defprim
from ..values import Ref
from .callargs import float_of
from .registry import lowers


def _search_spell(a, p):
    return f"np.searchsorted({a[0]}, {a[1]}, side={p['side']!r})"


def _batch_search(bt, op, args, isb):
    """Mapped values searched in one sorted array: the same search (it acts on every value);
    a mapped sorted array has no rule (vmap loops)."""
    if isb[0]:
        return None
    return bt.b.op(op.prim, *args, **dict(op.params))


# the insertion points of v in the sorted 1-D a (no derivative)
defprim("searchsorted", 2, lambda a, v, side: T.integer(v),
        Spelling(_search_spell, _search_spell, P_ATOM, (1, 1)), elementwise=False,
        nondiff=True, shape=lambda q, args, p: q.shape(args[1]), batch=_batch_search)


def _sorted_1d(lowerer, node, fname, what):
    a = lowerer.atom(node)
    if not (isinstance(a, Var) and T.is_array(a.type) and a.type.ndim == 1):
        raise lowerer.err(node, f"{fname}: {what} must be a 1-D array")
    return a


@lowers(np.searchsorted, takes="a v side")
def _searchsorted(lowerer, node, args):
    """np.searchsorted(a, v, side='left'): where each v goes in the sorted 1-D a."""
    a = _sorted_1d(lowerer, args["a"], "np.searchsorted", "a")
    side = lowerer.expr(args["side"]) if "side" in args else Ref("left")
    side = side.obj if isinstance(side, Ref) else side
    if side not in ("left", "right"):
        raise lowerer.err(args["side"], f"np.searchsorted: side must be 'left' or 'right', not {side!r}")
    v = lowerer.atom(args["v"])
    if v.type.dtype != a.type.dtype:
        dtype = "float64" if "float64" in (v.type.dtype, a.type.dtype) else v.type.dtype
        a, v = (lowerer.cast(w, T.with_dtype(w.type, dtype), node) if w.type.dtype != dtype else w
                for w in (a, v))
    return lowerer.op(node, "searchsorted", a, v, side=side)


_INTERP = """
n = xp.shape[0]
if n == 0:
    raise ValueError("array of sample points is empty")
if fp.shape[0] != n:
    raise ValueError("fp and xp are not of the same length.")
j = np.maximum(np.minimum(np.searchsorted(xp, x, side="right") - 1, n - 2), 0)
j1 = np.minimum(j + 1, n - 1)
xj = xp[j]
xj1 = xp[j1]
fj = fp[j]
fj1 = fp[j1]
h = xj1 - xj
slope = np.where(h == 0.0, 0.0, (fj1 - fj) / np.where(h == 0.0, 1.0, h))
r1 = slope * (x - xj) + fj
r2 = slope * (x - xj1) + fj1
out = np.where(np.isnan(r1), np.where(np.logical_and(np.isnan(r2), fj == fj1), fj, r2), r1)
out = np.where(np.logical_and(x == xj, np.isnan(r1)), fj, out)
last = xp[n - 1]
out = np.where(x == last, np.where(np.isnan(r2), fj1, r2), out)
out = np.where(x < xp[0], LEFT, out)
out = np.where(x > last, RIGHT, out)
np.where(np.logical_and(np.isnan(x), n > 1), x, out)
"""


# NumPy's reduction of a periodic interpolation to a plain one (left/right are then unused)
_PERIODIC = """
period = abs(period)
if period == 0:
    raise ValueError("period must be a non-zero value")
if fp.shape[0] != xp.shape[0]:
    raise ValueError("fp and xp are not of the same length")
x = x % period
xp = xp % period
order = np.argsort(xp)
xp = xp[order]
fp = fp[order]
xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
fp = np.concatenate((fp[-1:], fp, fp[0:1]))
"""


@lowers(np.interp, takes="x xp fp left right period")
def _interp(lowerer, node, args):
    fname = "np.interp"
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    xp = float_of(lowerer, _sorted_1d(lowerer, args["xp"], fname, "xp"), node)
    fp = float_of(lowerer, _sorted_1d(lowerer, args["fp"], fname, "fp"), node)
    values = {"x": x, "xp": xp, "fp": fp}
    if "period" in args and not args.is_none("period"):
        period = lowerer.atom(args["period"])
        if T.is_array(period.type):
            raise lowerer.err(args["period"], f"{fname}: period must be a number")
        values["period"] = float_of(lowerer, period, node)
        text = _PERIODIC + _INTERP.replace("LEFT", "fp[0]").replace("RIGHT", "fp[n - 1]")
    else:
        for k in ("left", "right"):
            if k in args and not args.is_none(k):
                v = lowerer.atom(args[k])
                if T.is_array(v.type):
                    raise lowerer.err(args[k], f"{fname}: {k} must be a number")
                values[k] = float_of(lowerer, v, node)
        text = _INTERP.replace("LEFT", "left" if "left" in values else "fp[0]") \
            .replace("RIGHT", "right" if "right" in values else "fp[n - 1]")
    return lowerer.lower_text(text, node, **values)
