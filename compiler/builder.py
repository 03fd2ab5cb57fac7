"""The builder: the one way stages create IR.

``b.mul(x, y)`` appends ``Op("mul", (x, y), (fresh,))`` to the current list of
statements, infers the result type from the primitive table, and returns the new
:class:`~.ir.Var`. Python numbers become :class:`~.ir.Const` of the float type of
their partner (NumPy 2's weak scalars), so rules can say ``b.sub(1.0, out)``.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from . import types as T
from .errors import SourceLoc
from .ir import Atom, Const, Op, Stmt, Var
from .primitives import PRIMS


class Builder:
    def __init__(self, ids: itertools.count | None = None, loc: SourceLoc | None = None):
        self.ids = ids if ids is not None else itertools.count()
        self.stmts: list[Stmt] = []
        self.loc = loc

    def child(self) -> "Builder":
        """A builder for a nested block: same id counter, its own statement list."""
        return Builder(self.ids, self.loc)

    def fresh(self, type: T.Type, hint: str | None = None, of=None) -> Var:
        return Var(next(self.ids), type, hint, of)

    def emit(self, stmt: Stmt) -> None:
        self.stmts.append(stmt)

    def last(self, since: int = 0) -> Stmt | None:
        """The statement emitted last, if it is at position ``since`` or later."""
        return self.stmts[-1] if len(self.stmts) > since else None

    def rename_last(self, var: Var, since: int = 0, **names: Any) -> Var | None:
        """Name ``var`` after the fact (``hint=``, ``of=``) where the last statement made it.

        Stages name a value once they know what it is (the adjoint of ``v``, the user's
        name): rather than a ``copy`` under that name, the statement that just made the
        unnamed ``var`` (at position ``since`` or later) is re-emitted with the named
        output. Returns the named value, or None where ``var`` already has a name or the
        last statement did not make it (the caller copies instead).
        """
        last = self.last(since)
        if var.hint is not None or var.of is not None or last is None \
                or not any(o is var or o == var for o in getattr(last, "outs", ())):
            return None
        new = replace(var, **names)
        self.stmts[-1] = replace(last, outs=tuple(new if o == var else o for o in last.outs))
        return new

    def const(self, value: Any, type: T.Type | None = None) -> Const:
        return Const(value, type or T.of_value(value))

    def atoms(self, args: tuple) -> tuple[Atom, ...]:
        """Turn Python numbers into constants typed after the float operands (weak typing)."""
        floats = [a.type.dtype for a in args
                  if isinstance(a, (Var, Const)) and T.is_float(a.type)]
        weak = T.Scalar(T.promote_dtype(*floats)) if floats else None
        out = []
        for a in args:
            if isinstance(a, (Var, Const)):
                out.append(a)
            elif isinstance(a, float) and weak is not None:
                out.append(Const(a, weak))
            else:
                out.append(self.const(a))
        return tuple(out)

    def op(self, prim: str, *args: Any, hint: str | None = None, of=None, **params: Any) -> Var:
        atoms = self.atoms(args)
        p = PRIMS[prim]
        if p.elementwise:
            atoms = _weak_floats(atoms)
        types = [a.type for a in atoms]
        rtype = p.result(*types, **params) if params else p.result(*types)
        out = self.fresh(rtype, hint, of)
        self.emit(Op(prim, atoms, (out,), tuple(sorted(params.items())), self.loc))
        return out

    def zeros_like(self, x: Atom) -> Atom:
        if T.is_array(x.type):
            return self.op("zeros_like", x)
        return Const(0 if not T.is_float(x.type) else 0.0, x.type)

    def __getattr__(self, name: str):
        if name in PRIMS:
            return lambda *args, **params: self.op(name, *args, **params)
        raise AttributeError(name)


def _weak_floats(atoms: tuple) -> tuple:
    """A float constant takes the float type of the values it meets, as Python floats do in
    NumPy (NEP 50): ``2.0 * x`` stays float32 for a float32 ``x``."""
    floats = [a.type.dtype for a in atoms if isinstance(a, Var) and T.is_float(a.type)]
    if not floats:
        return atoms
    d = T.promote_dtype(*floats)
    return tuple(Const(a.value, T.Scalar(d)) if isinstance(a, Const) and T.is_float(a.type)
                 and a.type.dtype != d and isinstance(a.value, float) else a for a in atoms)


def in_dtype(b: Builder, c: Atom, v: Atom) -> Atom:
    """A derivative ``c`` (an adjoint's contribution, a tangent) in the float dtype of the
    value ``v`` it belongs to, as JAX keeps them: a float32 value's derivative is float32
    even where a float64 mask or constant made it, and a float64 value's is float64 where it
    came of a float32 argument (Numba multiplies no float32 matrix by a float64 one)."""
    if not (T.is_float(v.type) and T.is_float(c.type)) or c.type.dtype == v.type.dtype:
        return c
    if isinstance(c, Const):
        return Const(float(c.value), T.with_dtype(c.type, v.type.dtype))
    return b.op("astype", c, dtype=v.type.dtype)


def int_op(b: Builder, prim: str, x: Atom, y: Atom) -> Atom:
    """``x <prim> y`` on integers (add, sub, mul, floordiv), folded where both are constants;
    a negative constant added is written as subtracted and the other way round."""
    if isinstance(x, Const) and isinstance(y, Const):
        return Const(int(PRIMS[prim].evaluate(int(x.value), int(y.value))), T.I64)
    if prim in ("add", "sub") and isinstance(y, Const) and y.value < 0:
        prim, y = ("sub" if prim == "add" else "add"), Const(-int(y.value), T.I64)
    return b.op(prim, x, y)


def reversed_range(b: Builder, start: Atom, stop: Atom, step: Const) -> tuple[Atom, Atom, Const]:
    """(first, stop, step) of ``range(start, stop, step)`` walked backwards: it starts at the
    last value, ``start + ((stop - start - sign) // step) * step`` (``stop - sign`` for a unit
    step), and stops one step before ``start``; empty where the range is."""
    sign = 1 if step.value > 0 else -1
    if step.value == sign:
        first = int_op(b, "sub", stop, Const(sign, T.I64))
    else:
        span = int_op(b, "sub", int_op(b, "sub", stop, start), Const(sign, T.I64))
        first = int_op(b, "add", start, int_op(b, "mul", int_op(b, "floordiv", span, step), step))
    return first, int_op(b, "sub", start, step), Const(-step.value, T.I64)

