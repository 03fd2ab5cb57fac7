"""How an integer changes from one trip of a loop to the next (the stanzas' ``trip_step``).

A value inside a loop whose trips are numbered n = 0, 1, 2... is *affine in the trip* when it
is ``step * n + c`` with ``c`` the same on every trip. Its step is 0 (loop-invariant), a
nonzero int, ``...`` (nonzero, by how much unknown: the index of a ``range`` whose step is not
a constant; ``range`` rejects a step of 0), or None (not known to be affine). A value whose
step is neither 0 nor None differs on every trip: ``compiler/copies.py`` uses it to tell a
tape row written on one trip from the rows read on the others.

Each rule takes the steps of the op's arguments and the arguments themselves (the constant
factors of ``mul`` and ``floordiv`` are read from them) and gives the step of its result.
"""
from __future__ import annotations

from .ir import Const


def _const_int(a) -> int | None:
    return a.value if isinstance(a, Const) and isinstance(a.value, int) \
        and not isinstance(a.value, bool) else None


def _sum(x, y):
    if x is None or y is None:
        return None
    if x == 0 or y == 0:
        return y if x == 0 else x
    return x + y if x is not ... and y is not ... else None


def _neg(x):
    return x if x is None or x is ... else -x


def add(steps, args):
    return _sum(steps[0], steps[1])


def sub(steps, args):
    return _sum(steps[0], _neg(steps[1]))


def neg(steps, args):
    return _neg(steps[0])


def mul(steps, args):
    """A step times a nonzero integer constant."""
    if steps[0] == 0 and steps[1] == 0:
        return 0
    x, c = (steps[0], args[1]) if steps[1] == 0 else (steps[1], args[0]) if steps[0] == 0 \
        else (None, None)
    c = _const_int(c)
    if x is None or not c:
        return None
    return ... if x is ... else x * c


def floordiv(steps, args):
    """``k // d`` for a constant ``d`` dividing ``k``'s step: floor(j + m) = floor(j) + m for
    an integer m, so the quotient steps by step / d whatever ``k``'s remainder."""
    x, d = steps[0], _const_int(args[1])
    if x == 0 and steps[1] == 0:
        return 0
    if x is None or x is ... or steps[1] != 0 or not d or x % d:
        return None
    return x // d
