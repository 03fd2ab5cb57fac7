"""A ``for`` loop over values known while compiling -> its body once per value.

A loop over a tuple (``for layer in layers``, ``for i, w in enumerate(ws)``), or over a
constant ``range`` whose body grows a list (``out.append(...)``: a list is a tuple of
values, so it must know its length), is unrolled. With the values given as expressions
(constants, or the Lowerer's private tuple read by index)::

    for w in ws:                  ->      w = $it1[0]
        if w @ x > 0:                     if w @ x > 0:
            return w @ x                      $retval = w @ x
        x = np.tanh(w @ x)                    $ret = True
                                          if not $ret:
                                              x = np.tanh(w @ x)
                                          if not $ret:
                                              w = $it1[1]
                                              ...

A body that may return (its ``return`` already a flag, :mod:`.exits`) runs its later trips
only if it has not; one that always ends in a return runs once. ``break`` and ``continue``
are not unrolled (the Lowerer rejects them in such loops).
"""
from __future__ import annotations

import ast

from ..flags import RET
from .exits import exit_of, guarded, loop_flags


def unrolled_loop(s: ast.For, items: list[ast.expr]) -> list[ast.stmt]:
    """The statements running ``s``'s body once per item, in order, with its target bound
    to each item of ``items`` first."""
    if s.body and exit_of(s.body[-1]):
        items = items[:1]              # it always leaves in its first trip
    returns = loop_flags(s.body).ret
    out: list[ast.stmt] = []
    for item in reversed(items):
        trip = [ast.copy_location(ast.Assign(targets=[s.target], value=item), s), *s.body]
        if out and returns:
            out = [guarded([RET], out, s)]
        out = trip + out
    return out


def item_of(name: str, k: int, at: ast.AST) -> ast.Subscript:
    """``name[k]``: the ``k``-th value of a tuple the Lowerer holds in ``name``."""
    where = dict(lineno=at.lineno, col_offset=at.col_offset)
    return ast.Subscript(value=ast.Name(id=name, ctx=ast.Load(), **where),
                         slice=ast.Constant(k, **where), ctx=ast.Load(), **where)
