"""Forward mode: a Function -> a Function also returning the tangents of its results.

For each parameter in ``wrt`` the new function takes a tangent parameter ``tan_x``
after the original ones, and it returns ``(*results, *tangents_of_results)``. Every
statement is followed by the line(s) of its tangent, named ``tan_<value>``. A
tangent that is zero is never created: a missing entry stands for zero (JAX's
symbolic Zero), so values that do not depend on ``wrt`` cost nothing.

Regions carry tangents alongside their values:

* ``If``: the tangents of branch results become extra results of the same ``If``;
* ``For``/``While``: tangents of carried values are carried too (which ones is
  decided once by an activity analysis, so the loop's signature is fixed).

The transform works on any IR, including the output of :func:`~.reverse.reverse_ad`
(tapes, trip counts, zeros), which is how a Hessian is built: forward over reverse.
"""
from __future__ import annotations

from dataclasses import replace

from . import types as T
from .builder import Builder, in_dtype
from .errors import CompileError
from .inline import builder_for
from .invariance import shift_free
from .ir import Atom, Block, Const, For, Function, If, Op, Var, blocks_of, operands
from .primitives import PRIMS
from .reverse import activity
from .rewrite import free_vars
from .shapes import infer as infer_shapes


def forward_ad(fn: Function, wrt: tuple[int, ...], with_value: bool = True) -> Function:
    """``fn`` with tangent parameters for ``wrt`` and the tangents of its results.

    Results are ``(*results, *tangents)``, or just the tangents without ``with_value``.
    Tangent parameters of non-float parameters are still taken (and ignored), so the
    signature depends only on ``wrt``."""
    b = builder_for(fn)
    seeds, tan = [], {}
    for i in wrt:
        p = fn.params[i]
        hint = f"tan_{p.hint}" if p.hint else None
        t = b.fresh(p.type if T.is_float(p.type) else T.F64, hint, ("tan", p.id))
        seeds.append(t)
        if T.is_float(p.type):
            tan[p.id] = t
    shapes = infer_shapes(fn)
    # a softmax's max: no result depends on it, so its tangent is not computed only to cancel;
    # nor is that of a value whose tangent no result reads (whose rule may refuse: Q of a
    # complete QR factorisation unpacked beside the R that is used, or read for its shape)
    inert = shift_free(fn, shapes) | _unread(fn)
    tan = {k: t for k, t in tan.items() if k not in inert}
    fwd = _Forward(activity(fn.body, set(tan), inert), shapes, inert)
    fwd.block(b, fn.body.stmts, tan)
    tangents = [materialize(b, tan.get(r.id) if isinstance(r, Var) else None, r)
                for r in fn.results]
    if not with_value:
        # without the results, a tangent cannot be named after its result (tan_grad_W1
        # would name a value that is not computed): name it after the parameter instead
        tangents = [b.op("copy", t, of=(f"tan_{r.of[0]}", r.of[1]))
                    if isinstance(t, Var) and isinstance(r, Var) and r.of is not None
                    and any(p.id == r.of[1] for p in fn.params) else t
                    for t, r in zip(tangents, fn.results)]
    results = (tuple(fn.results) if with_value else ()) + tuple(tangents)
    return Function(fn.name + "_jvp", fn.params + tuple(seeds),
                    Block((), tuple(b.stmts), results), fn.loc)


def _unread(fn: Function) -> set[int]:
    """Ids of the results of top-level ops whose tangents no result's tangent reads: read by
    no one, or only through ops with no derivative in them (shapes, comparisons) or with an
    integer result. Impure ops and regions count as reading all they use."""
    live = {a.id for a in fn.results if isinstance(a, Var)}
    unread: set[int] = set()
    for s in reversed(fn.body.stmts):
        if not isinstance(s, Op):
            live.update(a.id for a in operands(s) if isinstance(a, Var))
            for inner in blocks_of(s):
                live.update(free_vars(inner))
            continue
        prim = PRIMS[s.prim]
        if prim.pure and not any(v.id in live for v in s.outs):
            unread.update(v.id for v in s.outs)
            continue
        tangent = not prim.pure or any(T.is_float(v.type) for v in s.outs)
        live.update(a.id for i, a in enumerate(s.args) if isinstance(a, Var) and tangent and (
            not prim.pure or prim.jvp is None or prim.jvp_joint is not None
            or prim.jvp_rule(i) is not None))
    return unread


