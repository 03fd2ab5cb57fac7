"""The fence: reject unsupported syntax early, with a location and what to do instead.

It runs over the whole function before SSA construction, so that users see the
first unsupported construct by its own name rather than a failure deep inside
lowering.
"""
from __future__ import annotations

import ast

from ..errors import CompileError
from .desugar.generators import own_nodes
from .source import ParsedFunction

# node type -> (what it is, what to do instead)
_REJECT: dict[type, tuple[str, str]] = {
    ast.ClassDef: ("class definitions", "Define classes outside the function and pass numbers or arrays in."),
    ast.AsyncFunctionDef: ("async functions", "Write a plain def function."),
    ast.Try: ("try/except", "Check the condition with an if statement instead."),
    ast.With: ("with statements", "Move I/O and context managers out of the differentiated function."),
    ast.AsyncWith: ("async with", "Move it out of the differentiated function."),
    ast.AsyncFor: ("async for", "Use for i in range(n)."),
    ast.Await: ("await", "Move it out of the differentiated function."),
    ast.Global: ("global statements", "Pass the value in as an argument and return the new value."),
    ast.Nonlocal: ("nonlocal statements", "Pass the value in as an argument and return the new value."),
    ast.Delete: ("del", "Just stop using the variable."),
    ast.SetComp: ("set comprehensions", "Write a for loop."),
    ast.Yield: ("generators (yield) in the function it differentiates",
                "Return the value instead; a helper it calls may be a generator."),
    ast.YieldFrom: ("generators (yield from) in the function it differentiates",
                    "Return the value instead; a helper it calls may be a generator."),
    ast.NamedExpr: ("assignment expressions (:=)", "Assign on a line of its own."),
    ast.Match: ("match statements", "Use if/elif/else."),
}


def fence(pf: ParsedFunction, helper: bool = False) -> None:
    """Raise CompileError at the first construct outside the supported subset. A ``helper``
    (inlined at each call, so called with a fixed number of arguments) may take ``*args``,
    keyword-only parameters and ``**kwargs``; the differentiated function may not."""
    node = pf.node
    a = node.args
    if not helper and (a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs):
        raise CompileError("flatgrad does not support *args, **kwargs or keyword-only parameters "
                           "in the function it differentiates (its helpers may take them)",
                           pf.loc(node), "Use plain positional parameters.")
    body = node.body if isinstance(node, ast.FunctionDef) else [node.body]
    yields = _statement_yields(node, helper)
    for stmt in body:
        _check(pf, stmt, yields, helper)


def _statement_yields(node: ast.AST, helper: bool) -> set[int]:
    """The ids of the yields flatgrad runs (desugar/generators.py): statements of a helper's
    own body or of a def nested in the function. Any other yield is rejected."""
    defs = [n for n in ast.walk(node) if isinstance(n, ast.FunctionDef) and (helper or n is not node)]
    return {id(n.value) for d in defs for n in own_nodes(d)
            if isinstance(n, ast.Expr) and isinstance(n.value, (ast.Yield, ast.YieldFrom))}


def _check(pf: ParsedFunction, root: ast.AST, yields: set[int] = frozenset(),
           helper: bool = False) -> None:
    # *t in a call's arguments, a tuple or list display, or an unpacking target
    starred = {id(a) for c in ast.walk(root) if isinstance(c, (ast.Call, ast.Tuple, ast.List))
               for a in (c.args if isinstance(c, ast.Call) else c.elts)}
    for n in ast.walk(root):
        bad = _REJECT.get(type(n))
        if bad is not None and id(n) in yields:
            continue
        if isinstance(n, (ast.Yield, ast.YieldFrom)) and (helper or _in_def(root, n)):
            raise CompileError("flatgrad supports yield as a statement only (not its value: "
                               "x = yield v)", pf.loc(n), "Write yield v on a line of its own.")
        if bad is not None:
            raise CompileError(f"flatgrad does not support {bad[0]}", pf.loc(n), bad[1])
        if isinstance(n, ast.Starred) and id(n) not in starred:
            raise CompileError("flatgrad does not support starred expressions here", pf.loc(n),
                               "Star a tuple in a call (f(*args)), a tuple or list display "
                               "([*a, *b]) or an unpacking (a, *rest = t).")
        if isinstance(n, ast.Raise) and n.exc is None:
            raise CompileError("flatgrad does not support a bare raise (it re-raises the "
                               "exception being handled, and there is no try here)", pf.loc(n),
                               "Raise an exception: raise ValueError('...').")
        if isinstance(n, ast.Constant) and isinstance(n.value, bytes):
            raise CompileError("flatgrad does not support bytes", pf.loc(n),
                               "Keep bytes and I/O out of the differentiated function.")
        if isinstance(n, ast.Constant) and isinstance(n.value, complex):
            raise CompileError("flatgrad does not support complex numbers", pf.loc(n),
                               "Split the value into real and imaginary parts.")
        if isinstance(n, (ast.For, ast.While)) and n.orelse:
            raise CompileError("flatgrad does not support else clauses on loops", pf.loc(n.orelse[0]),
                               "Use a flag variable set before break.")


def _in_def(root: ast.AST, node: ast.AST) -> bool:
    """Is ``node`` inside a def in ``root`` (rather than in the function's own body)?"""
    return any(node is m for d in ast.walk(root) if isinstance(d, ast.FunctionDef)
               for m in ast.walk(d))
