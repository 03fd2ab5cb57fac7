"""Reverse mode: a Function returning a scalar -> a Function returning its gradient.

The forward statements are kept as they are; the backward statements follow, one
adjoint per line, named after the value they belong to (``grad_x``). Adjoints
accumulate with ``+`` on fan-out (micrograd's ``+=``), and an adjoint that would be
zero is never created (a missing entry stands for zero, as JAX's symbolic Zero).

Regions are reversed structurally:

* ``If``: the backward pass is an ``If`` on the same (saved) condition; each arm
  recomputes what it needs of its forward arm, then runs that arm's adjoints.
* ``For``: the forward loop records, in preallocated tapes, the carried values the
  backward body needs; the backward loop runs ``k = n-1 .. 0``, reads them back,
  recomputes the iteration and propagates adjoints. ``While`` does the same with a
  growing tape and a recorded trip count. Only tapes the backward body reads (after
  dead-code elimination) are kept, so a loop linear in its carried value needs none.
"""
from __future__ import annotations

import itertools
from dataclasses import replace

from . import types as T
from .builder import Builder
from .errors import CompileError
from .ir import Block, Const, For, Function, If, Op, Var, While, max_id
from .primitives import PRIMS
from .rewrite import clone, free_vars


def reverse_ad(fn: Function, wrt: tuple[int, ...], with_value: bool = False) -> Function:
    """The gradient of ``fn`` (scalar-valued) with respect to parameters ``wrt``."""
    if len(fn.results) != 1:
        raise CompileError(f"grad needs '{fn.name}' to return one scalar, not a tuple",
                           fn.loc, "Use jacobian for functions returning several values.")
    out = fn.results[0]
    if not (isinstance(out.type, T.Scalar) and T.is_float(out.type)) and not (
            isinstance(out.type, T.Scalar) and out.type.dtype in ("int64", "bool")):
        raise CompileError(f"grad needs '{fn.name}' to return a scalar, but it returns {out.type}",
                           fn.loc, "Reduce the result to a scalar (e.g. np.sum) or use jacobian/vjp.")
    b = Builder(itertools.count(max_id(fn) + 1), fn.loc)
    b.stmts = list(fn.body.stmts)
    active = activity(fn.body, {fn.params[i].id for i in wrt if T.is_float(fn.params[i].type)})
    rev = _Reverse(active)
    adj: dict[int, object] = {}
    if isinstance(out, Var) and out.id in active:
        adj[out.id] = b.op("copy", Const(1.0, out.type), of=("grad", out.id))
        rev.backprop(b, list(fn.body.stmts), adj)
    grads = []
    for i in wrt:
        p = fn.params[i]
        g = adj.get(p.id)
        if g is None:
            g = zero(b, p)
        if not (isinstance(g, Var) and g.of == ("grad", p.id)):
            g = b.op("copy", g, of=("grad", p.id))
        grads.append(g)
    results = ((out,) if with_value else ()) + tuple(grads)
    return Function(fn.name + "_grad", fn.params, Block((), tuple(b.stmts), results), fn.loc)


def zero(b: Builder, like) -> object:
    """A zero adjoint of the same type (and shape) as ``like``."""
    if T.is_array(like.type):
        return b.op("zeros_like", like)
    return Const(0.0, T.with_dtype(like.type, like.type.dtype if T.is_float(like.type) else "float64"))


