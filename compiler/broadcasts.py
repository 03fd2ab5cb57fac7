"""Broadcasts that broadcasting makes redundant.

The adjoint of a reduction with ``keepdims`` broadcasts the reduced adjoint back to the
input's shape (``unreduce``, spelled ``np.broadcast_to``). When that view only feeds an
elementwise op whose other operand already has the full shape, NumPy's broadcasting does the
same work: ``np.broadcast_to(g, s5.shape) * s5`` is ``g * s5``. Dropping the view changes no
value, dtype or shape, and spares Numba a ``broadcast_to`` instantiation and a strided loop
nest per use (a few tenths of a second of compile each in the MLP gradient).
"""
from __future__ import annotations

from dataclasses import replace

from . import types as T
from .ir import Block, Function, Op, Var, blocks_of, map_region
from .primitives import PRIMS
from .shapes import infer


def _source(u, defs: dict):
    """The array an ``unreduce`` broadcasts, when it has ``u``'s rank (so broadcasting it in
    place of ``u`` lines up the same axes), else None."""
    d = defs.get(u.id) if isinstance(u, Var) else None
    if d is None or d.prim != "unreduce":
        return None
    g = d.args[0]
    if not (isinstance(g, Var) and T.is_array(g.type) and g.type.ndim == u.type.ndim):
        return None      # a scalar's np.full would change the dtype rules; a lower rank the axes
    return g


def _adjoint_sum(op: Op) -> bool:
    """A sum into an adjoint (or its tangent): ``optimize.accumulate_in_place`` takes every
    array term of it to have the adjoint's shape, which a reduced source has not."""
    of = op.outs[0].of if op.outs else None
    return op.prim == "add" and of is not None and of[0] in ("grad", "tan")


def _elide(op: Op, defs: dict, shapes: dict) -> Op:
    """``op`` with each broadcast operand replaced by its source, when another operand (not
    replaced) proves the full shape."""
    p = PRIMS[op.prim]
    if not p.elementwise or p.inplace or p.view or len(op.outs) != 1 or _adjoint_sum(op):
        return op
    swap = {k: g for k, a in enumerate(op.args) if (g := _source(a, defs)) is not None}
    full = {shapes.get(a.id) for k, a in enumerate(op.args)
            if k not in swap and isinstance(a, Var) and T.is_array(a.type)}
    swap = {k: g for k, g in swap.items() if shapes.get(op.args[k].id) in full - {None}}
    if not swap:
        return op
    return replace(op, args=tuple(swap.get(k, a) for k, a in enumerate(op.args)))


def elide_broadcasts(fn: Function) -> Function:
    """Elementwise ops read the source of an ``unreduce`` of the same rank instead of the
    broadcast view, when another operand has the view's shape (proven by ``shapes.infer``,
    strict: a loop-carried array that may change shape proves nothing); sums into adjoints
    keep their terms. Values, dtypes and shapes are unchanged; the view, now unread, goes
    to dce."""
    shapes = infer(fn, strict=True)
    defs: dict = {}

    def block(b: Block) -> Block:
        stmts = []
        for s in b.stmts:
            if blocks_of(s):
                s = _map_blocks(s, block)
            elif isinstance(s, Op):
                s = _elide(s, defs, shapes)
                if len(s.outs) == 1:
                    defs[s.outs[0].id] = s
            stmts.append(s)
        return Block(b.params, tuple(stmts), b.yields)

    return replace(fn, body=block(fn.body))


def _map_blocks(s, block):
    return map_region(s, block, {})
