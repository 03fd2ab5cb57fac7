"""Symbolic shapes: which arrays provably have the same shape.

Shapes stay dynamic at run time, but many are equal by construction (``h * mask``
where ``mask = h > 0``; ``X @ W`` has X's rows and W's columns). Knowing that lets
the reverse pass skip ``sum_to`` where no broadcasting can have happened, so the
backward pass reads like the textbook one. Dimensions are the symbols of
:mod:`.dims`; each primitive's ``shape`` rule (in its stanza) says how its result's
dimensions follow from its arguments'; this module walks the regions.
"""
from __future__ import annotations

from types import SimpleNamespace

from . import types as T
from .dims import unknown as _unknown
from .ir import Block, Const, For, Function, If, Op, Var, While
from .primitives import PRIMS


def _size(a) -> object:
    if isinstance(a, Const):
        return 1 if a.value == 1 else ("const", a.value)   # never a var id's ("int", id)
    return ("int", a.id)


def _apply(s: Op, query, shapes: dict, dims: dict) -> None:
    """Record the symbolic shape of ``s``'s result (an array) or the dimension it measures
    (``dim``: an int), from its primitive's shape rule."""
    out = s.outs[0] if s.outs else None
    if out is None:
        return
    p, args, params = s.prim, s.args, dict(s.params)
    if p == "dim":
        d = query.shape(args[0])
        dims[out.id] = d[params["axis"]] if params["axis"] < len(d) else _unknown()
        return
    if not T.is_array(out.type):
        return
    rule = PRIMS[p].shape
    res = rule(query, args, params) if rule is not None else None
    if res is not None and len(res) == out.type.ndim:
        shapes[out.id] = res
    else:      # unknown (and nothing left from an earlier pass over a loop body)
        shapes.pop(out.id, None)


def static_shape(defs: dict, x, params=frozenset()) -> tuple:
    """The symbolic shape of ``x`` while the function is being lowered, from the ops that
    made it (``defs``: Var id -> its Op; the frontend records them): an argument's (its id in
    ``params``) axes are its own; a value made by no recorded op (an if's or a loop's
    result) has unknown dimensions."""
    if not (isinstance(x, Var) and T.is_array(x.type)):
        return ()
    order, seen, stack = [], set(), [(x, False)]
    while stack:                           # the ops x depends on, first ones first
        v, done = stack.pop()
        if done:
            order.append(defs[v.id])
            continue
        if v.id in seen or v.id not in defs:
            continue
        seen.add(v.id)
        stack.append((v, True))
        stack.extend((a, False) for a in defs[v.id].args if isinstance(a, Var))
    shapes: dict[int, tuple] = {}
    dims: dict[int, object] = {}

    def shape(a):
        if isinstance(a, Var) and T.is_array(a.type):
            if a.id not in shapes:
                shapes[a.id] = tuple(("arg", a.id, k) if a.id in params else _unknown()
                                     for k in range(a.type.ndim))
            return shapes[a.id]
        return ()

    query = SimpleNamespace(shape=shape, sym=lambda a: dims.get(a.id, ("int", a.id))
                            if isinstance(a, Var) else _size(a))
    for s in order:
        _apply(s, query, shapes, dims)
    return shape(x)


def infer(fn: Function, strict: bool = False) -> dict[int, tuple]:
    """Var id -> tuple of dimension symbols, for every array value that can be tracked.

    By default a loop's carried arrays keep their initial shape (enough to skip a
    ``sum_to``). ``strict`` checks it: a carried array whose next-trip value may have another
    shape (``y = y[1:]``) gets unknown dimensions, so a bounds proof never rests on it."""
    shapes: dict[int, tuple] = {}
    dims: dict[int, object] = {}       # int var id -> the dimension it measures

    for p in fn.params:
        if T.is_array(p.type):
            shapes[p.id] = tuple(("arg", p.id, k) for k in range(p.type.ndim))

    def sym(a):
        return dims.get(a.id, ("int", a.id)) if isinstance(a, Var) else _size(a)

    def shape(a):
        if isinstance(a, Var) and T.is_array(a.type):
            if a.id not in shapes:
                shapes[a.id] = tuple(_unknown() for _ in range(a.type.ndim))
            return shapes[a.id]
        return ()

    query = SimpleNamespace(shape=shape, sym=sym)      # what the primitives' shape rules read

    def op(s: Op) -> None:
        _apply(s, query, shapes, dims)

    def block(b: Block) -> None:
        for s in b.stmts:
            if isinstance(s, Op):
                op(s)
            elif isinstance(s, If):
                block(s.then)
                block(s.orelse)
                for v, x, y in zip(s.outs, s.then.yields, s.orelse.yields):
                    if T.is_array(v.type) and shape(x) == shape(y):
                        shapes[v.id] = shape(x)
                    else:
                        shapes.pop(v.id, None)
            else:
                carried = s.carried
                for p, a in zip(carried, s.init):
                    if T.is_array(p.type):
                        shapes[p.id] = shape(a)   # carried arrays keep their shape
                if isinstance(s, While):
                    for p, a in zip(s.cond.params, s.init):
                        if T.is_array(p.type):
                            shapes[p.id] = shape(a)
                    block(s.cond)
                block(s.body)
                if strict:
                    loop(s)
                for v, a, p in zip(s.outs, s.init, carried):
                    if T.is_array(v.type):
                        shapes[v.id] = shapes[p.id] if strict else shape(a)

    def loop(s) -> None:
        """Forget the shape of each carried array whose yield may differ from it; the body
        is inferred again after each change (at most once per carried value)."""
        changing: set[int] = set()
        while True:
            new = [k for k, (p, y) in enumerate(zip(s.carried, s.body.yields))
                   if T.is_array(p.type) and k not in changing and shape(y) != shapes[p.id]]
            if not new:
                return
            changing.update(new)
            for k in new:
                params = [s.carried[k]] + ([s.cond.params[k]] if isinstance(s, While) else [])
                for p in params:
                    shapes[p.id] = tuple(_unknown() for _ in range(p.type.ndim))
            if isinstance(s, While):
                block(s.cond)
            block(s.body)

    block(fn.body)
    return shapes