def activity(block: Block, seeds: set[int]) -> set[int]:
    """Ids of float values that depend on ``seeds`` (only those can carry an adjoint)."""
    active = set(seeds)

    def on(a) -> bool:
        return isinstance(a, Var) and a.id in active

    def mark(v: Var) -> bool:
        if T.is_float(v.type) and v.id not in active:
            active.add(v.id)
            return True
        return False

    def visit(blk: Block) -> None:
        for s in blk.stmts:
            if isinstance(s, Op):
                if any(on(a) for a in s.args):
                    for v in s.outs:
                        mark(v)
            elif isinstance(s, If):
                visit(s.then)
                visit(s.orelse)
                for v, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields):
                    if on(y1) or on(y2):
                        mark(v)
            else:
                carried = s.body.params[1:] if isinstance(s, For) else s.body.params
                for p, a in zip(carried, s.init):
                    if on(a):
                        mark(p)
                while True:
                    visit(s.body)
                    if isinstance(s, While):
                        for p, cp in zip(s.body.params, s.cond.params):
                            if on(p):
                                mark(cp)
                        visit(s.cond)
                    changed = False
                    for p, y in zip(carried, s.body.yields):
                        if on(y) and mark(p):
                            changed = True
                    if not changed:
                        break
                for v, p in zip(s.outs, carried):
                    if on(p):
                        mark(v)

    visit(block)
    return active


