"""NumPy functions the array lowering handles itself (reductions, products, constructors,
reshapes), each registered in the one call registry
(:mod:`~flatgrad.compiler.library.registry`) under the function it lowers. They build on
:class:`~.arrays.ArrayLowering` (``reduction``, ``matmul``, ``reshape``, ...), which array
methods (``x.sum(axis=0)``) reach through the same entries."""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from ..library.callargs import bind
from ..library.registry import as_method, lowers

REDUCED = ("sum", "mean", "max", "min", "prod", "amax", "amin")


def _variance(name):
    def lower(lowerer, node, kwargs):
        return lowerer.arrays.variance(name, node, kwargs)
    return lower


def _reduction(name):
    def lower(lowerer, node, kwargs):
        x = lowerer.expr(node.args[0])
        if isinstance(x, tuple):             # np.prod(shape), np.sum(sizes)
            folded = lowerer.tuple_reduction(name, x, node) if len(node.args) == 1 else None
            if folded is not None:
                return folded
            x = lowerer.sequence_array(x, node)
        x = lowerer.as_atom(x, node.args[0])
        return lowerer.arrays.reduction(name, x, node.args[1:], kwargs, node)
    return lower


def _constructor(name):
    """np.zeros / np.ones / np.empty (shape, dtype)."""
    def lower(lowerer, node, kwargs):
        dims = lowerer.dims(node.args[0] if node.args else kwargs.get("shape"), node)
        dtype = lowerer.dtype_of(kwargs.get("dtype") or (node.args[1] if len(node.args) > 1
                                                         else None), node)
        return lowerer.op(node, name, *dims, dtype=dtype)
    return lower


def _like(name):
    """np.zeros_like / np.ones_like / np.empty_like (which is zeros_like here)."""
    def lower(lowerer, node, kwargs):
        x = lowerer.atom(node.args[0])
        return lowerer.op(node, "zeros_like" if name == "empty_like" else name, x)
    return lower


for _name in ("var", "std"):
    lowers(getattr(np, _name))(_variance(_name))
for _name in REDUCED:
    lowers(getattr(np, _name))(_reduction(_name))
for _name in ("zeros", "ones", "empty"):
    lowers(getattr(np, _name))(_constructor(_name))
for _name in ("zeros_like", "ones_like", "empty_like"):
    lowers(getattr(np, _name))(_like(_name))


def _pair(lowerer, node, kwargs, fname):
    """The two operands of a product, bound by name (``np.dot(a, b=y)``); anything else is
    an error naming the argument."""
    args = bind(lowerer, node, kwargs, fname, ("a", "b"), required=2)
    return lowerer.atom(args["a"]), lowerer.atom(args["b"])


def _product(fname):
    """np.dot / np.matmul (and ``x.dot(y)``): ``@``."""
    def lower(lowerer, node, kwargs):
        a, c = _pair(lowerer, node, kwargs, fname)
        return lowerer.arrays.matmul(a, c, node)
    return lower


lowers(np.dot)(_product("np.dot"))
lowers(np.matmul)(_product("np.matmul"))


@lowers(np.inner)
def lower_inner(lowerer, node, kwargs):
    """A sum over the last axes of both: a @ b.T up to 2-D."""
    a, c = _pair(lowerer, node, kwargs, "np.inner")
    if T.is_array(a.type) and T.is_array(c.type) and c.type.ndim == 2:
        c = lowerer.op(node, "transpose", c)     # (with a number: the plain product)
    return lowerer.arrays.matmul(a, c, node)


@lowers(np.outer)
def lower_outer(lowerer, node, kwargs):
    a, c = _pair(lowerer, node, kwargs, "np.outer")
    if T.is_array(a.type) and T.is_array(c.type):
        a, c = lowerer.arrays.same_dtype(a, c, node)
    return lowerer.op(node, "outer", a, c)


@lowers(np.reshape)
def lower_reshape(lowerer, node, kwargs):
    return lowerer.arrays.reshape(lowerer.atom(node.args[0]), node.args[1:], node)


@lowers(np.ravel)
def lower_ravel(lowerer, node, kwargs):
    x = lowerer.atom(node.args[0])
    if not T.is_array(x.type):
        return lowerer.op(node, "pack", x)      # np.ravel(2.0) is array([2.0])
    return lowerer.op(node, "reshape", x, Const(-1, T.I64))


@lowers(np.copy)
def lower_copy(lowerer, node, kwargs):
    return lowerer.op(node, "copy_array", lowerer.atom(node.args[0]))


@lowers(np.full)
def lower_full(lowerer, node, kwargs):
    dims = lowerer.dims(node.args[0], node)
    value = lowerer.atom(node.args[1])
    return lowerer.op(node, "full", *dims, lowerer.cast(value, T.F64, node))


@lowers(np.eye)
def lower_eye(lowerer, node, kwargs):
    return lowerer.op(node, "eye", lowerer.int_atom(node.args[0]))


@lowers(np.arange)
def lower_arange(lowerer, node, kwargs):
    return lowerer.op(node, "arange", *(lowerer.atom(a) for a in node.args))


# ---- array methods: each means a function above, or the ndarray method's own entry

@lowers(np.ndarray.transpose)
def lower_transpose_method(lowerer, node, kwargs):
    """``x.transpose(1, 0)`` (the axes as separate arguments, or one tuple)."""
    return lowerer.arrays.transpose(lowerer.atom(node.args[0]), node.args[1:], node)


@lowers(np.ndarray.astype)
def lower_astype(lowerer, node, kwargs):
    x = lowerer.atom(node.args[0])
    dtype = lowerer.dtype_of(node.args[1] if len(node.args) > 1 else kwargs.get("dtype"), node)
    return lowerer.cast(x, T.with_dtype(x.type, dtype), node)


for _name in ("sum", "mean", "max", "min", "prod"):
    as_method(getattr(np, _name), _name)
as_method(np.reshape, "reshape")
as_method(np.copy, "copy")
as_method(np.ravel, "ravel", "flatten")
as_method(np.dot, "dot")
as_method(np.ndarray.transpose, "transpose")
as_method(np.ndarray.astype, "astype")
