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

Recomputed forward code (arms, iterations, checkpointed segments) runs without side
effects (``rewrite.quiet``): a ``print`` runs once, in the forward pass.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from types import SimpleNamespace

from . import types as T
from .builder import Builder, in_dtype, reversed_range
from .dims import unknown
from .errors import CompileError
from .ir import Block, Const, For, Function, If, Op, Var, While, blocks_of, max_id, operands, walk
from .invariance import shift_free
from .primitives import PRIMS
from .rewrite import clone, free_vars, quiet
from .shapes import infer as infer_shapes

def reverse_ad(fn: Function, wrt: tuple[int, ...], with_value: bool = False,
               checkpoint=None, aux: int = 0) -> Function:
    """The gradient of ``fn`` (scalar-valued) with respect to parameters ``wrt``; ``aux``: its
    last results are that many leaves of auxiliary data (``has_aux``), returned after the
    gradients as the forward pass computed them."""
    if len(fn.results) - aux != 1:
        raise CompileError(f"grad needs '{fn.name}' to return one scalar, not a tuple",
                           fn.loc, "Use jacobian for functions returning several values.")
    out = fn.results[0]
    if not (isinstance(out.type, T.Scalar) and T.is_float(out.type)) and not (
            isinstance(out.type, T.Scalar) and out.type.dtype in ("int64", "bool")):
        raise CompileError(f"grad needs '{fn.name}' to return a scalar, but it returns {out.type}",
                           fn.loc, "Reduce the result to a scalar (e.g. np.sum) or use jacobian/vjp.")
    def seed(b, rev, adj):
        if isinstance(out, Var) and out.id in rev.active:
            adj[out.id] = b.op("copy", Const(1.0, out.type), of=("grad", out.id))   # grad_L = 1.0

    b, grads = backward(fn, wrt, seed, checkpoint)
    extra = tuple(fn.results[1:])       # JAX's order: ((value, aux), grads) or (grads, aux)
    results = (out,) + extra + grads if with_value else grads + extra
    return Function(fn.name + "_grad", fn.params, Block((), tuple(b.stmts), results), fn.loc)


def backward(fn: Function, wrt, seed, checkpoint=None) -> tuple[Builder, tuple]:
    """``fn``'s statements followed by their adjoints. ``seed(b, rev, adj)`` gives the adjoints
    of the results; returns the builder and the gradients of parameters ``wrt``."""
    b = Builder(itertools.count(max_id(fn) + 1), fn.loc)
    b.stmts = list(fn.body.stmts)
    shapes = infer_shapes(fn)
    active = activity(fn.body, {fn.params[i].id for i in wrt if T.is_float(fn.params[i].type)},
                      shift_free(fn, shapes))    # a softmax's max: no result depends on it
    rev = _Reverse(active, shapes, checkpoint)
    rev.placeholders = placeholders(fn)
    adj: dict[int, object] = {}
    seed(b, rev, adj)
    if adj:
        rev.backprop(b, list(fn.body.stmts), adj)
    return b, gradients(b, adj, fn, wrt)


def gradients(b: Builder, adj: dict, fn: Function, wrt) -> tuple:
    """The adjoints of parameters ``wrt``, each named grad_<param> and shaped like it."""
    grads = []
    for i in wrt:
        p = fn.params[i]
        g = adj.get(p.id)
        if g is None:
            g = zero(b, p)
        elif T.is_array(p.type) and not T.is_array(g.type):
            g = b.op("unreduce", g, p, of=("grad", p.id))
        if T.is_float(p.type) and g.type.dtype != p.type.dtype:
            g = b.op("astype", g, dtype=p.type.dtype)     # each gradient in its argument's dtype
        if not (isinstance(g, Var) and g.of == ("grad", p.id)):
            g = b.op("copy", g, of=("grad", p.id))
        grads.append(g)
    return tuple(grads)


def placeholders(fn: Function) -> set[int]:
    """Ids of the arrays that may hold a placeholder (``undef``: the value of a ``return``
    not yet taken in a loop, a variable not yet bound) rather than a value of their own
    shape: the placeholders, the loop parameters they start, the branch results they reach."""
    ids = {s.outs[0].id for s in walk(fn.body) if isinstance(s, Op) and s.prim == "undef"}
    grew = True
    while grew:
        n = len(ids)
        for s in walk(fn.body):
            if isinstance(s, (For, While)):
                ids |= {p.id for p, a in zip(s.carried, s.init)
                        if isinstance(a, Var) and a.id in ids}
                ids |= {o.id for o, p in zip(s.outs, s.carried) if p.id in ids}
            elif isinstance(s, If):
                ids |= {o.id for o, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields)
                        if any(isinstance(y, Var) and y.id in ids for y in (y1, y2))}
        grew = len(ids) > n
    return ids


