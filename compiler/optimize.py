"""Optimisation passes: each a pure ``Function -> Function`` with a docstring saying
what it assumes and guarantees. ``-O0`` runs none of them (the lecture listing,
copies and all); ``-O1`` runs :data:`O1` to a fixed point.
"""
from __future__ import annotations

import math
from dataclasses import replace

from . import types as T
from .ir import Block, Const, For, Function, If, Op, Var, While, blocks_of, operands
from .ir import map_region, substitute as _sub
from .broadcasts import elide_broadcasts
from .primitives import PRIMS
from .rewrite import has_effects, map_stmt


def _rebuild(fn: Function, body: Block) -> Function:
    return replace(fn, body=body)


def mutated(fn: Function) -> set[int]:
    """Ids of arrays an in-place op writes into: they must stay distinct objects. A region
    passes buffers on (a loop's initial value becomes its parameter, a branch's yield its
    result), so a write into one of those is a write into the values it may be."""
    from .ir import walk
    ids = {s.args[0].id for s in walk(fn.body)
           if isinstance(s, Op) and PRIMS[s.prim].inplace and isinstance(s.args[0], Var)}
    links: dict[int, list] = {}       # value -> the values that may share its buffer

    def link(a, b):
        if isinstance(a, Var) and isinstance(b, Var):
            links.setdefault(a.id, []).append(b.id)
            links.setdefault(b.id, []).append(a.id)

    for s in walk(fn.body):
        if isinstance(s, If):
            for o, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields):
                link(o, y1)
                link(o, y2)
        elif isinstance(s, (For, While)):
            for p, a, y, o in zip(s.carried, s.init, s.body.yields, s.outs):
                link(p, a)
                link(p, y)
                link(o, p)
            if isinstance(s, While):
                for p, cp in zip(s.carried, s.cond.params):
                    link(p, cp)
    todo = list(ids)
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in ids:
                ids.add(other)
                todo.append(other)
    return ids


# ----------------------------------------------------------------------- copy propagation

def copy_propagation(fn: Function) -> Function:
    """Replace every use of ``y = copy x`` by ``x`` and drop the copy.

    Copies that define a function result are kept, so returned gradients keep their
    names (``grad_w2 = grad_s3``).
    """
    keep = {a.id for a in fn.results if isinstance(a, Var)}
    m: dict = {}

    def block(b: Block) -> Block:
        stmts = []
        for s in b.stmts:
            fixed = _fixed_carried(s, keep) if isinstance(s, (For, While)) else ()
            for k in fixed:                 # (before the body is mapped: it reads them)
                for p in _carried_names(s, k):
                    m[p.id] = _sub(s.init[k], m)
            s = map_stmt(s, m) if not blocks_of(s) else map_region(s, block, m)
            for k in fixed:
                m[s.outs[k].id] = s.init[k]
            if isinstance(s, Op) and s.prim == "copy" and s.outs[0].id not in keep:
                m[s.outs[0].id] = s.args[0]
                continue
            stmts.append(s)
        return Block(b.params, tuple(stmts), tuple(_sub(a, m) for a in b.yields))

    return _rebuild(fn, block(fn.body))


def _fixed_carried(s, keep: set[int]) -> list[int]:
    """Positions of a loop's carried numbers that every trip yields unchanged (the seed of
    a sum's adjoint, ``grad_s`` of ``s += ...``): each is its initial value throughout, so
    the body reads that value (a constant the folds can then use) and DCE drops the slot.
    Numbers only: an array yielded unchanged may still be written through a view."""
    return [k for k, (p, y, o) in enumerate(zip(s.carried, s.body.yields, s.outs))
            if isinstance(y, Var) and y.id == p.id and not T.is_array(p.type)
            and o.id not in keep]


def _carried_names(s, k: int) -> tuple[Var, ...]:
    """The names carried position ``k`` has inside the loop (a while's test has its own)."""
    return (s.carried[k], s.cond.params[k]) if isinstance(s, While) else (s.carried[k],)


# ----------------------------------------------------------------------- folding & algebra

def _is(a, value) -> bool:
    return isinstance(a, Const) and not isinstance(a.value, bool) and a.value == value


def fold(op: Op):
    """The constant an op evaluates to, or None (constant folding's rule; copies.py asks it
    too)."""
    prim = PRIMS[op.prim]
    if (not prim.pure or prim.fresh or prim.evaluate is None or op.params
            or not all(isinstance(a, Const) for a in op.args) or T.is_array(op.outs[0].type)):
        return None
    try:
        value = prim.evaluate(*(a.value for a in op.args))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if value is None or isinstance(value, complex):
        return None
    t = op.outs[0].type
    if t.dtype in T.FLOATS:
        value = float(value)
        if not math.isfinite(value):
            return None
    elif t.dtype == "int64":
        value = int(value)
    else:
        value = bool(value)
    return Const(value, t)


