"""Arrays built or edited along an axis, written as the NumPy code they mean: ``np.insert``
and ``np.delete`` (their ``obj`` known while compiling), ``np.geomspace``, ``np.vander``,
``np.diagflat``, and ``np.i0`` (the ``i0`` primitive of bessel.py, whose derivative is i1).

``np.delete`` keeps the entries of a boolean mask (its ``obj`` entries cleared at run time,
so negative indices count from the end as NumPy's) by ``np.take`` along the axis: the
gradient scatters back, 0 at the deleted entries. ``np.insert`` follows NumPy's two cases:
one index (an int, or a sequence of one) puts the block of values, ``array(values,
ndmin=arr.ndim)`` (moved to the axis for an int), between ``arr[:i]`` and ``arr[i:]``;
several indices put one slice each, values inserted before the same index keeping their
order, by ``np.take`` of ``concatenate((arr, values))`` at the inverse of the new positions.
``np.geomspace`` is NumPy's: ``10 ** linspace(log10 start, log10 stop)`` with the sign of
start taken out and the two ends set to start and stop exactly. ``np.vander``'s columns are
running products of x, as NumPy's ``multiply.accumulate``, not powers.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from ..values import SliceVal
from .callargs import float_of, one_axis
from .registry import lowers


# ---------------------------------------------------------------- i0, diagflat, vander

@lowers(np.i0, takes="x")
def _i0(lowerer, node, args):
    """np.i0(x): the modified Bessel function of order 0 (its derivative is i1)."""
    return lowerer.op(node, "i0", float_of(lowerer, lowerer.atom(args["x"]), node))


@lowers(np.diagflat, takes="v k")
def _diagflat(lowerer, node, args):
    k = lowerer.int_atom(args["k"]) if "k" in args else Const(0, T.I64)
    return lowerer.lower_text("np.diag(np.ravel(v), k)", node, v=lowerer.atom(args["v"]), k=k)


@lowers(np.vander, takes="x N increasing")
def _vander(lowerer, node, args):
    """Columns 1, x, x*x, ... (NumPy's running products), highest power first unless
    ``increasing``; N columns (len(x) by default)."""
    x = lowerer.atom(args["x"])
    if not (T.is_array(x.type) and x.type.ndim == 1):
        raise lowerer.err(args["x"], "np.vander: x must be a one-dimensional array.")
    if x.type.dtype == "bool":
        x = lowerer.cast(x, T.with_dtype(x.type, "int64"), node)
    n = lowerer.int_atom(args["N"]) if "N" in args else lowerer.lower_text("x.shape[0]", node, x=x)
    inc = lowerer.const_bool(args["increasing"]) if "increasing" in args else False
    return lowerer.lower_text(f"""
        if n < 0:
            raise ValueError("negative dimensions are not allowed")
        ones = np.ones((x.shape[0], min(n, 1)), dtype=x.dtype)
        v = np.concatenate((ones, np.cumprod(x[:, None] * np.ones((1, max(n - 1, 0)), dtype=x.dtype),
                                              axis=1)), axis=1)
        {"v" if inc else "v[:, ::-1]"}
    """, node, x=x, n=n)


# ---------------------------------------------------------------- geomspace

@lowers(np.geomspace, takes="start stop num endpoint axis")
def _geomspace(lowerer, node, args):
    start = float_of(lowerer, lowerer.atom(args["start"]), node)
    stop = float_of(lowerer, lowerer.atom(args["stop"]), node)
    if T.is_array(start.type) or T.is_array(stop.type):
        raise lowerer.err(node, "np.geomspace: start and stop must be numbers here",
                          "Call it once per pair of ends, or scale np.geomspace(1.0, r, num).")
    num = lowerer.const_int(args["num"]) if "num" in args else 50
    if num < 0:
        raise lowerer.err(args["num"], f"Number of samples, {num}, must be non-negative.")
    if "axis" in args and lowerer.const_int(args["axis"]) not in (0, -1):
        raise lowerer.err(args["axis"], "np.geomspace: axis 0 (or -1) for numbers start and stop")
    end = lowerer.const_bool(args["endpoint"]) if "endpoint" in args else True
    last = f"r = np.where(i == {num - 1}, b, r)" if num > 1 and end else ""
    return lowerer.lower_text(f"""
        if start == 0.0 or stop == 0.0:
            raise ValueError('Geometric sequence cannot include zero')
        sg = np.sign(start)
        a = start / sg
        b = stop / sg
        r = np.power(10.0, np.linspace(np.log10(a), np.log10(b), {num}, endpoint={end}))
        i = np.arange({num})
        r = np.where(i == 0, a, r)
        {last}
        r * sg
    """, node, start=start, stop=stop)


# ---------------------------------------------------------------- insert, delete

def _edit_axis(lowerer, node, args, x, fname):
    """The array and axis: flattened, axis 0, for axis=None (NumPy's default)."""
    if "axis" not in args:
        return lowerer.lower_text("np.ravel(x)", node, x=x), 0
    return x, one_axis(lowerer, args["axis"], x.type.ndim, fname)


def _obj_of(lowerer, node, fname):
    v = lowerer.expr(node)
    sl = _as_slice(lowerer, v, node)
    if sl is not None:
        return "slice", sl
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return "int", [v.value]
    if isinstance(v, tuple) and all(isinstance(k, Const) and isinstance(k.value, int)
                                    and not isinstance(k.value, bool) for k in v):
        return "seq", [k.value for k in v]
    raise lowerer.err(node, f"{fname}: obj must be an int, a slice or a list of ints known "
                            "while compiling",
                      "An index array computed at run time gives a result whose length is "
                      "known only then; write the indices as constants, or select with "
                      "np.where.")


def _as_slice(lowerer, v, node):
    """The text ``a:b:c`` of a slice object known while compiling, or None."""
    if not isinstance(v, SliceVal):
        return None
    out = []
    for p in v.parts:
        if p is None or (isinstance(p, Const) and p.value is None):
            out.append("")
        elif isinstance(p, Const) and isinstance(p.value, int):
            out.append(repr(p.value))
        else:
            raise lowerer.err(node, "the slice's bounds must be known while compiling")
    return ":".join(out)


def _indices_text(kind, obj, n="n"):
    """The text of obj's indices as a 1-D int array (a slice over ``n`` entries)."""
    if kind == "slice":
        return f"np.arange({n})[{obj}]"
    return f"np.array({obj!r}, dtype=np.int64)"


def _edited(lowerer, node, args, fname):
    """The array (flattened for axis=None), the axis, and obj's kind and value."""
    x = lowerer.atom(args["arr"])
    if not T.is_array(x.type):
        raise lowerer.err(args["arr"], f"{fname} needs an array here")
    x, ax = _edit_axis(lowerer, node, args, x, fname)
    return (x, ax) + _obj_of(lowerer, args["obj"], fname)


@lowers(np.delete, takes="arr obj axis")
def _delete(lowerer, node, args):
    x, ax, kind, obj = _edited(lowerer, node, args, "np.delete")
    clear = (f"\n        keep[{obj}] = False" if kind == "slice" else "".join(
        f"\n        if not -n <= {i} < n:"
        f"\n            raise IndexError('index {i} is out of bounds for axis {ax}')"
        f"\n        keep[{i}] = False" for i in obj))
    return lowerer.lower_text(f"""
        n = x.shape[{ax}]
        keep = np.ones(n, dtype=np.bool_){clear}
        np.take(x, np.nonzero(keep)[0], axis={ax})
    """, node, x=x)


@lowers(np.insert, takes="arr obj values axis")
def _insert(lowerer, node, args):
    x, ax, kind, obj = _edited(lowerer, node, args, "np.insert")
    nd = x.type.ndim
    vals = lowerer.atom(args["values"])
    vnd = vals.type.ndim if T.is_array(vals.type) else 0
    if vnd > nd:
        raise lowerer.err(args["values"], f"np.insert: values of {vnd} dimensions into an array "
                                          f"of {nd}")
    if vals.type.dtype != x.type.dtype:           # NumPy casts values to arr's dtype
        vals = lowerer.cast(vals, T.with_dtype(vals.type, x.type.dtype), node)
    if kind == "seq" and not obj:                   # no index: arr itself (a copy)
        return lowerer.lower_text("np.copy(x)", node, x=x)
    other = [f"x.shape[{d}]" for d in range(nd)]
    if kind != "slice" and len(obj) == 1:
        # NumPy's one-index case: array(values, ndmin=arr.ndim), moved to the axis for an int
        pad = (f"np.reshape(v, (1,) * {nd - vnd} + v.shape)" if vnd
               else f"np.zeros({(1,) * nd!r}, dtype=x.dtype) + v")
        block = pad if kind == "seq" or nd == 1 else f"np.moveaxis({pad}, 0, {ax})"
        shape = ", ".join("vb.shape[%d]" % d if d == ax else other[d] for d in range(nd))
        pre = ", ".join(":" if d != ax else ":i" for d in range(nd))
        post = ", ".join(":" if d != ax else "i:" for d in range(nd))
        return lowerer.lower_text(f"""
            n = x.shape[{ax}]
            i = {obj[0]}
            if not -n <= i <= n:
                raise IndexError("index {obj[0]} is out of bounds for axis {ax}")
            if i < 0:
                i = i + n
            vb = {block}
            vb = np.broadcast_to(vb, ({shape},))
            np.concatenate((x[{pre}], vb, x[{post}]), axis={ax})
        """, node, x=x, v=vals)
    # several indices: each value's new position is its index plus the values inserted before
    # it (at a smaller index, or the same one earlier in obj); the old entries move past them
    shape = ", ".join("k" if d == ax else other[d] for d in range(nd))
    return lowerer.lower_text(f"""
        n = x.shape[{ax}]
        ind = {_indices_text(kind, obj)}
        if np.any(ind < -n) or np.any(ind > n):
            raise IndexError("index out of bounds for axis {ax}")
        ind = np.where(ind < 0, ind + n, ind)
        k = ind.shape[0]
        j = np.arange(k)
        before = np.logical_or(ind[None, :] < ind[:, None],
                               np.logical_and(ind[None, :] == ind[:, None], j[None, :] < j[:, None]))
        pos = ind + np.sum(before, axis=1)
        old = np.arange(n)
        moved = old + np.sum(ind[None, :] <= old[:, None], axis=1)
        perm = np.argsort(np.concatenate((moved, pos)))
        vb = np.broadcast_to(v, ({shape},))
        np.take(np.concatenate((x, vb), axis={ax}), perm, axis={ax})
    """, node, x=x, v=vals)
