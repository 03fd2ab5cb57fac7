"""NumPy functions the array lowering handles itself (reductions, products, constructors,
reshapes), each registered in the one call registry
(:mod:`~flatgrad.compiler.library.registry`) under the function it lowers. They build on
:class:`~.arrays.ArrayLowering` (``reduction``, ``matmul``, ``reshape``, ...), which array
methods (``x.sum(axis=0)``) reach through the same entries."""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..library.nanfuncs import masked_reduction
from ..library.registry import as_method, lowers

REDUCED = ("sum", "mean", "max", "min", "prod", "amax", "amin")


def _variance(name):
    def lower(lowerer, node, args):
        if "where" in args:                  # np.var(x, where=m)
            return masked_reduction(lowerer, name, node, args)
        return lowerer.arrays.variance(name, args)
    return lower


def _reduction(name):
    def lower(lowerer, node, args):
        if "where" in args or "initial" in args:     # np.sum(x, where=m, initial=1.0)
            return masked_reduction(lowerer, name, node, args)
        x = lowerer.expr(args["a"])
        if isinstance(x, tuple):             # np.prod(shape), np.sum(sizes)
            folded = lowerer.tuple_reduction(name, x, node) if "axis" not in args else None
            if folded is not None:
                return folded
            x = lowerer.sequence_array(x, node)
        x = lowerer.as_atom(x, args["a"])
        return lowerer.arrays.reduction(name, x, args["axis"], args["keepdims"], node)
    return lower


def _constructor(name):
    """np.zeros / np.ones / np.empty (shape, dtype)."""
    def lower(lowerer, node, args):
        return lowerer.op(node, name, *lowerer.dims(args["shape"], node),
                          dtype=lowerer.dtype_of(args["dtype"], node))
    return lower


def _like(name, first):
    """np.zeros_like / np.ones_like / np.empty_like (which is zeros_like here)."""
    def lower(lowerer, node, args):
        x = lowerer.atom(args[first])
        out = lowerer.op(node, "zeros_like" if name == "empty_like" else name, x)
        if "dtype" in args:                 # np.zeros_like(x, dtype=int): the same, cast
            dtype = lowerer.dtype_of(args["dtype"], node)
            if out.type.dtype != dtype:
                out = lowerer.cast(out, T.with_dtype(out.type, dtype), node)
        return out
    return lower


for _name in ("var", "std"):
    lowers(getattr(np, _name), takes="a axis ddof keepdims where")(_variance(_name))
for _name in REDUCED:
    lowers(getattr(np, _name), takes="a axis keepdims where"
           + ("" if _name == "mean" else " initial"))(_reduction(_name))
for _name in ("zeros", "ones", "empty"):
    lowers(getattr(np, _name), takes="shape dtype")(_constructor(_name))
for _name, _first in (("zeros_like", "a"), ("ones_like", "a"), ("empty_like", "prototype")):
    lowers(getattr(np, _name), takes=f"{_first} dtype")(_like(_name, _first))


def _pair(lowerer, args, first="a", second="b"):
    """The two operands of a product."""
    return lowerer.atom(args[first]), lowerer.atom(args[second])


@lowers(np.dot, takes="a b")
def lower_dot(lowerer, node, args):
    """np.dot (and ``x.dot(y)``): ``@``."""
    return lowerer.arrays.matmul(*_pair(lowerer, args), node)


@lowers(np.matmul, takes="x1 x2")
def lower_matmul(lowerer, node, args):
    return lowerer.arrays.matmul(*_pair(lowerer, args, "x1", "x2"), node)


@lowers(np.inner)
def lower_inner(lowerer, node, args):
    """A sum over the last axes of both: a @ b.T up to 2-D."""
    a, c = _pair(lowerer, args)
    if T.is_array(a.type) and T.is_array(c.type) and c.type.ndim == 2:
        c = lowerer.op(node, "transpose", c)     # (with a number: the plain product)
    return lowerer.arrays.matmul(a, c, node)


@lowers(np.outer, takes="a b")
def lower_outer(lowerer, node, args):
    a, c = _pair(lowerer, args)
    if T.is_array(a.type) and T.is_array(c.type):
        a, c = lowerer.arrays.same_dtype(a, c, node)
    return lowerer.op(node, "outer", a, c)


@lowers(np.reshape, takes="a shape")
def lower_reshape(lowerer, node, args):
    return lowerer.arrays.reshape(lowerer.atom(args["a"]), [args["shape"]], node)


@lowers(np.ravel, takes="a")
def lower_ravel(lowerer, node, args):
    x = lowerer.atom(args["a"])
    if not T.is_array(x.type):
        return lowerer.op(node, "pack", x)      # np.ravel(2.0) is array([2.0])
    return lowerer.op(node, "reshape", x, Const(-1, T.I64))


@lowers(np.copy, takes="a")
def lower_copy(lowerer, node, args):
    a = lowerer.atom(args["a"])
    return lowerer.op(node, "copy_array", a) if T.is_array(a.type) else a   # (a number: itself)