def _simplify(op: Op, defs: dict):
    """An equivalent atom or Op for ``op`` (same type), or None."""
    p, args, out = op.prim, op.args, op.outs[0]
    a = args[0] if args else None
    c = args[1] if len(args) > 1 else None

    def same(x):
        return x if x.type == out.type else None

    if p == "add":
        if _is(c, 0):
            return same(a)
        if _is(a, 0):
            return same(c)
    elif p == "sub":
        if _is(c, 0):
            return same(a)
        if _is(a, 0) and c.type == out.type:
            return replace(op, prim="neg", args=(c,))
    elif p == "mul":
        if _is(c, 1):
            return same(a)
        if _is(a, 1):
            return same(c)
        folded = _scale_twice(op, defs)
        if folded is not None:
            return folded
        if _is(c, -1) and a.type == out.type:
            return replace(op, prim="neg", args=(a,))
        if _is(a, -1) and c.type == out.type:
            return replace(op, prim="neg", args=(c,))
    elif p in ("div", "floordiv"):
        if _is(c, 1):
            return same(a)
    elif p == "pow":
        if _is(c, 1):
            return same(a)
    elif p in ("neg", "not"):
        d = defs.get(a.id) if isinstance(a, Var) else None
        if d is not None and d.prim == p:
            return same(d.args[0])
    elif p == "transpose":
        # x.T.T is x (a reversed axis order reversed back): the only axes pairs folded
        d = defs.get(a.id) if isinstance(a, Var) else None
        if d is not None and d.prim == p and op.param("axes") is None and d.param("axes") is None:
            return same(d.args[0])
    elif p == "copy" and isinstance(a, Const):
        return a
    elif p in ("size", "dim") and isinstance(a, Var) and a.id in defs:
        # the shape of an elementwise result of one array is that array's shape
        d = defs[a.id]
        prim = PRIMS[d.prim]
        arrays = [x for x in d.args if T.is_array(x.type)]
        if prim.elementwise and len(arrays) == 1 and arrays[0].type.ndim == a.type.ndim:
            return replace(op, args=(arrays[0],))
    elif p == "index_add":
        return _scatter_a_number(op, defs)
    elif p in ("and", "or"):
        unit, absorb = (True, False) if p == "and" else (False, True)
        for x, y in ((a, c), (c, a)):
            if isinstance(x, Const) and x.value is unit:
                return same(y)
            if isinstance(x, Const) and x.value is absorb and out.type == T.BOOL:
                return Const(absorb, T.BOOL)      # (an array's and/or keeps its shape)
    elif p == "select" and out.type == T.BOOL:
        cond, x, y = args
        if isinstance(x, Const) and isinstance(y, Const):
            if x.value is True and y.value is False:
                return cond
            if x.value is False and y.value is True:
                return replace(op, prim="not", args=(cond,))
        if isinstance(x, Const) and x.value is True:
            return replace(op, prim="or", args=(cond, y))
        if isinstance(y, Const) and y.value is False:
            return replace(op, prim="and", args=(cond, x))
    elif p == "select" and args[1] is args[2] and args[1].type == out.type:
        return args[1]            # (a condition of a higher rank broadcasts: not the same)
    return None


def _scale_twice(op: Op, defs: dict):
    """``c1 * (c2 * x)`` with numbers c1, c2, one of them a power of two: ``(c1 * c2) * x``,
    the same bits (scaling by 2**k commutes with rounding) and one multiply fewer. The
    textbook adjoint ``g * (2 * x)`` of ``x ** 2`` under a constant seed ``g``."""
    out = op.outs[0]
    if T.is_array(out.type) or not T.is_float(out.type):
        return None
    for c, v in (op.args, reversed(op.args)):
        d = defs.get(v.id) if isinstance(v, Var) else None
        if not (_number(c) and d is not None and d.prim == "mul"):
            continue
        for c2, x in (d.args, reversed(d.args)):
            if _number(c2) and (_two_power(c.value) or _two_power(c2.value)) and x.type == out.type:
                return replace(op, args=(Const(float(c.value * c2.value), out.type), x))
    return None


def _number(a) -> bool:
    """A constant number exact as a float (an int constant such as the 2 of ``x ** 2``)."""
    return isinstance(a, Const) and isinstance(a.value, (int, float)) \
        and not isinstance(a.value, bool) and abs(a.value) < 2 ** 53


def _two_power(v) -> bool:
    return v != 0 and math.isfinite(v) and abs(math.frexp(v)[0]) == 0.5


