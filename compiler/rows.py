"""Row splitting: prove a function additive over the rows of its data arguments.

A loss over data ``X``, ``y`` held in row chunks (Dask arrays) can be computed chunk by chunk
when it is a sum over rows of row-wise terms, plus terms that do not read the data:

    f(p, X) = g(p) + c(p) * sum_k h(p, X_k)        (affine in per-chunk sums)

Then ``f(p, X) = sum_k f(p, X_k) - (K - 1) * f(p, X_empty)``: each chunk runs the whole
function, and one run on zero rows (where every sum over rows is 0) gives the part that
does not read the data, counted once. Derivatives are affine in the same per-chunk sums, so
the same identity holds for gradients, Hessian-vector products and JVPs of gradients.

:func:`split_rows` proves this on the primal IR by abstract interpretation, one *kind* per
value:

=========  ==================================================================
``C``      does not depend on the data
``R(a)``   an array whose axis ``a`` runs over the rows, each row from its data row only
``I``      inside a loop over the rows: computed from the current row only
``IDX``    the index of a loop over the rows (it may only pick the current row)
``ACC``    inside a loop over the rows: a running sum of per-row terms
``A``      a sum over rows (linear in the per-chunk sums)
``F``      ``C + A``, and products of sums with ``C`` values (affine)
=========  ==================================================================

and returns the function a chunk runs: the same ops, except that the number of rows used as
a value (``X.shape[0]``, ``len(X)``, the divisor of ``np.mean``) is the total row count, a new
last parameter ``rows``; ``range(X.shape[0])`` still loops over the chunk's own rows. Where
additivity breaks (a sort over rows, a normalisation by a column's mean, a nonlinearity of a
sum, ``inv(X.T @ X)``), it raises a :class:`CompileError` at that line.
"""
from __future__ import annotations

from dataclasses import replace

from . import types as T
from .errors import CompileError
from .ir import Block, Const, For, Function, If, Op, Var, While, max_id
from .primitives import PRIMS

C, A, F, I, IDX, ACC = ("C",), ("A",), ("F",), ("I",), ("IDX",), ("ACC",)
_AFFINE = {"C", "A", "F"}
ROWS_META = "rows"     # meta: the source locations of the reductions over rows that are split

_ADVICE = ("Compute that statistic of the whole data first (with Dask) and pass it in as a "
           "parameter, or pass NumPy arrays for an in-memory call.")


def R(axis: int) -> tuple:
    return ("R", axis)


def join(k1: tuple, k2: tuple):
    """The kind of a value that is ``k1`` on one path and ``k2`` on another (None: no kind)."""
    if k1 == k2:
        return k1
    names = {k1[0], k2[0]}
    if names <= _AFFINE:
        return F
    if names == {"C", "I"}:
        return I
    return None


class _Broken(Exception):
    def __init__(self, loc, what: str):
        super().__init__(what)
        self.loc, self.what = loc, what


def split_rows(fn: Function, data: tuple) -> Function:
    """``fn`` as each row chunk of the parameters at positions ``data`` runs it, with the total
    row count as a new last parameter; a CompileError where ``fn`` is not additive over rows."""
    s = _Splitter(fn)
    for i in data:
        p = fn.params[i]
        if not T.is_array(p.type):
            raise CompileError(f"argument '{p.hint}' holds the data but is not an array", fn.loc)
        s.kinds[p.id] = R(0)
    try:
        body = s.block(fn.body)
        for r in fn.body.yields:
            k = s.kind(r)
            if k[0] not in _AFFINE:
                what = ("it returns values of single rows" if k[0] in ("R", "I") else
                        "its result is not a sum over the rows")
                raise _Broken(fn.loc, what)
    except _Broken as e:
        raise CompileError(f"'{fn.name}' is not a sum over the rows of its Dask arguments: "
                           f"{e.what}", e.loc or fn.loc, _ADVICE) from None
    meta = tuple(m for m in fn.meta if m[0] != ROWS_META) + ((ROWS_META, tuple(dict.fromkeys(s.split))),)
    return replace(fn, params=fn.params + (s.total,), body=body, meta=meta)


