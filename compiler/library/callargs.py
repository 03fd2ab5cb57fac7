"""Small helpers the lowerings of special.py, stable.py, cumulative.py and order.py share:
binding a call's arguments to NumPy's parameter names, and reading constant axes."""
from __future__ import annotations

import ast

from .. import types as T
from ..ir import Var


def bind(lw, node, kwargs, fname: str, params: tuple, required: int = 1) -> dict:
    """The call's arguments by parameter name (AST nodes; absent ones left out). Unknown
    keywords, too many arguments or missing required ones are CompileErrors."""
    if len(node.args) > len(params):
        raise lw.err(node, f"{fname} takes at most {len(params)} arguments here")
    out = dict(zip(params, node.args))
    for k, v in kwargs.items():
        if k not in params:
            raise lw.err(node, f"{fname}: the argument '{k}' is not supported",
                         f"{fname} takes {', '.join(params)} here.")
        if k in out:
            raise lw.err(node, f"{fname} got '{k}' twice")
        out[k] = v
    missing = [p for p in params[:required] if p not in out]
    if missing:
        raise lw.err(node, f"{fname} needs the argument '{missing[0]}'")
    return {k: v for k, v in out.items() if not _is_none(lw, v)}


def _is_none(lw, v) -> bool:
    if isinstance(v, ast.Constant) and v.value is None:
        return True
    from ..values import Ref
    if isinstance(v, ast.Name) and isinstance(lw.env.get(v.id), Ref) and lw.env[v.id].obj is None:
        return True
    return False


def array_arg(lw, node, fname: str):
    """An argument that must be an array (a Var of array type)."""
    x = lw.atom(node)
    if not (isinstance(x, Var) and T.is_array(x.type)):
        raise lw.err(node, f"{fname} needs an array here")
    return x


def one_axis(lw, node, ndim: int, fname: str, default=None):
    """A constant integer axis, made non-negative (``default`` when absent)."""
    if node is None:
        return default
    k = lw.const_int(node)
    if not -ndim <= k < ndim:
        raise lw.err(node, f"{fname}: axis {k} is out of bounds for an array of dimension {ndim}")
    return k % ndim


def float_of(lw, x, node):
    """``x`` as a float (ints and bools become float64), as NumPy's float functions see it."""
    if T.is_float(x.type):
        return x
    return lw.cast(x, T.with_dtype(x.type, "float64"), node)