def views_of(fn: Function, bases: set[int]) -> set[int]:
    """``bases`` and every value that is a view into one of them (``Z[:2]``, ``Z.T``...)."""
    from .ir import walk
    views = [s for s in walk(fn.body) if isinstance(s, Op) and s.outs and PRIMS[s.prim].view
             and isinstance(s.args[0], Var) and T.is_array(s.outs[0].type)]
    out = set(bases)
    changed = True
    while changed:
        changed = False
        for s in views:
            if s.args[0].id in out and s.outs[0].id not in out:
                out.add(s.outs[0].id)
                changed = True
    return out


def written_arrays(fn: Function) -> set[int]:
    """The arrays an in-place op writes into and every view into one of them: a value
    read from these may differ before and after the write."""
    return views_of(fn, mutated(fn))


def simplify(fn: Function) -> Function:
    """Constant folding and algebraic identities (``g * 1.0``, ``x + 0.0``, ``--x``,
    ``x ** 1``), plus structural ones: an ``if`` on a constant keeps the taken arm; an
    ``if`` whose arms compute nothing becomes ``select``s. Never changes a value's type.
    ``y = x + 0.0`` on arrays stays where x, or the array x is a view into, is written in
    place: y is a copy, and must not see the write."""
    from .ir import uses
    written = written_arrays(fn)
    keep = {a.id for a in fn.results if isinstance(a, Var)} | written
    count = uses(fn.body)
    m: dict = {}
    defs: dict = {}

    def block(b: Block) -> Block:
        stmts: list = []
        at: dict[int, int] = {}         # value -> the place in stmts of the op making it
        for s in b.stmts:
            if blocks_of(s):
                s = map_region(s, block, m)
                if isinstance(s, If):
                    inline = _simplify_if(s, m)
                    if inline is not None:
                        stmts.extend(inline)
                        continue
                stmts.append(s)
                continue
            s = map_stmt(s, m)
            while True:
                new = fold(s) or _simplify(s, defs)
                if isinstance(new, Op):
                    s = new
                    continue
                break
            if isinstance(new, Var) and T.is_array(new.type) and new.id in written:
                new = None          # y = z + 0.0 must stay a new array: z (or its base) is written
            if new is not None and s.outs[0].id not in keep:
                m[s.outs[0].id] = _named_like(new, s.outs[0], stmts, at, defs, count)
                continue
            if isinstance(new, (Var, Const)) and s.outs[0].id in keep and s.prim != "copy" \
                    and not T.is_array(s.outs[0].type):
                s = Op("copy", (new,), s.outs, (), s.loc)    # a result keeps its name: grad_z = q
            if s.outs:
                defs[s.outs[0].id] = s
                at[s.outs[0].id] = len(stmts)
            stmts.append(s)
        return Block(b.params, tuple(stmts), tuple(_sub(a, m) for a in b.yields))

    return _rebuild(fn, block(fn.body))


def _named_like(new, old: Var, stmts: list, at: dict, defs: dict, count: dict):
    """``new``, which stands for ``old`` from now on, under ``old``'s name where it has
    none and ``old`` was its one reader: the adjoint ``grad_x = 1.0 * (3 * x ** 2)`` folded
    to its inner product keeps the name ``grad_x``."""
    if not (isinstance(new, Var) and new.hint is None and new.of is None
            and (old.hint is not None or old.of is not None)
            and count.get(new.id) == 1 and new.id in at):
        return new
    k = at[new.id]
    op = stmts[k]
    if op.outs != (new,):
        return new
    named = replace(new, hint=old.hint, of=old.of)
    stmts[k] = defs[new.id] = replace(op, outs=(named,))
    return named


def _scatter_a_number(op: Op, defs: dict):
    """``index_add(acc, unreduce(c, x[idx]), idx)`` with a number ``c`` (the adjoint of
    ``sum(x[rows, cols])``, the NLL loss): ``index_add(acc, c, idx)``. The scatter broadcasts
    the number over the region itself, so neither the gather (read for its shape only) nor
    the array of copies of ``c`` is made; in compiled code each costs a second of compile.
    Integer and integer-array indices only (the scatter along one axis needs an array)."""
    g = op.args[1]
    d = defs.get(g.id) if isinstance(g, Var) else None
    if d is None or d.prim != "unreduce" or T.is_array(d.args[0].type) or \
            not isinstance(d.args[1], Var):
        return None
    w = defs.get(d.args[1].id)
    spec = op.param("spec")
    if w is None or w.prim != "getitem" or w.args[1:] != op.args[2:] or \
            w.param("spec") != spec or not all(e[0] in ("i", "a") for e in spec):
        return None
    return replace(op, args=(op.args[0], d.args[0], *op.args[2:]))


