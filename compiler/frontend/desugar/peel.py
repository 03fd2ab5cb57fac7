"""A ``for`` loop over a constant ``range`` -> its first trip, then a loop over the rest.

A loop that provably runs and whose body first assigns a name read after it (``t`` below)
leaves that name defined, as Python does; lowered as a region it would not be (the region
may run zero times, as far as SSA is concerned). Its first trip is peeled off::

    for i in range(0, 6, 2):      ->      i = 0
        t = x * i                         t = x * i
        s = s + t                         s = s + t
    y = t                                 for i in range(2, 6, 2):
                                              t = x * i
                                              s = s + t

(no loop is left when the range has one value). The Lowerer decides, knowing the range's
bounds and which names are already defined, and lowers the two parts.
"""
from __future__ import annotations

import ast
import copy


def peel_first_trip(s: ast.For, start: int, stop: int, step: int) -> tuple[list[ast.stmt],
                                                                           ast.For | None]:
    """(``s``'s first trip over ``range(start, stop, step)``: its index set, then its body;
    the loop over the remaining trips, or None if there are none)."""
    first = [ast.copy_location(ast.Assign(targets=[s.target], value=_int(start, s.iter)), s),
             *s.body]
    if not range(start + step, stop, step):
        return first, None
    rest = copy.copy(s)
    rest.iter = ast.copy_location(
        ast.Call(func=ast.copy_location(ast.Name(id="range", ctx=ast.Load()), s.iter),
                 args=[_int(v, s.iter) for v in (start + step, stop, step)], keywords=[]),
        s.iter)
    return first, rest


def _int(v: int, at: ast.AST) -> ast.expr:
    """The literal ``v`` (a negative one as ``-n``, as Python writes it)."""
    node = ast.copy_location(ast.Constant(abs(v)), at)
    return node if v >= 0 else ast.copy_location(ast.UnaryOp(ast.USub(), node), at)
