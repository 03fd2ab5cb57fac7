"""A ``for`` loop over arrays' rows -> a loop over an index.

``for row in M``, ``for i, row in enumerate(M)``, ``for a, b in zip(x, y)`` and
``for i, (a, b) in enumerate(zip(x, y))`` over arrays (their first axis) become, with the
iterables held in the private variables ``names`` and the index named ``k``::

    for $k3 in range(len($it1)):            # min(len($it1), len($it2)) for zip
        row = $it1[$k3]                     # i, row = $k3, $it1[$k3] for enumerate
        ...                                 # a, b = $it1[$k3], $it2[$k3] for zip

A source read ``reversed(...)`` is indexed from its end, ``$it1[len($it1) - 1 - $k3]``.
The Lowerer binds ``names`` to the iterables' values (so each is evaluated once) and lowers
the loop as any loop over ``range``.
"""
from __future__ import annotations

import ast


def index_loop(s: ast.For, kind: str, names: list[str], k: str,
               backwards: list[bool] | None = None) -> ast.For:
    """``s`` (a loop of ``kind`` "values", "enumerate", "zip" or "enumerate zip" over the
    iterables held in ``names``, those flagged in ``backwards`` read from their end; for the
    enumerations its target is a pair) as a loop over the index ``k``."""
    it = s.iter
    where = dict(lineno=it.lineno, col_offset=it.col_offset)

    def name(n, ctx=ast.Load):
        return ast.Name(id=n, ctx=ctx(), **where)

    def length(n):
        return ast.Call(func=name("len"), args=[name(n)], keywords=[], **where)

    def at(n, back):
        index = name(k)
        if back:                           # len(it) - 1 - k
            last = ast.BinOp(left=length(n), op=ast.Sub(), right=ast.Constant(1, **where), **where)
            index = ast.BinOp(left=last, op=ast.Sub(), right=index, **where)
        return ast.Subscript(value=name(n), slice=index, ctx=ast.Load(), **where)

    lengths = [length(n) for n in names]
    count = lengths[0] if len(lengths) == 1 else ast.Call(func=name("min"), args=lengths,
                                                          keywords=[], **where)
    items = [at(n, back) for n, back in zip(names, backwards or [False] * len(names))]
    value = items[0] if kind in ("values", "enumerate") else ast.Tuple(elts=items, ctx=ast.Load(),
                                                                      **where)
    if kind.startswith("enumerate"):
        target = s.target
        prefix = [ast.Assign(targets=[target.elts[0]], value=name(k), **where),
                  ast.Assign(targets=[target.elts[1]], value=value, **where)]
    else:
        prefix = [ast.Assign(targets=[s.target], value=value, **where)]
    return ast.For(target=name(k, ast.Store), iter=ast.Call(func=name("range"), args=[count],
                                                              keywords=[], **where),
                   body=prefix + s.body, orelse=[], lineno=s.lineno, col_offset=s.col_offset)