def _simplify_if(s: If, m: dict):
    """Replacement statements for an If, or None to keep it."""
    if isinstance(s.cond, Const):
        arm = s.then if s.cond.value else s.orelse
        for v, y in zip(s.outs, arm.yields):
            m[v.id] = y
        return list(arm.stmts)
    if not s.then.stmts and not s.orelse.stmts and not any(T.is_array(v.type) for v in s.outs):
        # (scalars only: np.where would broadcast arrays of different shapes together)
        out = []
        for v, x, y in zip(s.outs, s.then.yields, s.orelse.yields):
            if x is y or (isinstance(x, Const) and x == y):
                m[v.id] = x
            else:
                out.append(Op("select", (s.cond, x, y), (v,), (), s.loc))
        return out
    return None


# ----------------------------------------------------------------------- CSE

def _key(a):
    return ("v", a.id) if isinstance(a, Var) else ("c", a.value, type(a.value), a.type)


def cse(fn: Function) -> Function:
    """Common-subexpression elimination: a pure op computed twice is computed once.

    Scoped: a value from an enclosing block is reused inside nested blocks, never the
    other way round. Allocating and impure ops are never merged."""
    m: dict = {}
    written = mutated(fn)
    stale = written_arrays(fn) - written   # views: one name, contents changed by writes
    results = {a.id for a in fn.results if isinstance(a, Var)}   # each keeps its own name

    def block(b: Block, table: dict) -> Block:
        table = dict(table)
        stmts = []
        for s in b.stmts:
            if blocks_of(s):
                stmts.append(map_region(s, lambda blk: block(blk, table), m))
                continue
            s = map_stmt(s, m)
            prim = PRIMS[s.prim]
            if prim.pure and not prim.fresh and len(s.outs) == 1 and s.outs[0].id not in written \
                    and s.outs[0].id not in results \
                    and not any(isinstance(a, Var) and a.id in stale for a in s.args):
                # (values written in place are neither merged nor merged into)
                key = (s.prim, tuple(map(_key, s.args)), s.params)
                hit = table.get(key)
                if hit is not None and hit.type == s.outs[0].type:
                    m[s.outs[0].id] = hit
                    continue
                table[key] = s.outs[0]
            stmts.append(s)
        return Block(b.params, tuple(stmts), tuple(_sub(a, m) for a in b.yields))

    return _rebuild(fn, block(fn.body, {}))


# ----------------------------------------------------------------------- DCE

def dce_block(b: Block, live_out: set[int] | None = None) -> Block:
    """Remove statements whose results are never used (impure ones stay)."""
    live = set(live_out or ())
    live |= {a.id for a in b.yields if isinstance(a, Var)}
    stmts = []
    for s in reversed(b.stmts):
        s = _dce_stmt(s, live)
        if s is None:
            continue
        stmts.append(s)
        for a in operands(s):
            if isinstance(a, Var):
                live.add(a.id)
        for inner in blocks_of(s):
            live |= _free(inner)
    return Block(b.params, tuple(reversed(stmts)), b.yields)


def _free(b: Block) -> set[int]:
    from .rewrite import free_vars
    return set(free_vars(b))


def _dce_stmt(s, live: set[int]):
    if isinstance(s, Op):
        if PRIMS[s.prim].pure and not any(v.id in live for v in s.outs):
            return None
        return s
    if isinstance(s, If):
        keep = [i for i, v in enumerate(s.outs) if v.id in live]
        then = dce_block(_pick(s.then, keep))
        orelse = dce_block(_pick(s.orelse, keep))
        if not keep and not has_effects(then) and not has_effects(orelse):
            return None
        return replace(s, then=then, orelse=orelse, outs=tuple(s.outs[i] for i in keep))
    # loops: a carried position is live if its result is, or the live body reads it
    is_for = isinstance(s, For)
    nfix = 1 if is_for else 0
    carried = s.body.params[nfix:]
    keep = {i for i, v in enumerate(s.outs) if v.id in live}
    while True:
        body = dce_block(_pick(s.body, sorted(keep)))
        used = _used_ids(body)
        if not is_for:
            cond = dce_block(s.cond)
            used |= _used_ids(cond)
            used |= {s.cond.params[i].id for i in range(len(carried))
                     if s.cond.params[i].id in _used_ids(cond)}
        grow = {i for i, p in enumerate(carried) if p.id in used} - keep
        if not is_for:
            grow |= {i for i, p in enumerate(s.cond.params) if p.id in _used_ids(cond)} - keep
        if not grow:
            break
        keep |= grow
    keep = sorted(keep)
    if not keep and not has_effects(body):
        return None
    params = s.body.params[:nfix] + tuple(carried[i] for i in keep)
    body = Block(params, body.stmts, body.yields)
    new = replace(s, init=tuple(s.init[i] for i in keep), body=body,
                  outs=tuple(s.outs[i] for i in keep))
    if not is_for:
        cond = dce_block(s.cond)
        new = replace(new, cond=Block(tuple(s.cond.params[i] for i in keep), cond.stmts, cond.yields))
    return new


