"""Small helpers the lowerings share to read bound arguments (:mod:`.binding` binds them):
an argument that must be an array, a constant axis, a value made float."""
from __future__ import annotations

from .. import types as T
from ..ir import Var


def array_arg(lowerer, node, fname: str):
    """An argument that must be an array (a Var of array type)."""
    x = lowerer.atom(node)
    if not (isinstance(x, Var) and T.is_array(x.type)):
        raise lowerer.err(node, f"{fname} needs an array here")
    return x


def one_axis(lowerer, node, ndim: int, fname: str, default=None):
    """A constant integer axis, made non-negative (``default`` when absent)."""
    if node is None:
        return default
    k = lowerer.const_int(node)
    if not -ndim <= k < ndim:
        raise lowerer.err(node, f"{fname}: axis {k} is out of bounds for an array of dimension {ndim}")
    return k % ndim


def float_of(lowerer, x, node):
    """``x`` as a float (ints and bools become float64), as NumPy's float functions see it."""
    if T.is_float(x.type):
        return x
    return lowerer.cast(x, T.with_dtype(x.type, "float64"), node)

