"""Starred expressions over sequences of known length: ``f(*params)``, ``[*a, *b]``,
``(*a, x)`` and ``a, *rest = t``; and dicts spread into a call's keywords, ``f(**opts)``.

A tuple or list is a tuple of values while compiling, its length known, so a star spreads
it into as many values: a call's starred argument becomes one positional argument per item
(the call is then lowered as if written out, so every kind of callee takes it), a display
splices the items, and a starred target takes the items its neighbours leave (a list, as
in Python). An array's length is known only at run time: starring one is a CompileError.
"""
from __future__ import annotations

import ast

from .. import types as T
from ..ir import Var
from ..library.shape import unstacked
from ..values import ListValue, Record, Ref

_TEMP = "$star"


def has_starred(nodes) -> bool:
    return any(isinstance(n, ast.Starred) for n in nodes)


def items(lowerer, node: ast.Starred) -> tuple:
    """The values ``*node.value`` spreads into."""
    v = lowerer.expr(node.value)
    if isinstance(v, Record):
        return tuple(Ref(k) for k in v.items)       # as iterating a dict: its keys
    if not isinstance(v, tuple):
        raise lowerer.err(node, "only a tuple or a list (of a length known while compiling) can "
                           "be starred here",
                     "Star a tuple or list; index an array's rows (x[0], x[1], ...) instead.")
    return v


def splice(lowerer, elts) -> tuple:
    """The values of a display's elements, starred ones spread."""
    out: list = []
    for e in elts:
        if isinstance(e, ast.Starred):
            out.extend(items(lowerer, e))
        else:
            out.append(lowerer.expr(e))
    return tuple(out)


def held(lowerer, v, at: ast.AST, temps: list, prefix: str = _TEMP) -> ast.Name:
    """A name standing for the value ``v`` (already lowered) where a rewritten call passes it:
    bound in ``lowerer.env`` and added to ``temps``, to be dropped after the call."""
    lowerer.counter += 1
    name = f"{prefix}{lowerer.counter}"
    lowerer.env[name] = v
    temps.append(name)
    return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), at)


def spreads(node: ast.Call) -> bool:
    """Whether the call spreads a sequence (``f(*xs)``) or a dict (``f(**opts)``)."""
    return has_starred(node.args) or any(k.arg is None for k in node.keywords)


def expand_call(lowerer, node: ast.Call) -> tuple:
    """``node`` with each starred argument replaced by one argument per item, and each
    ``**d`` (a dict of keys known while compiling) by one keyword per key (names bound to
    the values in ``lowerer.env``), and the names bound, to be dropped after the call."""
    args, keywords, temps = [], [], []

    def bound(v, at) -> ast.Name:
        return held(lowerer, v, at, temps)

    for a in node.args:
        if isinstance(a, ast.Starred):
            args.extend(bound(v, a) for v in items(lowerer, a))
        else:
            args.append(a)
    for k in node.keywords:
        if k.arg is not None:
            keywords.append(k)
            continue
        d = lowerer.expr(k.value)
        if not (isinstance(d, Record) and all(isinstance(key, str) for key in d.items)):
            raise lowerer.err(k.value, "only a dict with string keys known while compiling can "
                                       "be passed as **keywords",
                              "Pass the keywords by name: f(x, key=value).")
        keywords.extend(ast.copy_location(ast.keyword(arg=key, value=bound(v, k.value)), k)
                        for key, v in d.items.items())
    call = ast.Call(func=node.func, args=args, keywords=keywords)
    return ast.copy_location(call, node), temps


def unpack(lowerer, target, value, node) -> None:
    """``a, *rest, z = value``: the starred name takes the middle items, as a list."""
    k = next(i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred))
    if isinstance(value, Var) and T.is_array(value.type):     # first, *rest = x: its rows
        value = unstacked(lowerer, node, value, 0, "unpacking an array")
    if not isinstance(value, tuple):
        raise lowerer.err(node, "only tuples can be unpacked",
                     "Unpack a tuple expression or a function returning a tuple.")
    after = len(target.elts) - k - 1
    if len(value) < k + after:
        raise lowerer.err(node, f"not enough values to unpack (expected at least {k + after}, "
                           f"got {len(value)})")
    rest = ListValue(value[k:len(value) - after])
    for t, v in zip(target.elts, value[:k] + (rest,) + value[len(value) - after:]):
        lowerer.assign(t.value if isinstance(t, ast.Starred) else t, v, node)