def _pick(b: Block, keep) -> Block:
    return Block(b.params, b.stmts, tuple(b.yields[i] for i in keep))


def _used_ids(b: Block) -> set[int]:
    out: set[int] = set()
    for s in b.stmts:
        out.update(a.id for a in operands(s) if isinstance(a, Var))
        for inner in blocks_of(s):
            out |= _used_ids(inner)
    out.update(a.id for a in b.yields if isinstance(a, Var))
    return out


def dce(fn: Function) -> Function:
    """Dead-code elimination over the whole function, regions included."""
    return _rebuild(fn, dce_block(fn.body))


# ----------------------------------------------------------------------- scales

def fold_scales(fn: Function) -> Function:
    """Fewer passes over arrays: ``x + x`` becomes ``2.0 * x`` (exact), and ``a * (b * X)``
    with scalars a, b and an array X used once becomes ``(a * b) * X`` (one array pass; the
    scalar product is rounded once more, as any reassociation)."""
    from .ir import max_id, uses
    count = uses(fn.body)
    ids = iter(range(max_id(fn) + 1, 1 << 62))

    def scalar(a) -> bool:
        return isinstance(a.type, T.Scalar) and T.is_float(a.type)

    def block(b: Block) -> Block:
        defs: dict = {}
        stmts: list = []
        for st in b.stmts:
            if blocks_of(st):
                stmts.append(map_region(st, block, {}))
                continue
            if isinstance(st, Op) and len(st.outs) == 1:
                out = st.outs[0]
                if (st.prim == "add" and st.args[0] is st.args[1] and isinstance(st.args[0], Var)
                        and T.is_float(out.type) and st.args[0].type == out.type):
                    st = replace(st, prim="mul", args=(Const(2.0, T.Scalar(out.type.dtype)), st.args[0]))
                if st.prim == "mul" and T.is_array(out.type):
                    st = _reassociate(st, defs, count, scalar, ids, stmts)
                defs[out.id] = st
            stmts.append(st)
        return Block(b.params, tuple(stmts), b.yields)

    return _rebuild(fn, block(fn.body))


def _reassociate(st: Op, defs: dict, count: dict, scalar, ids, stmts: list) -> Op:
    for k in (0, 1):
        s, y = st.args[k], st.args[1 - k]
        inner = defs.get(y.id) if isinstance(y, Var) else None
        if not (scalar(s) and inner is not None and inner.prim == "mul" and count.get(y.id) == 1):
            continue
        for j in (0, 1):
            s2, x = inner.args[j], inner.args[1 - j]
            if scalar(s2) and T.is_array(x.type) and x.type == st.outs[0].type:
                t = Var(next(ids), T.Scalar(T.promote_dtype(s.type.dtype, s2.type.dtype)))
                stmts.append(Op("mul", (s, s2), (t,), (), st.loc))
                return replace(st, args=(t, x))
    return st


# ----------------------------------------------------------------------- LICM

def hoist(fn: Function) -> Function:
    """Loop-invariant code motion: a pure op inside a loop whose operands are all defined
    outside it is computed once, before the loop. Ops that allocate, write in place, read
    an array the loop carries (it may be written inside), make an array that is written in
    place (each trip must start from a fresh one), read an array that is written in place
    or a view of one, or could raise are left alone."""
    written = written_arrays(fn)

    def block(b: Block) -> Block:
        stmts: list = []
        for s in b.stmts:
            if isinstance(s, (For, While)):
                s = map_region(s, block, {})
                moved, s = _hoist_loop(s, written)
                for op in moved:
                    stmts.insert(_after_operands(stmts, op), op)
            elif isinstance(s, If):
                s = map_region(s, block, {})
            stmts.append(s)
        return Block(b.params, tuple(stmts), b.yields)

    return _rebuild(fn, block(fn.body))


def _after_operands(stmts: list, op: Op) -> int:
    """The earliest position in ``stmts`` after every definition ``op`` reads (hoisted code
    goes as high as it can, so it does not split what the emitter writes inline)."""
    need = {a.id for a in op.args if isinstance(a, Var)}
    pos = 0
    for i, st in enumerate(stmts):
        if any(v.id in need for v in getattr(st, "outs", ())):
            pos = i + 1
    return pos


