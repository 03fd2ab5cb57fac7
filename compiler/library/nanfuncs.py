"""NaN-ignoring reductions and masked reductions, written as the NumPy code they mean:
``np.nansum``, ``np.nanprod``, ``np.nanmean``, ``np.nanmax``/``np.nanmin``, ``np.nanvar``/
``np.nanstd``, ``np.nancumsum``/``np.nancumprod``, ``np.nanargmax``/``np.nanargmin``,
``np.nanmedian``, ``np.count_nonzero``; and ``where=``/``initial=`` of ``np.sum``, ``np.prod``,
``np.mean``, ``np.max``/``np.min``, ``np.var``/``np.std`` (``masked_reduction``, called by
their lowerings in frontend/array_calls.py).

Each follows NumPy's own steps (``numpy/lib/_nanfunctions_impl.py``, ``numpy/_core/_methods.py``):
NaNs are replaced by the reduction's identity (0 for sums, 1 for products, -inf/+inf for the
maximum/minimum) with ``np.where``, whose adjoint is zero at the replaced entries, so the
gradient there is 0. A slice of NaNs alone gives what NumPy gives: ``nansum`` 0, ``nanprod``
1, ``nanmean``/``nanvar``/``nanmax``/``nanmedian`` NaN, ``nanargmax`` NumPy's ValueError at
run time. ``nanvar`` divides by ``count - ddof`` and is NaN where that is not positive.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from .registry import lowers



def _axis(lowerer, args, nd: int, fname: str, tuples=True):
    """The axis argument as NumPy reads it, made non-negative: None, an int, or (where
    ``tuples``) a sorted tuple of ints; known while compiling."""
    node = args.get("axis")
    if node is None:
        return None
    v = lowerer.expr(node)
    items = v if isinstance(v, tuple) and tuples else (v,)
    out = []
    for k in items:
        if not (isinstance(k, Const) and isinstance(k.value, int) and not isinstance(k.value, bool)):
            raise lowerer.err(node, f"{fname}: the axis must be an integer"
                                    f"{' or a tuple of integers' if tuples else ''} known while compiling")
        if not -nd <= k.value < nd:
            raise lowerer.err(node, f"{fname}: axis {k.value} is out of bounds for an array of "
                                    f"dimension {nd}")
        out.append(k.value % nd)
    if len(set(out)) != len(out):
        raise lowerer.err(node, f"{fname}: duplicate value in 'axis'")
    return tuple(sorted(out)) if isinstance(v, tuple) else out[0]


def _count(lowerer, node, text, like, **values):
    """The count ``text`` in the float dtype of ``like``: NumPy divides a float32 sum by its count
    into float32 (a float32 array over an int64 one would be float64)."""
    c = lowerer.lower_text(text, node, **values)
    if T.is_float(like.type) and c.type.dtype != like.type.dtype:
        c = lowerer.cast(c, T.with_dtype(c.type, like.type.dtype), node)
    return c


def _keep(lowerer, args) -> bool:
    return lowerer.const_bool(args["keepdims"]) if "keepdims" in args else False


def _input(lowerer, node, args, fname, first="a"):
    """The array argument, cast to ``dtype=`` where given (NumPy reduces in that dtype), and
    whether NaNs can be in it (a float array)."""
    x = lowerer.atom(args[first])
    if not T.is_array(x.type):
        raise lowerer.err(args[first], f"{fname} needs an array here")
    if "dtype" in args:
        dt = lowerer.dtype_of(args["dtype"], node)
        if dt != x.type.dtype:
            x = lowerer.cast(x, T.with_dtype(x.type, dt), node)
    return x


def _nan_reduce(fn, name, identity):
    @lowers(fn, takes="a axis dtype keepdims")
    def lower(lowerer, node, args):
        fname = f"np.{fn.__name__}"
        x = _input(lowerer, node, args, fname)
        ax = _axis(lowerer, args, x.type.ndim, fname)
        filled = (lowerer.lower_text(f"np.where(np.isnan(x), {identity}, x)", node, x=x)
                  if T.is_float(x.type) else x)
        return lowerer.lower_text(f"np.{name}(x, axis={ax!r}, keepdims={_keep(lowerer, args)})",
                                  node, x=filled)
    return lower


_nan_reduce(np.nansum, "sum", "0.0")
_nan_reduce(np.nanprod, "prod", "1.0")


@lowers(np.nanmean, takes="a axis dtype keepdims")
def _nanmean(lowerer, node, args):
    """NumPy's: the sum of the non-NaN entries over their count (NaN where there are none)."""
    x = _input(lowerer, node, args, "np.nanmean")
    ax, keep = _axis(lowerer, args, x.type.ndim, "np.nanmean"), _keep(lowerer, args)
    if not T.is_float(x.type):
        return lowerer.lower_text(f"np.mean(x, axis={ax!r}, keepdims={keep})", node, x=x)
    cnt = _count(lowerer, node, f"np.sum(np.logical_not(np.isnan(x)), axis={ax!r}, keepdims={keep})",
                 x, x=x)
    return lowerer.lower_text(f"np.sum(np.where(np.isnan(x), 0.0, x), axis={ax!r}, keepdims={keep}) / cnt",
                              node, x=x, cnt=cnt)