@lowers(np.full, takes="shape fill_value")
def lower_full(lowerer, node, args):
    """np.full(shape, v): the value broadcast to the shape; a value computed in the function
    is added to zeros of that shape, so its gradient is the result's summed back to it."""
    dims = lowerer.dims(args["shape"], node)
    value = lowerer.cast(lowerer.atom(args["fill_value"]), T.F64, node)
    if isinstance(value, Const):
        return lowerer.op(node, "full", *dims, value)
    if T.is_array(value.type) and value.type.ndim > len(dims):
        raise lowerer.err(node, f"np.full: a {value.type.ndim}-D fill value does not broadcast "
                                f"to a {len(dims)}-D shape")
    return lowerer.op(node, "add", lowerer.op(node, "zeros", *dims, dtype="float64"), value)


@lowers(np.full_like, takes="a fill_value dtype")
def lower_full_like(lowerer, node, args):
    """``a``'s shape filled with ``fill_value``, in ``a``'s dtype unless ``dtype`` says: ones
    times the value, so the value's gradient is the sum of the result's."""
    x = lowerer.atom(args["a"])
    dtype = lowerer.dtype_of(args["dtype"], node) if "dtype" in args else \
        getattr(x.type, "dtype", "float64")
    value = lowerer.cast(lowerer.atom(args["fill_value"]), T.Scalar(dtype), node)
    if not T.is_array(x.type):
        return value
    ones = lowerer.op(node, "ones_like", x)
    if ones.type.dtype != dtype:
        ones = lowerer.cast(ones, T.with_dtype(ones.type, dtype), node)
    return lowerer.op(node, "mul", ones, value)


@lowers(np.eye, takes="N M k dtype")
def lower_eye(lowerer, node, args):
    """np.eye(N), and N x M with ones on the k-th diagonal (a comparison of two aranges)."""
    n = lowerer.int_atom(args["N"])
    dtype = lowerer.dtype_of(args["dtype"], node) if "dtype" in args else "float64"
    no_m = "M" not in args or args.is_none("M")
    if no_m and "k" not in args:
        out = lowerer.op(node, "eye", n)
    else:
        m = n if no_m else lowerer.int_atom(args["M"])
        k = lowerer.int_atom(args["k"]) if "k" in args else Const(0, T.I64)
        out = lowerer.lower_text("np.where(np.arange(n)[:, None] + k == np.arange(m)[None, :], "
                                 "1.0, 0.0)", node, n=n, m=m, k=k)
    return out if dtype == "float64" else lowerer.cast(out, T.with_dtype(out.type, dtype), node)


@lowers(np.identity, takes="n dtype")
def lower_identity(lowerer, node, args):
    out = lowerer.op(node, "eye", lowerer.int_atom(args["n"]))
    dtype = lowerer.dtype_of(args["dtype"], node) if "dtype" in args else "float64"
    return out if dtype == "float64" else lowerer.cast(out, T.with_dtype(out.type, dtype), node)


@lowers(np.arange, takes="start_or_stop stop step")
def lower_arange(lowerer, node, args):
    """np.arange; with a float start or step computed in the function, NumPy's values as
    NumPy fills them (start, start + step, then start + i * delta, delta = (start + step) -
    start), so they carry the derivatives of start and step (the count, from NumPy's own
    arange, has none)."""
    bounds = [lowerer.atom(args[k]) for k in ("start_or_stop", "stop", "step") if k in args]
    values = lowerer.op(node, "arange", *bounds)
    start = bounds[0] if len(bounds) > 1 else None
    step = bounds[2] if len(bounds) > 2 else None
    if not any(isinstance(b, Var) and T.is_float(b.type) for b in (start, step) if b is not None):
        return values
    return lowerer.lower_text("""
        i = np.arange(values.shape[0])
        d = (start + step) - start
        np.where(i == 1, start + step, start + i * d)
    """, node, values=values, start=start, step=step if step is not None else Const(1.0, T.F64))


# ---- array methods: each means a function above, or the ndarray method's own entry

@lowers(np.ndarray.reshape, takes="self shape")
def lower_reshape_method(lowerer, node, args):
    """``x.reshape(2, 3)`` (the dimensions as separate arguments, or one tuple)."""
    return lowerer.arrays.reshape(lowerer.atom(args["self"]), args.rest, node)


@lowers(np.ndarray.transpose)
def lower_transpose_method(lowerer, node, args):
    """``x.transpose(1, 0)`` (the axes as separate arguments, or one tuple)."""
    return lowerer.arrays.transpose(lowerer.atom(args["self"]), args.rest, node)


@lowers(np.ndarray.astype, takes="self dtype")
def lower_astype(lowerer, node, args):
    x = lowerer.atom(args["self"])
    dtype = lowerer.dtype_of(args["dtype"], node)
    return lowerer.cast(x, T.with_dtype(x.type, dtype), node)


for _name in ("sum", "mean", "max", "min", "prod"):
    as_method(getattr(np, _name), _name)
as_method(np.ndarray.reshape, "reshape")
as_method(np.copy, "copy")
as_method(np.ravel, "ravel", "flatten")
as_method(np.dot, "dot")
as_method(np.ndarray.transpose, "transpose")
as_method(np.ndarray.astype, "astype")
for _name in ("var", "std", "clip", "argmax", "argmin", "trace", "diagonal"):
    as_method(getattr(np, _name), _name)     # (not x.sort(): it sorts in place)
