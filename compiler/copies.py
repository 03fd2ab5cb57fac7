"""Copy insertion, decided late (issue 23, item 5): where an in-place write needs a copy.

An in-place op (``Primitive.inplace``: ``setitem``, ``index_add``, ``add_into``,
``tape_put``; and ``tape_push``, unless it grows the tape into a new buffer) writes into the
buffer of its first argument ``a``. In the
IR's functional reading the write makes a new value and ``a`` keeps its old one, so the
write is sound only where no value that shares ``a``'s buffer (``a`` itself, a view of it,
a loop's initial value it was carried from...) is read afterwards, and the buffer is the
compiled function's own: not an argument (the caller's array) and not a read-only view
(``np.broadcast_to``: ``Primitive.read_only``). Where that fails this pass writes into a
``copy_array`` of ``a`` instead, so the program's values are the functional ones.

"Afterwards" is the real reads of the final program (after every transform and ``-O1``):

* later statements of the write's block (and the regions inside them) and its yields;
* the same, for every enclosing block after the region that holds the write;
* inside a loop around the write, any read at all of a value made outside the loop (the
  next trip reads it after this trip's write).

Which buffers a value may share comes from :func:`buffers`: a view (``Primitive.view``) or
an in-place result shares its first argument's buffers, a region's output those of the
values its blocks yield, a loop's parameter those of its initial and yielded values (an
array made inside the loop reaches the parameter as an earlier trip's array, distinct from
the one the same op makes on this trip).

Tapes: a ``tape_get`` view is one row of its tape, and a read ``tape_get(t, k)`` inside a
loop sees another row on every other trip than the write made through row ``k`` on this one
when ``k`` differs from trip to trip (``Primitive.tape_row``, compiler/trips.py); a value
whose contents are undefined (``Primitive.uninitialized``: a tape before its rows are
written) is no hazard when read after a write into its buffer.

The stages still make their own copy decisions (``frontend/ownership.py``,
``reverse._Reverse.owned``/``copies``, ``batching._Batcher.foreign``); this pass runs last in
``pipeline.transform`` on every program and copies where they left a hazard (campaign 339: a
reverse-over-reverse replay of a branch wrote the first gradient's accumulation into its
buffer a second time). With ``FLATGRAD_COPIES=pass`` the batcher also leaves its copy to this
pass (docs/architecture.md, "Copies"). :func:`hazards` is also the verifier's rule on final
programs (``verify.check_final``).
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, replace

from . import types as T
from .ir import (Block, Const, For, Function, If, Op, Var, While, blocks_of, max_id,
                 operands, walk)
from .optimize import fold
from .primitives import PRIMS


def enabled() -> bool:
    """``FLATGRAD_COPIES=pass``: the stages that can leave their copies to this pass do."""
    return os.environ.get("FLATGRAD_COPIES", "") == "pass"


# ----------------------------------------------------------------------- buffers

def buffers(fn: Function) -> tuple[dict[int, frozenset], frozenset]:
    """(value id -> the buffers it may be, the buffers that are not the function's own).

    A buffer is named by the id of the value that made it: a parameter, or an array op
    that is neither a view nor a write. The foreign ones are the parameters' (the caller
    holds them) and read-only views'."""
    bufs: dict[int, frozenset] = {}
    foreign = {p.id for p in fn.params if T.is_array(p.type)}
    for p in fn.params:
        if T.is_array(p.type):
            bufs[p.id] = frozenset((p.id,))

    def of(a) -> frozenset:
        return bufs.get(a.id, frozenset()) if isinstance(a, Var) else frozenset()

    def join(v: Var, new: frozenset) -> bool:
        old = bufs.get(v.id, frozenset())
        if new <= old:
            return False
        bufs[v.id] = old | new
        return True

    def op(s: Op) -> bool:
        if not s.outs or not T.is_array(s.outs[0].type):
            return False
        out, p = s.outs[0], PRIMS[s.prim]
        shares = (p.view or _writes_into(p)) and s.args and isinstance(s.args[0], Var) \
            and T.is_array(s.args[0].type)
        new = of(s.args[0]) if shares else frozenset((out.id,))
        if shares and not p.view and not p.inplace:     # tape_push: or a grown copy
            new |= {out.id}
        if p.view and p.tape_row:          # tape_get: one row of the tape
            new = _rows(new, s.args[1])
        if _read_only(s):
            foreign.add(out.id)
            new |= {out.id}
        return join(out, new)

    def block(b: Block) -> bool:
        changed = False
        for s in b.stmts:
            if isinstance(s, Op):
                changed |= op(s)
                continue
            for inner in blocks_of(s):
                changed |= block(inner)
            changed |= region(s)
        return changed

    def region(s) -> bool:
        changed = False
        if isinstance(s, If):
            for o, y1, y2 in zip(s.outs, s.then.yields, s.orelse.yields):
                changed |= join(o, of(y1) | of(y2))
            return changed
        inside = made_in(s)
        for i, (p, a, y) in enumerate(zip(s.carried, s.init, s.body.yields)):
            new = of(a) | _earlier(of(y), inside)
            changed |= join(p, new)
            changed |= join(s.outs[i], new)
            if isinstance(s, While):
                changed |= join(s.cond.params[i], new)
        return changed

    made: dict[int, frozenset] = {}

    def made_in(s) -> frozenset:
        if id(s) not in made:
            made[id(s)] = frozenset(_defined(s))
        return made[id(s)]

    while block(fn.body):
        pass
    return bufs, frozenset(foreign)


