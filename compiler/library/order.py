"""Sorting and gathering: sort, argsort, partition, argpartition, take_along_axis, take,
median, percentile and quantile, and boolean-mask reads ``x[mask]``.

``np.sort(x, axis)`` is ``take_along(x, argsort(x, axis), axis)``: its gradient scatters the
adjoint back through the sorting permutation (``scatter_along``, the adjoint of
``take_along``, and the other way round). ``argsort`` is stable on every target (NumPy's
default quicksort orders ties as it likes; a stable order is one of the orders it may give),
so that the python and cpu targets agree at ties. ``np.partition`` is ``take_along(x,
argpartition(x))`` likewise (NumPy's argpartition on the python target, equal to its
np.partition; Numba's on the cpu target, whose order between the kth elements may differ). ``median`` and ``percentile`` read the
sorted array at one or two positions (NumPy's "linear" method), and are NaN where the
slice holds a NaN (NaNs sort last) or is empty. ``x[mask]`` (a boolean array of x's shape) reads the
masked elements in C order into a 1-D array; its adjoint writes them back (``mask_scatter``).
"""
from __future__ import annotations

import ast

import numpy as np

from .. import dims as D
from .. import types as T
from ..ir import Const, Var
from ..primitives import B_ALONG, NO_BATCH_SHAPE, P_ATOM, UNPROVEN, Spelling, defprim
from .callargs import one_axis
from .registry import as_method, lowers

_FULL = ("s", False, False, False)
I64 = T.I64


# ======================================================================= primitives

def _index_spelling(spell, jit_1d, helper, extra=lambda p: ""):
    """The spelling of indices along ``axis`` (argsort, argpartition): NumPy's text; under
    Numba ``jit_1d`` for one dimension, else ``helper(x, *extra, axis)`` line by line."""
    def jit(a, p):
        return jit_1d(a, p) if p["ndim"] == 1 else f"{helper}({a[0]}, {extra(p)}{p['axis']})"
    return Spelling(spell, spell, P_ATOM, (1,), jit=jit, helpers=(helper,))


def _take_spell(a, p):
    return f"np.take_along_axis({a[0]}, {a[1]}, {p['axis']})"


defprim("argsort", 1, lambda x, axis: T.Array("int64", x.ndim),
        _index_spelling(lambda a, p: f"np.argsort({a[0]}, axis={p['axis']}, kind='stable')",
                        lambda a, p: f"np.argsort({a[0]}, kind='mergesort')", "argsort_axis"),
        elementwise=False, nondiff=True, shape=lambda q, args, p: q.shape(args[0]),
        batch=B_ALONG)
defprim("take_along", 2, lambda x, idx, axis: T.Array(x.dtype, x.ndim),
        Spelling(_take_spell, _take_spell, P_ATOM, (1, 1)), elementwise=False, costly=True,
        vjp=(lambda b, g, out, x, idx, axis: b.scatter_along(g, idx, x, axis=axis), None),
        jvp=(lambda b, t, out, x, idx, axis: b.take_along(t, idx, axis=axis), None),
        batch=B_ALONG)


def _scatter_spell(a, p):
    return f"scatter_along({a[0]}, {a[1]}, {a[2]}, {p['axis']})"


defprim("scatter_along", 3, lambda g, idx, like, axis: T.Array(g.dtype, like.ndim),
        Spelling(_scatter_spell, _scatter_spell, P_ATOM, (1, 1, 1), helpers=("scatter_along",)),
        elementwise=False,
        fresh=True, shape=D.like(2),
        vjp=(lambda b, g, out, gg, idx, like, axis: b.take_along(g, idx, axis=axis), None, None),
        jvp=(lambda b, t, out, gg, idx, like, axis: b.scatter_along(t, idx, like, axis=axis),
             None, None),
        batch=B_ALONG)
