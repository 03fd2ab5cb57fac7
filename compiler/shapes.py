"""Symbolic shapes: which arrays provably have the same shape.

Shapes stay dynamic at run time, but many are equal by construction (``h * mask``
where ``mask = h > 0``; ``X @ W`` has X's rows and W's columns). Knowing that lets
the reverse pass skip ``sum_to`` where no broadcasting can have happened, so the
backward pass reads like the textbook one. A dimension is a hashable symbol:
``("arg", param_id, axis)``, ``("int", var_id or value)`` for sizes given as ints,
the literal ``1``, or ``None`` for unknown. Unknown never compares equal.
"""
from __future__ import annotations

import itertools

from . import types as T
from .ir import Block, Const, For, Function, If, Op, Var, While

_fresh = itertools.count()


def _unknown():
    return ("?", next(_fresh))


def _size(a) -> object:
    if isinstance(a, Const):
        return 1 if a.value == 1 else ("int", a.value)
    return ("int", a.id)


def infer(fn: Function) -> dict[int, tuple]:
    """Var id -> tuple of dimension symbols, for every array value that can be tracked."""
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

    def op(s: Op) -> None:
        out = s.outs[0] if s.outs else None
        if out is None:
            return
        p, args, params = s.prim, s.args, dict(s.params)
        if p == "dim":
            d = shape(args[0])
            dims[out.id] = d[params["axis"]] if params["axis"] < len(d) else _unknown()
            return
        if not T.is_array(out.type):
            return
        nd = out.type.ndim
        if p in ("matmul",):
            a, b = shape(args[0]), shape(args[1])
            res = {(2, 2): (a[:1] + b[1:]), (2, 1): a[:1], (1, 2): b[1:]}.get((len(a), len(b)))
        elif p == "outer":
            res = shape(args[0])[:1] + shape(args[1])[:1]
        elif p == "transpose":
            d = shape(args[0])
            axes = params.get("axes")
            res = tuple(reversed(d)) if axes is None else tuple(d[i] for i in axes)
        elif p in ("sum", "amax", "amin", "prod"):
            d, axis, keep = shape(args[0]), params.get("axis"), params.get("keepdims", False)
            if axis is None:
                res = (1,) * len(d) if keep else ()
            else:
                axes = axis if isinstance(axis, tuple) else (axis,)
                res = tuple((1 if keep else None) if i in axes else x for i, x in enumerate(d))
                res = tuple(x for x in res if x is not None)
        elif p in ("zeros", "ones", "empty"):
            res = tuple(sym(a) for a in args)
        elif p == "full":
            res = tuple(sym(a) for a in args[:-1])
        elif p in ("zeros_like", "ones_like", "copy_array", "setitem", "index_add", "unreduce",
                   "reshape_like", "copy", "astype", "sum_to", "tape_put", "tape_push"):
            src = args[1] if p in ("unreduce", "reshape_like", "sum_to") else args[0]
            res = shape(src)
        elif p == "expand_dims":
            d = list(shape(args[0]))
            d.insert(params["axis"], 1)
            res = tuple(d)
        elif p == "reshape":
            res = tuple(sym(a) if not (isinstance(a, Const) and a.value == -1) else _unknown()
                        for a in args[1:])
        elif p == "arange":
            res = (sym(args[0]),) if len(args) == 1 else None
        elif p == "eye":
            res = (sym(args[0]), sym(args[0]))
        elif p == "getitem":
            res = _getitem_shape(shape(args[0]), params["spec"], args[1:], shape)
        else:   # elementwise: NumPy broadcasting on symbols
            res = broadcast([shape(a) for a in args])
        if res is not None and len(res) == nd:
            shapes[out.id] = res

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
                for v, a in zip(s.outs, s.init):
                    if T.is_array(v.type):
                        shapes[v.id] = shape(a)

    block(fn.body)
    return shapes


def broadcast(shapes: list[tuple]) -> tuple:
    nd = max((len(s) for s in shapes), default=0)
    out = []
    for k in range(nd):
        ds = [s[len(s) - nd + k] for s in shapes if len(s) - nd + k >= 0]
        ds = [d for d in ds if d != 1] or [1]
        out.append(ds[0] if all(d == ds[0] for d in ds) else _unknown())
    return tuple(out)


def _getitem_shape(d, spec, idx, shape):
    out, it, fancy = [], iter(idx), False
    for k, e in enumerate(spec):
        if e[0] == "i":
            next(it)
        elif e[0] == "a":
            a = next(it)
            if not fancy:
                out.append(shape(a)[0])   # (1-D index arrays broadcast together)
                fancy = True
        else:
            parts = [next(it) if present else None for present in e[1:]]
            out.append(d[k] if k < len(d) and parts == [None, None, None] else _unknown())
    out += list(d[len(spec):])
    return tuple(out)
