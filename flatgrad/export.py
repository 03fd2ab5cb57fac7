"""``flatgrad export``: the generated module as a standalone file that is yours.

The module flatgrad generates imports a few helpers from ``flatgrad.runtime.support``
(``sigmoid``, ``sum_to``, ...) and, for the cpu target, ``flatgrad.runtime.numba_ext``, which
teaches Numba those helpers. An exported module carries its own copy of just the helpers it
calls (and, for ``cpu``, of just the Numba registrations they need), picked from those two
files by a dependency walk over their top-level definitions, so it imports NumPy (and Numba
for ``cpu``) and nothing of flatgrad.
"""
from __future__ import annotations

import ast
import inspect
import re

from .compiler import targets
from .compiler.frontend.source import params_of

HEADER = ('"""{name}: {what} of {func} from {origin}.\n\n'
          "Exported by flatgrad {version}{args}.\n"
          "Standalone: it imports NumPy{numba} only, and the helpers it calls are copied in\n"
          "below. Edit it freely.\n\n"
          "    {name}({params}) -> {returns}\n"
          '"""\n')


def _top_level(src: str):
    """(first line, last line, names defined, names read) of each top-level statement."""
    tree = ast.parse(src)
    out = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        defined = set()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                defined.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        reads = set()
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                reads.add(n.id)
            elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) \
                    and n.value.id == "support":
                reads.add("support." + n.attr)
        out.append((node, start, node.end_lineno, defined, reads))
    return out


SKIP = {"_tag"}     # support.py's decorator that marks primitives for the compiler


def _pick(src: str, roots: set[str], root_test) -> list[str]:
    """The source of the top-level statements of ``src`` that ``root_test`` selects, and of
    every top-level definition they need, in source order."""
    stmts = _top_level(src)
    definers = {}
    for k, (node, _, _, defined, _) in enumerate(stmts):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for name in defined:
            definers.setdefault(name, k)
    keep = {k for k, s in enumerate(stmts) if root_test(s, roots)}
    todo = list(keep)
    while todo:
        k = todo.pop()
        for name in stmts[k][4]:
            j = definers.get(name)
            if j is not None and j not in keep and name not in SKIP:
                keep.add(j)
                todo.append(j)
    lines = src.splitlines()
    return ["\n".join(lines[stmts[k][1] - 1:stmts[k][2]]) for k in sorted(keep)]


def _support_source(names: set[str]) -> str:
    from .runtime import support
    src = inspect.getsource(support)
    parts = _pick(src, names, lambda s, roots: bool(s[3] & roots) and
                  isinstance(s[0], (ast.FunctionDef, ast.Assign)))
    text = "\n\n\n".join(parts)
    return re.sub(r"^@_tag\([^)]*\)\n", "", text, flags=re.M)


def _numba_source(names: set[str]) -> str:
    from .runtime import numba_ext
    src = inspect.getsource(numba_ext)
    wanted = {"support." + n for n in names}

    def root(s, roots):
        node, _, _, _, reads = s
        if isinstance(node, ast.FunctionDef):
            deco = {r for d in node.decorator_list for r in _reads(d)}
            return bool(deco & wanted)
        return isinstance(node, ast.Expr) and bool(reads & wanted)

    parts = _pick(src, names, root)
    return re.sub(r"\bsupport\.", "", "\n\n\n".join(parts))


def _reads(node) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "support":
            out.add("support." + n.attr)
    return out


IMPORT_SUPPORT = re.compile(r"^from flatgrad\.runtime\.support import (.+)\n", re.M)


def standalone(module_text: str, target: str, *, name: str, what: str, func: str, origin: str,
               params: str, returns: str, args: str = "") -> str:
    """Turn a generated module's text into a standalone one."""
    from . import __version__
    numba = targets.get(target, "transform").jit
    text = module_text
    m = IMPORT_SUPPORT.search(text)
    used = {n.strip() for n in m.group(1).split(",")} if m else set()
    text = IMPORT_SUPPORT.sub("", text)
    text = re.sub(r"^import flatgrad\.runtime\.numba_ext.*\n", "", text, flags=re.M)
    # a split function's parts become plain calls (Numba links them in again: slower to compile)
    text = re.sub(r"^from flatgrad\.runtime\.numba_parts import .*\n", "", text, flags=re.M)
    text = re.sub(r"\bcall_part\((\w+), \((.*?),?\)\)$", r"\1(\2)", text, flags=re.M)
    text = re.sub(r"^@opt_level\(\d+\)\n", "", text, flags=re.M)   # cold parts: Numba's own level
    text = re.sub(r"^# Generated by flatgrad.*\n# key:.*\n", "", text, flags=re.M)
    text = re.sub(r"\n__flatgrad_lines__ = .*\n", "\n", text)
    if "flatgrad" in re.sub(r"#.*", "", text):
        raise RuntimeError("the generated module still refers to flatgrad; please report this")
    helpers = ""
    if used:
        helpers = ("\n\n# ---- helpers copied from flatgrad/runtime/support.py\n\n"
                   + _support_source(used) + "\n")
        if numba:
            helpers += ("\n\n# ---- teaching Numba the helpers above (from flatgrad/runtime/"
                        "numba_ext.py)\n\nfrom numba import types  # noqa: E402\n"
                        "from numba.extending import overload, register_jitable  # noqa: E402\n\n\n"
                        + _numba_source(used) + "\n")
    head = HEADER.format(name=name, what=what, func=func, origin=origin, version=__version__,
                         args=args, numba=" and Numba" if numba else "", params=params,
                         returns=returns)
    # the helpers go after the imports, before the generated functions
    body = text.lstrip("\n")
    first_def = re.search(r"^(@njit.*\n)?def ", body, flags=re.M)
    cut = first_def.start() if first_def else len(body)
    imports, rest = body[:cut].strip("\n"), body[cut:]
    # the generated module imports only what its own lines use; the helpers may need more
    for module, line in (("np", "import numpy as np"), ("math", "import math")):
        if re.search(rf"\b{module}\.", helpers) and line not in imports:
            imports = line + "\n" + imports
    return head + imports.strip("\n") + "\n" + helpers + "\n\n" + rest.rstrip() + "\n"


def export(fn, sig, wrt: tuple[int, ...], *, mode: str = "rev", target: str = "python",
           optimize: bool = True, args: str = "") -> str:
    """The standalone module of the gradient (``mode="rev"``) or forward-mode tangent
    (``"fwd"``) of ``fn`` for argument types ``sig``."""
    from . import api
    params = params_of(fn)
    if mode == "fwd":
        tans = [f"tan_{params[i]}" for i in wrt]
        t = api.forward(fn, wrt, tangents=tans, target=target, optimize=optimize)
        text = t.build_source(tuple(sig))
        what = "forward-mode value and tangent"
        call = ", ".join(list(params) + tans)
        returns = f"({fn.__name__}(...), the tangent: sum of d{fn.__name__}/dx * tan_x)"
    else:
        t = api.grad(fn, wrt, target=target, optimize=optimize)
        text = t.build_source(tuple(sig))
        what = "the gradient"
        call = ", ".join(params)
        returns = "(" + ", ".join(f"grad_{params[i]}" for i in wrt) + ("," if len(wrt) == 1 else "") + ")"
    origin = fn.__code__.co_filename
    return standalone(text, target, name=t.__name__, what=what, func=fn.__name__,
                      origin=origin, params=call, returns=returns, args=args)
