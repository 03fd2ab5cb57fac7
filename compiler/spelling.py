"""How a primitive is spelled in emitted code: a :class:`Spelling` per primitive (its text for
scalars, for arrays and under Numba, the precedences that decide parentheses, the runtime
helpers it calls), and the constructors stanzas write it with (``infix("+", P_ADD)``,
``call("np.exp")``, ``helper("xlogy", 2)``). The stanzas themselves are in
:mod:`.primitives`, which re-exports these names.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

# Python operator precedence, low to high; used to parenthesise inlined expressions.
P_OR, P_AND, P_NOT, P_CMP, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM = 2, 3, 4, 5, 10, 11, 12, 13, 14


@dataclass(frozen=True)
class Spelling:
    """How to print an op: a format over its argument strings, the precedence of the
    result, and the precedence each argument must have to go in without parentheses
    (the last entry serves every further argument of a variadic op)."""

    scalar: str
    array: str
    prec: int
    arg_prec: tuple[int, ...]
    choose: int | None = None   # the argument whose type picks the spelling (default: any array)
    jit: object = None          # the spelling for Numba targets, where it differs from NumPy's
    helpers: tuple = ()         # the runtime helpers (runtime/support.py and each target's
                                # helper module) any of its texts may call, e.g. ("xlogy",)


def infix(sym: str, prec: int) -> Spelling:
    right = prec + 1 if sym != "**" else P_UNARY
    # Python chains comparisons (``a > b == c`` is ``a > b and b == c``): a comparison on
    # either side of another is parenthesised
    left = P_ATOM if sym == "**" else prec + 1 if prec == P_CMP else prec
    fmt = "{0} %s {1}" % sym
    return Spelling(fmt, fmt, prec, (left, right))


def prefix(sym: str, prec: int = P_UNARY) -> Spelling:
    return Spelling(sym + "{0}", sym + "{0}", prec, (prec,))


def call(scalar: str, array: str | None = None, arity: int = 1) -> Spelling:
    inner = ", ".join("{%d}" % i for i in range(arity))
    return Spelling(f"{scalar}({inner})", f"{array or scalar}({inner})", P_ATOM, (1,) * arity)


def helper(name: str, arity: int = 1) -> Spelling:
    """A call of flatgrad's runtime helper ``name`` (runtime/support.py; under CUDA,
    runtime/cuda_support.py), which generated modules import by that name."""
    return replace(call(name, arity=arity), helpers=(name,))


def variadic(fmt: Callable, first: int = 1) -> Spelling:
    """A spelling computed from the argument texts and params (``fmt(args, params)``)."""
    return Spelling(fmt, fmt, P_ATOM, (P_ATOM,) * first + (1,))