def _nan_extremum(fn, name, fill):
    @lowers(fn, takes="a axis keepdims")
    def lower(lowerer, node, args):
        """NumPy's fmax/fmin reduction: NaNs skipped, NaN for a slice of NaNs alone."""
        fname = f"np.{fn.__name__}"
        x = _input(lowerer, node, args, fname)
        ax, keep = _axis(lowerer, args, x.type.ndim, fname), _keep(lowerer, args)
        if not T.is_float(x.type):
            return lowerer.lower_text(f"np.{name}(x, axis={ax!r}, keepdims={keep})", node, x=x)
        return lowerer.lower_text(f"""
            m = np.isnan(x)
            r = np.{name}(np.where(m, {fill}, x), axis={ax!r}, keepdims={keep})
            np.where(np.all(m, axis={ax!r}, keepdims={keep}), np.nan, r)
        """, node, x=x)
    return lower


_nan_extremum(np.nanmax, "max", "-np.inf")
_nan_extremum(np.nanmin, "min", "np.inf")


def _nanvar_of(lowerer, node, args, fname):
    x = _input(lowerer, node, args, fname)
    if not T.is_float(x.type):
        x = lowerer.cast(x, T.with_dtype(x.type, "float64"), node)
    ax, keep = _axis(lowerer, args, x.type.ndim, fname), _keep(lowerer, args)
    ddof = lowerer.atom(args["ddof"]) if "ddof" in args else Const(0, T.I64)
    # NumPy's _nanvar: NaNs as 0, the mean over the count, the deviations (0 at NaNs)
    # squared and summed, over count - ddof; NaN where that is not positive
    return lowerer.lower_text(f"""
        m = np.isnan(x)
        xz = np.where(m, 0.0, x)
        avg = np.sum(xz, axis={ax!r}, keepdims=True) / np.where(cnt > 0, cnt, 1.0)
        d = np.where(m, 0.0, xz - avg)
        v = np.sum(d * d, axis={ax!r}, keepdims={keep})
        np.where(dof > 0, v / np.where(dof > 0, dof, 1.0), np.nan)
    """, node, x=x, cnt=_count(lowerer, node, f"np.sum(np.logical_not(np.isnan(x)), axis={ax!r}, "
                                               "keepdims=True)", x, x=x),
        dof=_count(lowerer, node, f"np.sum(np.logical_not(np.isnan(x)), axis={ax!r}, "
                                  f"keepdims={keep}) - ddof", x, x=x, ddof=ddof))


@lowers(np.nanvar, takes="a axis dtype ddof keepdims")
def _nanvar(lowerer, node, args):
    return _nanvar_of(lowerer, node, args, "np.nanvar")


