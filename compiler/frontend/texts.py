"""Strings known while compiling, computed then: ``"layer" + str(i)`` in an unrolled loop,
``kind.lower() == "relu"``, ``"W%d" % i``, ``"{}_{}".format(a, b)``. A string is a value
flatgrad keeps at compile time (a mode, a dict key); so are the numbers these read, so each
such expression is Python's own result, computed once. A string built from a value known
only at run time is a located CompileError.
"""
from __future__ import annotations

import ast
import builtins

from .. import types as T
from ..ir import Const
from ..library.registry import lowers
from ..primitives import PRIMS
from ..values import Ref
from .objects import NO_KEY, static_key


def lowered(value):
    """A Python value computed while compiling, as the lowering holds it."""
    if isinstance(value, bool):
        return Const(value, T.BOOL)
    if isinstance(value, int):
        return Const(value, T.I64)
    if isinstance(value, float):
        return Const(value, T.F64)
    if isinstance(value, (tuple, list)):
        return tuple(lowered(v) for v in value)
    return Ref(value)


def is_text(v) -> bool:
    return isinstance(v, Ref) and isinstance(v.obj, str)


def binop(lowerer, op: str, left, right, node: ast.AST):
    """``a + b``, ``a % b``, ``a * n`` where one side is a string: Python's result, when both
    sides are known while compiling; else None (not a text operation)."""
    if not (is_text(left) or is_text(right)):
        return None
    a, b = static_key(left), static_key(right)
    fn = PRIMS[op].evaluate             # the stanza's Python operation (+, %, * on strings)
    if fn is None or a is NO_KEY or b is NO_KEY:
        raise lowerer.err(node, "arithmetic on a string needs values known while compiling "
                          "here (strings, loop counters of unrolled loops, constants)",
                          "Print run-time values beside text: print('x =', x).")
    try:
        return lowered(fn(a, b))
    except (TypeError, ValueError) as e:
        raise lowerer.err(node, f"this string operation fails in Python: {e}") from None


def call_method(lowerer, method, node: ast.Call):
    """``kind.lower()``, ``name.startswith("W")``, ``"{}{}".format(a, i)``: a string's method
    with arguments known while compiling, called now."""
    args = [static_key(lowerer.expr(a)) for a in node.args]
    kwargs = {k.arg: static_key(lowerer.expr(k.value)) for k in node.keywords}
    if NO_KEY in args or NO_KEY in kwargs.values() or None in kwargs:
        raise lowerer.err(node, f"str.{method.__name__}() takes values known while compiling "
                          "here", "Print run-time values beside text: print('x =', x).")
    try:
        return lowered(method(*args, **kwargs))
    except (TypeError, ValueError, KeyError, IndexError) as e:
        raise lowerer.err(node, f"this string method fails in Python: {e}") from None


def is_text_method(fn) -> bool:
    return isinstance(getattr(fn, "__self__", None), str) and callable(fn)


@lowers(builtins.str, signature="object='', /")
@lowers(builtins.repr, signature="obj, /")
def _str(lowerer, node, args):
    """``str(i)``, ``repr(mode)`` of a value known while compiling: its text."""
    name = "object" if args.fn is builtins.str else "obj"
    if name not in args:
        return Ref("")
    v = static_key(lowerer.expr(args[name]))
    if v is NO_KEY:
        raise lowerer.err(args[name], f"{args.fn.__name__}() of a value known only at run time: "
                          "flatgrad makes no text at run time",
                          "Print values beside text instead: print('x =', x).")
    return Ref(args.fn(v))
