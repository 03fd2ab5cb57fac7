"""The pipeline as data, and the runner that applies it.

``PIPELINE`` names each stage; :func:`run_passes` applies passes in order, can dump
the IR before/after a named pass, times each one, runs the checker in debug mode,
and reports a failure as "in pass 'dce': ...". Nothing here imports Numba.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .check import check
from .codegen import RUNTIME_NAMES, emit_body
from .errors import CompileError
from .frontend import lower_function
from .ir import Function, dump
from .optimize import O1
from .reverse import reverse_ad

DEBUG = bool(os.environ.get("FLATGRAD_DEBUG"))
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                          undefined=jinja2.StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class PassLog:
    timings: list = field(default_factory=list)
    dumps: dict = field(default_factory=dict)


def run_passes(fn: Function, passes, *, dump_after=(), log: PassLog | None = None,
               fixed_point=False, debug=DEBUG) -> Function:
    """Apply ``passes`` (a list of (name, fn)); to a fixed point if asked."""
    for _round in range(10 if fixed_point else 1):
        before = fn
        for name, p in passes:
            t0 = time.perf_counter()
            try:
                fn = p(fn)
            except CompileError:
                raise
            except Exception as e:  # noqa: BLE001 - re-raised with the pass name
                raise RuntimeError(f"in pass '{name}': {type(e).__name__}: {e}") from e
            if log is not None:
                log.timings.append((name, time.perf_counter() - t0))
                if name in dump_after:
                    log.dumps[name] = dump(fn)
            if debug:
                check(fn)
        if fn == before:
            break
    return fn


@dataclass(frozen=True)
class Request:
    """What to compile: which transform, with respect to what, at which level."""

    mode: str = "rev"             # "rev" (gradient), "value" (the function itself)
    wrt: tuple = (0,)
    with_value: bool = False
    optimize: bool = True
    name: str | None = None
    steps: tuple = ()             # mode "steps": a stack of transforms (compiler/compose.py)
    checkpoint: object = None     # loops: None (tape every trip), True (~sqrt n), or K


def transform(fn_obj, arg_types, req: Request, log: PassLog | None = None) -> Function:
    """Python function -> optimised IR of the requested transform.

    Errors are CompileErrors. An unexpected exception inside the compiler is a flatgrad bug:
    it is reported as a CompileError at the function (FLATGRAD_DEBUG=1 re-raises it as is)."""
    try:
        return _transform(fn_obj, arg_types, req, log)
    except (CompileError, ValueError, TypeError):
        raise
    except Exception as e:  # noqa: BLE001 - turned into a readable report
        if DEBUG:
            raise
        from .errors import SourceLoc
        code = getattr(fn_obj, "__code__", None)
        loc = SourceLoc(code.co_filename, code.co_firstlineno) if code else None
        raise CompileError(f"internal error while compiling '{getattr(fn_obj, '__name__', fn_obj)}' "
                           f"({type(e).__name__}: {e})", loc,
                           "This is a bug in flatgrad: please report it with the function. "
                           "FLATGRAD_DEBUG=1 shows the internal traceback.") from e


def _transform(fn_obj, arg_types, req: Request, log: PassLog | None = None) -> Function:
    primal = lower_function(fn_obj, arg_types)
    if DEBUG:
        check(primal)
    if req.mode == "rev":
        for i in req.wrt:
            if not 0 <= i < len(primal.params):
                raise CompileError(f"argnums {i} is out of range for '{primal.name}' with "
                                   f"{len(primal.params)} parameters", primal.loc)
        ir = run_passes(primal, [("reverse", lambda f: reverse_ad(f, req.wrt, req.with_value,
                                                                     req.checkpoint))],
                        log=log)
    elif req.mode == "value":
        ir = primal
    elif req.mode in ("fwd", "steps"):   # forward mode and stacks of transforms (issue 5)
        from .compose import apply_steps
        steps = req.steps or (("fwd", req.wrt, req.with_value),)
        ir = run_passes(primal, [("transforms", lambda f: apply_steps(f, steps))], log=log)
    else:
        raise ValueError(f"unknown mode {req.mode!r}")
    from .custom import expand_custom
    ir = expand_custom(ir)   # calls to custom_vjp functions become their primal bodies
    if req.optimize:
        ir = run_passes(ir, O1, fixed_point=True, log=log)
    if req.name:
        from dataclasses import replace
        ir = replace(ir, name=req.name)
    return ir


def render(functions: list[Function], target: str, origin: str, key: str = "", **extra) -> str:
    """A complete module holding ``functions``, laid out by the target's template.

    ``extra`` goes to the template as is (the vectorize templates take the batch kernel).
    The module ends with ``__flatgrad_lines__``: generated line -> the user's file:line, so a
    run-time error can name the line of the user's function it comes from.
    """
    fns, locs = [], []
    for f in functions:
        lines, results, line_locs = emit_body(f, target)
        layout = dict(f.meta).get("layout")
        ret = layout.format(*results) if layout else ", ".join(results)
        fns.append({"name": f.name, "params": ", ".join(p.hint for p in f.params),
                    "lines": lines, "ret": ret})
        locs.append(line_locs)
    from . import __version__
    body = "\n".join(line for f in fns for line in f["lines"]) + " ".join(f["ret"] for f in fns)
    used = [n for n in RUNTIME_NAMES if re.search(rf"\b{n}\(", body)]
    template = _ENV.get_template(f"{target}.py.j2")
    text = template.render(functions=fns, origin=origin, key=key, version=__version__,
                           runtime_names=", ".join(used), **extra)
    return text + _line_table(text, fns, locs)


def _line_table(text: str, fns: list, locs: list) -> str:
    rows = text.splitlines()
    table = {}
    for f, line_locs in zip(fns, locs):
        head = next((i for i, r in enumerate(rows) if r.startswith(f"def {f['name']}(")), None)
        if head is None:
            continue
        for k, loc in enumerate(line_locs):
            if loc is not None:
                table[head + 2 + k] = f"{loc.file}:{loc.line}"
    return f"\n__flatgrad_lines__ = {table!r}\n" if table else ""
