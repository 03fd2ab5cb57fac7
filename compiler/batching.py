"""Batching over a leading seed axis: one pass for many seeds (``jax.vmap`` of a linear map).

A Jacobian is a VJP (or a JVP) applied to every basis vector. Instead of a loop running
the derivative code once per seed, :func:`batch_inline` inlines that code once with the
seed parameter replaced by a *block* of seeds, an array with a leading axis of length
``B``: every value that depends on the seed gets the same leading axis, and every op
reading such a value is rewritten by its batching rule below (``tanh`` of a batched
value is ``tanh`` of the block, ``t @ W`` is one matrix product on the block, a sum drops
an axis one further right, ...). Values that do not depend on the seed (the primal
computation the derivative code reads) are emitted once, unchanged.

An op without a rule, or a region (``if``/loop) touching a batched value, raises
:class:`Unbatchable`; the caller then falls back to its per-seed loop, so batching never
changes which programs compile, only how fast their Jacobians run.
"""
from __future__ import annotations

from . import copies
from . import types as T
from .builder import Builder
from .diagonal import Diagonals
from .inline import _of
from .ir import Atom, Block, Const, For, Function, If, Op, Var, While
from .primitives import PRIMS
from .rewrite import clone, free_vars


class Unbatchable(Exception):
    """The derivative code has an op (or a region) with no batching rule."""


_FULL = ("s", False, False, False)          # the ``:`` of an index spec

def batch_inline(b: Builder, fn: Function, args: tuple, batched: set[int], n: Atom,
                 identity: bool = False):
    """Emit ``fn(*args)`` into ``b`` where the args at positions ``batched`` carry a leading
    axis of ``n`` seeds. Returns ``(results, flags)``: ``flags[j]`` tells whether result
    ``j`` carries the seed axis (one that does not is the same for every seed).
    ``identity``: the batched args are the ``n x n`` identity (each seed a basis vector),
    so a matrix product with one of them is a transpose, or nothing.
    Raises :class:`Unbatchable` (having emitted nothing into ``b``) where a rule is missing."""
    assert len(args) == len(fn.params)
    bb = b.child()
    m: dict = {p.id: a for p, a in zip(fn.params, args)}
    bat = {args[i].id for i in batched if isinstance(args[i], Var)}
    batcher = _Batcher(bb, m, bat, n)
    if identity:
        batcher.eye.update(bat)
        vectors = [fn.params[i] for i in batched if T.ndim(args[i].type) == 2]
        if len(vectors) == 1:           # one seed of vectors: its scalings stay diagonal
            batcher.diagonals = Diagonals(batcher, vectors[0])
    batcher.block(fn.body.stmts)
    results = tuple(batcher.sub(y) for y in fn.body.yields)
    b.stmts.extend(bb.stmts)
    return results, [isinstance(r, Var) and r.id in bat for r in results]


