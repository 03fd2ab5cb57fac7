"""Which indexing operations provably stay in range: bounds-check elimination.

Numba checks every index only when a function is compiled with ``boundscheck=True``, and the
check costs up to half the time of an element loop (``x[i + 1] - x[i]``). This analysis,
a pure function of the optimised IR, proves accesses in range so the generated code can
drop the checks, and names the others so the code checks only those (``check_index``).

An integer value is tracked as an affine form over symbols: the array dimensions of
:mod:`.shapes` (``("arg", param, axis)``, ``("int", var)``), loop indices ``("loop", var)``
and any other int value ``("int", var)`` (SSA: a name for itself). A loop ``for i in
range(a, b, s)`` gives ``a <= i <= b - 1`` (``s > 0``) or ``b + 1 <= i <= a`` (``s < 0``)
inside its body, and the fact that the body runs at all: ``b - a - 1 >= 0`` (or
``a - b - 1 >= 0``). An index ``k`` into an axis of length ``n`` is proven when both
``k + n >= 0`` and ``n - 1 - k >= 0`` (NumPy's range, negative indices wrapping) follow:
each loop index is replaced by the bound that makes the form smallest, innermost loop first,
after subtracting at most two of the facts, and what is left must be a non-negative
constant plus non-negative multiples of dimensions of arguments.

Conservative by construction: anything not understood (a carried value, a product of two
values, an axis whose shape may change across trips, an index array) is unproven. A wrong
"proven" would be a silent out-of-range read, far worse than a check left in.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import types as T
from .ir import Block, Const, For, Function, If, Op, Var, While
from .primitives import PRIMS, UNPROVEN
from .shapes import infer

# the entries of a tape[k] (an op that indexes without a "spec": k indexes the trips axis)
_TRIPS = (("i",),)

Affine = dict       # symbol -> int coefficient; the key None holds the constant


@dataclass(frozen=True)
class Access:
    """One indexing op: its first result's var id, the primitive, the user's line, whether
    every integer index in it is proven in range, and the (index operand, axis) pairs that
    are not (each needs a check)."""
    out: int
    prim: str
    line: int | None
    proven: bool
    unproven: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Bounds:
    """What codegen needs: ``checks`` maps an op's result id to the (index operand, axis)
    pairs to check explicitly; ``opaque`` says some access can be neither proven nor checked
    here (an index array, a boolean mask), so the whole function keeps Numba's checks."""
    accesses: tuple[Access, ...]
    opaque: bool
    parallel: bool = False      # a loop Numba may run with prange

    @property
    def checks(self) -> dict[int, tuple[tuple[int, int], ...]]:
        return {a.out: a.unproven for a in self.accesses if not a.proven}

    @property
    def all_proven(self) -> bool:
        return not self.opaque and all(a.proven for a in self.accesses)


def analyse(fn: Function) -> Bounds:
    """The indexing ops of ``fn`` (every region), each proven in range or not."""
    return _Analysis(fn).run()


def _const(c) -> Affine:
    return {None: c}


def _add(a: Affine, b: Affine, k: int = 1) -> Affine:
    out = dict(a)
    for s, c in b.items():
        out[s] = out.get(s, 0) + k * c
    return {s: c for s, c in out.items() if c != 0 or s is None}


