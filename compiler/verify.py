"""The IR checker: run after every pass in tests (and with FLATGRAD_DEBUG=1).

It points at the offending statement: a value used before it is defined or outside
its scope, defined twice, a region whose yields do not match its outputs, an op
whose recorded type disagrees with the primitive's typing rule, or a buffer read after
an in-place write into it (:func:`check_writes`). A final program (what a request compiles
to, after every pass) must also have no in-place write that needs a copy
(:func:`check_final`, the late copy analysis of compiler/copies.py).
"""
from __future__ import annotations

from .copies import hazards, reads
from .ir import Block, Const, For, Function, If, Op, Var, While, blocks_of, dump, walk
from .primitives import PRIMS
from .types import Array


class IRError(Exception):
    pass


def check(fn: Function) -> None:
    """Raise IRError if ``fn`` is not well-formed SSA with consistent types."""
    seen: set[int] = set()

    def define(v: Var, where) -> None:
        if v.id in seen:
            raise IRError(f"{v} defined twice (at {where})\n{dump(fn)}")
        seen.add(v.id)

    def use(a, scope: set[int], where) -> None:
        if isinstance(a, Var) and a.id not in scope:
            raise IRError(f"{a} used out of scope (at {where})\n{dump(fn)}")
        if not isinstance(a, (Var, Const)):
            raise IRError(f"not an atom: {a!r} (at {where})")

    def yields_match(block: Block, outs, where) -> None:
        if len(block.yields) != len(outs):
            raise IRError(f"{where}: block yields {len(block.yields)} values for {len(outs)} outputs")

    def visit(block: Block, scope: set[int]) -> None:
        scope = set(scope)
        for p in block.params:
            define(p, "block params")
            scope.add(p.id)
        for s in block.stmts:
            where = getattr(s, "loc", None)
            if isinstance(s, Op):
                for a in s.args:
                    use(a, scope, f"{s.prim} {where}")
                prim = PRIMS.get(s.prim)
                if prim is None:
                    raise IRError(f"unknown primitive {s.prim!r}")
                if prim.arity >= 0 and len(s.args) != prim.arity:
                    raise IRError(f"{s.prim} takes {prim.arity} args, got {len(s.args)}")
                if s.outs and s.prim not in ("undef",):
                    want = prim.result(*(a.type for a in s.args), **dict(s.params)) if s.params \
                        else prim.result(*(a.type for a in s.args))
                    if want != s.outs[0].type:
                        raise IRError(f"{s.prim} at {where}: type {s.outs[0].type}, rule says {want}")
            elif isinstance(s, If):
                use(s.cond, scope, f"if {where}")
                visit(s.then, scope)
                visit(s.orelse, scope)
                yields_match(s.then, s.outs, "if/then")
                yields_match(s.orelse, s.outs, "if/else")
            elif isinstance(s, For):
                for a in (s.start, s.stop, s.step, *s.init):
                    use(a, scope, f"for {where}")
                visit(s.body, scope)
                if len(s.body.params) != len(s.init) + 1:
                    raise IRError(f"for {where}: {len(s.body.params)} params for {len(s.init)} carried")
                yields_match(s.body, s.outs, "for body")
            elif isinstance(s, While):
                for a in s.init:
                    use(a, scope, f"while {where}")
                visit(s.cond, scope)
                visit(s.body, scope)
                yields_match(s.body, s.outs, "while body")
                if len(s.cond.yields) != 1:
                    raise IRError(f"while {where}: condition must yield one value")
            for v in getattr(s, "outs", ()):
                define(v, where)
                scope.add(v.id)
        for a in block.yields:
            use(a, scope, "yield")

    params = set()
    for p in fn.params:
        define(p, "function params")
        params.add(p.id)
    visit(fn.body, params)
    check_writes(fn)


def check_writes(fn: Function) -> None:
    """Raise IRError where a buffer is read after an in-place write into it.

    An in-place op (``setitem``, ``index_add``, ``add_into``, ``tape_put``) writes into the
    buffer of its first argument ``x`` and returns it under a new name. From the write on,
    ``x`` and every view of ``x`` made before it hold the written values, not the ones
    their SSA names stand for: no later statement of the block (nor a region inside one,
    nor the block's yields) may read them. This is the straight-line part of the invariant
    in docs/architecture.md; a write inside a loop into a buffer the loop does not carry is
    not checked here.
    """
    views: dict[int, set[int]] = {}        # value -> the values that are views of it
    for s in walk(fn.body):
        if isinstance(s, Op) and s.outs and PRIMS[s.prim].view and isinstance(s.args[0], Var) \
                and isinstance(s.outs[0].type, Array):         # (an item read is a copy)
            views.setdefault(s.args[0].id, set()).add(s.outs[0].id)

    def aliases(x: int) -> set[int]:
        out, todo = {x}, [x]
        while todo:
            for v in views.get(todo.pop(), ()):
                if v not in out:
                    out.add(v)
                    todo.append(v)
        return out

    def visit(block: Block) -> None:
        stale: dict[int, Op] = {}          # value -> the write that made it stale
        for s in block.stmts:
            hit = reads(s) & stale.keys()
            if hit:
                v = min(hit)
                w = stale[v]
                raise IRError(f"v{v} read at {getattr(s, 'loc', None)} after {w.prim} wrote "
                              f"into its buffer at {w.loc}\n{dump(fn)}")
            if isinstance(s, Op) and PRIMS[s.prim].inplace and isinstance(s.args[0], Var):
                for v in aliases(s.args[0].id):
                    stale[v] = s
            for b in blocks_of(s):
                visit(b)
        hit = {a.id for a in block.yields if isinstance(a, Var)} & stale.keys()
        if hit:
            v = min(hit)
            raise IRError(f"v{v} yielded after {stale[v].prim} wrote into its buffer at "
                          f"{stale[v].loc}\n{dump(fn)}")

    visit(fn.body)


def check_final(fn: Function) -> None:
    """Raise IRError unless ``fn`` is well-formed (:func:`check`) and no in-place write in it
    clobbers a value the program reads later, or writes into an argument or a read-only view
    (``copies.hazards``: the invariant of docs/architecture.md, "The IR and its invariants").
    For the program a request compiles to, after every pass: between passes a stage may
    leave a copy to the late copy pass (``FLATGRAD_COPIES=pass``)."""
    check(fn)
    found = hazards(fn)
    if found:
        lines = "\n".join(f"  {h.write.prim} into {h.write.args[0]} at {h.write.loc}: "
                          + (f"{h.value} is read after it" if h.value is not None
                             else "the buffer is an argument's or a read-only view's")
                          for h in found)
        raise IRError(f"{len(found)} in-place write(s) need a copy:\n{lines}\n{dump(fn)}")
