"""Split a long generated Numba function into parts Numba compiles one by one.

Numba hands each ``@njit`` function to LLVM as one function, and LLVM's optimiser grows faster
than linearly with a function's size: every array operation Numba inlines is a loop of its own,
with its allocations and reference counts, so a 1,700-line gradient (autograd's wing
simulation, bench/programs/wing.py) holds thousands of loops in one function and was still in
LLVM's function passes after half an hour of one core, while the same lines in parts of 80
compiled in 284 s of CPU (on a 2-core machine at load 12; a third of it the entry function,
where Numba linked every part in and optimised and generated code for it again). A function
longer than :data:`LIMIT` lines is therefore cut, after code generation, into *parts*: runs of
consecutive statements of at most ``LIMIT`` lines become functions of their own (``f_part1``,
``f_part2``, ...), called where the statements stood, as ``call_part(f_part1, (a, b))``: Numba
compiles each part once and the entry calls its machine code without linking its LLVM module
in and optimising it again (runtime/numba_parts.py; plain calls cost the wing's entry 58 s).
A compound statement longer than the limit (a big loop) stays where it is and its body is cut
the same way, so the part calls sit inside the loop.

A part takes the variables it reads that were bound before it (the function's parameters, or
statements earlier in program order or in an earlier trip of an enclosing loop) and returns
those it binds that are read anywhere outside it or that it reads before binding them (its
next call, in the next trip of a loop around it, reads them). Arrays are passed by reference, so writes
into them (``tape[k] = p``, ``grad_x[i] += ...``) are seen by the caller as they were before.
A run whose variables cannot be so described (one it returns might be unbound, a loop ran zero
times) stays inline. The python target is never split (it is not compiled, and its listing is
the one users read first); the line table keeps naming the user's lines in every part.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

LIMIT = 80          # lines a generated Numba function may have before it is split
SMALLEST = 8        # a part shorter than this is not worth a call: its lines stay inline
COLD = 16           # a part run this many times less often than the function's hottest code is cold
CALL = "call_part"  # the entry calls a part as call_part(f_part1, (a, b)) (runtime/numba_parts.py)


def limit() -> int | None:
    """``$FLATGRAD_SPLIT_LINES`` (a tuning and testing knob; part of the cache key), else
    :data:`LIMIT`; ``0`` or ``none``: never split."""
    text = os.environ.get("FLATGRAD_SPLIT_LINES", "").strip().lower()
    if not text:
        return LIMIT
    if text in ("0", "none"):
        return None
    n = int(text)
    if n < 1:
        raise ValueError(f"FLATGRAD_SPLIT_LINES={text!r}: a number of lines above 0, or none")
    return n


@dataclass
class Part:
    """One function of a split: its name, parameters, body lines (indented one level),
    returned expression and each line's source location."""

    name: str
    params: list[str]
    lines: list[str]
    ret: str
    locs: list = field(default_factory=list)
    runs: int | None = None     # its hottest line's runs per call of the function (None: unknown)
                                # (the function itself: the hottest line of all its parts)
    cold: bool = False          # run far less often than the function's hottest code (see split)


def split(name: str, params: list[str], lines: list[str], ret: str, locs: list,
          most: int | None = None) -> list[Part]:
    """``[the function itself, its parts...]``: the function unchanged when it is no longer
    than ``most`` lines (default :func:`limit`).

    Each part says how often its hottest line runs per call (``runs``, from the constant trip
    counts of the loops around and inside it) and whether it is *cold*: run at least
    :data:`COLD` times less often than the function's hottest line, so that its share of the
    run time is small whatever code Numba makes of it (runtime/numba_parts.py compiles cold
    parts with LLVM's cheaper -O1; autograd's wing simulation spends 150 trips in its
    Gauss-Seidel loop bodies and runs most of its 1,000 lines 1 to 3 times). A run of
    statements is cut where they turn from cold to hot, so that a hot loop and the cold lines
    around it become parts of their own."""
    main = Part(name, list(params), list(lines), ret, list(locs))
    most = limit() if most is None else most
    if most is None or len(lines) <= most:
        return [main]
    text = f"def {name}({', '.join(params)}):\n" + "\n".join(lines) + f"\n    return {ret}\n"
    tree = ast.parse(text).body[0]
    s = _Splitter(name, lines, locs, most, tree)
    main.lines, main.locs = s.block(tree.body[:-1], 1)       # (the last is the return)
    main.runs = s.hottest
    return [main, *s.parts]


