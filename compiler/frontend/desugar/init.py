"""A class's ``__init__`` -> a function returning the dict of the attributes it sets.

An object built in the function (``layer = Dense(W, b)``) is its class and its attributes
(values.Instance), fixed once ``__init__`` returns. ``__init__`` is lowered as a function
that fills a private dict and returns it; ``self`` itself stands for the object being
built (frontend/objects.py: its class attributes may be read, its methods not called)::

    def __init__(self, W, b):             def __init__(self, W, b):
        self.W = W                  ->        _fg_self = {}
        self.b = b * self.scale               _fg_self['W'] = W
                                              _fg_self['b'] = b * self.scale
                                              return _fg_self

A read of an attribute ``__init__`` sets (anywhere in it) reads the dict, so it must have
been set before, as in Python; the others read the class.
"""
from __future__ import annotations

import ast
import copy

from .generators import own_nodes
from .rename import placed

SELF = "_fg_self"


def constructor(fn: ast.FunctionDef) -> ast.FunctionDef:
    """``fn`` (an ``__init__``) rewritten to return the dict of the attributes it sets."""
    out = copy.deepcopy(fn)
    me = fn.args.args[0].arg if fn.args.args else None
    own = {n.attr for n in own_nodes(fn) if _on(n, me) and isinstance(n.ctx, ast.Store)}
    body = [_Attrs(me, own).visit(s) for s in out.body]
    start = ast.Assign(targets=[ast.Name(id=SELF, ctx=ast.Store())],
                       value=ast.Dict(keys=[], values=[]))
    end = ast.Return(value=ast.Name(id=SELF, ctx=ast.Load()))
    out.body = [placed(start, fn.body[0])] + body + [placed(end, fn.body[-1])]
    return out


def _on(n: ast.AST, me: str | None) -> bool:
    """Is ``n`` an attribute of the name ``me`` (``self.W``)?"""
    return isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == me


class _Attrs(ast.NodeTransformer):
    def __init__(self, me, own):
        self.me, self.own = me, own

    def visit_FunctionDef(self, node):       # a nested def keeps its own names
        return node

    visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Attribute(self, node):
        if _on(node, self.me) and node.attr in self.own:
            sub = ast.Subscript(value=ast.Name(id=SELF, ctx=ast.Load()),
                                slice=ast.Constant(value=node.attr), ctx=node.ctx)
            return placed(sub, node)
        return self.generic_visit(node)

    def visit_Return(self, node):
        return placed(ast.Return(value=ast.Name(id=SELF, ctx=ast.Load())), node)