defprim("mask_select", 2, lambda x, m: T.Array(x.dtype, 1),
        Spelling("{0}[{1}]", "{0}[{1}]", P_ATOM, (P_ATOM, 0),
                 jit=lambda a, p: f"{a[0]}.ravel()[{a[1]}.ravel()]"),
        elementwise=False, costly=True, indexes=UNPROVEN,
        vjp=(lambda b, g, out, x, m: b.mask_scatter(g, m, x), None),
        jvp=(lambda b, t, out, x, m: b.mask_select(t, m), None),
        batch=NO_BATCH_SHAPE)
defprim("mask_scatter", 3, lambda g, m, like: T.Array(g.dtype, like.ndim),
        Spelling("mask_scatter({0}, {1}, {2})", "mask_scatter({0}, {1}, {2})", P_ATOM, (1, 1, 1),
                 helpers=("mask_scatter",)),
        elementwise=False, fresh=True, shape=D.like(2),
        vjp=(lambda b, g, out, gg, m, like: b.mask_select(g, m), None, None),
        jvp=(lambda b, t, out, gg, m, like: b.mask_scatter(t, m, like), None, None),
        batch=NO_BATCH_SHAPE)


# ======================================================================= lowerings

def _array(lowerer, node, fname):
    x = lowerer.atom(node)
    if not (isinstance(x, Var) and T.is_array(x.type)):
        raise lowerer.err(node, f"{fname} needs an array here (a 0-d value cannot be sorted)")
    return x


def _flat(lowerer, node, x):
    """x flattened in C order (a copy first: Numba reshapes contiguous arrays only)."""
    if x.type.ndim == 1:
        return x
    return lowerer.op(node, "reshape", lowerer.op(node, "copy_array", x), Const(-1, I64))


def _sorting(lowerer, node, args):
    """(array, axis) of np.sort/np.argsort: axis=-1 by default, axis=None flattens."""
    fname = args.fname
    if "order" in args:
        raise lowerer.err(node, f"{fname}: order= (structured arrays) is not supported")
    x = _array(lowerer, args["a"], fname)
    if args.is_none("axis"):                    # axis=None: the flattened array
        return _flat(lowerer, node, x), 0
    if "axis" in args:
        return x, one_axis(lowerer, args["axis"], x.type.ndim, fname)
    return x, x.type.ndim - 1


@lowers(np.argsort, takes="a axis kind order stable")
def _argsort(lowerer, node, args):
    x, axis = _sorting(lowerer, node, args)
    return lowerer.op(node, "argsort", x, axis=axis)


@lowers(np.sort, takes="a axis kind order stable")
def _sort(lowerer, node, args):
    x, axis = _sorting(lowerer, node, args)
    return lowerer.op(node, "take_along", x, lowerer.op(node, "argsort", x, axis=axis), axis=axis)


@lowers(np.take_along_axis, takes="arr indices axis")
def _take_along_axis(lowerer, node, args):
    fname = "np.take_along_axis"
    x, idx = _array(lowerer, args["arr"], fname), lowerer.atom(args["indices"])
    if not (isinstance(idx, Var) and T.is_array(idx.type) and idx.type.dtype == "int64"):
        raise lowerer.err(node, f"{fname}: indices must be an integer array")
    if "axis" not in args:
        if idx.type.ndim != 1:
            raise lowerer.err(node, f"{fname}: with axis=None the indices must be 1-D")
        x, axis = _flat(lowerer, node, x), 0
    else:
        axis = one_axis(lowerer, args["axis"], x.type.ndim, fname)
    if idx.type.ndim != x.type.ndim:
        raise lowerer.err(node, f"{fname}: indices and arr must have the same number of dimensions")
    return lowerer.op(node, "take_along", x, idx, axis=axis)


