"""Symbolic array dimensions, the vocabulary of the primitives' shape rules.

A dimension is a hashable symbol: ``("arg", param_id, axis)`` for a parameter's axis,
``("int", var_id)`` for a size given as an int value, ``("const", n)`` for a constant one, the literal ``1``, or a fresh
``("?", n)`` for unknown. Unknown never compares equal to anything but itself.

A shape rule (the ``shape`` field of a primitive) is ``rule(q, args, params)`` where
``q.shape(a)`` gives an argument's symbolic shape and ``q.sym(a)`` the dimension an int
argument measures; it returns the result's shape, or None for "unknown".
"""
from __future__ import annotations

import itertools

_fresh = itertools.count()


def unknown():
    return ("?", next(_fresh))


def broadcast(shapes: list[tuple]) -> tuple:
    """NumPy broadcasting on symbols."""
    nd = max((len(s) for s in shapes), default=0)
    out = []
    for k in range(nd):
        ds = [s[len(s) - nd + k] for s in shapes if len(s) - nd + k >= 0]
        ds = [d for d in ds if d != 1] or [1]
        out.append(ds[0] if all(d == ds[0] for d in ds) else unknown())
    return tuple(out)


def elementwise(q, args, params) -> tuple:
    return broadcast([q.shape(a) for a in args])


def like(i: int):
    """The shape of argument ``i``."""
    return lambda q, args, params: q.shape(args[i])


def reduced(q, args, params) -> tuple:
    d, axis, keep = q.shape(args[0]), params.get("axis"), params.get("keepdims", False)
    if axis is None:
        return (1,) * len(d) if keep else ()
    axes = axis if isinstance(axis, tuple) else (axis,)
    res = tuple((1 if keep else None) if i in axes else x for i, x in enumerate(d))
    return tuple(x for x in res if x is not None)


def getitem(q, args, params) -> tuple:
    """x[spec]: sliced axes are unknown unless the slice is ``:``; int-array indices (1-D,
    broadcast together) give one axis."""
    d, spec = q.shape(args[0]), params["spec"]
    out, it, fancy = [], iter(args[1:]), False
    for k, e in enumerate(spec):
        if e[0] == "i":
            next(it)
        elif e[0] == "a":
            a = next(it)
            if not fancy:
                out.append(q.shape(a)[0])
                fancy = True
        else:
            parts = [next(it) if present else None for present in e[1:]]
            out.append(d[k] if k < len(d) and parts == [None, None, None] else unknown())
    out += list(d[len(spec):])
    return tuple(out)


def region(q, args, params) -> tuple:
    """The region ``x[spec]`` that a write (``x[spec] = v``, ``x[spec] += v``: arguments
    ``x, v, *index``) broadcasts its value ``v`` into."""
    return getitem(q, (args[0], *args[2:]), params)