class _Analysis:
    def __init__(self, fn: Function):
        self.fn = fn
        self.shapes = infer(fn, strict=True)
        self.ints: dict[int, Affine] = {}      # int var id -> its affine form
        self.loops: list[tuple[tuple, Affine, Affine]] = []  # (symbol, low, high), outer first
        self.facts: list[Affine] = []          # forms known >= 0 where we are
        self.accesses: list[Access] = []
        self.opaque = False
        self.parallel = False

    def run(self) -> Bounds:
        self.block(self.fn.body)
        return Bounds(tuple(self.accesses), self.opaque, self.parallel)

    # ------------------------------------------------------------------ values

    def value(self, a) -> Affine | None:
        """The affine form of an int atom (None for anything else)."""
        if isinstance(a, Const):
            v = a.value
            return _const(int(v)) if isinstance(v, int) and not isinstance(v, bool) else None
        if a.type != T.I64:
            return None
        return self.ints.get(a.id, {("int", a.id): 1, None: 0})

    def dim(self, d) -> Affine | None:
        """The affine form of a dimension symbol of :mod:`.shapes`."""
        if d == 1:
            return _const(1)
        if isinstance(d, tuple) and d[0] == "arg":
            return {d: 1, None: 0}
        if isinstance(d, tuple) and d[0] == "const":
            return _const(d[1])
        if isinstance(d, tuple) and d[0] == "int":
            return self.ints.get(d[1], {d: 1, None: 0})
        return None

    def op(self, s: Op) -> None:
        first = PRIMS[s.prim].indexes      # where its index operands start (Primitive.indexes)
        if first == UNPROVEN:
            self.opaque = True
        elif first is not None:
            self.index(s, first, s.param("spec", _TRIPS))
        if not s.outs or s.outs[0].type != T.I64:
            return
        out, args = s.outs[0], [self.value(a) for a in s.args]
        form = None
        if s.prim == "dim":
            d = self.shapes.get(s.args[0].id, ())
            axis = s.param("axis")
            form = self.dim(d[axis]) if axis < len(d) else None
        elif s.prim == "add" and None not in args:
            form = _add(args[0], args[1])
        elif s.prim == "sub" and None not in args:
            form = _add(args[0], args[1], -1)
        elif s.prim == "neg" and None not in args:
            form = _add(_const(0), args[0], -1)
        elif s.prim == "mul" and None not in args:
            if set(args[0]) == {None}:
                form = {k: args[0][None] * c for k, c in args[1].items()}
            elif set(args[1]) == {None}:
                form = {k: args[1][None] * c for k, c in args[0].items()}
        elif s.prim == "floordiv" and None not in args and args[1] in ({None: 1}, {None: -1}):
            # the reverse of a reversed loop counts its trips as (a - b) // -1: exact
            form = {k: args[1][None] * c for k, c in args[0].items()}
        elif s.prim == "trip_count" and None not in args and set(args[2]) == {None} and args[2][None]:
            self.trips(out, *args)
        elif s.prim == "floordiv" and None not in args and set(args[1]) == {None} and args[1][None]:
            self.quotient(out, args[0], args[1][None])
        if form is not None:
            self.ints[out.id] = form

    def trips(self, t: Var, a: Affine, b: Affine, c: Affine) -> None:
        """``t = len(range(a, b, c))``: a loop tape's rows. t >= 0 and |c|*t >= b - a (c > 0)
        or a - b (c < 0)."""
        step, ct = c[None], {("int", t.id): abs(c[None]), None: 0}
        span = _add(b, a, -1) if step > 0 else _add(a, b, -1)
        self.facts += [{("int", t.id): 1, None: 0}, _add(ct, span, -1)]

    def quotient(self, q: Var, x: Affine, c: int) -> None:
        """``q = x // c``: q is its own symbol, known by c*q <= x <= c*q + c - 1 (c > 0) or
        c*q >= x >= c*q + c + 1 (c < 0); a stepped loop's reverse starts at such a value."""
        cq = {("int", q.id): c, None: 0}
        lo, hi = _add(x, cq, -1), _add(_add(cq, _const(c - 1)), x, -1)      # both >= 0 if c > 0
        if c < 0:
            lo, hi = _add(cq, x, -1), _add(_add(x, cq, -1), _const(-c - 1))
        self.facts += [lo, hi]

    # ------------------------------------------------------------------ accesses

    def index(self, s: Op, first: int, spec) -> None:
        """Record the access ``s``: each integer entry proven or not; an index array makes
        the function opaque (neither proven nor checked here)."""
        if not T.is_array(s.args[0].type):     # no .shape to check against: Numba checks it
            self.opaque = True
            return
        shape = self.shapes.get(s.args[0].id)
        pos, unproven = first, []
        for axis, entry in enumerate(spec):
            if entry[0] == "i":
                n = self.dim(shape[axis]) if shape is not None and axis < len(shape) else None
                if not self.in_range(self.value(s.args[pos]), n):
                    unproven.append((pos, axis))
                pos += 1
            elif entry[0] == "a":
                self.opaque = True
                pos += 1
            else:                        # a slice: NumPy clips its bounds, nothing to prove
                pos += sum(1 for present in entry[1:] if present)
        line = s.loc.line if s.loc is not None else None
        self.accesses.append(Access(s.outs[0].id, s.prim, line, not unproven, tuple(unproven)))

    def in_range(self, k: Affine | None, n: Affine | None) -> bool:
        """-n <= k <= n - 1, given the loop bounds and facts in force."""
        if k is None or n is None:
            return False
        return self.nonneg(_add(k, n)) and self.nonneg(_add(_add(n, _const(-1)), k, -1))

    def nonneg(self, e: Affine) -> bool:
        """``e >= 0`` follows from the loop bounds after subtracting at most two facts."""
        fs = [_const(0)] + self.facts
        return any(self._nonneg_after(_add(_add(e, f, -1), g, -1))
                   for k, f in enumerate(fs) for g in fs[k:])

    def _nonneg_after(self, e: Affine) -> bool:
        """A lower bound of ``e`` over the loop indices in force is >= 0."""
        for sym, low, high in reversed(self.loops):
            c = e.get(sym, 0)
            if c == 0:
                continue
            bound = low if c > 0 else high
            if bound is None:
                return False
            e = _add({s: v for s, v in e.items() if s != sym}, bound, c)
        if any(isinstance(s, tuple) and s[0] == "loop" for s in e):
            return False
        return e.get(None, 0) >= 0 and all(
            c >= 0 and isinstance(s, tuple) and s[0] == "arg" for s, c in e.items() if s is not None)

    # ------------------------------------------------------------------ regions

    def block(self, b: Block) -> None:
        facts = len(self.facts)        # a block's facts hold in it only
        for s in b.stmts:
            if isinstance(s, Op):
                self.op(s)
            elif isinstance(s, If):
                self.block(s.then)
                self.block(s.orelse)
            elif isinstance(s, For):
                self.for_(s)
            else:
                self.block(s.cond)
                self.block(s.body)
        del self.facts[facts:]

    def for_(self, s: For) -> None:
        self.parallel |= s.parallel
        step = s.step.value if isinstance(s.step, Const) else None
        start, stop = self.value(s.start), self.value(s.stop)
        i = s.body.params[0]
        sym = ("loop", i.id)
        low = high = fact = None
        if isinstance(step, int) and not isinstance(step, bool) and step != 0 \
                and start is not None and stop is not None:
            last = _add(stop, _const(-1 if step > 0 else 1))
            low, high = (start, last) if step > 0 else (last, start)
            fact = _add(_add(stop, start, -1), _const(-1)) if step > 0 else \
                _add(_add(start, stop, -1), _const(-1))
        self.ints[i.id] = {sym: 1, None: 0}
        self.loops.append((sym, low, high))
        if fact is not None:
            self.facts.append(fact)
        self.block(s.body)
        self.loops.pop()
        if fact is not None:
            self.facts.pop()