def zero(b: Builder, like) -> object:
    """A zero adjoint of the same type (and shape) as ``like``."""
    if T.is_array(like.type):
        return b.op("zeros_like", like)
    return Const(0.0, T.with_dtype(like.type, like.type.dtype if T.is_float(like.type) else "float64"))


def activity(block: Block, seeds: set[int], inert=frozenset()) -> set[int]:
    """Ids of float values that depend on ``seeds`` through arguments that carry a gradient
    (only those can carry an adjoint: ``np.floor(x)`` does not, so a function of it that
    has no rule for some argument, such as the order of ``gammaincc``, is not asked for one).
    ``inert``: values no result depends on (:mod:`.invariance`), never active."""
    active = set(seeds) - inert

    def on(a) -> bool:
        return isinstance(a, Var) and a.id in active

    def carries(s: Op, i: int) -> bool:
        prim = PRIMS[s.prim]
        return prim.vjp is None or prim.vjp_rule(i) is not None    # no rules: asked, and raises

    def mark(v: Var) -> bool:
        if T.is_float(v.type) and v.id not in active and v.id not in inert:
            active.add(v.id)
            return True
        return False

    def visit(blk: Block) -> None:
        for s in blk.stmts:
            if isinstance(s, Op):
                if any(on(a) and carries(s, i) for i, a in enumerate(s.args)):
                    for v in s.outs:
                        mark(v)
            elif isinstance(s, If):
                visit(s.then)
                visit(s.orelse)
                for v, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields):
                    if on(y1) or on(y2):
                        mark(v)
            else:
                carried = s.carried
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
    def __init__(self, active: set[int], shapes: dict | None = None, checkpoint=None):
        self.active = active
        self.checkpoint = checkpoint      # None, True (about sqrt(n)) or a segment length
        self.shapes = shapes or {}
        self.origin: dict[int, int] = {}   # clone id -> id of the forward value it recomputes
        self.owned: set[int] = set()       # adjoint arrays no other value aliases
        self.copies: dict[int, object] = {}  # adjoint -> the value it is a plain copy of
        self.placeholders: set[int] = set()  # forward values that may hold an ``undef``

    def shape(self, v):
        if not isinstance(v, Var) or not T.is_array(v.type):
            return ()
        return self.shapes.get(self.origin.get(v.id, v.id))

    @property
    def query(self) -> SimpleNamespace:
        """What the primitives' shape rules read (dims.py): the symbolic shapes known here,
        fresh unknowns for the rest."""
        def shape(a):
            s = self.shape(a)
            return s if s is not None else tuple(unknown() for _ in range(a.type.ndim))
        return SimpleNamespace(shape=shape, sym=lambda a: unknown())

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
        """Add contribution ``c`` to the adjoint of ``v``; the first one is named grad_v.
        An adjoint has its value's dtype, as in JAX: a float64 contribution to a float32 value
        (a mask ``0.5 * (x == 0)``, a float64 array the user made) is rounded to float32 here,
        so the reverse pass of a float32 program stays float32 and Numba never meets a
        float32 @ float64 product or a loop-carried adjoint that changes dtype."""
        c = in_dtype(b, c, v)
        prev = adj.get(v.id)
        tag = self.tag(v)
        if prev is None and isinstance(c, Var) and c.of == tag:
            adj[v.id] = c
        elif prev is None:
            last = b.last(mark)
            new = b.rename_last(c, mark, of=tag) if (
                isinstance(c, Var) and isinstance(last, Op) and last.outs == (c,)) else None
            if new is not None:
                adj[v.id] = new
                # a view's adjoint is never updated in place; nor is the result of an op whose
                # own rule reads it (a / s, exp): differentiating this code again reads it at
                # the end of its forward sweep, after a scatter would have written into it
                if not PRIMS[last.prim].view and not PRIMS[last.prim].reads_output:
                    self.owned.add(new.id)
            else:
                adj[v.id] = b.op("copy", c, of=tag)
                self.copies[adj[v.id].id] = c
        else:
            adj[v.id] = b.op("add", prev, c, of=tag)
            self.owned.add(adj[v.id].id)

    def scatter(self, b: Builder, adj: dict, x: Var, g, op: Op, spec=None) -> None:
        """The adjoint of ``x[idx]``: add ``g`` into grad_x at ``idx``, in place when safe.
        ``spec``: the index spec, where the op has none of its own (a tape read)."""
        prev = adj.get(x.id)
        if prev is None:
            acc = b.op("zeros_like", x, of=self.tag(x))
        elif not T.is_array(prev.type):
            acc = b.op("unreduce", prev, x, of=self.tag(x))
        elif isinstance(prev, Var) and prev.id in self.owned:
            acc = prev
        else:
            acc = b.op("copy_array", prev, of=self.tag(x))
        params = dict(op.params) if spec is None else {"spec": spec}
        new = b.op("index_add", acc, g, *op.args[1:], of=self.tag(x), **params)
        self.owned.add(new.id)
        adj[x.id] = new

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
        if not prim.elementwise and op.prim != "getitem":
            g = self.materialise(b, g, op.outs[0])
        elif T.is_array(op.outs[0].type) and not T.is_array(g.type):
            # a scalar adjoint stands for itself broadcast; that only carries through an
            # elementwise op whose array operands provably share one shape
            shapes = {self.shape(a) for a in op.args if isinstance(a, Var) and T.is_array(a.type)}
            if len(shapes) > 1 or None in shapes:
                g = self.materialise(b, g, op.outs[0])
        pending: dict = {}          # arg id -> (its summed contribution, where it starts)
        for i, a in enumerate(op.args):
            if not self.is_active(a):
                continue
            if prim.vjp is None:
                raise CompileError(f"no gradient rule for '{op.prim}' (argument {i + 1})", op.loc,
                                   "Wrap the computation in a function with flatgrad.custom_vjp, "
                                   "or keep this value out of the differentiated path.")
            rule = prim.vjp_rule(i)
            if rule is None:
                continue
            b.loc = op.loc
            mark = len(b.stmts)
            c = rule(b, g, op.outs[0], *op.args, **dict(op.params))
            if isinstance(c, tuple) and c[0] == "index":
                self.scatter(b, adj, a, c[1], op, *c[2:])
                continue
            if prim.elementwise:
                c = self.unbroadcast(b, c, a, op.outs[0])
            elif i == 1 and prim.region is not None:
                # a write broadcasts its value into the region (a number into a row)
                c = self.unbroadcast(b, c, a, c, prim.region(self.query, op.args, dict(op.params)))
            if a.id in pending:         # x * x: one contribution, 2 * (g * x), not two
                first, mark = pending.pop(a.id)
                c = b.op("add", first, c)
            if any(x is a for x in op.args[i + 1:]):
                pending[a.id] = (c, mark)
            else:
                self.accumulate(b, adj, a, c, mark)

    def unbroadcast(self, b: Builder, c, v: Var, out: Var, so=None):
        """Undo broadcasting: sum contribution ``c`` (shaped like ``out``, whose symbolic
        shape is ``so`` where given) to ``v``'s shape."""
        if not T.is_array(v.type):
            if T.is_array(c.type):
                return b.op("sum", c)
            if T.is_array(out.type):
                # a scalar contribution stands for itself broadcast to out's shape: a scalar
                # operand receives it once per element
                c = b.op("mul", c, b.op("float", b.op("size", out)))
                if c.type != v.type and T.is_float(v.type):
                    c = b.op("astype", c, dtype=v.type.dtype)
            if isinstance(c, Const) and T.is_float(v.type) and c.type != v.type:
                return Const(float(c.value), v.type)
            return c
        if not T.is_array(c.type):
            return c      # a scalar stands for itself broadcast to v's shape
        sv, so = self.shape(v), self.shape(out) if so is None else so
        if sv is not None and sv == so and c.type.ndim == v.type.ndim:
            return c
        if sv is not None and so is not None and len(so) == len(sv) + 1 and so[1:] == sv:
            return b.op("sum", c, axis=0)
        if sv is not None and so is not None and len(so) == len(sv) == c.type.ndim:
            axes = [i for i, (x, y) in enumerate(zip(sv, so)) if x != y]
            if len(axes) == 1 and sv[axes[0]] == 1:
                return b.op("sum", c, axis=axes[0], keepdims=True)
        return b.op("sum_to", c, v)

    def if_(self, b: Builder, s: If, adj: dict) -> None:
        seeds = [adj.get(v.id) for v in s.outs]
        if all(g is None for g in seeds):
            return
        touched = [v for v in {**free_vars(s.then), **free_vars(s.orelse)}.values()
                   if v.id in self.active]
        arms = []
        for arm in (s.then, s.orelse):
            arm_b = b.child()
            m: dict = {}
            arm_b.stmts = clone(quiet(arm.stmts), m, self.cloner(arm_b))
            recomputed = list(arm_b.stmts)
            local = dict(adj)
            for y, g in zip(arm.yields, seeds):
                y = m.get(y.id, y) if isinstance(y, Var) else y
                if g is not None and self.is_active(y):
                    self.accumulate(arm_b, local, y, g, len(arm_b.stmts))
            self.backprop(arm_b, recomputed, local)
            arms.append((arm_b, local))
        outs, yt, ye = [], [], []
        for w in touched:
            before = adj.get(w.id)
            after = [loc.get(w.id) for _, loc in arms]
            if all(a is before for a in after):
                continue
            shape = self.zero_shape(w, s, seeds)
            vals = []
            for (arm_b, _), a in zip(arms, after):
                vals.append(self.materialise(arm_b, a, w) if a is not None else zero(arm_b, shape))
            out = b.fresh(vals[0].type if isinstance(vals[0], Var) else w.type, of=self.tag(w))
            outs.append(out)
            yt.append(vals[0])
            ye.append(vals[1])
            adj[w.id] = out
        if outs:
            (then_b, _), (else_b, _) = arms
            b.emit(If(s.cond, Block((), tuple(then_b.stmts), tuple(yt)),
                      Block((), tuple(else_b.stmts), tuple(ye)), tuple(outs), s.loc))

    def zero_shape(self, w: Var, s: If, seeds: list):
        """What an arm that drops ``w``'s adjoint (it overwrote ``w``) shapes its zeros after:
        ``w``, unless ``w`` may be a placeholder (``placeholders``), whose own shape is none
        of its values'. Then the adjoint of a result that the other arm passes ``w`` on as
        gives the shape, so that a backward loop carrying it keeps one shape on every trip
        (reverse over reverse records it in rows; campaign 339)."""
        o, seen = w.id, set()
        while o not in self.placeholders and o in self.origin and o not in seen:
            seen.add(o)                 # a clone of a clone: back to its forward value
            o = self.origin[o]
        if o not in self.placeholders:
            return w
        for arm in (s.then, s.orelse):
            for y, g in zip(arm.yields, seeds):
                if isinstance(y, Var) and y.id == w.id and isinstance(g, Var) and g.type == w.type:
                    return g
        return w

    def loop(self, b: Builder, s, adj: dict) -> None:
        """Reverse a For or While: tape the carried values, replay iterations backwards."""
        is_for = isinstance(s, For)
        carried = s.carried
        if all(adj.get(v.id) is None for v in s.outs):
            return
        b.loc = s.loc
        pos = next(i for i, x in enumerate(b.stmts) if x is s)
        touched = [v for v in free_vars(s.body).values() if v.id in self.active]
        act = [j for j, p in enumerate(carried) if p.id in self.active]
        const_step = is_for and isinstance(s.step, Const)
        pre = b.child()        # statements placed just before the forward loop
        n = pre.op("trip_count", s.start, s.stop, s.step) if is_for else None
        back = self.backward_body(b, s, carried, act, touched, const_step)
        needed = [p for p in carried if _reads(back.block, back.tapes[p.id])]
        if self.checkpoint and const_step and needed and not _grows(s):
            return self.loop_checkpointed(b, s, adj, pos, pre, n, carried, act, touched)
        saved, extended = self.tape_intermediates(b, back, s)
        if saved or extended:
            needed = [p for p in carried if _reads(back.block, back.tapes[p.id])]

        # -- forward loop, rewritten to record the needed carried values
        raw = {p.id: (b.fresh(back.tapes[p.id].type, back.tapes[p.id].hint, back.tapes[p.id].of)
                      if carried.index(p) in extended else back.tapes[p.id]) for p in needed}
        tparams, tputs, tinit = [], [], []
        fwd_body = b.child()
        if is_for:
            idx = _slot(fwd_body, s.body.params[0], s.start, s.step)
        else:
            count_p = fwd_body.fresh(T.I64, hint="count")
            idx = count_p
        for p in needed:
            j = carried.index(p)
            size = n if is_for else Const(16, T.I64)
            if is_for and j in extended:       # one more row: the value after the last trip
                size = pre.op("add", n, Const(1, T.I64))
            tape = back.tapes[p.id]
            t0 = pre.op("tape_alloc", size, s.init[j], hint=tape.hint, of=("tape", p.id))
            tp = fwd_body.fresh(t0.type, tape.hint, ("tape", p.id))
            tinit.append(t0)
            tparams.append(tp)
            tputs.append(fwd_body.op("tape_put" if is_for else "tape_push", tp, idx, p,
                               hint=tape.hint, of=("tape", p.id)))
        # intermediates: each recorded right after the statement that makes it, before a later
        # in-place write in the same trip can reach its buffer
        pushes: dict = {}
        touts = []
        for orig, tape in saved:
            t0 = pre.op("undef", type=tape.type)
            tp = fwd_body.fresh(tape.type, tape.hint, tape.of)
            tinit.append(t0)
            tparams.append(tp)
            push = b.child()
            tputs.append(push.op("tape_push", tp, idx, orig, hint=tape.hint, of=tape.of))
            pushes.setdefault(orig.id, []).extend(push.stmts)
            touts.append(tape)
        count_next = None if is_for else fwd_body.op("add", count_p, Const(1, T.I64))
        body_stmts = tuple(fwd_body.stmts) + tuple(
            x for st in s.body.stmts
            for x in (st, *(pushes.get(st.outs[0].id, ()) if isinstance(st, Op) and st.outs else ())))
        if is_for:
            new_body = Block(s.body.params + tuple(tparams),
                             body_stmts, s.body.yields + tuple(tputs))
            fwd = replace(s, init=s.init + tuple(tinit), body=new_body,
                          outs=s.outs + tuple(raw[p.id] for p in needed) + tuple(touts))
        else:
            new_body = Block(s.body.params + (count_p, *tparams),
                             body_stmts, s.body.yields + (count_next, *tputs))
            cparams = s.cond.params + tuple(fwd_body.fresh(v.type) for v in (count_p, *tparams))
            n = fwd_body.fresh(T.I64, hint="n")
            fwd = replace(s, init=s.init + (Const(0, T.I64), *tinit), body=new_body,
                          cond=replace(s.cond, params=cparams),
                          outs=s.outs + (n, *(raw[p.id] for p in needed), *touts))
        # a tape read one trip ahead (an iteration's result is the next one's carried value)
        # ends with the value after the last trip
        after = [Op("tape_put" if is_for else "tape_push", (raw[p.id], n, s.outs[carried.index(p)]),
                    (back.tapes[p.id],), (), s.loc)
                 for p in needed if carried.index(p) in extended]
        b.stmts[pos:pos + 1] = pre.stmts + [fwd] + after

        # -- backward loop
        if const_step:
            rng = reversed_range(b, s.start, s.stop, s.step)
        else:
            rng = (b.op("sub", n, Const(1, T.I64)), Const(-1, T.I64), Const(-1, T.I64))
        self.emit_backward(b, s, adj, rng, back.block, carried, act, touched)

    def tape_intermediates(self, b: Builder, back: "_BackwardBody", s) -> tuple[list, set]:
        """Record, rather than recompute, the array values of an iteration that the adjoints read
        and that cost real work to recompute (a matrix product, a reduction, exp/tanh...).
        Rewrites ``back`` to read them from tapes. A value the iteration passes on as a carried
        value (``h = tanh(...)``) is read from that carried value's tape one row ahead instead
        of a second tape. Returns [(forward value, tape var)] and the positions of the carried
        values read ahead."""
        forward = {st.outs[0].id: st for st in s.body.stmts if isinstance(st, Op) and len(st.outs) == 1}
        carried = s.carried
        passed_on = {y.id: j for j, y in enumerate(s.body.yields[:len(carried)])
                     if isinstance(y, Var) and T.is_array(y.type) and y.type == carried[j].type}
        inner = set(back.recomputed)
        read = set()
        for st in back.block.stmts:
            if isinstance(st, Op) and st.outs and st.outs[0].id in inner:
                continue
            read |= {a.id for a in operands(st) if isinstance(a, Var)}
            for blk in blocks_of(st):
                read |= set(free_vars(blk))
        read |= {a.id for a in back.block.yields if isinstance(a, Var)}
        picks = []
        for vid in read & inner:
            op = back.recomputed[vid]
            orig = self.origin.get(vid)
            if (orig in forward and T.is_array(op.outs[0].type)
                    and _costly(vid, back.recomputed, inner)):
                picks.append((op.outs[0], forward[orig].outs[0]))
        if not picks:
            return [], set()
        saved, m, ahead, extended = [], {}, {}, set()
        for v, orig in sorted(picks, key=lambda p: p[0].id):
            j = passed_on.get(orig.id)
            if j is not None:
                ahead[v.id] = back.tapes[carried[j].id]
                extended.add(j)
                continue
            hint = f"tape_{orig.hint}" if orig.hint else None
            tape = b.fresh(T.Array(orig.type.dtype, orig.type.ndim + 1), hint, ("tape", orig.id))
            m[v.id] = tape
            saved.append((orig, tape))
        # the tape row of this iteration (computed afresh: dead-code elimination may have
        # dropped the body's own copy while no tape was read)
        replay = b.child()
        k = back.block.params[0]
        slot = _slot(replay, k, s.start, s.step) if isinstance(s, For) and isinstance(s.step, Const) else k
        next_slot = replay.op("add", slot, Const(1, T.I64)) if ahead else None
        stmts = list(replay.stmts)
        for st in back.block.stmts:
            if isinstance(st, Op) and st.outs and st.outs[0].id in m:
                st = Op("tape_get", (m[st.outs[0].id], slot), st.outs, (), st.loc)
            elif isinstance(st, Op) and st.outs and st.outs[0].id in ahead:
                st = Op("tape_get", (ahead[st.outs[0].id], next_slot), st.outs, (), st.loc)
            stmts.append(st)
        from .optimize import dce_block
        back.block = dce_block(Block(back.block.params, tuple(stmts), back.block.yields))
        return saved, extended

    def backward_body(self, b: Builder, s, carried, act, touched, const_step, row=None):
        """The body of the backward loop: read the carried values from tapes, recompute the
        iteration, propagate adjoints. ``row(back_body, slot)`` maps an iteration to its tape row."""
        is_for = isinstance(s, For)
        back_body = b.child()
        m: dict = {}
        if const_step:
            # a for loop with a constant step runs its own index backwards
            i = s.body.params[0]
            k = back_body.fresh(T.I64, hint=i.hint or "k")
            m[i.id] = k
            slot = _slot(back_body, k, s.start, s.step)
        else:
            k = back_body.fresh(T.I64, hint="k")
            slot = k
            if is_for:
                m[s.body.params[0].id] = back_body.op("add", s.start, back_body.op("mul", k, s.step))
        if row is not None:
            slot = row(back_body, slot)
        tapes = {}
        # carried arrays the body writes in place, at any depth (a nested loop that takes one as
        # its initial value writes the same buffer): the replay writes into a copy of the tape
        # row, which must keep the forward values (reverse over reverse reads the tape again)
        from .optimize import mutated  # local import: optimize depends on nothing here
        written = mutated(Function("trip", s.body.params, s.body))
        for p in carried:
            hint = f"tape_{p.hint}" if p.hint else None
            tape = back_body.fresh(T.Array(p.type.dtype, T.ndim(p.type) + 1), hint, ("tape", p.id))
            tapes[p.id] = tape
            m[p.id] = back_body.op("tape_get", tape, slot, hint=p.hint)
            if p.id in written and T.is_array(p.type):
                m[p.id] = back_body.op("copy_array", m[p.id], hint=p.hint)
            self.origin[m[p.id].id] = p.id
            if p.id in self.active:
                self.active.add(m[p.id].id)
        body = clone(quiet(s.body.stmts), m, self.cloner(back_body))
        back_body.stmts.extend(body)
        recomputed = {st.outs[0].id: st for st in body if isinstance(st, Op) and len(st.outs) == 1}
        local: dict = {}
        gparams = [back_body.fresh(carried[j].type, of=self.tag(carried[j])) for j in act]
        accs = [back_body.fresh(w.type, of=self.tag(w)) for w in touched]
        for w, a in zip(touched, accs):
            local[w.id] = a
        for v in (*gparams, *accs):
            if T.is_array(v.type):
                self.owned.add(v.id)
        for j, gp in zip(act, gparams):
            y = s.body.yields[j]
            y = m.get(y.id, y) if isinstance(y, Var) else y
            if self.is_active(y):
                self.accumulate(back_body, local, y, gp, len(back_body.stmts))
        self.backprop(back_body, body, local)
        ylds = []
        for j, gp in zip(act, gparams):
            ylds.append(self.next_trip_adjoint(back_body, local.get(m[carried[j].id].id), carried[j], gp))
        ylds += [self.next_trip_adjoint(back_body, local[w.id], w, a) for w, a in zip(touched, accs)]
        from .optimize import dce_block  # local import: optimize depends on nothing here
        block = dce_block(Block((k, *gparams, *accs), tuple(back_body.stmts), tuple(ylds)))
        return _BackwardBody(block, tapes, slot, recomputed)

    def emit_backward(self, b: Builder, s, adj: dict, rng, block: Block, carried, act, touched):
        """Emit the backward loop over ``rng`` and hand its adjoints to the enclosing scope."""
        init = [self.private_adjoint(b, adj.get(s.outs[j].id), s.outs[j]) for j in act]
        init += [self.private_adjoint(b, adj.get(w.id), w) for w in touched]
        outs = tuple(b.fresh(carried[j].type, of=self.tag(s.init[j]) if isinstance(s.init[j], Var)
                             else self.tag(carried[j])) for j in act)
        outs += tuple(b.fresh(w.type, of=self.tag(w)) for w in touched)
        b.emit(For(*rng, tuple(init), block, outs, s.loc))
        for o in outs:
            if T.is_array(o.type):
                self.owned.add(o.id)
        for w, o in zip(touched, outs[len(act):]):
            adj[w.id] = o
        for j, o in zip(act, outs):   # after the accumulators: an init may be one of them
            a = s.init[j]
            if self.is_active(a):
                self.accumulate(b, adj, a, o, len(b.stmts))

    def loop_checkpointed(self, b, s: For, adj, pos, pre, n, carried, act, touched) -> None:
        """Checkpointing: keep the carried state every K iterations only; the backward pass
        recomputes each segment of K iterations from its checkpoint, taping just that segment.
        Tape memory falls from n to n/K + K states, for one extra forward pass."""
        K = self.segment(pre, n)
        nseg = pre.op("floordiv", pre.op("add", n, pre.op("sub", K, Const(1, T.I64))), K, hint="nseg")
        # forward: the original loop, writing every carried value at slots 0, K, 2K, ...
        fwd_body = b.child()
        slot = _slot(fwd_body, s.body.params[0], s.start, s.step)
        due = fwd_body.op("eq", fwd_body.op("mod", slot, K), Const(0, T.I64))
        ck0, ckp, then, ckout = [], [], b.child(), []
        at = then.op("floordiv", slot, K)
        for j, p in enumerate(carried):
            hint = f"checkpoint_{p.hint}" if p.hint else None
            c0 = pre.op("tape_alloc", nseg, s.init[j], hint=hint)
            cp = fwd_body.fresh(c0.type, hint)
            ck0.append(c0)
            ckp.append(cp)
            ckout.append(then.op("tape_put", cp, at, p, hint=hint))
        outs = [fwd_body.fresh(c.type, c.hint) for c in ck0]
        fwd_body.emit(If(due, Block((), tuple(then.stmts), tuple(ckout)), Block((), (), tuple(ckp)),
                   tuple(outs), s.loc))
        final = [b.fresh(c.type, c.hint) for c in ck0]
        fwd = replace(s, init=s.init + tuple(ck0),
                      body=Block(s.body.params + tuple(ckp), tuple(fwd_body.stmts) + s.body.stmts,
                                 s.body.yields + tuple(outs)),
                      outs=s.outs + tuple(final))
        seg_tapes = [pre.op("tape_alloc", K, s.init[j], hint=f"tape_{p.hint}" if p.hint else None)
                     for j, p in enumerate(carried)]
        b.stmts[pos:pos + 1] = pre.stmts + [fwd]

        # backward: for each segment, last first
        seg_body = b.child()
        seg = seg_body.fresh(T.I64, hint="segment")
        first = seg_body.op("mul", seg, K, hint="first")                    # slot of its first iteration
        size = seg_body.op("min", K, seg_body.op("sub", n, first))
        # 1. recompute the segment from its checkpoint, taping every iteration of it
        replay = seg_body.child()
        r = replay.fresh(T.I64, hint="r")
        rparams = [replay.fresh(p.type, p.hint) for p in carried]
        rtapes = [replay.fresh(t.type, t.hint) for t in seg_tapes]
        m = {s.body.params[0].id: replay.op("add", s.start, replay.op("mul", replay.op("add", first, r), s.step))}
        m.update({p.id: q for p, q in zip(carried, rparams)})
        puts = [replay.op("tape_put", t, r, q, hint=t.hint) for t, q in zip(rtapes, rparams)]
        replay.stmts.extend(clone(quiet(s.body.stmts), m, self.cloner(replay)))
        ylds = tuple(m.get(y.id, y) if isinstance(y, Var) else y for y in s.body.yields)
        states = [seg_body.op("tape_get", c, seg) for c in final]
        touts = [seg_body.fresh(t.type, t.hint) for t in seg_tapes]
        souts = [seg_body.fresh(p.type) for p in carried]
        seg_body.emit(For(Const(0, T.I64), size, Const(1, T.I64), tuple(states) + tuple(seg_tapes),
                    Block((r, *rparams, *rtapes), tuple(replay.stmts), ylds + tuple(puts)),
                    tuple(souts) + tuple(touts), s.loc))
        # 2. the usual backward loop over the segment, reading the segment's tapes
        back = self.backward_body(seg_body, s, carried, act, touched, True,
                                  row=lambda back_body, slot: back_body.op("sub", slot, first))
        mapping = {back.tapes[p.id].id: t for p, t in zip(carried, touts)}
        from .rewrite import map_block
        block = map_block(back.block, mapping)
        lo = seg_body.op("add", s.start, seg_body.op("mul", first, s.step))
        hi = seg_body.op("add", s.start, seg_body.op("mul", seg_body.op("sub", seg_body.op("add", first, size), Const(1, T.I64)),
                                         s.step))
        rng = (hi, seg_body.op("sub", lo, s.step), seg_body.op("neg", s.step))
        # adjoints flow from segment to segment: carried by the outer loop
        gin = [seg_body.fresh(carried[j].type, of=self.tag(carried[j])) for j in act]
        ain = [seg_body.fresh(w.type, of=self.tag(w)) for w in touched]
        for g in (*gin, *ain):
            if T.is_array(g.type):
                self.owned.add(g.id)
        gout = [seg_body.fresh(carried[j].type, of=self.tag(carried[j])) for j in act]
        aout = [seg_body.fresh(w.type, of=self.tag(w)) for w in touched]
        seg_body.emit(For(*rng, tuple(gin) + tuple(ain), block, tuple(gout) + tuple(aout), s.loc))
        seg_block = Block((seg, *gin, *ain), tuple(seg_body.stmts), tuple(gout) + tuple(aout))
        last_seg = b.op("sub", nseg, Const(1, T.I64))
        self.emit_backward(b, s, adj, (last_seg, Const(-1, T.I64), Const(-1, T.I64)), seg_block,
                           carried, act, touched)

    def segment(self, b: Builder, n):
        """The checkpoint spacing K: the option's value, or about sqrt(n)."""
        if self.checkpoint is True:
            root = b.op("int", b.op("sqrt", b.op("float", n)))
            return b.op("max", root, Const(1, T.I64), hint="K")
        return Const(int(self.checkpoint), T.I64)

    def private_adjoint(self, b: Builder, g, like: Var):
        """An adjoint of ``like``'s type that no other value aliases (to update in place)."""
        if g is None:
            return zero(b, like)
        if not T.is_array(like.type):
            return g
        if not T.is_array(g.type):
            return b.op("unreduce", g, like)
        if isinstance(g, Var) and g.id in self.owned:
            return g
        return b.op("copy_array", g)

    def next_trip_adjoint(self, b: Builder, g, like: Var, param: Var):
        """A loop-carried adjoint for the next trip: the param itself or an owned array."""
        seen = g
        while isinstance(seen, Var) and seen.id in self.copies and seen is not param:
            seen = self.copies[seen.id]
        if seen is param:       # passed on unchanged (acc = acc + x): no array copy
            return param
        # zeros or a broadcast shaped after the adjoint parameter: the forward value ``like``
        # may not be in scope in the backward body
        return self.private_adjoint(b, g, param if T.is_array(param.type) else like)

    def materialise(self, b: Builder, g, like: Var):
        """Materialise a scalar adjoint that stands for an array broadcast to ``like``."""
        if T.is_array(like.type) and not T.is_array(g.type):
            return b.op("unreduce", g, like)
        return g


