"""A ``for`` loop over arrays' rows -> a loop over an index.

``for row in M``, ``for i, row in enumerate(M)`` and ``for a, b in zip(x, y)`` over arrays
(their first axis) become, with the iterables held in the private variables ``names`` and
the index named ``k``::

    for $k3 in range(len($it1)):            # min(len($it1), len($it2)) for zip
        row = $it1[$k3]                     # i = $k3; row = $it1[$k3] for enumerate
        ...                                 # a, b = ($it1[$k3], $it2[$k3]) for zip

The Lowerer binds ``names`` to the iterables' values (so each is evaluated once) and lowers
the loop as any loop over ``range``.
"""
from __future__ import annotations

import ast


def index_loop(s: ast.For, kind: str, names: list[str], k: str) -> ast.For:
    """``s`` (a loop of ``kind`` "values", "enumerate" or "zip" over the iterables held in
    ``names``; for "enumerate" its target is a pair) as a loop over the index ``k``."""
    it = s.iter
    where = dict(lineno=it.lineno, col_offset=it.col_offset)

    def name(n, ctx=ast.Load):
        return ast.Name(id=n, ctx=ctx(), **where)

    lengths = [ast.Call(func=name("len"), args=[name(n)], keywords=[], **where) for n in names]
    count = lengths[0] if len(lengths) == 1 else ast.Call(func=name("min"), args=lengths,
                                                          keywords=[], **where)
    items = [ast.Subscript(value=name(n), slice=name(k), ctx=ast.Load(), **where) for n in names]
    if kind == "enumerate":
        target = s.target
        prefix = [ast.Assign(targets=[target.elts[0]], value=name(k), **where),
                  ast.Assign(targets=[target.elts[1]], value=items[0], **where)]
    elif kind == "zip":
        value = ast.Tuple(elts=items, ctx=ast.Load(), **where)
        prefix = [ast.Assign(targets=[s.target], value=value, **where)]
    else:
        prefix = [ast.Assign(targets=[s.target], value=items[0], **where)]
    return ast.For(target=name(k, ast.Store), iter=ast.Call(func=name("range"), args=[count],
                                                              keywords=[], **where),
                   body=prefix + s.body, orelse=[], lineno=s.lineno, col_offset=s.col_offset)
