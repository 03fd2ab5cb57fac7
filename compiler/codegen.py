"""Codegen: IR -> flat Python statements, one assignment per line.

Python decides every line; the jinja2 templates in ``templates/`` only lay out the
module around them. Names are given here, deterministically, in program order:
parameters and user variables keep their names (versions get ``_1``, ``_2``),
adjoints are ``grad_<name>``, tangents ``tan_<name>``, tapes ``tape_<name>``,
other temporaries ``s0, s1, ...``.

Two readability rules:

* a temporary made inside a derivative rule and used once is written inline into the
  adjoint line that uses it (``grad_s3 = grad_L * (1.0 - L) * L``), with only the
  parentheses precedence requires; forward temporaries stay on lines of their own;
* a value that replaces a dead one of the same kind reuses its name when that is
  safe (loop-carried variables, branch results, ``grad_x += ...``).

The Numba targets add one rule for speed: a chain of elementwise array ops whose values are
read once is written as one expression (``grad_p = 2.0 * (2.0 * (p * p - 1.0) * p)``), which
Numba compiles to one loop and one array (``optimize.fusion_order`` brings the chain
together). The plain-Python listing keeps a line per value.
"""
from __future__ import annotations

import keyword
import math
import re

from . import targets
from . import types as T
from .ir import Atom, Block, Const, For, Function, If, Op, Var, While, blocks_of, operands, uses
from .optimize import fusible, fuses_into, fusion_order, written_arrays
from .primitives import P_ADD, P_ATOM, P_UNARY, PRIMS

EMITTER_HELPERS = ("check_index",)      # runtime helpers the emitter itself writes (bounds checks)
_BASE_RESERVED = frozenset({"math", "np", "numba", "njit", "cuda", "len", "range", "abs", "min", "max",
                            "float", "int", "bool", "True", "False", "None", *keyword.kwlist})


def runtime_names() -> tuple[str, ...]:
    """Every runtime helper generated code may call, sorted: those the primitives' stanzas
    declare (``Spelling.helpers``) and the emitter's own. A stanza is their only home."""
    return tuple(sorted({h for p in PRIMS.values() for h in p.helpers} | set(EMITTER_HELPERS)))


def reserved() -> set[str]:
    """Names the emitter never gives a value: modules, builtins, keywords, runtime helpers."""
    return set(_BASE_RESERVED) | set(runtime_names())


def const_text(c: Const) -> tuple[str, int]:
    v = c.value
    if isinstance(v, bool):
        return repr(v), P_ATOM
    text = repr(v)
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        text = "math.nan" if math.isnan(v) else "math.inf" if v > 0 else "-math.inf"
    if isinstance(v, float) and getattr(c.type, "dtype", None) == "float32":
        return f"np.float32({text})", P_ATOM    # keep float32 arithmetic float32 under Numba
    return text, (P_UNARY if text.startswith("-") else P_ATOM)


def _f64_from_int_array(op: Op) -> bool:
    """A float64 array the types say comes of float32 values meeting an int64 array."""
    return (T.is_array(op.outs[0].type) and op.outs[0].type.dtype == "float64"
            and any(T.is_array(a.type) and a.type.dtype == "int64" for a in op.args)
            and any(getattr(a.type, "dtype", None) == "float32" for a in op.args))


def _as_f64(text: str, t: T.Type) -> str:
    if not T.is_array(t):
        return f"np.float64({text})"
    atom = text if re.fullmatch(r"[\w.]+", text) else f"({text})"
    return f"{atom}.astype(np.float64)"


def _stays_float32(op: Op, text: str) -> bool:
    """Numba computes ``text`` (a number, float32 by the types) in float32 by itself: an
    operator on float32 operands, an element of a float32 array, a float32 conversion."""
    f32 = [getattr(a.type, "dtype", None) == "float32" for a in op.args]
    if all(f32) and PRIMS[op.prim].spell.prec != P_ATOM:
        return True
    if f32 and f32[0] and T.is_array(op.args[0].type) and re.fullmatch(r"[\w.]+\[[^\[\]]*\]", text):
        return True
    return _called(text, "np.float32")