def _earlier(bs: frozenset, inside: frozenset) -> frozenset:
    """The buffers a loop's yield hands to its next trip: one made inside the loop is, on
    that trip, an earlier trip's array (``("earlier", site)``), not the one its op makes
    again (a fresh ``copy_array`` of the carried adjoint never aliases the parameter). A row
    named by a value of the loop is another trip's row: the next trip sees the whole tape."""
    def one(b):
        if _is_row(b):
            return one(b[1]) if b[2] in inside else ("row", one(b[1]), b[2])
        return ("earlier", b) if isinstance(b, int) and b in inside else b
    return frozenset(one(b) for b in bs)


# A buffer token is a site (the id of the value that made the buffer), ("earlier", site)
# (that op's array of an earlier trip), or ("row", token, k): row k (a value's id) of a
# tape, the part of it a tape_get views and a tape_put writes (Primitive.tape_row).

def _is_row(b) -> bool:
    return isinstance(b, tuple) and b[0] == "row"


def _rows(bs: frozenset, k) -> frozenset:
    """Row ``k`` of each buffer of ``bs`` (the whole buffers where ``k`` is a constant; a
    part of a row, within that row)."""
    if not isinstance(k, Var):
        return bs
    return frozenset(b if _is_row(b) else ("row", b, k.id) for b in bs)


def _whole(b):
    """The buffer a token is part of (itself, or the tape a row is of)."""
    return _whole(b[1]) if _is_row(b) else b


def _site(b) -> int:
    b = _whole(b)
    return b[1] if isinstance(b, tuple) else b


def _read_only(s: Op) -> bool:
    rule = PRIMS[s.prim].read_only
    return rule(*(a.type for a in s.args)) if callable(rule) else bool(rule)


# ----------------------------------------------------------------------- hazards

@dataclass(frozen=True)
class Hazard:
    """An in-place write that needs a copy, and why."""

    write: Op
    reason: str          # "foreign" (an argument or read-only view) or "read later"
    value: Var | None    # the value read after the write (for "read later")

    def __str__(self) -> str:
        at = f" at {self.write.loc.file.rsplit('/', 1)[-1]}:{self.write.loc.line}" \
            if self.write.loc else ""
        why = self.reason if self.value is None else f"{self.reason}: {self.value}"
        return f"{self.write.prim} into {self.write.args[0]}{at} ({why})"


