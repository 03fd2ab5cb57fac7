"""Diagonal seed blocks: the identity's structure kept through a batched derivative.

A Jacobian's batched VJP (or JVP) starts from the ``n x n`` identity, one basis seed per
row. Elementwise scaling keeps it diagonal: the reverse pass of ``tanh(W @ x)`` scales
the identity by ``1 - tanh(...)**2`` and then multiplies by ``W``, and done densely that
is an ``n x n`` matrix product with a diagonal matrix, ``O(n^3)`` for what is a row
scaling, ``d[:, None] * W``. Here a block known to be ``eye(n) * d`` (``d`` a vector or a
scalar that does not depend on the seed, broadcast along the last axis) is tracked by
``d`` alone; it is written out densely only where an op with no rule here reads it.

Rules (``D`` = a diagonal block, ``u`` a per-seed scalar or vector that is not batched):
``D * u``, ``u * D``, ``D / u``, ``-D``, ``D1 * D2``, ``D1 + D2``, ``D1 - D2``, ``copy``
stay diagonal; ``sum_to(D, like)`` stays diagonal when ``like`` has ``n`` elements (it is
then the identity map) and ``D @ M`` is ``d[:, None] * M``, ``M @ D`` is ``M.T * d[:, None]``.

Whether a ``sum_to`` reduced anything is known only at run time (``x + y`` with shapes the
compiler cannot prove equal): such a block is diagonal *under a guard*,
``like.shape[0] == n``, and a product with it becomes ``if guards: row scaling else: the
dense product`` (the dense operands written out in that arm alone).
"""
from __future__ import annotations

from . import types as T
from .ir import Block, Const, If, Op, Var
from .primitives import PRIMS


class Diagonals:
    """The diagonal blocks of one :class:`~.batching._Batcher` run (keyed by the ids of
    the function being batched): ``diag[id] = (d, guards)``, and ``lazy[id]``, the op that
    computes the block densely, run only when something reads it so."""

    def __init__(self, batcher, seed: Var):
        self.bt, self.seed, self.dtype = batcher, seed.id, seed.type.dtype
        self.diag: dict[int, tuple] = {seed.id: (Const(1.0, T.Scalar(self.dtype)), ())}
        self.lazy: dict[int, Op] = {}

    def kind(self, a) -> str:
        """"diag", "batched" (dense, depends on the seed) or "plain" (does not)."""
        if not isinstance(a, Var):
            return "plain"
        if a.id in self.diag:
            return "diag"
        if a.id in self.lazy:
            return "batched"
        return "batched" if self.bt.is_b(self.bt.m.get(a.id, a)) else "plain"

    def take(self, s: Op) -> bool:
        """Handle ``s`` by a rule above (True), or leave it to the dense rules (False)."""
        if not PRIMS[s.prim].diagonal or len(s.outs) != 1:
            return False
        kinds = [self.kind(a) for a in s.args]
        if "diag" not in kinds or "batched" in kinds:
            return False
        if s.prim == "matmul":
            return self.product(s, kinds)
        found = self.scaled(s, kinds)
        if found is None:
            return False
        d, guards = found
        self.diag[s.outs[0].id] = (_in_dtype(self.bt.b, d, self.dtype), guards)
        self.lazy[s.outs[0].id] = s
        return True

    def scaled(self, s: Op, kinds):
        """``(d, guards)`` of the block ``s`` computes, or None where it is not diagonal."""
        b, p, args = self.bt.b, s.prim, s.args
        ds = [self.diag[a.id] if k == "diag" else None for a, k in zip(args, kinds)]
        if p in ("neg", "copy"):
            d, g = ds[0]
            return (b.neg(d) if p == "neg" else d), g
        if p == "sum_to":
            like = self.bt.sub(args[1])
            if kinds[0] != "diag" or kinds[1] != "plain" or T.ndim(like.type) != 1:
                return None
            d, g = ds[0]
            return d, g + (like,)
        if p in ("add", "sub"):
            if kinds != ["diag", "diag"]:
                return None
            return b.op(p, ds[0][0], ds[1][0]), ds[0][1] + ds[1][1]
        if p == "mul" and kinds == ["diag", "diag"]:
            return b.mul(ds[0][0], ds[1][0]), ds[0][1] + ds[1][1]
        if p == "div" and kinds[1] == "diag":
            return None
        k = kinds.index("diag")
        u = self.bt.sub(args[1 - k])
        if T.ndim(u.type) > 1:
            return None
        d, g = ds[k]
        pair = (d, u) if k == 0 else (u, d)
        return b.op(p, *pair), g

    def product(self, s: Op, kinds) -> bool:
        """``D @ M`` or ``M @ D``: a row scaling, under the block's guards."""
        if kinds.count("diag") != 1:
            return False
        k = kinds.index("diag")
        M = self.bt.sub(s.args[1 - k])
        if s.args[k].id == self.seed or T.ndim(M.type) not in (1, 2):   # the identity's own rule
            return False
        d, guards = self.diag[s.args[k].id]
        bt, outer = self.bt, self.bt.b
        fast_b = outer.child() if guards else outer
        fast = _scale_rows(fast_b, d, M if k == 0 or T.ndim(M.type) == 1
                           else fast_b.transpose(M))
        if not guards:
            return self._bind(s, fast)
        dense_b, dense = self._dense_in(s)
        if dense.type != fast.type:
            if T.ndim(dense.type) != T.ndim(fast.type):
                return False
            fast = fast_b.op("astype", fast, dtype=dense.type.dtype)
        cond = None
        for like in guards:
            same = outer.eq(outer.dim(like, axis=0), bt.n)
            cond = same if cond is None else outer.op("and", cond, same)
        out = outer.fresh(dense.type)
        outer.emit(If(cond, Block((), tuple(fast_b.stmts), (fast,)),
                      Block((), tuple(dense_b.stmts), (dense,)), (out,), s.loc))
        return self._bind(s, out)

    def _dense_in(self, s: Op):
        """``s`` by the dense rules in a builder of its own (its diagonal operands written
        out there too, and forgotten after: the code outside never sees them)."""
        bt, outer = self.bt, self.bt.b
        before = set(bt.m)
        bt.b = outer.child()
        try:
            bt.dense_op(s)
            out = bt.m[s.outs[0].id]
            return bt.b, out
        finally:
            for key in set(bt.m) - before:
                del bt.m[key]
            bt.b = outer

    def _bind(self, s: Op, out) -> bool:
        self.bt.m[s.outs[0].id] = out
        self.bt.bat.add(out.id)
        return True

    def write_out(self, a: Var) -> None:
        """Compute the diagonal block ``a`` densely, by the ops that made it."""
        self.bt.dense_op(self.lazy[a.id])


def _in_dtype(b, d, dtype: str):
    """``d`` in the seed block's dtype (that of the value seeded: NumPy promotes every
    scaling of a float64 block to float64, and a float32 block's derivatives are float32),
    where the builder's weak typing would keep ``1.0 * u`` in float32 for a float32 ``u``."""
    if isinstance(d, Const):
        return Const(float(d.value), T.Scalar(dtype))
    if d.type.dtype == dtype:
        return d
    return b.op("astype", d, dtype=dtype)


def _scale_rows(b, d, M):
    """``diag(d) @ M`` for a matrix ``M`` (``d * M`` for a vector)."""
    if T.ndim(M.type) == 2 and T.ndim(d.type) == 1:
        d = b.expand_dims(d, axis=1)
    return b.mul(d, M)
