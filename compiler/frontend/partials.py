"""``functools.partial``: ``partial(f, a, k=v)`` made in the function or read from the
module, then called, as JAX users write (``loss_fn = partial(nll, X=X)``).

A partial is a :class:`~flatgrad.compiler.values.PartialVal`: the function and the values
given in advance, as the function sees them. A call of one is lowered as the call it
stands for, ``f(a, *call's arguments, k=v, **call's keywords)`` (a keyword of the call
replaces the partial's, as in Python), the given values bound to private names, so that
every kind of callee takes it: a helper, a local function, a library function, another
partial.
"""
from __future__ import annotations

import ast

from ..values import PartialVal, Ref
from .starred import held, splice

_TEMP = "$partial"


def make(lowerer, node: ast.Call) -> PartialVal:
    """The value of ``functools.partial(func, *args, **keywords)``."""
    if not node.args:
        raise lowerer.err(node, "functools.partial needs the function as its first argument")
    if any(k.arg is None for k in node.keywords):
        raise lowerer.err(node, "functools.partial with **keywords is not supported here",
                          "Name the keywords: partial(f, k=v).")
    func, *args = splice(lowerer, node.args)
    keywords = {k.arg: lowerer.expr(k.value) for k in node.keywords}
    if isinstance(func, PartialVal):       # a partial of a partial: one, as functools makes
        return PartialVal(func.func, func.args + tuple(args), {**func.keywords, **keywords})
    if not callable(func.obj if isinstance(func, Ref) else func) and \
            not hasattr(func, "node"):     # (a local function)
        raise lowerer.err(node.args[0], "the first argument of functools.partial must be a "
                          "function")
    return PartialVal(func, tuple(args), keywords)


def call(lowerer, p: PartialVal, node: ast.Call) -> object:
    """The value of calling partial ``p`` as ``node`` does."""
    temps: list[str] = []

    def bound(v, at) -> ast.Name:
        return held(lowerer, v, at, temps, _TEMP)

    given = {k.arg for k in node.keywords}
    call_node = ast.Call(
        func=bound(p.func, node.func),
        args=[bound(v, node) for v in p.args] + list(node.args),
        keywords=[ast.copy_location(ast.keyword(arg=k, value=bound(v, node)), node)
                  for k, v in p.keywords.items() if k not in given] + list(node.keywords))
    try:
        return lowerer.expr_Call(ast.copy_location(call_node, node))
    finally:
        for name in temps:
            lowerer.env.pop(name, None)
