"""Small helpers the lowerings of special.py, stable.py, cumulative.py and order.py share:
binding a call's arguments to NumPy's parameter names, and reading constant axes."""
from __future__ import annotations

import ast

from .. import types as T
from ..ir import Var


def bind(lowerer, node, kwargs, fname: str, params: tuple, required: int = 1) -> dict:
    """The call's arguments by parameter name (AST nodes; absent ones left out). Unknown
    keywords, too many arguments or missing required ones are CompileErrors."""
    if len(node.args) > len(params):
        raise lowerer.err(node, f"{fname} takes at most {len(params)} arguments here")
    out = dict(zip(params, node.args))
    for k, v in kwargs.items():
        if k not in params:
            raise lowerer.err(node, f"{fname}: the argument '{k}' is not supported",
                         f"{fname} takes {', '.join(params)} here.")
        if k in out:
            raise lowerer.err(node, f"{fname} got '{k}' twice")
        out[k] = v
    missing = [p for p in params[:required] if p not in out]
    if missing:
        raise lowerer.err(node, f"{fname} needs the argument '{missing[0]}'")
    return {k: v for k, v in out.items() if not _is_none(lowerer, v)}


def _is_none(lowerer, v) -> bool:
    if isinstance(v, ast.Constant) and v.value is None:
        return True
    from ..values import Ref
    if isinstance(v, ast.Name) and isinstance(lowerer.env.get(v.id), Ref) and lowerer.env[v.id].obj is None:
        return True
    return False


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

