"""Shift invariance: values whose derivative the program's results provably do not carry.

The stable softmax and log-softmax subtract a maximum, ``d = x - m`` with
``m = np.max(x, axis=1, keepdims=True)``, then use ``d`` only in ways that cancel any shift of
``m``: ``d - log(sum(exp(d)))`` or ``exp(d) / sum(exp(d))``. Their results do not depend on
``m`` at all, so its adjoint is zero in exact arithmetic; the reverse pass would still compute
it (a sum of the softmax's adjoint, ~1e-17, routed back through the max's tie mask) only to
add rounding noise. :func:`shift_free` proves such a ``m`` inert, and the reverse pass treats it
as inactive, so the listing is the textbook one (``probs - onehot``) and compiles faster.

The proof perturbs ``m`` by ``δ`` (constant along the axes where ``m`` has size 1; anywhere
for a number) and follows every value it reaches within ``m``'s block, each in one of two
classes of exact identities:

    ("add", k)   the value moves by ``k·δ``            (m itself: k = 1; x - m: k = -1)
    ("mul", k)   the value is scaled by ``exp(k·δ)``    (exp of an ("add", k) value)

``k = 0`` in either class is invariance: the value no longer depends on ``δ``. The rules are
the algebra of the two classes (``+``/``-`` of adds, ``*``/``/`` of muls and of a mul by an
unrelated value, ``exp``/``log`` between them, sums of a mul and maxima of an add along the
axes ``δ`` is constant on). A value any other op reads, that a nested region or a later
block reads, or that the function returns, while it still depends on ``δ``, ends the proof:
``m`` stays active. Only a completed proof drops it; a program the rules do not cover keeps
its full gradient.
"""
from __future__ import annotations

import heapq

from . import types as T
from .ir import Block, Function, Op, Var, blocks_of, uses
from .primitives import PRIMS

_ALL = None        # δ is a number: constant along every axis
_BUDGET = 64       # ops one proof may visit (a softmax takes about ten): compile time stays
                   # linear in the program's length however long its chains of sums are


def shift_free(fn: Function, shapes: dict) -> set[int]:
    """Ids of values (maxima and the like) on which none of ``fn``'s results depend, though
    they are computed from its parameters: ``x - m`` read only through shift-cancelling
    expressions. ``shapes``: the symbolic shapes of :func:`.shapes.infer`."""
    count = uses(fn.body)
    free: set[int] = set()

    def visit(block: Block) -> None:
        ops = [s for s in block.stmts if isinstance(s, Op)]
        readers: dict[int, list[int]] = {}
        for i, s in enumerate(ops):
            for a in {a.id for a in s.args if isinstance(a, Var)}:
                readers.setdefault(a, []).append(i)
        own = [p for p in fn.params if block is fn.body]      # a parameter shifting x, too
        for m in own + [v for s in ops for v in s.outs]:
            if T.is_float(m.type) and m.id in readers and \
                    _cancels(m, ops, readers, count, shapes):
                free.add(m.id)
        for s in block.stmts:
            for inner in blocks_of(s):
                visit(inner)

    visit(fn.body)
    return free


def _const_axes(m: Var, shapes: dict):
    """The axes along which a perturbation of ``m`` is constant when broadcast: those of size
    1 (all of them for a number); None where ``m`` has no such axis."""
    if not T.is_array(m.type):
        return _ALL
    dims = shapes.get(m.id)
    if dims is None:
        return None
    axes = frozenset(k for k, d in enumerate(dims) if d == 1)
    return axes or None


def _cancels(m: Var, ops: list, readers: dict, count: dict, shapes: dict) -> bool:
    """Whether every value ``m`` reaches, through the ops of its block, ends invariant. The
    ops are visited in program order (a heap of their positions), so each one's arguments
    have their final classes when it is."""
    axes = _const_axes(m, shapes)
    if axes is None and T.is_array(m.type):
        return False
    ndim = T.ndim(m.type)
    cls = {m.id: ("add", 1)}
    heap: list[int] = []

    def moves(v: Var) -> bool:
        """Push ``v``'s readers, provided they are all it has."""
        here = sum(1 for i in readers.get(v.id, ()) for a in ops[i].args
                   if isinstance(a, Var) and a.id == v.id)
        if here != count.get(v.id, 0):
            return False
        for i in readers.get(v.id, ()):
            heapq.heappush(heap, i)
        return True

    if not moves(m):
        return False
    done: set[int] = set()
    while heap:
        i = heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        if len(done) > _BUDGET:
            return False              # no proof within the budget: the value stays active
        s = ops[i]
        if len(s.outs) != 1:
            return False
        out = s.outs[0]
        c = _rule(s, [cls.get(a.id) if isinstance(a, Var) else None for a in s.args], axes, ndim)
        if c is False:
            return False
        cls[out.id] = c
        if c[1] != 0:
            if axes is not _ALL and T.ndim(out.type) != ndim:
                return False          # broadcast to more axes, or reduced away: δ's axes move
            if not moves(out):
                return False
    return True


def _rule(s: Op, args: list, axes, ndim: int):
    """The class of ``s``'s result from its arguments' (None: independent of δ), or False
    where no identity holds."""
    p, prim = s.prim, PRIMS[s.prim]
    if not prim.shifts:
        return False
    args = [None if i in prim.shape_args else a for i, a in enumerate(args)]   # read for shape
    moving = [a for a in args if a is not None and a[1] != 0]
    kinds = {a[0] for a in moving}
    zero = ("add", 0)
    if p in ("add", "sub") and len(args) == 2 and kinds <= {"add"}:
        k = [a[1] if a is not None else 0 for a in args]
        return ("add", k[0] + k[1] if p == "add" else k[0] - k[1])
    if p == "neg" and kinds <= {"add"}:
        return ("add", -args[0][1]) if args[0] is not None else zero
    if p in ("mul", "div") and len(args) == 2 and kinds <= {"mul"}:
        k = [a[1] if a is not None else 0 for a in args]
        return ("mul", k[0] + k[1] if p == "mul" else k[0] - k[1])
    if p == "copy" and len(args) == 1:
        return args[0] or zero
    if p in ("broadcast_to", "unreduce"):   # repeats its first argument (δ keeps its axes:
        return args[0] or zero             # the result's ndim is checked)
    if p == "exp" and kinds <= {"add"}:
        return ("mul", args[0][1]) if args[0] is not None else zero
    if p == "log" and kinds <= {"mul"}:
        return ("add", args[0][1]) if args[0] is not None else zero
    if p in ("sum", "amax", "amin") and len(args) == 1 and args[0] is not None:
        want = "mul" if p == "sum" else "add"
        if args[0][0] != want or not _along_constant(s, axes, ndim):
            return False
        return args[0]
    return False


def _along_constant(s: Op, axes, ndim: int) -> bool:
    """Whether the reduction ``s`` runs only along axes on which δ is constant, keeping them
    (so that δ's other axes stay where they were)."""
    if axes is _ALL:
        return True
    axis = s.param("axis")
    if axis is None or not s.param("keepdims", False):
        return False
    red = {a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))}
    return red <= axes