def materialize(b: Builder, t, like: Atom) -> Atom:
    """``t``, or an explicit zero shaped like ``like`` where ``t`` is a symbolic zero."""
    if t is not None:
        return t
    if T.is_array(like.type):
        z = b.op("zeros_like", like)
        return z if T.is_float(like.type) else b.op("astype", z, dtype="float64")
    return Const(0.0, like.type if T.is_float(like.type) else T.F64)


def fit(b: Builder, c: Atom, out: Var, same_shape: bool = False) -> Atom:
    """Broadcast a tangent contribution up to the shape of the value it belongs to.
    ``same_shape``: the contribution provably has ``out``'s shape already."""
    if T.is_array(out.type) and not T.is_array(c.type):
        return b.op("mul", c, b.op("ones_like", out))
    if T.is_array(out.type) and not same_shape:
        return b.op("unreduce", c, out)      # np.broadcast_to: a lower-rank or size-1 tangent
    if isinstance(c, Const) and c.type != out.type and T.is_float(out.type):
        return Const(float(c.value), out.type)
    return c


class _Forward:
    def __init__(self, active: set[int], shapes: dict | None = None, inert=frozenset()):
        self.active = active
        self.shapes = shapes or {}
        self.inert = inert          # values no result depends on: no tangent

    def same_shape(self, a, out: Var) -> bool:
        """True if array ``a`` provably has the shape of ``out``."""
        if not (isinstance(a, Var) and T.is_array(a.type)) or a.type.ndim != T.ndim(out.type):
            return False
        sa, so = self.shapes.get(a.id), self.shapes.get(out.id)
        return sa is not None and sa == so

    def block(self, b: Builder, stmts, tan: dict) -> None:
        """Emit ``stmts`` with their tangents into ``b``, extending ``tan`` (id -> tangent)."""
        for s in stmts:
            if isinstance(s, Op):
                b.emit(s)
                self.op(b, s, tan)
            elif isinstance(s, If):
                self.if_(b, s, tan)
            else:
                self.loop(b, s, tan)

    # ------------------------------------------------------------------ ops

    def op(self, b: Builder, op: Op, tan: dict) -> None:
        tans = [tan.get(a.id) if isinstance(a, Var) else None for a in op.args]
        if not op.outs or all(t is None for t in tans) or op.outs[0].id in self.inert:
            return
        out = op.outs[0]
        prim = PRIMS[op.prim]
        b.loc = op.loc
        mark = len(b.stmts)
        params = dict(op.params)
        joint = prim.jvp_joint
        if joint is not None:
            total = joint(b, tans, out, *op.args, **params)
        else:
            if prim.jvp is None:
                i = next(i for i, t in enumerate(tans) if t is not None)
                raise CompileError(f"no forward-mode (JVP) rule for '{op.prim}' (argument {i + 1})",
                                   op.loc, "Keep this value out of the differentiated path, or "
                                   "register the primitive with its derivative (flatgrad.primitive).")
            # Where every array argument has a contribution, their sum broadcasts to the
            # result's shape by itself (each contribution spans its argument's shape and no
            # more than the result's): no contribution needs broadcasting on its own. The
            # contributions of a product, quotient or power each span the result already
            # (the tangent times the other argument, or the result itself).
            covered = prim.elementwise and T.is_array(out.type) and (prim.spans or all(
                tans[i] is not None and prim.jvp_rule(i) is not None
                for i, a in enumerate(op.args) if T.is_array(a.type)))
            total = None
            for i, t in enumerate(tans):
                rule = prim.jvp_rule(i)
                if t is None or rule is None:
                    continue
                c = rule(b, t, out, *op.args, **params)
                if prim.elementwise and not (covered and T.is_array(c.type)):
                    c = fit(b, c, out, self.same_shape(c, out) or self.same_shape(op.args[i], out))
                total = c if total is None else b.op("add", total, c)
            if covered and total is not None and not T.is_array(total.type):
                total = fit(b, total, out)
        if total is None or not T.is_float(out.type):
            return
        tan[out.id] = self.name(b, in_dtype(b, total, out), out, mark)

    def name(self, b: Builder, t: Atom, v: Var, mark: int) -> Atom:
        """Name the tangent of ``v`` ``tan_v``: retag the op that made it, or copy it."""
        tag = ("tan", v.id)
        last = b.last(mark)
        new = b.rename_last(t, mark, of=tag) if (
            isinstance(t, Var) and isinstance(last, Op) and last.outs == (t,)) else None
        if new is not None:
            return new
        if isinstance(t, Var) and t.of == tag:
            return t
        return b.op("copy", t, of=tag)

    # ------------------------------------------------------------------ regions

    def if_(self, b: Builder, s: If, tan: dict) -> None:
        arms = []
        for arm in (s.then, s.orelse):
            ab = b.child()
            local = dict(tan)
            self.block(ab, arm.stmts, local)
            arms.append((ab, local))
        extra_outs, yt, ye = [], [], []
        for v, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields):
            ts = [loc.get(y.id) if isinstance(y, Var) else None
                  for y, (_, loc) in zip((y1, y2), arms)]
            if all(t is None for t in ts) or not T.is_float(v.type):
                continue
            (tb, _), (eb, _) = arms
            # a zero tangent is shaped after the arm's own value (the If's result is not
            # defined inside the arm)
            yt.append(materialize(tb, ts[0], y1 if isinstance(y1, Var) else v))
            ye.append(materialize(eb, ts[1], y2 if isinstance(y2, Var) else v))
            t = b.fresh(v.type, f"tan_{v.hint}" if v.hint else None, ("tan", v.id))
            extra_outs.append(t)
            tan[v.id] = t
        (tb, _), (eb, _) = arms
        b.emit(replace(s, then=Block((), tuple(tb.stmts), s.then.yields + tuple(yt)),
                       orelse=Block((), tuple(eb.stmts), s.orelse.yields + tuple(ye)),
                       outs=s.outs + tuple(extra_outs)))

    def loop(self, b: Builder, s, tan: dict) -> None:
        is_for = isinstance(s, For)
        carried = s.carried
        act = [j for j, p in enumerate(carried) if p.id in self.active and T.is_float(p.type)]
        if not act:
            self.plain_loop(b, s, tan)
            return
        b.loc = s.loc
        # zeros for the initial tangents are shaped after the initial values (in scope here)
        tinit = [materialize(b, tan.get(s.init[j].id) if isinstance(s.init[j], Var) else None,
                             s.init[j] if isinstance(s.init[j], Var) else carried[j]) for j in act]

        def tparams(params):
            return tuple(b.fresh(params[j].type, _thint(params[j]), ("tan", params[j].id))
                         for j in act)

        bb = b.child()
        local = dict(tan)
        body_t = tparams(carried)
        local.update({carried[j].id: t for j, t in zip(act, body_t)})
        self.block(bb, s.body.stmts, local)
        # a zero tangent is shaped after the value the trip yields (a carried array may
        # change shape: the placeholder of a value returned from inside the loop)
        ylds = tuple(materialize(bb, local.get(s.body.yields[j].id)
                                 if isinstance(s.body.yields[j], Var) else None,
                                 s.body.yields[j] if isinstance(s.body.yields[j], Var)
                                 else carried[j])
                     for j in act)
        body = Block(s.body.params + body_t, tuple(bb.stmts), s.body.yields + ylds)
        touts = tparams(s.outs)
        new = replace(s, init=s.init + tuple(tinit), body=body, outs=s.outs + touts)
        if not is_for:
            cond_t = tparams(s.cond.params)
            new = replace(new, cond=replace(s.cond, params=s.cond.params + cond_t))
        b.emit(new)
        for j, t in zip(act, touts):
            tan[s.outs[j].id] = t

    def plain_loop(self, b: Builder, s, tan: dict) -> None:
        """A loop carrying no tangent: its body may still read outside tangents, but
        nothing it computes escapes except through carried values, so it stays as is."""
        b.emit(s)


def _thint(v: Var) -> str | None:
    return f"tan_{v.hint}" if v.hint else None