@lowers(np.take, takes="a indices axis out mode")
def _take(lowerer, node, args):
    """np.take(a, indices, axis): a gather (an int or an int array): x[idx] along axis 0,
    take_along with the indices broadcast along a later one; indices of 2 or more
    dimensions are raveled and the gathered axis unfolded into their shape."""
    fname = "np.take"
    if "out" in args or "mode" in args:
        raise lowerer.err(node, f"{fname}: out= and mode= are not supported",
                     "Indices must be in range; assign the result.")
    x, idx = _array(lowerer, args["a"], fname), lowerer.atom(args["indices"])
    if isinstance(idx.type, T.Scalar) and idx.type.dtype == "int64":
        entry = ("i",)
    elif isinstance(idx, Var) and T.is_array(idx.type) and idx.type.dtype == "int64":
        entry = ("a",)
    else:
        raise lowerer.err(node, f"{fname}: indices must be an int or an integer array")
    if "axis" not in args:
        x, axis = _flat(lowerer, node, x), 0
    else:
        axis = one_axis(lowerer, args["axis"], x.type.ndim, fname)
    if entry == ("a",) and idx.type.ndim > 1:
        # the gather of the raveled indices, its axis unfolded into the indices' shape
        arrays = lowerer.arrays
        dims = [lowerer.op(node, "dim", idx, axis=k) for k in range(idx.type.ndim)]
        flat = lowerer.op(node, "reshape", idx, arrays.product(node, dims))
        return arrays.unfold_axis(node, _take_1d(lowerer, node, x, flat, entry, axis), axis, dims)
    return _take_1d(lowerer, node, x, idx, entry, axis)


def _take_1d(lowerer, node, x, idx, entry, axis):
    if entry == ("i",) or axis == 0:
        return lowerer.op(node, "getitem", x, idx, spec=(_FULL,) * axis + (entry,))
    # along a later axis: take_along with the indices broadcast over the other axes
    dims = [Const(1, I64)] * x.type.ndim
    dims[axis] = lowerer.op(node, "dim", idx, axis=0)
    return lowerer.op(node, "take_along", x, lowerer.op(node, "reshape", idx, *dims), axis=axis)


def _sorted_and_axis(lowerer, node, a, fname):
    x = _array(lowerer, a["a"], fname)
    if not T.is_float(x.type):
        x = lowerer.cast(x, T.with_dtype(x.type, "float64"), node)
    keep_shape = x
    if "axis" in a:
        axis = one_axis(lowerer, a["axis"], x.type.ndim, fname)
    else:
        x, axis = _flat(lowerer, node, x), 0
    s = lowerer.op(node, "take_along", x, lowerer.op(node, "argsort", x, axis=axis), axis=axis)
    return s, axis, keep_shape


def _along(nd: int, axis: int):
    """``at(k)``: the text of ``s[:, ..., k]`` (``k`` along ``axis`` of an ``nd``-D ``s``)."""
    return lambda k: "s[" + ", ".join(k if d == axis else ":" for d in range(nd)) + "]"


def _keepdims(lowerer, node, a, value, axis, x):
    """keepdims as NumPy's."""
    if "keepdims" in a and lowerer.const_bool(a["keepdims"]):
        if "axis" in a:
            value = lowerer.op(node, "expand_dims", value, axis=axis)
        else:
            value = lowerer.op(node, "reshape", lowerer.op(node, "pack", value) if not T.is_array(value.type)
                          else value, *([Const(1, I64)] * x.type.ndim))
    return value


@lowers(np.median, takes="a axis out overwrite_input keepdims")
def _median(lowerer, node, args):
    """The mean of the middle two (or the middle one) of the sorted slice."""
    fname = "np.median"
    if "out" in args:
        raise lowerer.err(node, f"{fname}: out= is not supported", "Assign the result.")
    if "axis" in args and not isinstance(lowerer.expr(args["axis"]), Const):
        raise lowerer.err(node, f"{fname}: axis must be one constant integer here")
    s, axis, x = _sorted_and_axis(lowerer, node, args, fname)
    at = _along(s.type.ndim, axis)
    # NaN where the slice holds one (NaNs sort last) or is empty, as NumPy's
    mid = lowerer.lower_text(f"""
        n = s.shape[{axis}]
        np.where(np.isnan({at('n - 1')}), {at('n - 1')}, ({at('(n - 1) // 2')} + {at('n // 2')}) * 0.5) \
if n > 0 else np.sum(s, axis={axis}) * np.nan
    """, node, s=s)
    return _keepdims(lowerer, node, args, mid, axis, x)