def _grows(s) -> bool:
    """Does a value the loop carries grow in it (``tape_push``: a while loop's tape, or a
    list's rows, inside the body)? Checkpoints are preallocated in the shape of the loop's
    initial values, so such a loop keeps its full tape instead (fuzz campaign 332: an inner
    gradient's tape carried through a checkpointed loop)."""
    def pushes(block) -> bool:
        return any((isinstance(x, Op) and x.prim == "tape_push")
                   or any(pushes(inner) for inner in blocks_of(x)) for x in block.stmts)
    return pushes(s.body)


class _BackwardBody:
    """A backward loop body, the tape variables it reads, the tape row it reads at, and the
    forward statements it recomputes (by output id)."""

    def __init__(self, block: Block, tapes: dict, slot=None, recomputed=None):
        self.block, self.tapes, self.slot = block, tapes, slot
        self.recomputed = recomputed or {}


def _costly(vid: int, ops: dict, inner: set) -> bool:
    """True if computing ``vid`` inside the iteration takes a matmul, a reduction or a
    transcendental on arrays (worth a tape row rather than a recomputation)."""
    seen, todo = set(), [vid]
    while todo:
        x = todo.pop()
        if x in seen or x not in ops:
            continue
        seen.add(x)
        op = ops[x]
        if PRIMS[op.prim].costly and T.is_array(op.outs[0].type):
            return True
        todo += [a.id for a in op.args if isinstance(a, Var) and a.id in inner]
    return False


def _slot(b: Builder, i, start, step):
    """The tape row of iteration ``i``: (i - start) // step, written plainly when it is i."""
    if isinstance(start, Const) and start.value == 0 and isinstance(step, Const) and step.value == 1:
        return i
    return b.op("floordiv", b.op("sub", i, start), step)


def _reads(block: Block, v: Var) -> bool:
    return v.id in free_vars(block)
