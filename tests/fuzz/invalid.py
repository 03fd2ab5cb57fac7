"""Invalid programs: a valid program with one statement out of the subset inserted.

flatgrad must answer each with a :class:`flatgrad.CompileError` that points at the inserted
line: never another exception, never a silent result.

``MUST`` mutations are out of the documented subset (README, "What you can write":
classes, ``try``, ``with``, lambdas, comprehensions, generators, ``global``/``nonlocal``,
recursion, strings, I/O, mutation of arguments, and undefined names). ``EXTRA`` ones are
not named there but are no Python flatgrad can mean (``del``, sets, run-time dict keys,
``yield``, ...);
accepting one silently is reported separately as ``ACCEPTED``.
"""
from __future__ import annotations

import copy
import math
import random

import numpy as np

from .gen import Program, Stmt, generate

# (text with {a} = an array argument or {s} = any argument, {call} = a call of f itself)
MUST = [
    "t = [u for u in open('data.txt')]",
    "t = {{_: {s} for _ in range(int({s}))}}",
    "t = sum({s} for _ in {{1, {s}}})",
    "t = 'text' * {s}",
    "t = f'{{{s}}}'",
    "np.save('data.npy', {s})",
    "global G",
    "t = open('data.txt')",
    "try:\n    t = {s}\nexcept Exception:\n    t = 1.0",
    "with open('data.txt') as fh:\n    t = 1.0",
    "class C:\n    pass",
    "t = {call}",
    "{a}[0] = 1.0",
    "{a} += 1.0",
    "{a} *= 2.0",
    "{a}[:] = 0.0",
    "t = undefined_name * 2.0",
    "def inner(u):\n    try:\n        return u\n    except Exception:\n        return u",
]
EXTRA = [
    "t = {{{s}: 1.0}}",                      # a dict key known only at run time
    "t = {{1.0, 2.0}}",
    "del {s}",
    "import no_such_module_for_flatgrad",
    "yield {s}",
    "raise np.linalg.LinAlgError('no')",
    "t = {s} if (w := 1.0) else 2.0",
    "for v in 2.5:\n    t = v",
    "t = {s}.tolist()",
    "t = np.linalg.eig(np.eye(3))",
    "t = np.random.vonmises(0.0, 1.0)",     # a method flatgrad does not draw with
    "{a}.sort()",
    "t = {a}.tolist()",
    "t = callable({s})",                    # (isinstance is folded while compiling now)
    "t = {s} in (1.0, 2.0)",
    "t = getattr({s}, 'no_such_attribute')",
    "t = {s}.flags",
    "t = exec('1')",
]


def mutate(prog: Program, seed: int):
    """(program with one marked invalid statement, mutation text, "MUST"/"EXTRA") or None."""
    r = random.Random(seed * 7919 + 1)
    prog = copy.deepcopy(prog)
    # array arguments the function never rebinds (``y = ...`` makes ``y *= 2`` valid)
    rebound = {st.head.split(" = ")[0] for body in [prog.main.body] for s in body
               for st in s.walk() if " = " in st.head}
    arrays = [p for p, s in prog.main.params if s != () and p not in rebound]
    pool = [(m, "MUST") for m in MUST] * 2 + [(m, "EXTRA") for m in EXTRA]
    r.shuffle(pool)
    for text, kind in pool:
        if "{a}" in text and not arrays:
            continue
        break
    names = [p for p, _ in prog.main.params]
    call = "f(" + ", ".join(names) + ")"
    text = text.format(a=r.choice(arrays) if arrays else "x", s=r.choice(names), call=call)
    # insert in the main function: at top level or inside a block
    bodies = []

    def visit(body, depth):
        bodies.append((body, depth))
        for s in body:
            for head, _, b in s.arms:
                if depth < 2:
                    visit(b, depth + 1)
    visit(prog.main.body, 0)
    body, _ = r.choice(bodies)
    # never after the final return of the main body
    limit = len(body) - 1 if body is prog.main.body else len(body)
    pos = r.randint(0, max(0, limit))
    # not after a return/break/continue: dead code is a different question (see findings)
    while pos > 0 and body[pos - 1].tag in ("return", "early_return", "break"):
        pos -= 1
    body.insert(pos, Stmt(text.replace("{", "{{").replace("}", "}}"), tag="invalid", mark=True))
    return prog, text, kind


