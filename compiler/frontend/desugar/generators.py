"""A generator helper -> a function returning the list of what it yields.

flatgrad runs a generator to its end where it is called, as ``list(gen(...))`` would, and
the caller iterates over that list (a tuple of values, or the rows of a list grown in a
loop: frontend/lists.py)::

    def unpack(weights):                     def unpack(weights):
        for m, n in shapes:                      _fg_yielded = []
            yield weights[:m * n]      ->        for m, n in shapes:
            weights = weights[m * n:]                _fg_yielded.append(weights[:m * n])
                                                     weights = weights[m * n:]
                                                 return _fg_yielded

``yield from it`` appends each item of ``it``; a ``return`` ends the list. The values are
those Python's lazy generator yields as long as the caller's loop body changes nothing the
generator reads afterwards: :func:`interleaving` finds the bodies that might, and the
frontend refuses them (loops.py).
"""
from __future__ import annotations

import ast
import copy

from .rename import placed

YIELDED = "_fg_yielded"
ITEM = "_fg_item"


def own_nodes(fn: ast.FunctionDef):
    """The nodes of ``fn``'s body that belong to ``fn`` itself (not to a def, lambda or
    class nested in it)."""
    todo = list(fn.body)
    while todo:
        n = todo.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                todo.append(c)


def is_generator(fn: ast.AST) -> bool:
    """Is the def ``fn`` a generator function (a yield of its own)?"""
    return isinstance(fn, ast.FunctionDef) and any(
        isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(fn))


_COLLECTED: dict[int, tuple[ast.FunctionDef, ast.FunctionDef]] = {}


def collected(fn: ast.FunctionDef) -> ast.FunctionDef:
    """``fn`` (a generator def whose yields are statements) rewritten to return the list of
    its yields. The same tree for the same ``fn``."""
    hit = _COLLECTED.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    out = copy.deepcopy(fn)
    body = [_Collect().visit(st) for st in out.body]
    doc = body[:1] if body and isinstance(body[0], ast.Expr) and \
        isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str) else []
    first = body[len(doc)] if len(body) > len(doc) else fn
    out.body = doc + [placed(_assign_empty(), first)] + body[len(doc):] + \
        [placed(ast.Return(value=_name(ast.Load())), body[-1] if body else fn)]
    _COLLECTED[id(fn)] = (fn, out)
    return out


def _name(ctx) -> ast.Name:
    return ast.Name(id=YIELDED, ctx=ctx)


def _assign_empty() -> ast.Assign:
    return ast.Assign(targets=[_name(ast.Store())], value=ast.List(elts=[], ctx=ast.Load()))


def _append(value: ast.expr) -> ast.Expr:
    call = ast.Call(func=ast.Attribute(value=_name(ast.Load()), attr="append", ctx=ast.Load()),
                    args=[value], keywords=[])
    return ast.Expr(value=call)


class _Collect(ast.NodeTransformer):
    """yield -> append, yield from -> a loop of appends, return -> return the list; nested
    defs, lambdas and classes are left alone (their yields and returns are their own)."""

    def visit_FunctionDef(self, node):
        return node

    visit_Lambda = visit_ClassDef = visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Expr(self, node):
        v = node.value
        if isinstance(v, ast.Yield):
            value = self.visit(v.value) if v.value is not None else ast.Constant(value=None)
            return placed(_append(value), node)
        if isinstance(v, ast.YieldFrom):
            loop = ast.For(target=ast.Name(id=ITEM, ctx=ast.Store()), iter=self.visit(v.value),
                           body=[_append(ast.Name(id=ITEM, ctx=ast.Load()))], orelse=[])
            return placed(loop, node)
        return self.generic_visit(node)

    def visit_Return(self, node):
        return placed(ast.Return(value=_name(ast.Load())), node)


def interleaving(body: list[ast.stmt], gen: ast.FunctionDef | None, call: ast.Call):
    """The first name (and its node) through which the loop ``body`` over ``call`` (of the
    generator ``gen``; None for a module-level one) could change what the generator reads
    after yielding: an item or slice written into any array, an in-place operator on a
    name the call passes, or a name the local generator reads from the enclosing function
    and the body assigns. None when there is none."""
    passed = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
    free = _free_names(gen) if gen is not None else set()
    for n in (m for s in body for m in ast.walk(s)):
        targets = n.targets if isinstance(n, ast.Assign) else \
            [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
        for t in targets:
            for x in ast.walk(t):
                if isinstance(x, ast.Subscript):
                    return ast.unparse(x.value), x
                if isinstance(x, ast.Name) and isinstance(x.ctx, ast.Store) and (
                        x.id in free or (isinstance(n, ast.AugAssign) and x.id in passed)):
                    return x.id, x
    return None


def _free_names(fn: ast.FunctionDef) -> set[str]:
    """The names ``fn`` reads but neither takes nor assigns (its enclosing function's)."""
    a = fn.args
    own = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]} | \
        {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    loads = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else own).add(n.id)
    return loads - own