def _hoist_loop(s, written=frozenset()):
    from .rewrite import defined
    inside = defined(s.body)
    carried_inits = {a.id for a in s.init if isinstance(a, Var) and T.is_array(a.type)}
    moved, kept = [], []
    for st in s.body.stmts:
        if isinstance(st, Op) and st.outs and st.outs[0].id not in written \
                and not any(isinstance(a, Var) and a.id in written for a in st.args) \
                and _invariant(st, inside, carried_inits):
            moved.append(st)
            inside.discard(st.outs[0].id)
        else:
            kept.append(st)
    if not moved:
        return [], s
    return moved, replace(s, body=Block(s.body.params, tuple(kept), s.body.yields))


def _invariant(op: Op, inside: set[int], carried_inits: set[int]) -> bool:
    prim = PRIMS[op.prim]
    if not prim.pure or prim.fresh or prim.inplace or len(op.outs) != 1:
        return False
    # a scalar op that may raise (math.log(-1) in plain Python) stays in a loop that might not
    # run; array ops never raise on values
    if not T.is_array(op.outs[0].type) and not PRIMS[op.prim].safe:
        return False
    return all(not isinstance(a, Var) or (a.id not in inside and a.id not in carried_inits)
               for a in op.args)


# ----------------------------------------------------------------------- scatters

def merge_scatters(fn: Function) -> Function:
    """Two scatters of numbers at the same index, the second into the first's result
    (``g[i] += a`` then ``g[i] += b``: the adjoint of an element read twice in one trip,
    ``x[i] ** 2 + (1 - x[i]) ** 2``), become one, ``g[i] += a + b``: one load and store of
    ``g[i]`` fewer per trip. The first write can wait for the second: by the write
    invariant nothing reads ``g``'s buffer in between (the second scatter is the one
    reader of the first's result). The element's sum is added in another order."""
    from .ir import max_id, uses
    count = uses(fn.body)
    ids = iter(range(max_id(fn) + 1, 1 << 62))

    def block(b: Block) -> Block:
        stmts: list = []
        at: dict[int, int] = {}           # a scatter's result -> its place in stmts
        for st in b.stmts:
            if blocks_of(st):
                stmts.append(map_region(st, block, {}))
                continue
            if isinstance(st, Op) and st.prim == "index_add":
                acc = st.args[0]
                k = at.get(acc.id) if isinstance(acc, Var) and count.get(acc.id) == 1 else None
                if k is not None and _same_element(stmts[k], st):
                    first = stmts[k]
                    stmts[k] = None
                    total = Var(next(ids), st.args[1].type)
                    stmts.append(Op("add", (first.args[1], st.args[1]), (total,), (), st.loc))
                    st = replace(st, args=(first.args[0], total, *st.args[2:]))
                at[st.outs[0].id] = len(stmts)
            stmts.append(st)
        return Block(b.params, tuple(s for s in stmts if s is not None), b.yields)

    return _rebuild(fn, block(fn.body))


def _same_element(first: Op, second: Op) -> bool:
    """Both scatter a number of one type at the same index (the same values, spec)."""
    g1, g2 = first.args[1], second.args[1]
    return (not T.is_array(g1.type) and g1.type == g2.type and first.params == second.params
            and len(first.args) == len(second.args)
            and all(_key(a) == _key(c) for a, c in zip(first.args[2:], second.args[2:])))


O1 = [("copy-propagation", copy_propagation), ("simplify", simplify), ("scales", fold_scales),
      ("broadcasts", elide_broadcasts), ("cse", cse), ("licm", hoist), ("scatters", merge_scatters),
      ("dce", dce)]


# ----------------------------------------------------------------------- in-place sums

def _allocates(op: Op) -> bool:
    p = PRIMS[op.prim]
    if p.view or p.inplace or len(op.outs) != 1 or not T.is_array(op.outs[0].type):
        return False
    return p.allocates


