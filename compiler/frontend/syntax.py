"""Questions about syntax trees the frontend asks before lowering a statement: which names
a loop assigns, which arrays it writes into, whether an expression can fail."""
from __future__ import annotations

import ast


def assigned_names(body: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for s in body:
        for n in ast.walk(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                out.add(n.id)
            elif (isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name)):
                out.add(n.value.id)     # y[i] = ... makes a new version of y
    return out


def written_arrays(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names of arrays item-assigned in ``body`` (y[i] = ..., y[i] += ...): the first write."""
    out: dict[str, ast.AST] = {}
    for s in body:
        for n in ast.walk(s):
            if (isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                    and isinstance(n.value, ast.Name)):
                out.setdefault(n.value.id, n)
    return out


def cannot_fail(node: ast.expr) -> bool:
    """True if evaluating ``node`` cannot raise (no calls, divisions, powers or indexing)."""
    for n in ast.walk(node):
        if isinstance(n, (ast.Call, ast.Subscript)) or (
                isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod, ast.Pow))):
            return False
    return True