def _quantile(scale, np_fn):
    @lowers(np_fn, takes="a q axis out overwrite_input method keepdims")
    def lower(lowerer, node, args):
        """NumPy's default ("linear") method: interpolate between the sorted neighbours of
        q (n - 1), with NumPy's lerp."""
        fname = f"np.{np_fn.__name__}"
        if "out" in args:
            raise lowerer.err(node, f"{fname}: out= is not supported", "Assign the result.")
        if "method" in args:
            m = args["method"]
            if not (isinstance(m, ast.Constant) and m.value == "linear"):
                raise lowerer.err(node, f"{fname}: only method='linear' (the default) is supported")
        q = lowerer.expr(args["q"])
        if isinstance(q, Const) and isinstance(q.value, np.ndarray) and q.value.ndim == 1:
            q = tuple(Const(float(v), T.F64) for v in q.value)
        made = lowerer.defs.get(getattr(q, "id", None))
        if made is not None and made.prim == "pack":          # np.array([5, 95])
            q = tuple(made.args)
        qs = q if isinstance(q, tuple) and q else (q,)
        for v in qs:
            if not (isinstance(v, Const) and isinstance(v.value, (int, float))
                    and not isinstance(v.value, bool) and 0 <= v.value <= scale):
                raise lowerer.err(args["q"], f"{fname}: q must be constant numbers in "
                                  f"[0, {scale:g}] here (one, or a list of them)",
                                  "For a q computed at run time, sort with np.sort and "
                                  "interpolate.")
        s, axis, x = _sorted_and_axis(lowerer, node, args, fname)
        at = _along(s.type.ndim, axis)
        values = []
        for v in qs:
            # NumPy's lerp between the neighbours; NaN where the slice holds one or is empty
            value = lowerer.lower_text(f"""
                n = s.shape[{axis}]
                if n > 0:
                    pos = float(n - 1) * {float(v.value) / scale!r}
                    lo_i = min(int(pos), n - 1)
                    hi_i = min(lo_i + 1, n - 1)
                    t = pos - float(lo_i)
                    lo = {at('lo_i')}
                    d = {at('hi_i')} - lo
                    out = np.where(t >= 0.5, {at('hi_i')} - d * (1.0 - t), lo + d * t)
                    out = np.where(np.isnan({at('n - 1')}), {at('n - 1')}, out)
                else:
                    out = np.sum(s, axis={axis}) * np.nan
                out
            """, node, s=s)
            values.append(_keepdims(lowerer, node, args, value, axis, x))
        if not isinstance(q, tuple):
            return values[0]
        # several q: their results stacked on a new first axis, as NumPy's
        return lowerer.lower_text("np.stack(vs)", node, vs=tuple(values)) if \
            T.is_array(values[0].type) else lowerer.lower_text("np.array(vs)", node,
                                                                vs=tuple(values))
    return lower


_quantile(100.0, np.percentile)
_quantile(1.0, np.quantile)


def mask_read(lowerer, node, x, mask):
    """``x[mask]`` for a boolean array ``mask`` of x's shape: a 1-D array (called by the
    frontend's indexing)."""
    if mask.type.ndim != x.type.ndim:
        raise lowerer.err(node, "boolean-mask indexing needs a mask with the array's shape",
                     "Index with x[mask] where mask = (condition on x), or use "
                     "np.where(mask, x, 0.0).")
    return lowerer.op(node, "mask_select", x, mask)



# ---- np.nonzero, np.flatnonzero, np.where(condition)