def accumulate_in_place(fn: Function) -> Function:
    """Sums into arrays nobody else holds are done in place (run once, after ``-O1``).

    * ``r = a + c`` where ``a`` is read only here and is a buffer this block made (a new
      array, or one an in-place sum wrote into), and ``c`` cannot widen it by broadcasting,
      becomes ``a += c`` (``add_into``): the adjoint sums of the backward pass stop
      allocating a new array per contribution.
    * ``z = zeros_like(x)`` followed by scatters into it (``z[i] += g``, the adjoint of
      reads ``x[i]``) and then ``+ c``, where ``c`` is a new array of x's shape read only
      there, scatters into ``c`` instead: the zeros are never made (the sums are the
      same, added in another order).

    Run after every transform: ``add_into`` has no derivative rule.
    """
    from .ir import uses
    from .shapes import infer
    count = uses(fn.body)
    written = written_arrays(fn)
    shapes = infer(fn)
    sums = _adjoint_sums(fn)

    def same_shape(a, b) -> bool:
        sa = shapes.get(a.id)
        return (sa is not None and sa == shapes.get(b.id)) or (b.id, a.id) in sums

    def block(b: Block, owned: frozenset = frozenset()) -> Block:
        """``owned``: the loop-carried parameters of ``b`` (a For body) whose buffer only the
        loop holds (its initial value was private to the enclosing block)."""
        defs: dict[int, Op] = {}          # value -> its op in this block (as rewritten)
        stmts: list = []

        def single(v) -> bool:
            return isinstance(v, Var) and count.get(v.id, 0) == 1 and v.id in defs

        def private(v) -> bool:
            """A buffer of this block's that only the op at hand will read."""
            while True:
                if isinstance(v, Var) and v.id in owned and count.get(v.id, 0) == 1:
                    return True
                if not single(v):
                    return False
                d = defs[v.id]
                if not PRIMS[d.prim].accumulates and d.prim != "setitem":
                    return _allocates(d)
                v = d.args[0]

        def zero_chain(a):
            """[zeros_like op, scatter ops...] if ``a`` is scatters into fresh zeros."""
            chain = []
            while single(a) and defs[a.id].prim == "index_add":
                op = defs[a.id]
                if any(isinstance(x, Var) and x.id in written for x in op.args[1:]):
                    return None        # moving the scatter later could read a changed value
                chain.append(op)
                a = op.args[0]
            if chain and single(a) and defs[a.id].prim == "zeros_like":
                return [defs[a.id], *reversed(chain)]
            return None

        for st in b.stmts:
            if isinstance(st, For):
                # a sum carried through a loop (grad_W += ... each trip) goes in place when
                # the loop is the only holder of its buffer
                # (and the trip's yield is again a buffer the loop holds: a read-only view
                # yielded, np.broadcast_to of a tangent, would be written on the next trip)
                made = _defs(st.body)
                inner = frozenset(p.id for p, a, y in zip(st.carried, st.init, st.body.yields)
                                  if private(a) and _yields_own(st.body, y, p, made))
                stmts.append(map_region(st, lambda blk: block(blk, inner), {}))
                continue
            if blocks_of(st):
                stmts.append(map_region(st, block, {}))
                continue
            if isinstance(st, Op) and st.prim == "add" and len(st.outs) == 1 \
                    and T.is_array(st.outs[0].type):
                st = _sum_in_place(st, stmts, defs, private, zero_chain, same_shape)
            for v in getattr(st, "outs", ()):
                defs[v.id] = st
            stmts.append(st)
        return Block(b.params, tuple(stmts), b.yields)

    return _rebuild(fn, block(fn.body))


def _defs(b: Block) -> dict:
    """Value id -> the statement of ``b`` (not of its regions) that makes it."""
    return {o.id: s for s in b.stmts for o in getattr(s, "outs", ())}


def _yields_own(body: Block, y, p: Var, defs: dict) -> bool:
    """Whether ``y``, a value ``body`` yields for its carried parameter ``p``, is a buffer
    the loop alone holds on the next trip: ``p`` itself (written in place or not), or an
    array the body made, through in-place writes and either arm of an if -- not a view (a
    read-only ``np.broadcast_to``, a slice of another array) nor anything yielded twice.
    Fuzz campaign 334, seed 334001419: the tangent of an adjoint carried through a loop
    was yielded as ``np.broadcast_to(tan, shape)`` and summed into in place next trip."""
    if isinstance(y, Var) and sum(isinstance(x, Var) and x.id == y.id for x in body.yields) > 1:
        return False
    while isinstance(y, Var) and y.id != p.id:
        d = defs.get(y.id)
        if isinstance(d, If):
            k = d.outs.index(y)
            return all(_yields_own(arm, arm.yields[k], p, _defs(arm))
                       for arm in (d.then, d.orelse))
        if not isinstance(d, Op):
            return False
        if not (PRIMS[d.prim].accumulates or d.prim == "setitem"):
            return _allocates(d)
        y = d.args[0]
    return isinstance(y, Var)


def _adjoint_sums(fn: Function) -> set[tuple[int, int]]:
    """(r, a) for each ``r = a + c`` that sums a contribution into an adjoint (the reverse
    pass tags both grad_x; every array contribution is shaped like x), and for the tangent
    of such a sum (forward over reverse): r has a's shape, whatever shape inference knows."""
    from .ir import walk
    out: set[tuple[int, int]] = set()
    adds = [s for s in walk(fn.body) if isinstance(s, Op) and s.prim == "add" and len(s.outs) == 1]
    for s in adds:
        r, a = s.outs[0], s.args[0]
        if isinstance(a, Var) and a.type == r.type and r.of is not None and r.of == a.of \
                and r.of[0] == "grad":
            out.update((r.id, x.id) for x in s.args if isinstance(x, Var) and x.type == r.type)
    for s in adds:
        r = s.outs[0]
        for a in s.args:
            if isinstance(a, Var) and a.type == r.type and r.of is not None and a.of is not None \
                    and r.of[0] == a.of[0] == "tan" and (r.of[1], a.of[1]) in out:
                out.add((r.id, a.id))
    return out