class _Batcher:
    def __init__(self, b: Builder, m: dict, bat: set[int], n: Atom):
        self.b, self.m, self.bat, self.n = b, m, bat, n
        self.eye: set[int] = set()        # blocks that are the identity (n x n)
        self.foreign: set[int] = set()    # blocks that are (views of) values of the primal
        self.diagonals = None             # a Diagonals: blocks kept as eye * d (diagonal.py)

    def is_b(self, a) -> bool:
        return isinstance(a, Var) and a.id in self.bat

    def sub(self, a):
        if not isinstance(a, Var):
            return a
        if a.id not in self.m and self.diagonals is not None and a.id in self.diagonals.lazy:
            self.diagonals.write_out(a)          # a diagonal block read densely
        return self.m.get(a.id, a)

    def block(self, stmts) -> None:
        for s in stmts:
            if isinstance(s, Op):
                self.op(s)
            else:
                self.region(s)

    def clone(self, s) -> None:
        """Emit ``s`` unchanged (it reads no batched value), with fresh ids."""
        b = self.b
        b.stmts.extend(clone([s], self.m, lambda v: b.fresh(v.type, v.hint, _of(v, self.m))))

    def region(self, s) -> None:
        """An ``if`` or loop: copied where it reads no batched value; the seed batcher has
        no rule for one that does."""
        if any(self.is_b(self.sub(v)) for v in free_vars_of(s)):
            raise Unbatchable("a region reads a value that depends on the seed")
        self.clone(s)

    def op(self, s: Op) -> None:
        if self.diagonals is not None and self.diagonals.take(s):
            return
        self.dense_op(s)

    def dense_op(self, s: Op) -> None:
        """``s`` on blocks, by its primitive's batching rule."""
        b = self.b
        args = tuple(self.sub(a) for a in s.args)
        if not any(self.is_b(a) for a in args):
            self.clone(s)
            return
        if len(s.outs) != 1:
            raise Unbatchable(s.prim)
        b.loc = s.loc
        out = self.rule(s, args, dict(s.params))
        if out is None:
            raise Unbatchable(f"{s.prim} with batched operands "
                              f"{[self.is_b(a) for a in args]} {dict(s.params)}")
        old = s.outs[0]
        if isinstance(out, Var) and (old.hint or old.of) and \
                getattr(b.last(), "outs", ()) == (out,):               # keep the user's name
            out = b.rename_last(out, hint=old.hint, of=_of(old, self.m)) or out
        self.m[old.id] = out
        if isinstance(out, Var) and s.prim not in ("dim", "size"):
            self.bat.add(out.id)        # a dimension of one seed's value is not batched

    # ------------------------------------------------------------------ helpers

    def rank(self, a) -> int:
        """The rank of ``a`` for one seed."""
        return T.ndim(a.type) - (1 if self.is_b(a) else 0)

    def pad(self, a, rank: int):
        """A batched ``a`` with unit axes after the seed axis up to ``rank`` per-seed axes,
        so that it broadcasts against per-seed values of that rank."""
        for _ in range(rank - self.rank(a)):
            a = self.b.expand_dims(a, axis=1)
        return a

    def carrier(self, like):
        """An (uninitialised) array shaped ``(n, *like.shape)``: its shape is all it is for."""
        return self.b.op("tape_alloc", self.n, like)

    def rule(self, s: Op, args, params):
        """The op on batched operands, by the rule its primitive's stanza declares
        (``batch=``; elementwise primitives have :meth:`elementwise` by default)."""
        if s.prim == "copy" and args[0].id in self.eye:
            return args[0]
        rule = PRIMS[s.prim].batch
        if rule is None or isinstance(rule, str):
            raise Unbatchable(f"{s.prim}: {rule or 'no batching rule'}")
        return rule(self, s, args, [self.is_b(a) for a in args])

    # ------------------------------------------------------------------ rules
    # Named by the stanzas: ``batch=lambda bt, op, args, isb: bt.reduce(op, args[0])``.
    # ``op`` is the per-example op, ``args`` its operands here, ``isb`` which of them carry
    # the batch axis (first). A rule returns the batched result, or None for a case it
    # does not cover (the caller then falls back to its loop).

    def elementwise(self, s: Op, args, isb):
        """Broadcasting ops: batched operands get unit axes after the batch axis so that
        they line up with the per-example ranks of the others."""
        r = max(self.rank(a) for a in args)
        return self.b.op(s.prim, *[self.pad(a, r) if f else a for a, f in zip(args, isb)],
                         **dict(s.params))

    def same(self, s: Op, args, isb):
        """Ops that act on every element (or the whole array) whatever its shape."""
        return self.b.op(s.prim, *args, **dict(s.params))

    def reduce(self, s: Op, x):
        """A reduction over ``axis`` (None: all per-example axes) moves its axes one right."""
        b, r, p = self.b, self.rank(x), s.prim
        axis, keep = s.param("axis"), s.param("keepdims", False)
        if axis is None:
            if r == 0:
                return x
            flat = b.op(p, b.reshape(x, self.n, Const(-1, T.I64)), axis=1)
            return b.reshape(flat, self.n, *([Const(1, T.I64)] * r)) if keep else flat
        if isinstance(axis, tuple):
            if len(axis) != 1:
                return None
            axis = axis[0]
        return b.op(p, x, axis=axis % r + 1, keepdims=keep)

    def along(self, s: Op, args, isb):
        """Ops along one ``axis`` of operands of one rank (scans, sorts, gathers along an
        axis, concatenation): every operand batched, the axis one right."""
        params = dict(s.params)
        r = max(self.rank(a) for a in args if T.is_array(a.type))
        ops = [a if not T.is_array(a.type) else self.pad(a if f else self.spread(self.b, a), r)
               for a, f in zip(args, isb)]
        params["axis"] = params["axis"] % r + 1
        return self.b.op(s.prim, *ops, **params)

    def spread(self, b: Builder, a):
        """An unbatched value as a block of ``n`` copies, emitted into ``b``."""
        block = b.op("tape_alloc", self.n, a)
        out = b.setitem(block, a, spec=(_FULL,))
        self.bat.add(out.id)
        return out

    def dims_of(self, s: Op, args, isb):
        """``dim``/``size`` of one example: the batch axis is not counted."""
        if s.prim == "dim":
            return self.b.dim(args[0], axis=s.param("axis") + 1)
        return self.b.floordiv(self.b.size(args[0]), self.n)

    def shaped(self, s: Op, args, isb):
        """transpose, reshape, reshape_like, expand_dims, broadcast_to: the batch axis
        stays first (a shape that depends on the example has no rule)."""
        b, p, x = self.b, s.prim, args[0]
        if not isb[0] or any(isb[1:]):
            return None
        if p == "transpose":
            axes, r = s.param("axes"), self.rank(x)
            new = (0,) + (tuple(range(r, 0, -1)) if axes is None else tuple(a + 1 for a in axes))
            return b.transpose(x, axes=new)
        if p == "reshape":
            return b.reshape(x, self.n, *args[1:])
        if p == "reshape_like":
            like = args[1]
            return b.reshape(x, self.n, *[b.dim(like, axis=d) for d in range(T.ndim(like.type))])
        if p == "expand_dims":
            return b.expand_dims(x, axis=s.param("axis") + 1)
        return b.broadcast_to(self.pad(x, len(args) - 1), self.n, *args[1:])

    def products(self, s: Op, args, isb):
        """matmul, outer, einsum: one product for the whole batch (an einsum with a batch
        letter where both operands are batched: the per-example weight gradient)."""
        p = s.prim
        if p == "einsum":
            ins, out = s.param("spec").split("->")
            z = next(c for c in "zyxwvutsrqponmlkjihgfedcba" if c not in s.param("spec"))
            subs = [z + t if f else t for t, f in zip(ins.split(","), isb)]
            return self.b.einsum(*args, spec=",".join(subs) + "->" + z + out)
        x, y = args
        if all(isb):
            rx, ry = self.rank(x), self.rank(y)
            if p == "outer":
                return self.b.einsum(x, y, spec="ni,nj->nij")
            if rx not in (1, 2) or ry not in (1, 2):
                return None
            left, right = ("ij" if rx == 2 else "j"), ("jk" if ry == 2 else "j")
            out = (left[0] if rx == 2 else "") + (right[1] if ry == 2 else "")
            return self.b.einsum(x, y, spec=f"n{left},n{right}->n{out}")
        if p == "outer":
            if isb[0]:
                return self.b.mul(self.b.expand_dims(x, axis=2), y)
            return self.b.mul(self.b.expand_dims(x, axis=1), self.b.expand_dims(y, axis=1))
        return self.matmul(x, y, *isb)

    def index(self, s: Op, args, isb):
        """getitem (a basic index, or one batched integer into axis 0), tape_get, and the
        writes setitem / index_add / tape_put with per-example-constant indices."""
        p, spec = s.prim, s.param("spec")
        if p == "tape_get":
            return self.b.getitem(args[0], args[1], spec=(_FULL, ("i",))) \
                if isb == [True, False] else None
        if p == "tape_put":
            p, spec = "setitem", (("i",),)
            args, isb = (args[0], args[2], args[1]), [isb[0], isb[2], isb[1]]
        if p == "getitem":
            if any(isb[1:]):
                return self.gather(args, isb, spec)
            return self.b.getitem(*args, spec=(_FULL,) + spec) if _basic(spec) else None
        if p != "tape_put" and len(spec) == 1 and spec[0][0] == "i" and isb[2]:
            return self.masked_write(p, args, isb)
        if any(isb[2:]) or not _basic(spec):
            return None
        return self.write(p, args, isb, spec)

    def masked_write(self, p, args, isb):
        """``x[i] = v`` / ``x[i] += v`` into a 1-D ``x`` at a batched position ``i``: where
        the position matches (each example's one-hot row)."""
        b, (x, v, i) = self.b, args
        if self.rank(x) != 1 or self.rank(v) != 0 or self.rank(i) != 0:
            return None
        k = b.dim(x, axis=1 if isb[0] else 0)
        hot = b.eq(b.arange(k), b.expand_dims(i, axis=1))          # (n, k)
        v = b.expand_dims(v, axis=1) if isb[1] else v
        if p == "index_add":
            return b.add(x, b.mul(hot, v))
        return b.select(hot, v, x)

    def gather(self, args, isb, spec):
        """``x[i]`` with a batched integer ``i`` (one index into axis 0): a gather by the
        index array, or, for a batched ``x``, each example's item picked along axis 1."""
        b, x, idx = self.b, args[0], args[1]
        if len(spec) != 1 or spec[0][0] != "i" or self.rank(idx) != 0:
            return None
        if not isb[0]:
            return b.getitem(x, idx, spec=(("a",),))
        if self.rank(x) != 1:
            return None
        picked = b.take_along(x, b.expand_dims(idx, axis=1), axis=1)
        return b.getitem(picked, Const(0, T.I64), spec=(_FULL, ("i",)))

    def pack(self, s: Op, args, isb):
        """np.array([a, b, ...]) of per-example scalars: one column each."""
        cols = [self.b.expand_dims(a if f else self.spread(self.b, a), axis=1)
                for a, f in zip(args, isb)]
        return self.b.concat(*cols, axis=1)

    def alloc(self, s: Op, args, isb):
        """tape_alloc(k, like) for a batched ``like``: the batch axis first."""
        if isb[0]:
            return None
        t = self.b.op("tape_alloc", args[0], args[1])
        return self.b.transpose(t, axes=(1, 0) + tuple(range(2, T.ndim(t.type))))

    def summed(self, s: Op, args, isb):
        """sum_to / unreduce: the adjoints of broadcasting."""
        if s.prim == "sum_to":
            c = args[0] if isb[0] else self.spread(self.b, args[0])
            return self.sum_to(c, args[1], isb[1])
        out = self.unreduce(args[0], args[1], dict(s.params), *isb)
        if out is not None and isb[0] and not T.is_array(s.args[0].type):
            # unbatched, a number broadcast to an array is ``np.full``, a fresh array the reverse
            # pass may scatter into; batched, it is ``np.broadcast_to``, a read-only view:
            # written only through a copy
            self.foreign.add(out.id)
        return out

    # ------------------------------------------------------------------ helpers

    def sum_to(self, c, like, like_batched=False):
        b, rc, rl = self.b, self.rank(c), self.rank(like)
        if rl == 0:
            return self.reduce(Op("sum", (c,), ()), c)
        if rc < rl:
            return None
        for _ in range(rc - rl):
            c = b.sum(c, axis=1)            # the leading axes NumPy broadcasting added
        return b.sum_to(c, like if like_batched else self.carrier(like))

    def unreduce(self, g, x, params, gb=True, xb=False):
        """Broadcast ``g`` back over the axes a reduction of ``x`` removed (either batched)."""
        b, r = self.b, self.rank(x)
        axis, keep = params.get("axis"), params.get("keepdims", False)
        if axis is not None and not keep:
            if isinstance(axis, tuple):
                if len(axis) != 1:
                    return None
                axis = axis[0]
            g = b.expand_dims(g, axis=axis % r + (1 if gb else 0))
        if gb:
            g = self.pad(g, r)
        return b.unreduce(g, x if xb else self.carrier(x))

    def matmul(self, x, y, bx, by):
        """One matrix product on the block (Numba's ``@`` takes 1-D and 2-D operands, so a
        batch of matrices is folded into the rows first)."""
        b, n = self.b, self.n
        rx, ry = self.rank(x), self.rank(y)
        minus1 = Const(-1, T.I64)
        if (bx and x.id in self.eye) or (by and y.id in self.eye):
            # e_k @ y is row k of y; x @ e_k is column k of x
            out = b.copy(y) if bx else (b.copy(x) if rx == 1 else b.transpose(x))
            self.foreign.add(out.id)         # a new name: the primal value itself stays unbatched
            return out
        if bx and not by:
            if rx == 1:                               # (n, k) @ (k,) or (k, m)
                return b.matmul(x, y)
            rows = b.dim(x, axis=1)
            flat = b.matmul(b.reshape(x, minus1, b.dim(x, axis=2)), y)    # (n*rows, k) @ y
            return b.reshape(flat, n, rows) if ry == 1 else b.reshape(flat, n, rows, b.dim(y, axis=1))
        if by and not bx:
            if ry == 1:                               # x @ t for each seed: T @ x.T
                return b.matmul(y, b.transpose(x)) if rx == 2 else b.matmul(y, x)
            k, m = b.dim(y, axis=1), b.dim(y, axis=2)
            side = b.reshape(b.transpose(y, axes=(1, 0, 2)), k, minus1)  # (k, n*m)
            prod = b.matmul(x, side)                  # (rows, n*m) or (n*m,)
            if rx == 1:
                return b.reshape(prod, n, m)
            rows = b.dim(x, axis=0)
            return b.transpose(b.reshape(prod, rows, n, m), axes=(1, 0, 2))
        return None

    def write(self, p, args, isb, spec):
        """``x[idx] = v`` / ``x[idx] += v`` on a block: the block of ``x`` (made from ``x``
        when only ``v`` depends on the seed), then one write through ``[:, idx]``."""
        b = self.b
        x, v, idx = args[0], args[1], args[2:]
        if not isb[0]:
            block = self.carrier(x)
            x = b.setitem(block, x, spec=(_FULL,))
        elif (x.id in self.foreign or x.id in self.eye) and not copies.enabled():
            x = b.copy_array(x)                       # never write into the primal's arrays
        if self.is_b(v):
            slot = T.ndim(x.type) - 1 - sum(1 for e in spec if e[0] == "i")
            v = self.pad(v, slot)
        return b.op(p, x, v, *idx, spec=(_FULL,) + spec)