@lowers(np.nanstd, takes="a axis dtype ddof keepdims")
def _nanstd(lowerer, node, args):
    """The square root of nanvar (its derivative 0 where the variance is 0, as np.std's)."""
    return lowerer.op(node, "sqrt0", _nanvar_of(lowerer, node, args, "np.nanstd"))


def _nan_scan(fn, name, identity):
    @lowers(fn, takes="a axis dtype")
    def lower(lowerer, node, args):
        fname = f"np.{fn.__name__}"
        x = _input(lowerer, node, args, fname)
        ax = _axis(lowerer, args, x.type.ndim, fname, tuples=False)
        filled = (lowerer.lower_text(f"np.where(np.isnan(x), {identity}, x)", node, x=x)
                  if T.is_float(x.type) else x)
        return lowerer.lower_text(f"np.{name}(x, axis={ax!r})", node, x=filled)
    return lower


_nan_scan(np.nancumsum, "cumsum", "0.0")
_nan_scan(np.nancumprod, "cumprod", "1.0")


def _nan_arg(fn, name, fill):
    @lowers(fn, takes="a axis keepdims")
    def lower(lowerer, node, args):
        """NumPy's: NaNs as -inf (+inf), then argmax (argmin); a slice of NaNs alone is
        NumPy's ValueError, at run time."""
        fname = f"np.{fn.__name__}"
        x = _input(lowerer, node, args, fname)
        ax = _axis(lowerer, args, x.type.ndim, fname, tuples=False)
        if T.is_float(x.type):
            x = lowerer.lower_text(f"""
                m = np.isnan(x)
                if np.any(np.all(m, axis={ax!r})):
                    raise ValueError("All-NaN slice encountered")
                np.where(m, {fill}, x)
            """, node, x=x)
        i = lowerer.lower_text(f"np.{name}(x, axis={ax!r})", node, x=x)
        if _keep(lowerer, args):
            if ax is None:
                i = lowerer.lower_text(f"np.reshape(i, {(1,) * x.type.ndim!r})", node, i=i)
            else:
                i = lowerer.lower_text(f"np.expand_dims(i, {ax})", node, i=i)
        return i
    return lower


_nan_arg(np.nanargmax, "argmax", "-np.inf")
_nan_arg(np.nanargmin, "argmin", "np.inf")


@lowers(np.nanmedian, takes="a axis keepdims")
def _nanmedian(lowerer, node, args):
    """The median of the non-NaN entries of each slice: NaNs sort last, so the middle one
    (two) of the first ``count`` sorted entries, their mean; NaN where there are none."""
    x = _input(lowerer, node, args, "np.nanmedian")
    if not T.is_float(x.type):
        x = lowerer.cast(x, T.with_dtype(x.type, "float64"), node)
    nd = x.type.ndim
    ax = _axis(lowerer, args, nd, "np.nanmedian", tuples=False)
    keep = _keep(lowerer, args)
    flat = ax is None
    if flat:
        x, ax = lowerer.lower_text("np.reshape(x, (-1,))", node, x=x), 0
    med = lowerer.lower_text(f"""
        s = np.sort(x, axis={ax})
        cnt = np.sum(np.logical_not(np.isnan(x)), axis={ax}, keepdims=True)
        lo = np.take_along_axis(s, np.maximum(cnt - 1, 0) // 2, axis={ax})
        hi = np.take_along_axis(s, np.minimum(cnt // 2, np.maximum(cnt - 1, 0)), axis={ax})
        np.where(cnt > 0, (lo + hi) * 0.5, np.nan)
    """, node, x=x)
    if flat:
        shape = (1,) * nd if keep else ()
        return lowerer.lower_text(f"np.reshape(m, {shape!r})" if keep else "m[0]", node, m=med)
    return med if keep else lowerer.lower_text(f"np.squeeze(m, axis={ax})", node, m=med)


@lowers(np.count_nonzero, takes="a axis keepdims")
def _count_nonzero(lowerer, node, args):
    """The number of entries that are not zero (an integer: no gradient)."""
    x = _input(lowerer, node, args, "np.count_nonzero")
    ax = _axis(lowerer, args, x.type.ndim, "np.count_nonzero")
    return lowerer.lower_text(f"np.sum(x != 0, axis={ax!r}, keepdims={_keep(lowerer, args)})",
                              node, x=x)


