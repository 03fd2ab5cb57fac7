"""``sum(f(i) for i in it if c(i))`` -> an accumulating loop.

For a generator flatgrad cannot unroll (over an array's rows, a range of unknown length)::

    sum(x[i] ** 2 for i in range(n) if x[i] > 0)

becomes, with the generator's variables and the accumulator given private names (they do
not leak, as in Python 3)::

    for $c1 in range(n):
    if x[$c1] > 0:
        $acc2 = $acc2 + x[$c1] ** 2

The Lowerer starts ``$acc2`` at 0.0 and reads it after the loop.
"""
from __future__ import annotations

import ast
import copy

from .rename import Renamer


def target_names(target: ast.expr) -> list[str]:
    """The names a ``for`` target (or a comprehension's) binds."""
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def accumulating_loop(gen: ast.GeneratorExp | ast.ListComp, acc: str,
                      renames: dict) -> ast.For:
    """The loop adding each of ``gen``'s (one-``for``) items to the variable ``acc``;
    ``renames`` gives the generator's variables their private names."""
    where = dict(lineno=gen.lineno, col_offset=gen.col_offset)
    return _loop(gen, renames, lambda elt: ast.Assign(
        targets=[ast.Name(id=acc, ctx=ast.Store(), **where)],
        value=ast.BinOp(left=ast.Name(id=acc, ctx=ast.Load(), **where), op=ast.Add(),
                        right=elt, **where), **where))


def appending_loop(gen: ast.GeneratorExp | ast.ListComp, items: str,
                   renames: dict) -> ast.For:
    """The loop appending each of ``gen``'s (one-``for``) items to the list ``items``::

        [f(r) for r in X if c(r)]     ->     for $c1 in X:
                                                 if c($c1):
                                                     $items2.append(f($c1))
    """
    where = dict(lineno=gen.lineno, col_offset=gen.col_offset)
    return _loop(gen, renames, lambda elt: ast.Expr(value=ast.Call(
        func=ast.Attribute(value=ast.Name(id=items, ctx=ast.Load(), **where), attr="append",
                           ctx=ast.Load(), **where), args=[elt], keywords=[], **where), **where))


def _loop(gen, renames: dict, step) -> ast.For:
    """``for <target> in <iter>: [if <conds>:] step(<elt>)``, the generator's variables
    renamed by ``renames``."""
    g = gen.generators[0]

    def fresh(node):
        return Renamer(renames).visit(copy.deepcopy(node))

    where = dict(lineno=gen.lineno, col_offset=gen.col_offset)
    body = [step(fresh(gen.elt))]
    for c in reversed(g.ifs):
        body = [ast.If(test=fresh(c), body=body, orelse=[], **where)]
    return ast.For(target=fresh(g.target), iter=g.iter, body=body, orelse=[], **where)