def _basic(spec) -> bool:
    """Ints and slices only: a leading ``:`` keeps the seed axis first."""
    return all(e[0] != "a" for e in spec)


def free_vars_of(s) -> list[Var]:
    """The values a region reads from outside it (its operands and its blocks' free values)."""
    from .ir import Block, operands
    out = [a for a in operands(s) if isinstance(a, Var)]
    out += list(free_vars(Block((), (s,), ())).values())
    return out


# ---------------------------------------------------------------------- vmap: whole programs
# ``vmap`` batches a whole function over examples: the same rules, plus regions (an ``if``
# on a batched condition computes both arms and selects, a loop carries batched values)
# and the rules that only arise there (two batched operands of a product, a batched index).


def batch_vmap(b: Builder, fn: Function, args: tuple, batched: set[int], n: Atom):
    """Emit ``fn(*args)`` into ``b`` where the args at positions ``batched`` carry a
    leading axis of ``n`` examples. Returns ``(results, flags)`` as :func:`batch_inline`;
    raises :class:`Unbatchable` where an op or region has no rule."""
    bb = b.child()
    m: dict = {p.id: a for p, a in zip(fn.params, args)}
    bat = {args[i].id for i in batched if isinstance(args[i], Var)}
    batcher = _VmapBatcher(bb, m, bat, n)
    batcher.block(fn.body.stmts)
    results = tuple(batcher.sub(y) for y in fn.body.yields)
    b.stmts.extend(bb.stmts)
    return results, [batcher.is_b(r) for r in results]


