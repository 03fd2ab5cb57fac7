"""The one side effect a differentiated function may have: ``print``.

``print("loss", x)`` becomes a ``print`` op (see its stanza in ``compiler/primitives.py``)
that runs where the forward pass computes its values, on every target (Numba prints
numbers, arrays and literal strings too). It is impure, so no pass removes, merges, hoists
or recomputes it: the backward pass, and any code that replays forward statements to get
values back (``if`` arms, loop iterations, checkpointed segments, Jacobians' seed copies),
runs without it (``rewrite.quiet``). Every other side effect (files, outside state) stays
rejected.
"""
from __future__ import annotations

import ast

from .. import types as T
from ..ir import Const, Var
from ..values import Ref

_SPELLING = "print's sep= and end= are not supported (Numba's print takes no keywords)"


def lower_print(lowerer, node: ast.Call, items, keywords) -> Ref:
    """Emit ``print(*items)``: literal strings stay text, everything else must be a number
    or an array; ``keywords`` are the names of the keywords given. Returns None, as print
    does."""
    for k in keywords:
        if k == "file":
            raise lowerer.err(node, "print(..., file=...) writes to a file: I/O is not allowed in a "
                               "differentiated function", "Return the values and write them "
                               "outside the function.")
        if k != "flush":
            raise lowerer.err(node, _SPELLING, "Print with the default separator and line end: "
                                          "print('loss', x).")
    parts, values = [], []
    for a in items:
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            parts.append(a.value)
            continue
        v = lowerer.expr(a)
        if not (isinstance(v, (Var, Const)) and isinstance(v.type, (T.Scalar, T.Array))):
            raise lowerer.err(a, f"print takes numbers, arrays and literal strings; this is {_what(v)}",
                         "Print the numbers themselves: print(a, b) rather than print((a, b)), "
                         "print(x.shape[0], x.shape[1]) rather than print(x.shape).")
        parts.append(None)
        values.append(v)
    lowerer.op(node, "print", *values, parts=tuple(parts))
    return Ref(None)


def is_print(lowerer, call: ast.Call) -> bool:
    """Is ``call`` a call of the builtin print (by name, not shadowed)?"""
    return isinstance(call.func, ast.Name) and call.func.id == "print" and \
        lowerer.resolve_callee(call.func) is print


def _what(v) -> str:
    if isinstance(v, tuple):
        return "a tuple or list"
    if isinstance(v, Ref):
        return "None" if v.obj is None else f"'{getattr(v.obj, '__name__', type(v.obj).__name__)}'"
    return f"a {type(v).__name__}"