def _nonzero_spell(a, p):
    return f"np.nonzero({a[0]})[{p['axis']}]"


# the axis-``axis`` coordinates of the nonzero elements of x, in C order (no derivative)
defprim("nonzero", 1, lambda x, axis: T.Array("int64", 1),
        Spelling(_nonzero_spell, _nonzero_spell, P_ATOM, (P_ATOM,)), elementwise=False,
        nondiff=True,
        batch=NO_BATCH_SHAPE)


def _nonzero_of(lowerer, node, x, fname):
    if not (isinstance(x, Var) and T.is_array(x.type)):
        raise lowerer.err(node, f"{fname} of a number is not supported", f"Call {fname} on an array.")
    return tuple(lowerer.op(node, "nonzero", x, axis=k) for k in range(x.type.ndim))


@lowers(np.nonzero, takes="a")
def _nonzero(lowerer, node, args):
    return _nonzero_of(lowerer, node, lowerer.atom(args["a"]), "np.nonzero")


@lowers(np.flatnonzero, takes="a")
def _flatnonzero(lowerer, node, args):
    x = lowerer.atom(args["a"])
    return _nonzero_of(lowerer, node, _flat(lowerer, node, x) if T.is_array(x.type) else x,
                       "np.flatnonzero")[0]


def where_one(lowerer, node, condition):
    """np.where(condition) is np.nonzero(condition): a tuple of index arrays (called by the
    frontend's np.where with the condition's node)."""
    return _nonzero_of(lowerer, node, lowerer.atom(condition), "np.where")


# ---- np.partition, np.argpartition

# the indices that partition x along axis at the positions kth (a tuple of ints): NumPy's
# np.argpartition on the python target, Numba's on the cpu target (each line apart), whose
# arrangements of the elements between the kth ones may differ
defprim("argpartition", 1, lambda x, kth, axis: T.Array("int64", x.ndim),
        _index_spelling(lambda a, p: f"np.argpartition({a[0]}, {p['kth']!r}, axis={p['axis']})",
                        lambda a, p: f"np.argpartition({a[0]}, {p['kth']!r})", "argpartition_axis",
                        lambda p: f"{p['kth']!r}, "),
        elementwise=False, nondiff=True, shape=lambda q, args, p: q.shape(args[0]),
        batch=B_ALONG)


def _kth(lowerer, node):
    """kth: a constant int or a sequence of them."""
    v = lowerer.expr(node)
    items = list(v) if isinstance(v, tuple) else [v]
    if not items or not all(isinstance(k, Const) and isinstance(k.value, int)
                            and not isinstance(k.value, bool) for k in items):
        raise lowerer.err(node, "kth must be an integer or a sequence of integers known while "
                                "compiling", "Write the positions as constants: kth=(0, 3).")
    return tuple(k.value for k in items)


def _partitioning(lowerer, node, args):
    x, axis = _sorting(lowerer, node, args)
    return x, lowerer.op(node, "argpartition", x, kth=_kth(lowerer, args["kth"]), axis=axis), axis


@lowers(np.argpartition, takes="a kth axis kind order")
def _argpartition(lowerer, node, args):
    return _partitioning(lowerer, node, args)[1]


@lowers(np.partition, takes="a kth axis kind order")
def _partition(lowerer, node, args):
    """x gathered at its argpartition: value and gradient from the one permutation."""
    x, idx, axis = _partitioning(lowerer, node, args)
    return lowerer.op(node, "take_along", x, idx, axis=axis)


# ---- array methods: x.cumsum(axis), x.cumprod(axis), x.argsort(axis), x.any(), x.all()

for _name, _fn in [("cumsum", np.cumsum), ("cumprod", np.cumprod), ("argsort", np.argsort),
                   ("any", np.any), ("all", np.all), ("take", np.take), ("nonzero", np.nonzero),
                   ("argpartition", np.argpartition)]:
    as_method(_fn, _name)