class _VmapBatcher(_Batcher):
    """The batcher of whole programs: the same rules, and regions."""

    # ------------------------------------------------------------------ regions

    def region(self, s) -> None:
        if not any(self.is_b(self.sub(v)) for v in free_vars_of(s)):
            self.clone(s)
        elif isinstance(s, If):
            self.if_(s)
        elif isinstance(s, For):
            self.for_(s)
        else:
            self.while_(s)

    def inner(self, block: Block, params=()):
        """Batch ``block``'s statements into a new child builder (its parameters mapped to
        ``params``); returns (statements, yields)."""
        outer = self.b
        self.b = outer.child()
        try:
            for old, new in zip(block.params, params):
                self.m[old.id] = new
            self.block(block.stmts)
            return self.b, [self.sub(y) for y in block.yields]
        finally:
            self.b = outer

    def unify(self, b: Builder, ys, flags):
        return [self.spread(b, y) if f and not self.is_b(y) else y for y, f in zip(ys, flags)]

    def if_(self, s: If) -> None:
        cond = self.sub(s.cond)
        if self.is_b(cond):
            self.select_arms(s, cond)
            return
        tb, ty = self.inner(s.then)
        eb, ey = self.inner(s.orelse)
        flags = [self.is_b(a) or self.is_b(c) for a, c in zip(ty, ey)]
        ty, ey = self.unify(tb, ty, flags), self.unify(eb, ey, flags)
        outs = tuple(self.b.fresh(a.type, o.hint) for a, o in zip(ty, s.outs))
        self.b.emit(If(cond, Block((), tuple(tb.stmts), tuple(ty)),
                       Block((), tuple(eb.stmts), tuple(ey)), outs, s.loc))
        self.bind(s.outs, outs, flags)

    def select_arms(self, s: If, cond) -> None:
        """``if`` on a batched condition: both arms run for every example (they must be
        unable to raise (elementwise, or ``Primitive.never_raises``), and hold no regions),
        then ``where`` picks each example's."""
        for arm in (s.then, s.orelse):
            for x in arm.stmts:
                p = PRIMS[x.prim] if isinstance(x, Op) else None
                if p is None or not (p.elementwise or p.never_raises):
                    raise Unbatchable("an if on a mapped condition with an arm that may raise")
        tb, ty = self.inner(s.then)
        eb, ey = self.inner(s.orelse)
        self.b.stmts.extend(tb.stmts + eb.stmts)
        outs = []
        for a, c in zip(ty, ey):
            r = max(self.rank(a), self.rank(c))
            out = self.b.select(self.pad(cond, r), self.pad(a, r) if self.is_b(a) else a,
                                self.pad(c, r) if self.is_b(c) else c)
            outs.append(out)
        self.bind(s.outs, outs, [True] * len(outs))

    def bind(self, olds, news, flags) -> None:
        for old, new, f in zip(olds, news, flags):
            self.m[old.id] = new
            if f:
                self.bat.add(new.id)

    def carried_flags(self, init, run):
        """Which carried values are batched: those whose initial value is, and those the
        body makes so (to a fixed point). ``run(flags)`` batches the body once."""
        flags = [self.is_b(a) for a in init]
        while True:
            result = run(flags)
            ys = result[-1]
            new = [f or self.is_b(y) for f, y in zip(flags, ys)]
            if new == flags:
                return flags, result
            flags = new

    def params_for(self, olds, flags):
        out = []
        for p, f in zip(olds, flags):
            q = self.b.fresh(T.Array(p.type.dtype, T.ndim(p.type) + 1) if f else p.type, p.hint)
            if f:
                self.bat.add(q.id)
            out.append(q)
        return out

    def for_(self, s: For) -> None:
        bounds = [self.sub(a) for a in (s.start, s.stop, s.step)]
        if any(self.is_b(a) for a in bounds):
            raise Unbatchable("a for loop whose trip count depends on a mapped value")
        init = [self.sub(a) for a in s.init]
        index = s.body.params[0]

        def run(flags):
            k = self.b.fresh(index.type, index.hint)
            ps = self.params_for(s.carried, flags)
            body, ys = self.inner(s.body, [k, *ps])
            return k, ps, body, ys

        flags, (k, ps, body, ys) = self.carried_flags(init, run)
        ys = self.unify(body, ys, flags)
        init = self.unify(self.b, init, flags)
        outs = tuple(self.b.fresh(p.type, o.hint) for p, o in zip(ps, s.outs))
        self.b.emit(For(*bounds, tuple(init), Block((k, *ps), tuple(body.stmts), tuple(ys)),
                        outs, s.loc))
        self.bind(s.outs, outs, flags)

    def while_(self, s: While) -> None:
        init = [self.sub(a) for a in s.init]

        def run(flags):
            cps = self.params_for(s.cond.params, flags)
            cond, cy = self.inner(s.cond, cps)
            if self.is_b(cy[0]):
                raise Unbatchable("a while loop whose condition depends on a mapped value")
            ps = self.params_for(s.body.params, flags)
            body, ys = self.inner(s.body, ps)
            return cps, cond, cy, ps, body, ys

        flags, (cps, cond, cy, ps, body, ys) = self.carried_flags(init, run)
        ys = self.unify(body, ys, flags)
        init = self.unify(self.b, init, flags)
        outs = tuple(self.b.fresh(p.type, o.hint) for p, o in zip(ps, s.outs))
        self.b.emit(While(tuple(init), Block(tuple(cps), tuple(cond.stmts), tuple(cy)),
                          Block(tuple(ps), tuple(body.stmts), tuple(ys)), outs, s.loc))
        self.bind(s.outs, outs, flags)
