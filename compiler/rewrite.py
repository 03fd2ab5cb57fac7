"""Generic IR rewriting: substitution, cloning with fresh ids, free variables.

Every transform needs the same three walks over nested blocks; they live here once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from .ir import Atom, Block, For, If, Op, Stmt, Var, While, blocks_of, operands
from .primitives import PRIMS


def _sub(a: Atom, m: dict) -> Atom:
    return m.get(a.id, a) if isinstance(a, Var) else a


def map_block(block: Block, m: dict[int, Atom], fresh: Callable[[Var], Var] | None = None) -> Block:
    """Substitute uses by ``m`` (Var id -> Atom) throughout ``block``.

    With ``fresh``, every variable the block defines is replaced by ``fresh(var)`` and
    ``m`` is extended with old id -> new var, so the result is an independent copy.
    """
    params = block.params
    if fresh is not None:
        params = tuple(_define(p, m, fresh) for p in params)
    stmts = tuple(map_stmt(s, m, fresh) for s in block.stmts)
    return Block(params, stmts, tuple(_sub(a, m) for a in block.yields))


def _define(v: Var, m: dict, fresh) -> Var:
    new = fresh(v)
    m[v.id] = new
    return new


def map_stmt(s: Stmt, m: dict[int, Atom], fresh=None) -> Stmt:
    if isinstance(s, Op):
        args = tuple(_sub(a, m) for a in s.args)
        outs = tuple(_define(v, m, fresh) for v in s.outs) if fresh else s.outs
        return replace(s, args=args, outs=outs)
    if isinstance(s, If):
        cond = _sub(s.cond, m)
        then, orelse = map_block(s.then, m, fresh), map_block(s.orelse, m, fresh)
        outs = tuple(_define(v, m, fresh) for v in s.outs) if fresh else s.outs
        return replace(s, cond=cond, then=then, orelse=orelse, outs=outs)
    if isinstance(s, For):
        new = replace(s, start=_sub(s.start, m), stop=_sub(s.stop, m), step=_sub(s.step, m),
                      init=tuple(_sub(a, m) for a in s.init), body=map_block(s.body, m, fresh))
        outs = tuple(_define(v, m, fresh) for v in s.outs) if fresh else s.outs
        return replace(new, outs=outs)
    if isinstance(s, While):
        new = replace(s, init=tuple(_sub(a, m) for a in s.init), cond=map_block(s.cond, m, fresh),
                      body=map_block(s.body, m, fresh))
        outs = tuple(_define(v, m, fresh) for v in s.outs) if fresh else s.outs
        return replace(new, outs=outs)
    raise TypeError(s)


def clone(stmts, m: dict[int, Atom], fresh: Callable[[Var], Var]) -> list[Stmt]:
    """Copy statements giving every defined value a fresh id; ``m`` maps old -> new."""
    return [map_stmt(s, m, fresh) for s in stmts]


def defined(block: Block) -> set[int]:
    """Ids of all values defined inside ``block`` (its params, nested ones included)."""
    out = {p.id for p in block.params}
    for s in block.stmts:
        out.update(v.id for v in getattr(s, "outs", ()))
        for b in blocks_of(s):
            out |= defined(b)
    return out


def free_vars(block: Block) -> dict[int, Var]:
    """Values read inside ``block`` but defined outside it."""
    inner = defined(block)
    found: dict[int, Var] = {}

    def visit(b: Block) -> None:
        for s in b.stmts:
            for a in operands(s):
                if isinstance(a, Var) and a.id not in inner:
                    found[a.id] = a
            for c in blocks_of(s):
                visit(c)
        for a in b.yields:
            if isinstance(a, Var) and a.id not in inner:
                found[a.id] = a

    visit(block)
    return found


def quiet(stmts) -> list[Stmt]:
    """``stmts`` without the ops run for their effect alone (``print``), regions included:
    for code that computes again what the forward pass has already computed (and printed)."""
    out = []
    for s in stmts:
        if isinstance(s, Op):
            if not PRIMS[s.prim].effect:
                out.append(s)
        elif isinstance(s, If):
            out.append(replace(s, then=_quiet_block(s.then), orelse=_quiet_block(s.orelse)))
        elif isinstance(s, For):
            out.append(replace(s, body=_quiet_block(s.body)))
        else:
            out.append(replace(s, cond=_quiet_block(s.cond), body=_quiet_block(s.body)))
    return out


def _quiet_block(b: Block) -> Block:
    return Block(b.params, tuple(quiet(b.stmts)), b.yields)


def has_effects(block: Block) -> bool:
    """Does ``block`` (or a region in it) have a side effect (``print``)?"""
    return any((isinstance(s, Op) and not PRIMS[s.prim].pure) or any(map(has_effects, blocks_of(s)))
               for s in block.stmts)


def prints(block: Block) -> bool:
    """Does ``block`` (or a region in it) have an op run for its effect alone (``print``)?"""
    return any((isinstance(s, Op) and PRIMS[s.prim].effect) or any(map(prints, blocks_of(s)))
               for s in block.stmts)


def quiet_function(fn):
    """``fn`` without its side effects (see :func:`quiet`)."""
    return replace(fn, body=_quiet_block(fn.body))