def check_invalid(prog: Program, workdir: str, fg=None):
    """(outcome, detail): OK, WRONG_LINE, OTHER_EXC, SILENT/ACCEPTED, or GEN_BAD."""
    from .runner import alarm, load, Timeout
    if fg is None:
        import flatgrad as fg
    from .gen import random_args
    src, marks = prog.render()
    try:
        mod, path = load(src, workdir, tag="bad")
    except Exception as e:   # e.g. a SyntaxError of the mutated source: not a program
        return "GEN_BAD", f"{type(e).__name__}: {e}"
    if not marks:
        return "GEN_BAD", "no marked line"
    lines = src.split("\n")
    first = marks[0]
    indent = " " * (len(lines[first - 1]) - len(lines[first - 1].lstrip()) + 4)
    last = first
    while last < len(lines) and lines[last].startswith(indent):
        last += 1
    args = random_args(prog, prog.seed)
    n = len(args)
    try:
        with alarm(30):
            fg.value_and_grad(mod.f, tuple(range(n)), target="python")(*args)
    except fg.CompileError as e:
        loc = getattr(e, "loc", None)
        if loc is None:
            return "WRONG_LINE", f"no location: {str(e).splitlines()[0]}"
        if not str(loc.file).endswith(path.split("/")[-1]):
            return "WRONG_LINE", f"file {loc.file}, expected {path}: {str(e).splitlines()[0]}"
        if not first <= loc.line <= last:
            return "WRONG_LINE", (f"line {loc.line}, mutation at {first}: "
                                  f"{str(e).splitlines()[0]}")
        return "OK", ""
    except Timeout:
        return "OTHER_EXC", "timeout"
    except Exception as e:
        return "OTHER_EXC", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
    if _in_dead_branch(src, first):
        return "DEAD", ("never runs: in a branch whose condition is known while compiling, "
                        "or after a jump")
    return "SILENT", "compiled and ran without a CompileError"


def _in_dead_branch(src: str, line: int) -> bool:
    """Is ``line`` inside an if (or elif/else) arm chosen by a condition made of constants
    only (``elif 2.0 < 2.0:``)? flatgrad, as Python, never runs such an arm; it is not lowered."""
    import ast
    tree = ast.parse(src)
    known = set()                  # locals bound once to a constant expression (v1 = 1.5)
    fixed = set()                  # helpers that return one constant (inlined, it folds)
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            known |= _constant_locals(fn)
            returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
            if len(returns) == 1 and returns[0] is fn.body[-1] and returns[0].value is not None \
                    and not any(isinstance(n, (ast.Name, ast.Call)) for n in ast.walk(returns[0].value)):
                fixed.add(fn.name)

    def known_value(e):
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in fixed:
            return True
        if isinstance(e, ast.Name):
            return e.id in known
        return all(known_value(k) for k in ast.iter_child_nodes(e))

    def constant(node):
        return isinstance(node, ast.If) and known_value(node.test)

    for node in ast.walk(tree):
        if constant(node):
            for arm in (node.body, node.orelse):
                if arm and arm[0].lineno <= line <= max(getattr(s, "end_lineno", s.lineno)
                                                        for s in arm):
                    return True
        # after `if <constant>: return ...` (or break, continue, or a bare jump) the rest of
        # the block never runs either
        for body in (getattr(node, "body", None), getattr(node, "orelse", None)):
            if not isinstance(body, list):
                continue
            for k, st in enumerate(body):
                if _always_jumps(st, constant) and any(
                        s.lineno <= line <= getattr(s, "end_lineno", s.lineno)
                        for s in body[k + 1:]):
                    return True
    return False


_JUMPS = ("Return", "Break", "Continue", "Raise")


def _always_jumps(st, constant) -> bool:
    """Does ``st`` always leave its block: a return, break, continue or raise, or an ``if``
    on a condition known while compiling whose taken arm (when the condition is made of
    literals only, so Python can evaluate it here; else either arm) starts with a jump?"""
    import ast
    if type(st).__name__ in _JUMPS:
        return True
    if not constant(st):
        return False
    arms = [st.body, st.orelse]
    if not any(isinstance(n, ast.Name) for n in ast.walk(st.test)):
        try:
            taken = bool(eval(compile(ast.Expression(st.test), "<test>", "eval"),
                              {"np": np, "math": math}))
            arms = [st.body if taken else st.orelse]
        except Exception:   # noqa: BLE001 - not evaluable here: either arm may be taken
            pass
    return any(any(type(s).__name__ in _JUMPS for s in arm) for arm in arms)


def _constant_locals(fn) -> set:
    """Names bound exactly once in ``fn``, by ``name = <expression of constants and such
    names>``, and never otherwise (no parameter, loop target, augmented or tuple target).
    flatgrad folds them like literals, so a condition made of them is known while compiling.
    (Names are per function: the generated helpers and f do not share locals.)"""
    import ast
    from collections import Counter
    stores = Counter(n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Store))
    params = {a.arg for a in fn.args.args}
    simple = {st.targets[0].id: st.value for st in ast.walk(fn)
              if isinstance(st, ast.Assign) and len(st.targets) == 1
              and isinstance(st.targets[0], ast.Name)}
    known: set = set()
    while True:
        more = {name for name, value in simple.items()
                if name not in known and name not in params and stores[name] == 1
                and all(n.id in known for n in ast.walk(value) if isinstance(n, ast.Name))}
        if not more:
            return known
        known |= more


def run_invalid_seed(seed: int, workdir: str, fg=None):
    prog = generate(seed, array_out=False)
    m = mutate(prog, seed)
    if m is None:
        return None
    bad, text, kind = m
    out, detail = check_invalid(bad, workdir, fg)
    if out == "SILENT" and kind == "EXTRA":
        out = "ACCEPTED"
    return out, detail, text, kind, bad