# ---------------------------------------------------------------- where= and initial=



def masked_reduction(lowerer, name: str, node, args):
    """``np.<name>(a, axis, keepdims, where=m, initial=i)`` as NumPy's masked reduction: the
    entries where ``m`` (broadcast to a's shape, NumPy's error where it does not broadcast)
    is false do not take part; ``initial`` starts the reduction. np.max/np.min with where=
    need initial=, as NumPy says."""
    fname = f"np.{name}"
    x = lowerer.atom(args["a"])
    if not T.is_array(x.type):
        x = lowerer.lower_text("np.asarray(v)", node, v=x)
    ax = _axis(lowerer, args, x.type.ndim, fname)
    keep = _keep(lowerer, args)
    values = {"x": x}
    if "where" in args:
        m = lowerer.atom(args["where"])
        if T.is_array(m.type) and m.type.ndim > x.type.ndim:
            raise lowerer.err(args["where"], f"{fname}: the where= mask has more dimensions than "
                                             "the array (NumPy cannot broadcast it)")
        if not T.is_array(m.type):             # where=True / False: every entry, or none
            m = lowerer.lower_text("np.full(x.shape, m != 0)", node, m=m, x=x)
        elif m.type.dtype != "bool":
            m = lowerer.lower_text("m != 0", node, m=m)
        values["m"] = lowerer.lower_text("np.broadcast_to(m, x.shape)", node, m=m, x=x)
    if "initial" in args:            # in the reduction's dtype, as NumPy casts it (int: truncated)
        init = lowerer.atom(args["initial"])
        dt = "int64" if x.type.dtype == "bool" and name in ("sum", "prod") else x.type.dtype
        if init.type.dtype != dt:
            init = lowerer.cast(init, T.with_dtype(init.type, dt), node)
        values["init"] = init
    where = "m" in values
    if name in ("max", "amax", "min", "amin"):
        ufunc = "maximum" if "max" in name else "minimum"
        if where and "init" not in values:
            raise lowerer.err(node, f"reduction operation '{ufunc}' does not have an "
                                    "identity, so to use a where mask one has to specify 'initial'")
        filled = "np.where(m, x, init)" if where else "x"
        r = f"np.{name}({filled}, axis={ax!r}, keepdims={keep})"
        return lowerer.lower_text(r if where else f"np.{ufunc}({r}, init)", node, **values)
    if name in ("var", "std"):
        ddof = lowerer.atom(args["ddof"]) if "ddof" in args else Const(0, T.I64)
        v = lowerer.lower_text(f"""
            mu = np.sum(np.where(m, x, 0), axis={ax!r}, keepdims=True) / cnt
            d = np.where(m, x - mu, 0.0)
            np.sum(d * d, axis={ax!r}, keepdims={keep}) / dof
        """, node, dof=_count(lowerer, node, f"np.maximum(np.sum(m, axis={ax!r}, keepdims={keep}) "
                                             "- ddof, 0)", x, m=values["m"], ddof=ddof),
            cnt=_count(lowerer, node, f"np.sum(m, axis={ax!r}, keepdims=True)", x, m=values["m"]),
            **values)
        return v if name == "var" else lowerer.op(node, "sqrt0", v)
    filled = f"np.where(m, x, {1 if name == 'prod' else 0})" if where else "x"
    if name == "mean":
        cnt = _count(lowerer, node, f"np.sum(m, axis={ax!r}, keepdims={keep})", x, m=values["m"])
        return lowerer.lower_text(f"np.sum({filled}, axis={ax!r}, keepdims={keep}) / cnt", node,
                                  cnt=cnt, **values)
    r = f"np.{name}({filled}, axis={ax!r}, keepdims={keep})"
    if "init" in values:
        r = f"{r} + init" if name == "sum" else f"{r} * init"
    return lowerer.lower_text(r, node, **values)