class _Reverse:
    def __init__(self, active: set[int]):
        self.active = active
        self.origin: dict[int, int] = {}   # clone id -> id of the forward value it recomputes

    def tag(self, v: Var) -> tuple[str, int]:
        """The adjoint of a recomputed value is named after the forward value (grad_s2)."""
        return ("grad", self.origin.get(v.id, v.id))

    def is_active(self, a) -> bool:
        return isinstance(a, Var) and a.id in self.active

    def cloner(self, b: Builder):
        def fresh(v: Var) -> Var:
            new = b.fresh(v.type, v.hint, v.of)
            self.origin[new.id] = self.origin.get(v.id, v.id)
            if v.id in self.active:
                self.active.add(new.id)
            return new
        return fresh

    # ------------------------------------------------------------------ accumulation

    def accumulate(self, b: Builder, adj: dict, v: Var, c, mark: int) -> None:
        """Add contribution ``c`` to the adjoint of ``v``; the first one is named grad_v."""
        prev = adj.get(v.id)
        tag = self.tag(v)
        if prev is None and isinstance(c, Var) and c.of == tag:
            adj[v.id] = c
        elif prev is None:
            last = b.stmts[-1] if len(b.stmts) > mark else None
            if (isinstance(c, Var) and isinstance(last, Op) and last.outs == (c,)
                    and c.hint is None and c.of is None):
                new = replace(c, of=tag)
                b.stmts[-1] = replace(last, outs=(new,))
                adj[v.id] = new
            else:
                adj[v.id] = b.op("copy", c, of=tag)
        else:
            adj[v.id] = b.op("add", prev, c, of=tag)

    # ------------------------------------------------------------------ statements

    def backprop(self, b: Builder, stmts: list, adj: dict) -> None:
        """Emit into ``b`` the adjoints of ``stmts`` (forward order given), updating ``adj``."""
        for s in reversed(stmts):
            if isinstance(s, Op):
                self.op(b, s, adj)
            elif isinstance(s, If):
                self.if_(b, s, adj)
            else:
                self.loop(b, s, adj)

    def op(self, b: Builder, op: Op, adj: dict) -> None:
        if not op.outs:
            return
        g = adj.get(op.outs[0].id)
        if g is None:
            return
        prim = PRIMS[op.prim]
        for i, a in enumerate(op.args):
            if not self.is_active(a):
                continue
            if prim.vjp is None:
                raise CompileError(f"no gradient rule for '{op.prim}' (argument {i + 1})", op.loc,
                                   "Wrap the computation in a function with flatgrad.custom_vjp, "
                                   "or keep this value out of the differentiated path.")
            rule = prim.vjp[i]
            if rule is None:
                continue
            b.loc = op.loc
            mark = len(b.stmts)
            c = rule(b, g, op.outs[0], *op.args, **dict(op.params))
            if prim.elementwise:
                c = fit(b, c, a)
            self.accumulate(b, adj, a, c, mark)

    def if_(self, b: Builder, s: If, adj: dict) -> None:
        seeds = [adj.get(v.id) for v in s.outs]
        if all(g is None for g in seeds):
            return
        touched = [v for v in {**free_vars(s.then), **free_vars(s.orelse)}.values()
                   if v.id in self.active]
        arms = []
        for arm in (s.then, s.orelse):
            ab = b.child()
            m: dict = {}
            ab.stmts = clone(arm.stmts, m, self.cloner(ab))
            recomputed = list(ab.stmts)
            local = dict(adj)
            for y, g in zip(arm.yields, seeds):
                y = m.get(y.id, y) if isinstance(y, Var) else y
                if g is not None and self.is_active(y):
                    self.accumulate(ab, local, y, g, len(ab.stmts))
            self.backprop(ab, recomputed, local)
            arms.append((ab, local))
        outs, yt, ye = [], [], []
        for w in touched:
            before = adj.get(w.id)
            after = [loc.get(w.id) for _, loc in arms]
            if all(a is before for a in after):
                continue
            vals = []
            for (ab, _), a in zip(arms, after):
                vals.append(a if a is not None else zero(ab, w))
            out = b.fresh(vals[0].type if isinstance(vals[0], Var) else w.type, of=self.tag(w))
            outs.append(out)
            yt.append(vals[0])
            ye.append(vals[1])
            adj[w.id] = out
        if outs:
            (tb, _), (eb, _) = arms
            b.emit(If(s.cond, Block((), tuple(tb.stmts), tuple(yt)),
                      Block((), tuple(eb.stmts), tuple(ye)), tuple(outs), s.loc))

    def loop(self, b: Builder, s, adj: dict) -> None:
        """Reverse a For or While: tape the carried values, replay iterations backwards."""
        is_for = isinstance(s, For)
        carried = s.body.params[1:] if is_for else s.body.params
        seeds = [adj.get(v.id) for v in s.outs]
        if all(g is None for g in seeds):
            return
        b.loc = s.loc
        pos = next(i for i, x in enumerate(b.stmts) if x is s)
        touched = [v for v in free_vars(s.body).values() if v.id in self.active]
        act = [j for j, p in enumerate(carried) if p.id in self.active]

        # the trip count, known before a for loop starts, counted by a while loop
        pre = b.child()
        if is_for:
            n = pre.op("trip_count", s.start, s.stop, s.step)
        # -- backward body: k runs n-1 .. 0
        bb = b.child()
        k = bb.fresh(T.I64, hint="k")
        m: dict = {}
        if is_for:
            m[s.body.params[0].id] = bb.op("add", s.start, bb.op("mul", k, s.step))
        tapes = {}
        for p in carried:
            hint = f"tape_{p.hint}" if p.hint else None
            tape = bb.fresh(T.Array(p.type.dtype, T.ndim(p.type) + 1), hint, ("tape", p.id))
            tapes[p.id] = tape
            m[p.id] = bb.op("tape_get", tape, k, hint=p.hint)
            self.origin[m[p.id].id] = p.id
            if p.id in self.active:
                self.active.add(m[p.id].id)
        body = clone(s.body.stmts, m, self.cloner(bb))
        bb.stmts.extend(body)
        local = dict(adj)
        gparams = [bb.fresh(carried[j].type, of=self.tag(carried[j])) for j in act]
        accs = [bb.fresh(w.type, of=self.tag(w)) for w in touched]
        for w, a in zip(touched, accs):
            local[w.id] = a
        for j, gp in zip(act, gparams):
            y = s.body.yields[j]
            y = m.get(y.id, y) if isinstance(y, Var) else y
            if self.is_active(y):
                self.accumulate(bb, local, y, gp, len(bb.stmts))
        self.backprop(bb, body, local)
        ylds = []
        for j in act:
            g = local.get(m[carried[j].id].id)
            ylds.append(g if g is not None else zero(bb, carried[j]))
        ylds += [local[w.id] for w in touched]
        from .optimize import dce_block  # local import: optimize depends on nothing here
        bblock = dce_block(Block((k, *gparams, *accs), tuple(bb.stmts), tuple(ylds)))
        needed = [p for p in carried if _reads(bblock, tapes[p.id])]

        # -- forward loop, rewritten to record the needed carried values
        tparams, tputs, tinit = [], [], []
        fb = b.child()
        if is_for:
            i = s.body.params[0]
            idx = fb.op("floordiv", fb.op("sub", i, s.start), s.step)
        else:
            count_p = fb.fresh(T.I64, hint="count")
            idx = count_p
        for p in needed:
            j = carried.index(p)
            size = n if is_for else Const(16, T.I64)
            t0 = pre.op("tape_alloc", size, s.init[j], hint=tapes[p.id].hint, of=("tape", p.id))
            tp = fb.fresh(t0.type, tapes[p.id].hint, ("tape", p.id))
            tinit.append(t0)
            tparams.append(tp)
            tputs.append(fb.op("tape_put" if is_for else "tape_push", tp, idx, p,
                               hint=tapes[p.id].hint, of=("tape", p.id)))
        if is_for:
            new_body = Block(s.body.params + tuple(tparams), tuple(fb.stmts) + s.body.stmts,
                             s.body.yields + tuple(tputs))
            fwd = replace(s, init=s.init + tuple(tinit), body=new_body,
                          outs=s.outs + tuple(tapes[p.id] for p in needed))
        else:
            count_next = fb.op("add", count_p, Const(1, T.I64))
            new_body = Block(s.body.params + (count_p, *tparams), tuple(fb.stmts) + s.body.stmts,
                             s.body.yields + (count_next, *tputs))
            cparams = s.cond.params + tuple(fb.fresh(v.type) for v in (count_p, *tparams))
            n = fb.fresh(T.I64, hint="n")
            fwd = replace(s, init=s.init + (Const(0, T.I64), *tinit), body=new_body,
                          cond=replace(s.cond, params=cparams),
                          outs=s.outs + (n, *(tapes[p.id] for p in needed)))
        b.stmts[pos:pos + 1] = pre.stmts + [fwd]

        # -- backward loop
        init = [adj.get(s.outs[j].id) for j in act]
        init = [g if g is not None else zero(b, carried[j]) for g, j in zip(init, act)]
        init += [adj.get(w.id) if adj.get(w.id) is not None else zero(b, w) for w in touched]
        last = b.op("sub", n, Const(1, T.I64))
        outs = tuple(b.fresh(carried[j].type, of=self.tag(s.init[j]) if isinstance(s.init[j], Var)
                             else self.tag(carried[j])) for j in act)
        outs += tuple(b.fresh(w.type, of=self.tag(w)) for w in touched)
        b.emit(For(last, Const(-1, T.I64), Const(-1, T.I64), tuple(init), bblock, outs, s.loc))
        for w, o in zip(touched, outs[len(act):]):
            adj[w.id] = o
        # after the free values: an init that is also read by the body adds to its adjoint
        for j, o in zip(act, outs):
            a = s.init[j]
            if self.is_active(a):
                self.accumulate(b, adj, a, o, len(b.stmts))


def _reads(block: Block, v: Var) -> bool:
    return v.id in free_vars(block)


def fit(b: Builder, c, v: Var):
    """Undo broadcasting: sum contribution ``c`` of an elementwise op down to ``v``'s shape."""
    if isinstance(c, Const) and T.is_float(v.type) and c.type != v.type and not T.is_array(v.type):
        return Const(float(c.value), v.type)
    if T.is_array(c.type) and not T.is_array(v.type):
        return b.op("sum", c)
    if T.is_array(v.type) and not T.is_array(c.type):
        return b.op("mul", c, b.op("ones_like", v))
    if T.is_array(v.type) and (c.type.ndim != v.type.ndim or not _same_shape(c, v)):
        return b.op("sum_to", c, v)
    return c


def _same_shape(c, v) -> bool:
    """Shapes are dynamic; equal ndim is trusted only where the forward op had one array."""
    return getattr(c, "_same_shape", False)