class _Splitter:
    """One pass over the IR: each value's kind, and the chunk's function built alongside."""

    def __init__(self, fn: Function):
        self.kinds: dict[int, tuple] = {}
        self.ids = max_id(fn) + 1
        self.total = self.fresh(T.I64, "rows")
        self.local: set[int] = set()      # values that are a chunk's number of rows
        self.split: list = []             # where a reduction over rows is split into chunks
        self.in_row_loop = False

    def fresh(self, t, hint=None) -> Var:
        self.ids += 1
        return Var(self.ids, t, hint)

    def kind(self, a) -> tuple:
        if isinstance(a, Const) or a.id in self.local:
            return C                      # the local row count becomes the total: no data
        return self.kinds.get(a.id, C)

    def sub(self, a):
        return self.total if isinstance(a, Var) and a.id in self.local else a

    # ------------------------------------------------------------------ blocks

    def block(self, blk: Block) -> Block:
        out: list = []
        for st in blk.stmts:
            if isinstance(st, Op):
                self.op(st, out)
            elif isinstance(st, If):
                out.append(self.if_(st))
            elif isinstance(st, For):
                out.append(self.for_(st))
            else:
                out.append(self.while_(st))
        return Block(blk.params, tuple(out), tuple(self.sub(y) for y in blk.yields))

    def if_(self, st: If) -> If:
        ck = self.kind(st.cond)
        if ck not in (C, I):
            raise _Broken(st.loc, "an `if` decides on a value computed from all the rows")
        then, orelse = self.block(st.then), self.block(st.orelse)
        for o, a, b in zip(st.outs, st.then.yields, st.orelse.yields):
            k = join(self.kind(a), self.kind(b))
            if k is not None and ck == I:
                k = {"C": I, "I": I, "ACC": ACC}.get(k[0])
            if k is None:
                raise _Broken(st.loc, "an `if` gives values of different kinds on its branches")
            self.kinds[o.id] = k
        return replace(st, cond=self.sub(st.cond), then=then, orelse=orelse)

    def for_(self, st: For) -> For:
        rows = isinstance(st.stop, Var) and st.stop.id in self.local
        index = st.body.params[0]
        if rows:
            if self.in_row_loop:
                raise _Broken(st.loc, "a loop over the rows inside another one (pairs of rows)")
            if not (_const(st.start, 0) and _const(st.step, 1)):
                raise _Broken(st.loc, "a loop over the rows must run over all of them: "
                                      "range(X.shape[0])")
            self.kinds[index.id] = IDX
        else:
            ks = [self.kind(a) for a in (st.start, st.stop, st.step)]
            if any(k not in (C, I) for k in ks):
                raise _Broken(st.loc, "a loop's bounds are computed from the rows")
            self.kinds[index.id] = I if I in ks else C
        outer, self.in_row_loop = self.in_row_loop, self.in_row_loop or rows
        try:
            body = self.carry(st.loc, st.init, st.body.params[1:], st.body, rows)
        finally:
            self.in_row_loop = outer
        for o, p, a in zip(st.outs, st.body.params[1:], st.init):
            k = self.kinds[p.id]
            self.kinds[o.id] = join(self.kind(a), A) if k == ACC else k
        if rows:
            self.split.append(st.loc)
        stop = st.stop if rows else self.sub(st.stop)
        return replace(st, start=self.sub(st.start), stop=stop, step=self.sub(st.step),
                       init=tuple(self.sub(a) for a in st.init), body=body)

    def while_(self, st: While) -> While:
        params = st.body.params
        for _ in range(8):
            for p, cp, a in zip(params, st.cond.params, st.init):
                self.kinds.setdefault(p.id, self.kind(a))
                self.kinds[cp.id] = self.kinds[p.id]
            cond = self.block(st.cond)
            if self.kind(st.cond.yields[0]) not in (C, I):
                raise _Broken(st.loc, "a `while` condition is computed from all the rows")
            body = self.block(st.body)
            changed = False
            for p, y in zip(params, st.body.yields):
                k = join(self.kinds[p.id], self.kind(y))
                if k is None or k == ACC:
                    raise _Broken(st.loc, "a `while` loop carries values of different kinds")
                changed |= k != self.kinds[p.id]
                self.kinds[p.id] = k
            if not changed:
                break
        for o, p in zip(st.outs, params):
            self.kinds[o.id] = self.kinds[p.id]
        return replace(st, init=tuple(self.sub(a) for a in st.init), cond=cond, body=body)

    def carry(self, loc, init, params, body: Block, rows: bool) -> Block:
        """The loop body, once the kinds of its carried values are stable. In a loop over the
        rows a value carried from outside that takes per-row terms is a running sum (ACC)."""
        for p, a in zip(params, init):
            self.kinds[p.id] = self.kind(a)
        for _ in range(8):
            new = self.block(body)
            changed = False
            for p, y in zip(params, body.yields):
                pk, yk = self.kinds[p.id], self.kind(y)
                if rows and pk[0] in _AFFINE and yk in (I, ACC):
                    k = ACC
                elif rows and pk == ACC:
                    if yk not in (ACC, C) and y != p:
                        raise _Broken(loc, "a running sum over the rows is replaced inside "
                                           "the loop, not added to")
                    k = ACC
                else:
                    k = join(pk, yk)
                    if k is None or (rows and k == I):
                        raise _Broken(loc, "a value of one row is carried to the next trip "
                                           "(a recurrence over rows)" if rows else
                                      "a loop carries values of different kinds")
                changed |= k != pk
                self.kinds[p.id] = k
            if not changed:
                return new
        raise _Broken(loc, "the kinds of the loop's values do not settle")

    # ------------------------------------------------------------------ ops

    def op(self, op: Op, out: list) -> None:
        args = tuple(self.sub(a) for a in op.args)
        if op.prim == "size" and self.kind(op.args[0])[0] == "R":
            self.rows_size(op, out)
            return
        k = self.op_kind(op)
        if op.prim == "dim" and self.kind(op.args[0]) == R(op.param("axis")):
            self.local.add(op.outs[0].id)
        for o in op.outs:
            self.kinds[o.id] = k
        out.append(replace(op, args=args))

    def rows_size(self, op: Op, out: list) -> None:
        """``x.size`` of rows of the data: the total row count times the other axes' lengths
        (the divisor of ``np.mean``)."""
        x, (_, axis) = op.args[0], self.kind(op.args[0])
        acc = self.total
        for j in range(x.type.ndim):
            if j == axis:
                continue
            d = self.fresh(T.I64)
            out.append(Op("dim", (x,), (d,), (("axis", j),), op.loc))
            self.kinds[d.id] = C
            prod = self.fresh(T.I64)
            out.append(Op("mul", (acc, d), (prod,), (), op.loc))
            self.kinds[prod.id] = C
            acc = prod
        out.append(Op("copy", (acc,), op.outs, (), op.loc))
        self.kinds[op.outs[0].id] = C

    def op_kind(self, op: Op) -> tuple:
        ks = [self.kind(a) for a in op.args]
        names = {k[0] for k in ks}
        if names <= {"C"}:
            return C
        prim, p = op.prim, PRIMS[op.prim]
        if prim in ("dim", "size"):
            return C
        if "IDX" in names:
            return self.row_pick(op, ks)
        if "ACC" in names:
            return self.running_sum(op, ks)
        if names & {"A", "F"}:
            return self.linear(op, ks)
        if "R" in names and "I" in names:
            raise _Broken(op.loc, "one row is combined with whole columns of the data")
        if "I" in names:
            return I
        if p.elementwise:
            return self.broadcast(op, ks)
        rule = getattr(self, "r_" + prim, None)
        if rule is None:
            raise _Broken(op.loc, f"'{prim}' of values from the rows (flatgrad can split sums "
                                  "over rows of elementwise terms, matrix products and sums)")
        return rule(op, ks)

    def row_pick(self, op: Op, ks) -> tuple:
        """``X[i]`` with ``i`` the index of the loop over the rows: the current row."""
        spec = op.param("spec") or ()
        if (op.prim == "getitem" and ks[0] == R(0) and spec and spec[0] == ("i",)
                and ks[1] == IDX and all(k == C for k in ks[2:])):
            return I
        raise _Broken(op.loc, "the index of the loop over the rows is used other than to pick "
                              "the current row of the data (X[i])")

    def running_sum(self, op: Op, ks) -> tuple:
        if op.prim == "add" and all(k in (ACC, I, C) for k in ks):
            return ACC
        if op.prim == "sub" and ks[0] == ACC and ks[1] in (I, C):
            return ACC
        if op.prim in ("copy", "astype", "float") and ks[0] == ACC:
            return ACC
        raise _Broken(op.loc, f"a running sum over the rows is used by '{op.prim}' inside the "
                              "loop (only `total += term` keeps it a sum)")

    def linear(self, op: Op, ks) -> tuple:
        """Sums over rows (A), and affine values (F), through linear operations."""
        if any(k[0] not in _AFFINE for k in ks):
            raise _Broken(op.loc, "a statistic of the whole data (a sum or mean over the rows) "
                                  "is combined with rows of the data, as in a normalisation")
        prim, linear_in = op.prim, PRIMS[op.prim].linear_in    # sums of sums stay sums
        affine = [k for k in ks if k[0] in ("A", "F")]
        kind = F if F in affine or (prim in ("add", "sub") and C in ks) else A
        if linear_in == "each" or (prim == "select" and ks[0] == C):
            return kind
        if prim == "mul" and len(affine) == 1:
            return kind
        if prim == "div" and ks[0] != C and ks[1] == C:
            return kind
        if linear_in == "first" and ks[0] != C and all(k == C for k in ks[1:]):
            return kind
        if prim in ("matmul", "outer") and len(affine) == 1:
            return kind
        raise _Broken(op.loc, f"a sum over the rows goes through '{prim}', which is not linear "
                              "(a function of the total is not a total of functions)")

    def broadcast(self, op: Op, ks) -> tuple:
        """An elementwise op: row axes line up from the right; other arrays must not reach the
        row axis (they broadcast along the other axes)."""
        dist = {a.type.ndim - k[1] for a, k in zip(op.args, ks) if k[0] == "R"}
        if len(dist) != 1:
            raise _Broken(op.loc, "rows of the data meet along different axes")
        d = dist.pop()
        for a, k in zip(op.args, ks):
            if k == C and T.ndim(a.type) >= d:
                raise _Broken(op.loc, f"an array that is not a Dask argument ({T.ndim(a.type)}-d) "
                                      "meets the rows along the row axis; pass per-row values "
                                      "as Dask arrays chunked like the data")
        return R(T.ndim(op.outs[0].type) - d)

    # ---- array primitives on rows of the data (R), with arrays not from the data (C)

    def r_sum(self, op: Op, ks) -> tuple:
        return self.reduce(op, ks[0][1], split=True)

    def r_amax(self, op: Op, ks) -> tuple:
        return self.reduce(op, ks[0][1], split=False)

    r_amin = r_prod = r_amax

    def reduce(self, op: Op, a: int, split: bool) -> tuple:
        if any(k != C for k in map(self.kind, op.args[1:])):
            raise _Broken(op.loc, f"'{op.prim}' with arguments from the rows")
        n = op.args[0].type.ndim
        axis = op.param("axis")
        axes = tuple(range(n)) if axis is None else \
            tuple(x % n for x in (axis if isinstance(axis, tuple) else (axis,)))
        if a not in axes:
            return R(a if op.param("keepdims") else a - sum(x < a for x in axes))
        if not split:
            raise _Broken(op.loc, f"'{op.prim}' over the rows is not a sum: it cannot be "
                                  "split into chunks")
        self.split.append(op.loc)
        return A

    def r_transpose(self, op: Op, ks) -> tuple:
        axes = op.param("axes")
        n = op.args[0].type.ndim
        a = ks[0][1]
        return R(n - 1 - a if axes is None else tuple(axes).index(a))

    def r_expand_dims(self, op: Op, ks) -> tuple:
        a, axis = ks[0][1], op.param("axis") % (op.args[0].type.ndim + 1)
        return R(a + 1 if axis <= a else a)

    def r_getitem(self, op: Op, ks) -> tuple:
        """Columns of rows (``X[:, j]``, ``X[:, 1:]``): the row axis must be taken whole."""
        if ks[0][0] != "R" or any(k != C for k in ks[1:]):
            raise _Broken(op.loc, "an index computed from the rows")
        a, spec = ks[0][1], op.param("spec")
        if any(e[0] == "a" for e in spec):
            raise _Broken(op.loc, "an array index into rows of the data")
        out_axis, pos = 0, 0
        for e in spec:
            if pos == a:
                if e != ("s", False, False, False):
                    raise _Broken(op.loc, "a part of the rows is picked (only whole rows can "
                                          "be split into chunks)")
                return R(out_axis)
            pos += 1
            out_axis += e[0] == "s"
        return R(out_axis + (a - pos))

    def r_matmul(self, op: Op, ks) -> tuple:
        """``X @ w`` keeps the rows; ``X.T @ r`` and ``r @ X`` sum over them."""
        (ka, kb), (na, nb) = ks, (T.ndim(op.args[0].type), T.ndim(op.args[1].type))
        if ka == R(0) and na == 2 and kb == C:
            return R(0)
        if ka == C and kb == R(1) and nb == 2:
            return R(na - 1)
        contracts_a = ka[0] == "R" and ka[1] == na - 1
        contracts_b = kb[0] == "R" and kb[1] == 0 and (nb == 1 or nb == 2)
        if contracts_a and contracts_b and na <= 2:
            self.split.append(op.loc)
            return A
        raise _Broken(op.loc, "a matrix product pairs the rows with an array that is not a Dask "
                              "argument" if C in ks else "a matrix product of rows of the data")

    def r_outer(self, op: Op, ks) -> tuple:
        if ks[1] == C and ks[0] == R(0):
            return R(0)
        if ks[0] == C and ks[1] == R(0):
            return R(1)
        raise _Broken(op.loc, "an outer product of rows with rows")


def _const(a, value) -> bool:
    return isinstance(a, Const) and a.value == value