def hazards(fn: Function, analysis=None) -> list[Hazard]:
    """Every in-place write of ``fn`` that is unsound without a copy (see the module doc).
    ``analysis``: ``buffers(fn)``, where the caller has it already."""
    bufs, foreign = analysis or buffers(fn)
    order = _Order(fn)
    defs = {s.outs[0].id: s for s in walk(fn.body) if isinstance(s, Op) and s.outs}
    empty = {v for v, s in defs.items() if PRIMS[s.prim].uninitialized}
    wholes = {v: frozenset(map(_whole, bs)) for v, bs in bufs.items()}
    out = []
    for w, path in _writes(fn.body, ()):
        mine = _written(w, bufs)
        if any(_site(b) in foreign for b in mine):
            out.append(Hazard(w, "foreign", None))
            continue
        touched = frozenset(map(_whole, mine))
        stale = {v for v, ws in wholes.items()
                 if ws & touched and v not in empty and order.before(v, w)}
        hit = _read_after(w, path, stale, _Rows(mine, bufs, defs))
        if hit is not None:
            out.append(Hazard(w, "read later", hit))
    return out


def _written(w: Op, bufs: dict) -> frozenset:
    """The buffers (or rows of them) the write ``w`` changes."""
    mine = bufs.get(w.args[0].id, frozenset())
    return _rows(mine, w.args[1]) if PRIMS[w.prim].tape_row else mine


@dataclass
class _Rows:
    """What tells a write's rows apart from a read's: the rows the write changes, every
    value's buffers, and each value's defining op."""

    written: frozenset
    bufs: dict
    defs: dict

    def apart(self, s: Op, loop, inside: frozenset) -> bool:
        """Does the read ``s`` (in ``loop``) see, on every other trip, other rows than the
        write changes on this one? So where ``s`` is ``tape_get(t, k)``, each buffer the
        write shares with ``t`` is written at row ``k`` alone, and ``k`` differs from trip to
        trip of ``loop`` (:func:`_trip_step`). On the write's own trip, a read after it is
        found in program order; one before it has read the row already."""
        p = PRIMS[s.prim]
        if not (p.view and p.tape_row and isinstance(s.args[1], Var)):
            return False
        k = s.args[1]
        theirs = frozenset(map(_whole, self.bufs.get(s.args[0].id, frozenset())))
        shared = [b for b in self.written if _whole(b) in theirs]
        return all(_is_row(b) and b[2] == k.id for b in shared) \
            and _trip_step(k, loop, inside, self.defs) not in (None, 0)


class _Order:
    """Program order: when each statement runs and each value is made (a region's outputs
    after everything inside it; a block's parameters when its region starts)."""

    def __init__(self, fn: Function):
        self.at: dict[int, int] = {}          # id(stmt) -> its time
        self.made: dict[int, int] = {p.id: -1 for p in fn.params}
        self.clock = itertools.count()
        self.block(fn.body)

    def block(self, b: Block) -> None:
        for s in b.stmts:
            t = next(self.clock)
            self.at[id(s)] = t
            for inner in blocks_of(s):
                for p in inner.params:
                    self.made[p.id] = t
                self.block(inner)
            end = next(self.clock) if blocks_of(s) else t
            for v in getattr(s, "outs", ()):
                self.made[v.id] = end

    def before(self, v: int, w: Op) -> bool:
        return self.made.get(v, -1) < self.at[id(w)]


def _writes_into(p) -> bool:
    """Does the primitive write into its first argument's buffer: in place (``inplace``), or
    as a tape row written there unless the tape grows into a new buffer (``tape_push``)?"""
    return p.inplace or (p.tape_row and not p.view)


def _writes(b: Block, path: tuple):
    """(write, path) for every in-place op; ``path``: (block, index) pairs from the function's
    body down to the write's own block."""
    for i, s in enumerate(b.stmts):
        here = path + ((b, i),)
        if isinstance(s, Op):
            if _writes_into(PRIMS[s.prim]) and isinstance(s.args[0], Var):
                yield s, here
            continue
        for inner in blocks_of(s):
            yield from _writes(inner, here)