def _called(text: str, fn: str) -> bool:
    """``text`` is one call of ``fn``: ``fn(...)`` whose parenthesis closes at its end."""
    if not (text.startswith(fn + "(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text[len(fn):]):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(text) - len(fn) - 1
    return False


class Emitter:
    """Emits one function body. ``lines`` are (indent, text) pairs."""

    def __init__(self, fn: Function, target: targets.Target | str = "python",
                 written: set[int] | None = None, checks: dict | None = None):
        self.checks = checks or {}          # op result id -> (index operand, axis) to check
        self.level: dict[int, int] = {}     # value -> the loop depth it is defined at
        self.loop_level = 0
        self.fn = fn
        self.jit = targets.get(target).jit
        self.uses = uses(fn.body)
        self.names: dict[int, str] = {}
        self.taken = reserved()
        self.taken.update(p.hint for p in fn.params)
        self.counter = 0
        self.lines: list[tuple[int, str]] = []
        self.locs: list = []             # the source location of each line
        self.loc = None
        self.inline: dict[int, Op] = {}
        self.pending: dict[int, tuple[str, int]] = {}
        self.claims: dict[int, tuple] = {}
        # Numba fuses an array expression written in one line into one loop: a compiled
        # target (``written`` given: the arrays written in place, and views of them) writes
        # chains of elementwise ops (see optimize.fusion_order) inline
        self.written = written
        self._find_inline(fn.body)
        for p in fn.params:
            self.names[p.id] = p.hint

    # ------------------------------------------------------------------ inlining

    def _find_inline(self, b: Block) -> None:
        """Mark the temporaries written inline into their single use.

        A temporary goes inline into a derivative line (``grad_x = ...``), into another
        inlined temporary, into an in-place write, into a condition or loop bound, and
        into a boolean the block yields; forward temporaries keep lines of their own.
        """
        defs = {s.outs[0].id: s for s in b.stmts if isinstance(s, Op) and len(s.outs) == 1}

        def candidate(a) -> bool:
            if not isinstance(a, Var) or a.id not in defs:
                return False
            prim = PRIMS[defs[a.id].prim]
            return (a.hint is None and a.of is None and prim.pure and not prim.inplace
                    and self.uses.get(a.id, 0) == 1)

        for a in b.yields:
            if candidate(a) and a.type == T.BOOL:
                self.inline[a.id] = defs[a.id]
        for s in reversed(b.stmts):
            if isinstance(s, Op):
                out = s.outs[0] if s.outs else None
                hot = PRIMS[s.prim].inplace or (out is not None and (
                    out.of is not None or out.id in self.inline))
                fuse = self.written is not None and fuses_into(s)
                if hot or fuse:
                    for a in s.args[1:] if PRIMS[s.prim].inplace else s.args:
                        if (hot and candidate(a)) or (fuse and isinstance(a, Var) and a.id in defs
                                                     and fusible(defs[a.id], self.uses, self.written)):
                            self.inline[a.id] = defs[a.id]
            else:
                for a in operands(s):
                    if candidate(a) and (a.type == T.BOOL or isinstance(s, For)):
                        self.inline[a.id] = defs[a.id]
                for inner in blocks_of(s):
                    self._find_inline(inner)

    # ------------------------------------------------------------------ names

    def fresh_name(self, v: Var) -> str:
        if v.hint:
            base = v.hint
        elif v.of is not None:
            kind, ref = v.of
            base = f"{kind}_{self.names.get(ref) or 's'}"
        else:
            while f"s{self.counter}" in self.taken:
                self.counter += 1
            base = f"s{self.counter}"
            self.counter += 1
        name, n = base, 0
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def same_family(self, y: Var, v: Var) -> bool:
        """May ``v`` take ``y``'s name? Only as another version of the same variable or of the
        same adjoint (``grad_h`` for ``grad_h_1``): ``grad_x`` is never printed as ``y``."""
        if v.hint is None and v.of is None:
            return True

        def stem(u: Var):
            if u.hint:
                return ("", u.hint)
            if u.of is not None:
                kind, ref = u.of
                return (kind, re.sub(r"(_\d+)+$", "", self.names.get(ref, "")))
            return None

        return stem(y) == stem(v)

    def define(self, v: Var, name: str | None = None) -> str:
        if v.id in self.names:
            return self.names[v.id]
        self.names[v.id] = name or self.fresh_name(v)
        self.level[v.id] = self.loop_level
        return self.names[v.id]

    def name_of(self, a: Atom) -> tuple[str, int]:
        if isinstance(a, Const):
            return const_text(a)
        if a.id in self.pending:
            return self.pending.pop(a.id)
        return self.names[a.id], P_ATOM

    # ------------------------------------------------------------------ expressions

    def expr(self, op: Op) -> tuple[str, int]:
        prim = PRIMS[op.prim]
        sp = prim.spell
        if sp.choose is not None:
            array = T.is_array(op.args[sp.choose].type)
        else:
            array = any(T.is_array(a.type) for a in op.args) or any(T.is_array(v.type) for v in op.outs)
        fmt = sp.array if array else sp.scalar
        if array and self.jit and sp.jit is not None:
            fmt = sp.jit
        elif (not array and not self.jit and isinstance(fmt, str) and fmt.startswith("math.")
              and isinstance(sp.array, str) and sp.array.startswith("np.") and op.outs
              and T.is_float(op.outs[0].type)):
            # plain Python: NumPy's scalar functions, so that log(0) is -inf and sqrt(-1) nan
            # (IEEE, as on arrays and under Numba) rather than a ValueError
            fmt = sp.array
        args = []
        for i, a in enumerate(op.args):
            need = sp.arg_prec[min(i, len(sp.arg_prec) - 1)] if sp.arg_prec else 0
            text, prec = self.name_of(a)
            args.append(f"({text})" if prec < need else text)
        out = op.outs[0] if op.outs else None
        if self.jit and prim.elementwise and out is not None and _f64_from_int_array(op):
            # NumPy computes float32 with an int64 array in float64, Numba in float32
            args = [_as_f64(t, a.type) if getattr(a.type, "dtype", None) == "float32" else t
                    for a, t in zip(op.args, args)]
        for pos, axis in self.checks.get(out.id if out is not None else None, ()):
            # an index the range analysis could not prove: checked here (compiler/ranges.py)
            args[pos] = f"check_index({args[pos]}, {args[0]}.shape[{axis}])"
        extra = dict(op.params)
        if out is not None:
            dt = out.type.dtype if hasattr(out.type, "dtype") else "float64"
            extra.setdefault("dtype", "bool_" if dt == "bool" else dt)
            extra.setdefault("ndim", T.ndim(out.type))
        text = fmt(args, extra) if callable(fmt) else fmt.format(*args, **extra)
        if self.jit and out is not None and out.type == T.F32 and not _stays_float32(op, text):
            # a float32 number stays float32 under Numba, as in NumPy: Numba computes
            # float32 * 2, float32 / n, np.exp(float32), np.sum(float32 array) in float64,
            # and a float64 number then turns the float32 arrays it meets into float64 ones
            return f"np.float32({text})", P_ATOM
        return text, sp.prec

    def emit(self, depth: int, text: str) -> None:
        self.flush(depth)
        self._add((depth, text))

    def _add(self, line: tuple[int, str]) -> None:
        self.lines.append(line)
        self.locs.append(self.loc)

    def flush(self, depth: int) -> None:
        """Pending inline expressions that were not consumed become lines of their own."""
        for vid, (text, _prec) in list(self.pending.items()):
            del self.pending[vid]
            name = self.fresh_name(Var(vid, T.F64))
            self.names[vid] = name
            self._add((depth, f"{name} = {text}"))

    # ------------------------------------------------------------------ statements

    def block(self, b: Block, depth: int) -> None:
        for i, s in enumerate(b.stmts):
            self.loc = s.loc
            if isinstance(s, Op):
                self.op(s, b, i, depth)
            elif isinstance(s, If):
                self.if_(s, b, i, depth)
            elif isinstance(s, For):
                self.for_(s, b, i, depth)
            else:
                self.while_(s, b, i, depth)

    def op(self, s: Op, b: Block, i: int, depth: int) -> None:
        prim = PRIMS[s.prim]
        if s.outs and s.outs[0].id in self.inline:
            # consumed by a later line of this block: keep its text until then
            text = self.expr(s)
            self.pending[s.outs[0].id] = text
            return
        if prim.inplace:
            text, _ = self.expr(s)
            self.emit(depth, text)
            self.names[s.outs[0].id] = self.names[s.args[0].id]
            return
        out = s.outs[0]
        if prim.effect and not self.uses.get(out.id):
            self.emit(depth, self.expr(s)[0])     # called for its effect (print): no result
            return
        acc = self._accumulates(s, b, i)
        if acc is not None:
            prev, other = acc
            name = self.names[prev.id]
            text, prec = self.name_of(other)
            if T.is_array(out.type):
                if prec <= P_ADD:          # (x if c else y), a - b ...: the right of a +
                    text = f"({text})"
                self.emit(depth, f"{name} = {name} + {text}")
            else:
                self.emit(depth, f"{name} += {text}")
            self.names[out.id] = name
            return
        if s.prim == "tape_push" and self.uses.get(s.args[0].id) == 1 \
                and s.args[0].id in self.names:       # (not a temporary written inline)
            text, _ = self.expr(s)
            name = self.names[s.args[0].id]
            self.emit(depth, f"{name} = {text}")
            self.names[out.id] = name
            return
        text, _ = self.expr(s)
        self.emit(depth, f"{self.define(out, self._claimed_name(out))} = {text}")

    def _accumulates(self, s: Op, b: Block, i: int):
        """``grad_x = grad_x + c`` where the old grad_x dies here: written ``grad_x += c``."""
        out = s.outs[0]
        if s.prim != "add" or out.of is None or out.of[0] != "grad":
            return None
        prev, other = s.args
        if (isinstance(prev, Var) and prev.of == out.of and prev.type == out.type
                and self.uses.get(prev.id) == 1 and prev.id in self.names
                and self._defined_in(prev, b, i)):
            return prev, other
        return None

    def _defined_in(self, v: Var, b: Block, i: int) -> bool:
        return any(v in getattr(s, "outs", ()) for s in b.stmts[:i])

    def _dead_after(self, v, s) -> bool:
        """True if ``v`` is read only by statement ``s`` (and nothing after it). A value from
        outside the loop ``s`` sits in is read again by the next trip: never dead there."""
        if not isinstance(v, Var) or v.id not in self.names:
            return False
        if self.level.get(v.id, 0) != self.loop_level:
            return False
        inside = _count(s, v.id)
        return self.uses.get(v.id, 0) == inside

    def _yield_into(self, block: Block, targets: list[str], depth: int) -> None:
        """Assign the block's yields to ``targets`` where they do not already hold them."""
        pairs = []
        for y, t in zip(block.yields, targets):
            text = self.name_of(y)[0] if isinstance(y, Const) or y.id not in self.pending else \
                self.pending.pop(y.id)[0]
            if text != t:
                pairs.append((t, text))
        if len(pairs) == 1:
            self.emit(depth, f"{pairs[0][0]} = {pairs[0][1]}")
        elif pairs:
            self.emit(depth, ", ".join(t for t, _ in pairs) + " = " + ", ".join(x for _, x in pairs))

    def _claim_yields(self, block: Block, targets: list[str]) -> None:
        """Let values computed in ``block`` only to be yielded take their target's name.

        The decision is made when the value's line is emitted (see :meth:`op`), once every
        value read after it has its name."""
        counts = {}
        for y in block.yields:
            if isinstance(y, Var):
                counts[y.id] = counts.get(y.id, 0) + 1
        for pos, (y, t) in enumerate(zip(block.yields, targets)):
            if not isinstance(y, Var) or counts[y.id] != 1 or self.uses.get(y.id) != 1:
                continue
            idx = _def_index(block, y)
            if idx is not None and isinstance(block.stmts[idx], Op):
                self.claims[y.id] = (block, idx, t, pos)

    def _claimed_name(self, v: Var) -> str | None:
        claim = self.claims.pop(v.id, None)
        if claim is None:
            return None
        block, idx, t, pos = claim
        # the target name must not be read after v is assigned (in the statements that
        # follow, or by another yield, which is assigned at the very end)
        if self._reads_name_after(block, idx, t, pos):
            return None
        return t

    def _reads_name_after(self, block: Block, idx: int, name: str, pos: int) -> bool:
        def named(a) -> bool:
            return isinstance(a, Var) and self.names.get(a.id) == name

        def reads(s) -> bool:
            if any(named(a) for a in operands(s)):
                return True
            return any(reads(x) or any(named(a) for a in inner.yields)
                       for inner in blocks_of(s) for x in inner.stmts) or \
                any(named(a) for inner in blocks_of(s) for a in inner.yields)

        if any(reads(s) for s in block.stmts[idx + 1:]):
            return True
        return any(named(a) for k, a in enumerate(block.yields) if k != pos)

    def if_(self, s: If, b: Block, i: int, depth: int) -> None:
        cond, _ = self.name_of(s.cond)
        targets = []
        for v, yt, ye in zip(s.outs, s.then.yields, s.orelse.yields):
            name = None
            for y in (ye, yt):
                if (isinstance(y, Var) and y.id in self.names and y.type == v.type
                        and self.same_family(y, v)
                        and self._dead_after(y, s) and self.names[y.id] not in targets):
                    name = self.names[y.id]
                    break
            targets.append(name or self.fresh_name(v))
        self.flush(depth)
        self._add((depth, f"if {cond}:"))
        start = len(self.lines)
        self._arm(s.then, targets, depth + 1)
        if len(self.lines) == start:
            self._add((depth + 1, "pass"))
        start = len(self.lines)
        self._add((depth, "else:"))
        self._arm(s.orelse, targets, depth + 1)
        if len(self.lines) == start + 1:
            self.lines.pop()
            self.locs.pop()
        for v, t in zip(s.outs, targets):
            self.names[v.id] = t

    def _arm(self, block: Block, targets, depth) -> None:
        self._claim_yields(block, targets)
        self.block(block, depth)
        self._yield_into(block, targets, depth)

    def _carried_names(self, s, params) -> list[str]:
        targets = []
        for p, a in zip(params, s.init):
            # an init may lend its name to the loop variable only if nothing reads it later,
            # the loop body included (the body runs after the variable has changed)
            if (isinstance(a, Var) and a.type == p.type and a.id in self.names
                    and self.same_family(a, p) and self.level.get(a.id, 0) == self.loop_level
                    and self.uses.get(a.id, 0) == sum(1 for x in s.init if x is a)
                    and self.names[a.id] not in targets):
                targets.append(self.names[a.id])
            else:
                targets.append(self.fresh_name(p))
        for p, t in zip(params, targets):
            self.names[p.id] = t
            self.level[p.id] = self.loop_level + 1       # rebound by every trip
        inits = [(t, self.name_of(a)[0]) for t, a in zip(targets, s.init)]
        inits = [(t, x) for t, x in inits if t != x]
        if len(inits) == 1:
            self.emit(self._depth, f"{inits[0][0]} = {inits[0][1]}")
        elif inits:
            self.emit(self._depth, ", ".join(t for t, _ in inits) + " = " + ", ".join(x for _, x in inits))
        return targets

    def for_(self, s: For, b: Block, i: int, depth: int) -> None:
        self._depth = depth
        index, *params = s.body.params
        start, _ = self.name_of(s.start)
        stop, _ = self.name_of(s.stop)
        step, _ = self.name_of(s.step)
        targets = self._carried_names(s, params)
        idx = self.define(index) if self.uses.get(index.id) else "_"
        if step == "1":
            rng = f"range({stop})" if start == "0" else f"range({start}, {stop})"
        else:
            rng = f"range({start}, {stop}, {step})"
        if s.parallel and self.jit:
            rng = "p" + rng         # independent trips (vmap's loop method, "parallel")
        self.emit(depth, f"for {idx} in {rng}:")
        self._loop_body(s, targets, depth)

    def while_(self, s: While, b: Block, i: int, depth: int) -> None:
        self._depth = depth
        targets = self._carried_names(s, s.body.params)
        for p, t in zip(s.cond.params, targets):
            # the condition's parameters are the body's storage under other ids: rebound by
            # every trip, so never dead (an if in the condition must not reuse their names)
            self.names[p.id] = t
            self.level[p.id] = self.loop_level + 1
        c = s.cond.yields[0]
        simple = all(isinstance(x, Op) and x.outs[0].id in self.inline for x in s.cond.stmts)
        if simple:
            for x in s.cond.stmts:
                self.pending[x.outs[0].id] = self.expr(x)
            text, _ = self.name_of(c)
            self.emit(depth, f"while {text}:")
        else:
            self.emit(depth, "while True:")
            self.block(s.cond, depth + 1)
            text, prec = self.name_of(c)
            self.emit(depth + 1, f"if not {text if prec > 4 else '(' + text + ')'}:")
            self._add((depth + 2, "break"))
        self._loop_body(s, targets, depth)

    def _loop_body(self, s, targets: list[str], depth: int) -> None:
        """The body of a loop whose header is emitted; the outputs keep the loop's names."""
        n = len(self.lines)
        self.loop_level += 1
        self._arm(s.body, targets, depth + 1)
        self.loop_level -= 1
        if len(self.lines) == n:
            self._add((depth + 1, "pass"))
        for v, t in zip(s.outs, targets):
            self.names[v.id] = t

    def results(self) -> list[str]:
        return [self.name_of(a)[0] for a in self.fn.results]


def _count(s, vid: int) -> int:
    n = sum(1 for a in operands(s) if isinstance(a, Var) and a.id == vid)
    for inner in blocks_of(s):
        for x in inner.stmts:
            n += _count(x, vid)
        n += sum(1 for a in inner.yields if isinstance(a, Var) and a.id == vid)
    return n


def _def_index(block: Block, v: Var):
    for i, s in enumerate(block.stmts):
        if v in getattr(s, "outs", ()):
            return i
    return None


def emit_body(fn: Function, target: targets.Target | str = "python", checks: dict | None = None):
    """The indented body lines of ``fn``, the texts of its results, and each line's source
    location (for pointing run-time errors at the user's line). ``checks``: the indices to
    check explicitly (:attr:`.ranges.Bounds.checks`)."""
    written = None
    if targets.get(target).jit:
        written = written_arrays(fn)        # fusion_order moves ops; the ids stay the same
        fn = fusion_order(fn, written)
    e = Emitter(fn, target, written, checks)
    e.block(fn.body, 1)
    ret = e.results()
    e.flush(1)
    return ["    " * d + t for d, t in e.lines], ret, e.locs

