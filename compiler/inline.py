"""Inlining one IR function into another: the glue that lets transforms compose.

``inline(b, fn, args)`` copies ``fn``'s body into builder ``b`` with fresh ids, its
parameters replaced by ``args``, and returns the atoms it yields. The forward,
Jacobian and Hessian transforms use it to stack transforms; the frontend uses it to
inline a ``grad``-ed function called inside a function being compiled.
"""
from __future__ import annotations

import itertools

from .builder import Builder
from .ir import Atom, Block, Function, Var, max_id
from .rewrite import clone


def inline(b: Builder, fn: Function, args: tuple[Atom, ...]) -> tuple[Atom, ...]:
    """Emit ``fn(*args)`` into ``b`` statement by statement; returns its results."""
    assert len(args) == len(fn.params), (fn.name, len(args), len(fn.params))
    m: dict = {p.id: a for p, a in zip(fn.params, args)}
    b.stmts.extend(clone(fn.body.stmts, m, lambda v: b.fresh(v.type, v.hint, _of(v, m))))
    return tuple(m.get(y.id, y) if isinstance(y, Var) else y for y in fn.body.yields)


def _of(v: Var, m: dict):
    """Keep a derivative's name tag pointing at the copy of the value it belongs to."""
    if v.of is None:
        return None
    kind, ref = v.of
    new = m.get(ref)
    return (kind, new.id) if isinstance(new, Var) else v.of


def builder_for(fn: Function) -> Builder:
    """A builder whose fresh ids do not clash with any id of ``fn``."""
    return Builder(itertools.count(max_id(fn) + 1), fn.loc)


def function(name: str, params, b: Builder, results, like: Function) -> Function:
    """A Function from a builder's statements (loc and meta taken from ``like``)."""
    return Function(name, tuple(params), Block((), tuple(b.stmts), tuple(results)), like.loc)
