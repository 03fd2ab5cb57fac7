"""Elementwise primitives a user registers from a SymPy expression.

``register("gauss", x_symbols, expr)`` adds a primitive to the table whose emitted
spelling is the expression itself, printed by SymPy's code printers (``math.*`` for
scalars, ``np.*`` for arrays) with the arguments substituted, so generated modules
and Numba need nothing new. Its VJP and JVP rules multiply by the partial
derivatives, which are registered the same way (lazily, from ``sympy.diff``,
simplified), so derivatives of any order follow.
"""
from __future__ import annotations

from . import types as T
from .primitives import P_ATOM, PRIMS, Spelling, defjvp, defprim, defvjp

USER: dict[str, tuple] = {}   # name -> (symbols, expr)


def _sp():
    import sympy
    return sympy


def spelling(symbols, expr) -> Spelling:
    """Format strings (scalar and array) with ``{i}`` standing for argument ``i``."""
    sp = _sp()
    from sympy.printing.numpy import NumPyPrinter
    from sympy.printing.pycode import PythonCodePrinter
    placeholders = [sp.Symbol(f"ARG{i}_") for i in range(len(symbols))]
    e = expr.subs(dict(zip(symbols, placeholders)), simultaneous=True)
    scalar = PythonCodePrinter({"fully_qualified_modules": True}).doprint(e)
    array = NumPyPrinter({"fully_qualified_modules": True}).doprint(e)
    array = array.replace("numpy.", "np.")
    for fn in ("erf", "erfc"):   # NumPy has none: flatgrad's runtime provides them
        array = array.replace(f"math.{fn}(", f"{fn}(")

    def fmt(text: str) -> str:
        text = text.replace("{", "{{").replace("}", "}}")
        for i in range(len(symbols)):
            text = text.replace(f"ARG{i}_", "{%d}" % i)
        return f"({text})"

    helpers = tuple(fn for fn in ("erf", "erfc") if f"{fn}(" in array)
    return Spelling(fmt(scalar), fmt(array), P_ATOM, (P_ATOM,) * len(symbols), helpers=helpers)


def register(name: str, symbols, expr) -> str:
    """Register (or replace) user primitive ``name`` computing ``expr`` of ``symbols``."""
    sp = _sp()
    if name in PRIMS and name not in USER:
        raise ValueError(f"'{name}' is already a flatgrad primitive; choose another name")
    if not name.isidentifier():
        raise ValueError(f"primitive name must be an identifier, not {name!r}")
    symbols = tuple(symbols)
    expr = sp.sympify(expr)
    free = expr.free_symbols - set(symbols)
    if free:
        raise ValueError(f"the expression of '{name}' uses unknown symbols "
                         f"{', '.join(sorted(map(str, free)))}")
    USER[name] = (symbols, expr)
    evaluate = sp.lambdify(symbols, expr, "math")
    defprim(name, len(symbols), T.floating, spelling(symbols, expr),
            lambda *xs: expr.subs(dict(zip(symbols, xs)), simultaneous=True),
            _safe(evaluate))
    rules = [_rule(name, i) for i in range(len(symbols))]
    defvjp(name, *[(lambda r: lambda b, g, out, *a: r(b, g, a))(r) if r else None for r in rules])
    defjvp(name, *[(lambda r: lambda b, t, out, *a: r(b, t, a))(r) if r else None for r in rules])
    return name


def _safe(evaluate):
    def ev(*xs):
        v = evaluate(*xs)
        return float(v) if not isinstance(v, complex) else None
    return ev


def _rule(name: str, i: int):
    """``seed * d name / d arg_i``, the partial derivative registered on first use."""
    sp = _sp()
    symbols, expr = USER[name]
    d = sp.simplify(sp.diff(expr, symbols[i]))
    if d == 0:
        return None

    def rule(b, seed, args):
        if d.is_number:
            return b.mul(seed, float(d))
        dname = f"{name}_d{i}"
        if USER.get(dname, (None, None))[1] != d:
            register(dname, symbols, d)
        return b.mul(seed, b.op(dname, *args))
    return rule
