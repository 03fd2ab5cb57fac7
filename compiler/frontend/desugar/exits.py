"""``break``, ``continue`` and ``return`` -> flag variables and guarded statements.

Every region the Lowerer builds is single-entry, single-exit, so the reverse pass never
needs a goto. This pass, run on a function's body before lowering, makes that so in the
syntax: an exit sets a flag, and the statements after one that may have set a flag run
under a guard::

    for i in range(n):                ->      $brk1 = False
        if x[i] > 2.0:                        for i in range(n):
            break                                 if x[i] > 2.0:
        s = s + x[i]                                  $brk1 = True
    return s                                      if not $brk1:
                                                      s = s + x[i]
                                              $retval = s
                                              $ret = True

``return v`` becomes ``$retval = v; $ret = True`` (``$ret = False`` opens a function that
returns from inside a compound statement; a bare ``return`` is left for the Lowerer to
reject); a loop's ``break`` sets ``$brkN`` (False before
the loop) and its ``continue`` ``$contN`` (False at the top of each trip). A statement
directly after an exit is left unguarded: it can never run, and the Lowerer says so.

The Lowerer reads the flags back where it builds regions: a loop whose body sets its break
flag or ``$ret`` becomes a While region running while they are clear (:func:`loop_flags`),
an assignment of True to a flag ends its path (:func:`exit_of`), and a guard's other path
has already exited (:func:`guard_of`), so what is missing there needs no value.
"""
from __future__ import annotations

import ast
import copy

from ..flags import RET, RETVAL, LoopFlags

_BRK, _CONT = "$brk", "$cont"


def exits_to_flags(body: list[ast.stmt]) -> list[ast.stmt]:
    """A function's ``body`` with its exits as flags (a new list; ``body`` is not changed)."""
    out = _Exits().block(body, None)
    if any("return" in exits_of(s) for s in body if not isinstance(s, ast.Return)):
        out.insert(0, _set(RET, False, body[0]))
    return out


def exits_of(s: ast.AST) -> set[str]:
    """Which of break/continue/return statement ``s`` contains (loops own their
    break/continue; a nested def returns for itself)."""
    found: set[str] = set()

    def visit(n, in_loop):
        if isinstance(n, ast.Return):
            found.add("return")
        elif isinstance(n, ast.Break) and not in_loop:
            found.add("break")
        elif isinstance(n, ast.Continue) and not in_loop:
            found.add("continue")
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (ast.expr, ast.FunctionDef, ast.Lambda)):
                continue
            visit(c, in_loop or isinstance(n, (ast.For, ast.While)))

    if not isinstance(s, ast.FunctionDef):
        visit(s, False)
    return found


def exit_of(s: ast.stmt) -> str | None:
    """The flag ``s`` sets if it is an exit (``$ret = True``, ``$brkN = True``, ...)."""
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
            and isinstance(s.value, ast.Constant) and s.value.value is True \
            and _is_flag(s.targets[0].id):
        return s.targets[0].id
    return None


def guard_of(s: ast.stmt) -> list[str] | None:
    """The flags guard ``s`` tests (``if not ($ret or $brk1): ...``), or None if it is not
    one of this pass's guards."""
    if not (isinstance(s, ast.If) and not s.orelse and isinstance(s.test, ast.UnaryOp)
            and isinstance(s.test.op, ast.Not)):
        return None
    inner = s.test.operand
    names = inner.values if isinstance(inner, ast.BoolOp) and isinstance(inner.op, ast.Or) \
        else [inner]
    if all(isinstance(n, ast.Name) and _is_flag(n.id) for n in names):
        return [n.id for n in names]
    return None


def loop_flags(body: list[ast.stmt]) -> LoopFlags:
    """The flags a (rewritten) loop body sets: its own break and continue flags (not an
    inner loop's), and whether a return inside it leaves the function."""
    brk = cont = None
    ret = False

    def visit(stmts, inner):
        nonlocal brk, cont, ret
        for s in stmts:
            flag = exit_of(s)
            if flag == RET:
                ret = True
            elif flag is not None and not inner:
                brk, cont = (flag, cont) if flag.startswith(_BRK) else (brk, flag)
            if isinstance(s, (ast.If, ast.For, ast.While)):
                deeper = inner or not isinstance(s, ast.If)
                visit(s.body, deeper)
                visit(s.orelse, deeper)

    visit(body, False)
    return LoopFlags(brk, cont, ret)