def _trips(loop) -> int | None:
    """The constant trip count of ``for _ in range(<int literals>)``, else None."""
    if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call)
            and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "range"
            and not loop.iter.keywords and 1 <= len(loop.iter.args) <= 3):
        return None
    bounds = [_int(a) for a in loop.iter.args]
    if None in bounds or (len(bounds) == 3 and bounds[2] == 0):
        return None
    return len(range(*bounds))


def _int(node) -> int | None:
    """The value of an integer literal (``3``, ``-1``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        n = _int(node.operand)
        return None if n is None else -n
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _runs(stmts, outer: int | None) -> int | None:
    """How often the most often run of ``stmts`` runs when they run ``outer`` times: the
    product of the constant trip counts of the loops around it (None: a loop whose count is
    not a constant, so unknown; branches count as taken)."""
    most = outer
    for s in stmts:
        if isinstance(s, (ast.For, ast.While)):
            n = _trips(s)
            inner = _runs(s.body, None if n is None or outer is None else outer * n)
            if inner is None:
                return None
            most = max(most, inner, _runs(s.orelse, outer) or 0)
        elif isinstance(s, ast.If):
            for arm in (s.body, s.orelse):
                r = _runs(arm, outer)
                if r is None:
                    return None
                most = max(most, r)
    return most


def _names(node, ctx) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def _stores(node) -> set[str]:
    out = _names(node, ast.Store)
    for n in ast.walk(node):            # x += y reads x as well; it is a store here
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
    return out


def _loads(node) -> set[str]:
    out = _names(node, ast.Load)
    for n in ast.walk(node):
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
    return out


def _escapes(stmts) -> bool:
    """Whether ``stmts`` leave their place other than by falling through: a ``break`` or
    ``continue`` of an enclosing loop, or a ``return`` (none of which a part can do)."""
    for s in stmts:
        if isinstance(s, (ast.Break, ast.Continue, ast.Return)):
            return True
        if isinstance(s, (ast.For, ast.While)):
            if any(isinstance(n, ast.Return) for n in ast.walk(s)):
                return True
        elif isinstance(s, ast.If) and (_escapes(s.body) or _escapes(s.orelse)):
            return True
    return False


class _Splitter:
    def __init__(self, name, lines, locs, limit, fn: ast.FunctionDef):
        self.name, self.src, self.locs, self.limit = name, lines, locs, limit
        self.parts: list[Part] = []
        self.local = {a.arg for a in fn.args.args} | _stores(fn)   # names bound in the function
        self.fn = fn
        self.outer: int | None = 1     # runs of the block being cut per call (None: unknown)
        self.hottest = _runs(fn.body, 1)   # runs of the function's hottest line (None: unknown)

    # ------------------------------------------------------------------ source lines

    def _span(self, s: ast.stmt) -> range:
        """The indices into the body lines of statement ``s`` (line 1 is the ``def``)."""
        return range(s.lineno - 2, s.end_lineno - 1)

    def _size(self, stmts) -> int:
        return sum(len(self._span(s)) for s in stmts)

    def _text(self, stmts, dedent: int) -> tuple[list[str], list]:
        lines, locs = [], []
        for s in stmts:
            for i in self._span(s):
                lines.append(self.src[i][4 * dedent:])
                locs.append(self.locs[i] if i < len(self.locs) else None)
        return lines, locs

    # ------------------------------------------------------------------ cutting

    def block(self, stmts, depth: int) -> tuple[list[str], list]:
        """The lines of ``stmts`` (at indentation ``depth``) with runs of them made parts."""
        lines, locs, run = [], [], []

        def close():
            out, where = self._part(run, depth)
            lines.extend(out)
            locs.extend(where)
            run.clear()

        for s in stmts:
            size = len(self._span(s))
            if size > self.limit and isinstance(s, (ast.For, ast.While, ast.If)):
                close()
                out, where = self._compound(s, depth)
                lines.extend(out)
                locs.extend(where)
                continue
            if run and (self._size(run) + size > self.limit
                        or self._cold([s]) != self._cold(run)):
                close()         # (a part is all cold or all hot: see split)
            run.append(s)
        close()
        return lines, locs

    def _cold(self, stmts) -> bool:
        """Whether ``stmts`` run at least :data:`COLD` times less often than the function's
        hottest line (both counts known)."""
        runs = _runs(stmts, self.outer)
        return runs is not None and self.hottest is not None and runs * COLD <= self.hottest

    def _compound(self, s, depth: int) -> tuple[list[str], list]:
        """A long loop or branch in place, with its body (and else arm) cut into parts."""
        pad = "    " * depth
        head = self._span(s)[0]
        lines, locs = [self.src[head]], [self.locs[head] if head < len(self.locs) else None]
        outer = self.outer
        if isinstance(s, (ast.For, ast.While)):
            n = _trips(s)
            self.outer = None if n is None or outer is None else outer * n
        body, where = self.block(s.body, depth + 1)
        self.outer = outer
        lines += body or [pad + "    pass"]
        locs += where or [None]
        if s.orelse:
            # the else line sits between the two arms' statements ("elif" is an If in orelse:
            # written back as else: if ..., which the generated code never has anyway)
            lines.append(pad + "else:")
            locs.append(None)
            arm, where = self.block(s.orelse, depth + 1)
            lines += arm
            locs += where
        return lines, locs

    def _part(self, run, depth: int) -> tuple[list[str], list]:
        """``run`` as a call of a new part, or its own lines where that does not pay or
        cannot be described by parameters and results."""
        own = self._text(run, 0)
        if self._size(run) < SMALLEST or _escapes(run):
            return own
        io = self._interface(run)
        if io is None:
            return own
        inputs, outputs = io
        name = f"{self.name}_part{len(self.parts) + 1}"
        body, locs = self._text(run, depth - 1)
        ret = ", ".join(outputs)
        if len(outputs) == 1:
            ret += ","            # always a tuple: one unpacking at the call
        self.parts.append(Part(name, inputs, body, f"({ret})" if outputs else "None", locs,
                               runs=_runs(run, self.outer), cold=self._cold(run)))
        call = f"{CALL}({name}, ({', '.join(inputs)}{',' if len(inputs) == 1 else ''}))"
        pad = "    " * depth
        line = f"{pad}{', '.join(outputs)}{',' if len(outputs) == 1 else ''} = {call}" \
            if outputs else pad + call
        first = next((loc for loc in locs if loc is not None), None)
        return [line], [first]

    def _interface(self, run):
        """``(parameters, results)`` of a part made of ``run``, or None if some result might
        be unbound at its end."""
        inside = {id(n) for s in run for n in ast.walk(s)}
        inputs: list[str] = []
        bound = self._walk(run, set(), inputs)
        stored = set().union(*(_stores(s) for s in run))
        outside: set[str] = set()
        for n in ast.walk(self.fn):
            if id(n) in inside:
                continue
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                outside.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                outside.add(n.target.id)
        # a name the run reads before it binds it is returned too: inside a loop the run's
        # next trip (the part called again) reads the value this trip bound
        outputs = sorted(stored & (outside | set(inputs)))
        if any(v not in bound and v not in inputs for v in outputs):
            return None
        return inputs, outputs

    def _walk(self, stmts, bound: set, inputs: list) -> set:
        """The names certainly bound after ``stmts`` run with ``bound`` bound before; adds to
        ``inputs`` each function-local name read while not certainly bound (in order)."""
        bound = set(bound)

        def read(node):
            for v in sorted(_loads(node)):
                if v in self.local and v not in bound and v not in inputs:
                    inputs.append(v)

        for s in stmts:
            if isinstance(s, ast.For):
                read(s.iter)
                self._walk(s.body, bound | _stores(s.target), inputs)
                self._walk(s.orelse, bound, inputs)
            elif isinstance(s, ast.While):
                read(s.test)
                self._walk(s.body, bound, inputs)
                self._walk(s.orelse, bound, inputs)
            elif isinstance(s, ast.If):
                read(s.test)
                bound = self._walk(s.body, bound, inputs) & self._walk(s.orelse, bound, inputs)
            else:
                read(s)
                bound |= _stores(s)
        return bound