def _sum_in_place(st: Op, stmts: list, defs: dict, private, zero_chain, same_shape) -> Op:
    """``st`` (an array sum) rewritten in place where it can be; ``stmts`` (the block so far)
    and ``defs`` (value -> its op there) are updated when scatters move."""
    r = st.outs[0]
    for k, (a, c) in enumerate((st.args, st.args[::-1])):
        if not (isinstance(a, Var) and a.type == r.type and a is not c):
            continue
        if k == 1 and isinstance(st.args[0], Var) and st.args[0].of is not None \
                and st.args[0].of == r.of:
            break       # grad_x = grad_x + c stays a sum into grad_x (its name, its buffer)
        chain = zero_chain(a)
        if chain and isinstance(c, Var) and c.type == r.type and private(c) \
                and same_shape(c, chain[0].outs[0]):
            # the scatters go into c, after it is made; the zeros are dropped
            gone = {id(x) for x in chain}
            named = replace(c, hint=r.hint, of=r.of)      # c becomes the adjoint: grad_x
            stmts[:] = [x for x in stmts if id(x) not in gone]
            at = next(i for i, x in enumerate(stmts) if c in getattr(x, "outs", ()))
            stmts[at] = defs[c.id] = replace(stmts[at], outs=(named,))
            moved = [replace(chain[1], args=(named,) + chain[1].args[1:]), *chain[2:]]
            for op in moved[:-1]:
                stmts.append(op)
                defs[op.outs[0].id] = op
            return replace(moved[-1], outs=(r,))
        if private(a) and (not T.is_array(c.type) or same_shape(a, r)):
            return replace(st, prim="add_into", args=(a, c))
    return st


# ----------------------------------------------------------------------- fusion order

def fusible(op, count: dict, written: set) -> bool:
    """An elementwise array op a compiled target may write inside the expression that reads
    it: read once, not a user's variable, and reading no array that is written in place
    (``written``: those and the views into them), so computing it later gives the same
    values."""
    if not isinstance(op, Op) or len(op.outs) != 1:
        return False
    out, p = op.outs[0], PRIMS[op.prim]
    return (T.is_array(out.type) and p.elementwise and p.pure and not p.view and not p.inplace
            and out.hint is None and count.get(out.id, 0) == 1 and out.id not in written
            and not any(isinstance(a, Var) and a.id in written for a in op.args))


def fuses_into(op) -> bool:
    """Does an elementwise operand written inside ``op``'s expression fuse with it (Numba
    compiles one array expression to one loop)? Elementwise ops on arrays, and ``+=``."""
    return isinstance(op, Op) and (op.prim == "add_into" or (
        PRIMS[op.prim].elementwise and len(op.outs) == 1 and T.is_array(op.outs[0].type)))


def fusion_order(fn: Function, written: set[int] | None = None) -> Function:
    """For Numba (run by the emitter, not by ``-O1``): each :func:`fusible` op moves down to
    just before the elementwise op that reads it, so the emitter writes the chain as one
    expression (``grad_p += 2.0 * (2.0 * (p * p - 1.0) * p)``) and Numba makes one loop and
    one array of it instead of one array per line. Values and their order of evaluation
    are unchanged, as is every op that is not moved."""
    from .ir import uses
    count = uses(fn.body)
    written = written_arrays(fn) if written is None else written

    def block(b: Block) -> Block:
        stmts = [map_region(s, block, {}) if blocks_of(s) else s for s in b.stmts]
        reader: dict[int, Op] = {}
        for st in stmts:
            for a in getattr(st, "args", ()):
                if isinstance(a, Var):
                    reader.setdefault(a.id, st)
        held: dict[int, Op] = {}
        out: list = []

        def place(st) -> None:
            for a in getattr(st, "args", ()):
                if isinstance(a, Var) and a.id in held:
                    place(held.pop(a.id))
            out.append(st)

        for st in stmts:
            if fusible(st, count, written) and fuses_into(reader.get(st.outs[0].id)):
                held[st.outs[0].id] = st
            else:
                place(st)
        assert not held, "a held op lost its reader"
        return Block(b.params, tuple(out), b.yields)

    return _rebuild(fn, block(fn.body))