def _defined(s) -> set[int]:
    """The values a region's blocks define (their parameters included)."""
    out: set[int] = set()
    for b in blocks_of(s):
        out |= {p.id for p in b.params}
        for t in b.stmts:
            out |= {v.id for v in getattr(t, "outs", ())}
            out |= _defined(t)
    return out


def _read_after(w: Op, path: tuple, stale: set[int], rows: _Rows) -> Var | None:
    """A value of ``stale`` that the program reads after ``w`` runs, or None."""
    for depth in range(len(path) - 1, -1, -1):
        b, i = path[depth]
        later = set()
        for s in b.stmts[i + 1:]:
            later |= reads(s)
        later |= {a.id for a in b.yields if isinstance(a, Var)}
        hit = later & stale
        if hit:
            return _var(min(hit), w, path)
        region = b.stmts[i]
        if isinstance(region, (For, While)) and depth < len(path) - 1:
            inside = frozenset(_defined(region))
            hit = _loopreads(region, stale - inside, rows, inside)
            if hit:
                return _var(min(hit), w, path)
    return None


def _loopreads(loop, outer: set[int], rows: _Rows, inside: frozenset) -> set[int]:
    """The values of ``outer`` (made before ``loop``) that its trips read, save reads of a
    tape's rows that another trip's write cannot reach (:meth:`_Rows.apart`)."""
    out: set[int] = set()

    def block(b: Block) -> None:
        out.update(a.id for a in b.yields if isinstance(a, Var) and a.id in outer)
        for s in b.stmts:
            if isinstance(s, Op):
                hit = reads(s) & outer
                if hit and not rows.apart(s, loop, inside):
                    out.update(hit)
                continue
            out.update(a.id for a in operands(s) if isinstance(a, Var) and a.id in outer)
            for inner in blocks_of(s):
                block(inner)

    for b in blocks_of(loop):
        block(b)
    return out


def _trip_step(k, loop, inside: frozenset, defs: dict):
    """How the integer ``k`` changes from one trip of ``loop`` to the next (compiler/trips.py:
    0, a nonzero int, ``...`` or None), from the index's step and the ops' ``trip_step``."""
    if isinstance(k, Const) or k.id not in inside:
        return 0
    if isinstance(loop, For) and k.id == loop.body.params[0].id:     # range's step: never 0
        step = _folded(loop.step, defs)
        return step if step is not None else ...
    s = defs.get(k.id)
    rule = PRIMS[s.prim].trip_step if s is not None else None
    if rule is None or not _integer(k.type):
        return None
    return rule([_trip_step(a, loop, inside, defs) for a in s.args], s.args)


def _var(v: int, w: Op, path) -> Var:
    """The Var of id ``v`` for a message (the write's operand when it is that value)."""
    top = path[0][0]
    for a in w.args:
        if isinstance(a, Var) and a.id == v:
            return a
    for s in walk(top):
        for x in (*operands(s), *getattr(s, "outs", ())):
            if isinstance(x, Var) and x.id == v:
                return x
        for inner in blocks_of(s):
            for p in inner.params:
                if p.id == v:
                    return p
    return Var(v, T.F64)


def _folded(a, defs: dict):
    """The integer ``a`` is where the ops that make it fold to a constant (``-O1``'s constant
    folding, :func:`~.optimize.fold`), else None: at -O0 a reversed loop's step stays an op
    (``neg 2`` for a forward ``range(0, 4, 2)``)."""
    c = _constant(a, defs, 8)
    return c.value if c is not None and type(c.value) is int else None


def _constant(a, defs: dict, depth: int) -> Const | None:
    if isinstance(a, Const) or depth == 0:
        return a if isinstance(a, Const) else None
    s = defs.get(a.id)
    args = [_constant(x, defs, depth - 1) for x in s.args] if s is not None else [None]
    return None if None in args else fold(replace(s, args=tuple(args)))


def _integer(t) -> bool:
    return isinstance(t, T.Scalar) and t.dtype.startswith(("int", "uint"))


# ----------------------------------------------------------------------- the pass