def _is_flag(name: str) -> bool:
    return name == RET or name.startswith((_BRK, _CONT))


class _Exits:
    """The rewrite; numbers the loops whose flags it makes."""

    def __init__(self):
        self.count = 0

    def block(self, stmts: list[ast.stmt], loop: LoopFlags | None) -> list[ast.stmt]:
        """``stmts`` rewritten, inside ``loop`` (its flags; None outside loops)."""
        out: list[ast.stmt] = []
        for i, s in enumerate(stmts):
            out += self.stmt(s, loop)
            rest = stmts[i + 1:]
            if not rest:
                break
            if isinstance(s, (ast.Return, ast.Break, ast.Continue)):
                out += self.block(rest, loop)     # dead code: the Lowerer reports it
                break
            flags = self.flags_of(s, loop)
            if flags:
                out.append(guarded(flags, self.block(rest, loop), s))
                break
        return out

    def flags_of(self, s: ast.stmt, loop: LoopFlags | None) -> list[str]:
        """The flags ``s`` may set, in the order the guard tests them."""
        found = exits_of(s)
        flags = [RET] if "return" in found else []
        if loop is not None:
            flags += [f for kind, f in (("break", loop.brk), ("continue", loop.cont))
                      if kind in found and f]
        return flags

    def stmt(self, s: ast.stmt, loop: LoopFlags | None) -> list[ast.stmt]:
        if isinstance(s, ast.Return) and s.value is None:
            return [s]                 # an error, which the Lowerer reports where it is met
        if isinstance(s, ast.Return):
            return [_assign(RETVAL, s.value, s), _set(RET, True, s)]
        if isinstance(s, ast.Break):
            return [_set(loop.brk, True, s)]
        if isinstance(s, ast.Continue):
            return [_set(loop.cont, True, s)]
        if isinstance(s, ast.If) and _has_exit([s]):
            new = copy.copy(s)
            new.body, new.orelse = self.block(s.body, loop), self.block(s.orelse, loop)
            return [new]
        if isinstance(s, (ast.For, ast.While)) and _has_exit(s.body):
            return self.loop(s)
        return [s]

    def loop(self, s: ast.For | ast.While) -> list[ast.stmt]:
        """A loop with its break and continue as flags of its own."""
        found = set().union(*(exits_of(x) for x in s.body))
        self.count += 1
        flags = LoopFlags(f"{_BRK}{self.count}" if "break" in found else None,
                          f"{_CONT}{self.count}" if "continue" in found else None,
                          "return" in found)
        new = copy.copy(s)
        new.body = self.block(s.body, flags)
        if flags.cont:
            new.body.insert(0, _set(flags.cont, False, s))
        return ([_set(flags.brk, False, s)] if flags.brk else []) + [new]


def _has_exit(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, (ast.Return, ast.Break, ast.Continue)) for s in body
               for n in _statements(s))


def _statements(s: ast.stmt):
    """``s`` and the statements inside it, not those of a nested def."""
    yield s
    if isinstance(s, (ast.If, ast.For, ast.While)):
        for c in s.body + s.orelse:
            yield from _statements(c)


def _assign(name: str, value: ast.expr, at: ast.AST) -> ast.Assign:
    target = ast.copy_location(ast.Name(id=name, ctx=ast.Store()), at)
    return ast.copy_location(ast.Assign(targets=[target], value=value), at)


def _set(flag: str, value: bool, at: ast.AST) -> ast.Assign:
    return _assign(flag, ast.copy_location(ast.Constant(value), at), at)


def guarded(flags: list[str], rest: list[ast.stmt], at: ast.stmt) -> ast.If:
    """``if not (f1 or f2 ...): rest``, placed at ``at`` (the statement that may exit)."""
    names = [ast.copy_location(ast.Name(id=f, ctx=ast.Load()), at) for f in flags]
    test = names[0] if len(names) == 1 else ast.copy_location(ast.BoolOp(ast.Or(), names), at)
    return ast.copy_location(ast.If(test=ast.copy_location(ast.UnaryOp(ast.Not(), test), at),
                                    body=rest, orelse=[]), at)