def insert_copies(fn: Function) -> Function:
    """``fn`` with each write of :func:`hazards` made into a ``copy_array`` of its target:
    ``y = setitem(a, v, i)`` becomes ``c = copy_array(a); y = setitem(c, v, i)``; and each
    result that may be a read-only view copied (:func:`own_results`)."""
    analysis = buffers(fn)
    found = {id(h.write) for h in hazards(fn, analysis)}
    if not found:
        return own_results(fn, analysis)
    ids = itertools.count(max_id(fn) + 1)

    def block(b: Block) -> Block:
        stmts = []
        for s in b.stmts:
            if isinstance(s, Op) and id(s) in found:
                a = s.args[0]
                c = Var(next(ids), a.type, a.hint, a.of)
                stmts.append(Op("copy_array", (a,), (c,), (), s.loc))
                s = replace(s, args=(c,) + s.args[1:])
            elif blocks_of(s):
                s = _map_blocks(s, block)
            stmts.append(s)
        return Block(b.params, tuple(stmts), b.yields)

    return own_results(replace(fn, body=block(fn.body)))


def own_results(fn: Function, analysis=None) -> Function:
    """``fn`` with a ``copy_array`` of each array result that may be a read-only view (an
    adjoint ``np.broadcast_to``'d back over the axes a sum reduced): the caller gets arrays
    it may write into, as NumPy's functions and autograd's gradients return (campaign 343:
    ``g = dgrad(...); g /= n`` in plain Python raised "output array is read-only").
    ``analysis``: ``buffers(fn)``, where the caller has it already."""
    bufs, foreign = analysis or buffers(fn)
    views = foreign - {p.id for p in fn.params}      # read-only views, not the caller's arrays
    bad = {i for i, r in enumerate(fn.results) if isinstance(r, Var) and T.is_array(r.type)
           and any(_site(b) in views for b in bufs.get(r.id, ()))}
    if not bad:
        return fn
    ids = itertools.count(max_id(fn) + 1)
    stmts, results = list(fn.body.stmts), list(fn.results)
    for i in sorted(bad):
        r = results[i]
        results[i] = Var(next(ids), r.type, r.hint, r.of)
        stmts.append(Op("copy_array", (r,), (results[i],), (), fn.loc))
    return replace(fn, body=Block(fn.body.params, tuple(stmts), tuple(results)))


def _map_blocks(s, f):
    if isinstance(s, If):
        return replace(s, then=f(s.then), orelse=f(s.orelse))
    if isinstance(s, For):
        return replace(s, body=f(s.body))
    return replace(s, cond=f(s.cond), body=f(s.body))


def log(fn: Function) -> None:
    """``FLATGRAD_COPIES_LOG=path``: append one line per compiled function to ``path``, its
    name, the ``copy_array`` ops it runs and the hazards :func:`hazards` still finds in it
    (the figures for comparing the stages' copies with this pass's, docs/architecture.md)."""
    path = os.environ.get("FLATGRAD_COPIES_LOG")
    if not path:
        return
    found = hazards(fn)
    with open(path, "a") as f:
        f.write(f"{fn.name}\t{count_copies(fn)}\t{len(found)}\t"
                f"{' | '.join(map(str, found))}\n")


def count_copies(fn: Function) -> int:
    """How many ``copy_array`` ops ``fn`` runs (each region's body counted once)."""
    return sum(1 for s in walk(fn.body) if isinstance(s, Op) and s.prim == "copy_array")


def reads(s) -> set[int]:
    """Every value ``s`` reads the contents of, inside its regions too (an argument read for
    its shape alone, ``Primitive.shape_args``, is not)."""
    if isinstance(s, Op):
        shape_args = PRIMS[s.prim].shape_args
        return {a.id for i, a in enumerate(s.args) if isinstance(a, Var) and i not in shape_args}
    out = {a.id for a in operands(s) if isinstance(a, Var)}
    for b in blocks_of(s):
        for t in b.stmts:
            out |= reads(t)
        out |= {a.id for a in b.yields if isinstance(a, Var)}
    return out
