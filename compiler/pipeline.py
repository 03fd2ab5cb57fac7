"""The pipeline: Python function -> IR -> transforms -> optimised IR -> module text.

:func:`transform` lowers the function, applies the request's steps (each one a pass,
``compiler/steps.py``), expands custom rules and runs the ``-O1`` passes to a fixed
point. :func:`run_passes` applies passes in order, runs the verifier after each in debug
mode, reports a failure as "in pass 'dce': ...", and records what a :class:`PassLog`
asks for: the IR after named passes (``flatgrad show --dump-after dce``) and the time
each pass took (``--time-passes``). Nothing here imports Numba.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from . import __version__, copies, targets
from . import types as T
from .codegen import emit_body, runtime_names
from .custom_rules import expand_custom
from .errors import CompileError, SourceLoc
from .frontend import lower_function
from .ir import Function, dump
from .ranges import analyse as analyse_bounds
from .optimize import O1, accumulate_in_place
from .rows import ROWS_META
from .split import CALL as split_call, split as split_parts
from .frontend.source import params_of
from .steps import over_leaves, results_tree, with_tree
from .targets import Target
from .tree import expression, leaves
from .verify import check, check_final
from .vmap import resolve as resolve_vmap

DEBUG = bool(os.environ.get("FLATGRAD_DEBUG"))
# the final program of every request is checked for in-place writes that need a copy
# (verify.check_final) in debug mode, and by the fuzzer, which sets it
CHECK_FINAL = DEBUG
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                          undefined=jinja2.StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class PassLog:
    """What :func:`run_passes` records: ``timings`` (name, seconds) of every pass run, and
    ``dumps`` (name, IR text) after each run of a pass named in ``dump_after``."""

    dump_after: tuple = ()
    timings: list = field(default_factory=list)
    dumps: list = field(default_factory=list)

    def names(self) -> list[str]:
        """Every pass name seen, in first-run order."""
        return list(dict.fromkeys(n for n, _ in self.timings))

    def table(self) -> str:
        """Total time, runs and share of each pass."""
        total = sum(t for _, t in self.timings) or 1e-12
        rows = []
        for name in self.names():
            ts = [t for n, t in self.timings if n == name]
            rows.append(f"{name:<16}{sum(ts) * 1e3:>10.3f} ms{len(ts):>6} "
                        f"{100 * sum(ts) / total:>6.1f}%")
        head = f"{'pass':<16}{'time':>13}{'runs':>6}{'share':>7}"
        return "\n".join([head, *rows, f"{'total':<16}{total * 1e3:>10.3f} ms"]) + "\n"


def run_passes(fn: Function, passes, *, log: PassLog | None = None,
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
                if name in log.dump_after:
                    log.dumps.append((name, dump(fn)))
            if debug:
                check(fn)
        if fn == before:
            break
    return fn


def pass_names() -> tuple[str, ...]:
    """Every pass :func:`transform` may run, in pipeline order (for ``--dump-after``)."""
    return ("rows", "rev", "vjp", "fwd", "jacauto", "jacrev", "jacfwd", "vmap", "expand_custom") + tuple(n for n, _ in O1) \
        + ("in-place", "copies")


@dataclass(frozen=True)
class Request:
    """What to compile: a stack of transforms (``compiler/steps.py``; none: the function
    itself), optimised or not, under which name."""

    steps: tuple = ()
    optimize: bool = True
    name: str | None = None


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
        code = getattr(fn_obj, "__code__", None)
        loc = SourceLoc(code.co_filename, code.co_firstlineno) if code else None
        raise CompileError(f"internal error while compiling '{getattr(fn_obj, '__name__', fn_obj)}' "
                           f"({type(e).__name__}: {e})", loc,
                           "This is a bug in flatgrad: please report it with the function. "
                           "FLATGRAD_DEBUG=1 shows the internal traceback.") from e


def _transform(fn_obj, arg_types, req: Request, log: PassLog | None = None) -> Function:
    steps = req.steps
    if arg_types is not None and any(s.kind == "vmap" for s in steps):
        # lowered for one example's types; each vmap step learns its parameters' axes
        steps, arg_types = resolve_vmap(steps, tuple(arg_types), len(params_of(fn_obj)))
    primal = lower_function(fn_obj, arg_types)
    hidden = [(k, v) for k, v in primal.meta if k in ("captures", "draws")]
    if DEBUG:
        check(primal)
    if arg_types is not None:         # container arguments: the IR has a parameter per leaf
        steps = over_leaves(steps, tuple(arg_types)[:len(params_of(fn_obj))], primal.loc)
    split = None
    if steps and steps[0].kind == "rows":      # data in row chunks: what one chunk computes
        primal = run_passes(primal, [(steps[0].name, steps[0].apply)], log=log)
        split, steps = dict(primal.meta)[ROWS_META], steps[1:]
    ir = run_passes(primal, [(s.name, s.apply) for s in steps], log=log)
    tree = results_tree(ir) if steps else None
    ir = run_passes(ir, [("expand_custom", expand_custom)], log=log)  # custom_vjp: primal bodies
    if req.optimize:
        ir = run_passes(ir, O1, fixed_point=True, log=log)
        ir = run_passes(ir, [("in-place", accumulate_in_place)], log=log)
    copies.log(ir)                    # what the stages' own copy decisions left, if asked
    # the late copy decision (issue 23, item 5), on every program: where the stages left an
    # in-place write that a later read would see, the write goes into a copy
    ir = run_passes(ir, [("copies", copies.insert_copies)], log=log)
    if CHECK_FINAL:
        check_final(ir)
    if tree is not None:
        ir = with_tree(ir, tree)          # passes need not keep meta; the results are the same
    if req.name:
        ir = replace(ir, name=req.name)
    if split is not None:     # where the sums over rows were split (flatgrad show --rows)
        ir = replace(ir, meta=ir.meta + ((ROWS_META, split),))
    if hidden:   # the arrays read from the module, the random draws: hidden parameters
        ir = replace(ir, meta=tuple((k, v) for k, v in ir.meta if k not in ("captures", "draws"))
                     + tuple(hidden))
    return ir


def render(functions: list[Function], target: Target | str, origin: str, key: str = "",
           boundscheck: bool = True, **extra) -> str:
    """A complete module holding ``functions``, laid out by the target's template.

    ``extra`` goes to the template as is (a ``kernel``: the batch kernel of ``vectorize``,
    laid out by the target's kernel template).
    The module ends with ``__flatgrad_lines__``: generated line -> the user's file:line, so a
    run-time error can name the line of the user's function it comes from.
    """
    target = targets.get(target)
    fns, locs, nested, plain, plain_locs, numbers32 = [], [], {}, [], [], {}
    for f in functions:
        draws = dict(f.meta).get("draws")
        if draws is not None:     # the random draws' prelude: plain Python on every target
            lines, results, line_locs = emit_body(draws.prelude, "python")
            plain.append({"name": f"{f.name}_draws", "lines": lines, "ret": ", ".join(results),
                          "params": ", ".join(p.hint for p in draws.prelude.params)})
            plain_locs.append(line_locs)
        checking = _bounds(f) if target.bounds_checks and boundscheck else None
        lines, results, line_locs = emit_body(f, target, checking and checking["checks"])
        at = tuple(i for i, a in enumerate(f.results) if a.type == T.F32)
        if target.jit and at:
            numbers32[f.name] = at
        tree = dict(f.meta).get("tree")
        if tree is not None and not tree.plain and (target.jit or tree.holds_named):
            # Numba returns tuples, not dicts or lists of arrays, and no target builds a
            # namedtuple's class: the runtime nests the results
            nested[f.name] = tree.spec()
            tree = leaves(len(results))
        ret = expression(tree, results) if tree is not None else ", ".join(results)
        fn = {"name": f.name, "params": ", ".join(p.hint for p in f.params),
              "lines": lines, "ret": ret, "boundscheck": boundscheck, "bounds": "", "opt": None,
              "parallel": any(re.match(r"\s*for \w+ in prange\(", x) for x in lines),
              **(checking or {})}
        for part in _parts(fn, target, [p.hint for p in f.params], line_locs):
            fns.append(part)
            locs.append(part.pop("locs"))
    body = "\n".join(line for f in plain + fns for line in f["lines"]) + \
        " ".join(f["ret"] for f in plain + fns)
    used = [n for n in runtime_names() if re.search(rf"\b{n}\(", body)]
    layout = target.kernel_template if "kernel" in extra else target.template
    template = _ENV.get_template(f"{layout}.py.j2")
    text = template.render(functions=fns, origin=origin, key=key, version=__version__,
                           runtime_names=", ".join(used), helper_module=target.helper_module,
                           uses_math="math." in body,
                           uses_np=bool(re.search(r"\bnp\.", body)), boundscheck=boundscheck,
                           uses_parts=f"{split_call}(" in body,
                           uses_opt=any(f.get("opt") for f in fns),
                           plain=plain, **extra)
    text += _line_table(text, plain + fns, plain_locs + locs)
    if nested:         # read by the runtime: how to nest the flat results it gets
        text += f"__flatgrad_trees__ = {nested!r}\n"
    if numbers32:      # read by the runtime: the float32 numbers Numba returns as floats
        text += f"__flatgrad_float32__ = {numbers32!r}\n"
    captured = [c for f in functions for c in dict(f.meta).get("captures", ())]
    if captured:       # read by the runtime: which arrays to pass, from where
        text += f"__flatgrad_captures__ = {tuple(captured)!r}\n"
    draws = [(f.name, d) for f in functions for d in [dict(f.meta).get("draws")] if d]
    if draws:          # read by the runtime: the prelude, where each generator comes from
        text += "__flatgrad_draws__ = " + repr({name: {"prelude": f"{name}_draws", "sources": d.sources,
                                                       "types": d.types} for name, d in draws}) + "\n"
    return text


def _parts(fn: dict, target: targets.Target, params: list[str], line_locs: list) -> list[dict]:
    """``fn`` as the template takes it, and on a target that splits (cpu) a long one cut into
    parts that Numba compiles one by one (compiler/split.py): the first keeps ``fn``'s name."""
    if not target.splits or fn["parallel"]:
        return [{**fn, "locs": line_locs}]
    parts = split_parts(fn["name"], params, fn["lines"], fn["ret"], line_locs)
    out = [{**fn, "lines": parts[0].lines, "locs": parts[0].locs}]
    for p in parts[1:]:
        # LLVM -O2, or -O1 where cold (runtime/numba_parts.py and split.py say why)
        note = f"a part of {fn['name']}, compiled by Numba on its own at -O{1 if p.cold else 2}"
        if p.cold:
            note += f": cold, runs {p.runs} time{'s' * (p.runs != 1)} a call " \
                f"(the function's hottest line {parts[0].runs})"
        out.append({**fn, "name": p.name, "params": ", ".join(p.params), "lines": p.lines,
                    "ret": p.ret, "locs": p.locs, "bounds": note, "opt": 1 if p.cold else 2})
    return out


def _bounds(f: Function) -> dict:
    """How the Numba code of ``f`` checks its indices: the range analysis's proven ones not
    at all, the others with an explicit ``check_index``, or (an access it can neither prove
    nor check, such as an index array) all of them with Numba's ``boundscheck``."""
    b = analyse_bounds(f)
    n, proven = len(b.accesses), sum(a.proven for a in b.accesses)
    if b.opaque or (b.parallel and proven < n):     # no check_index raised in a prange loop
        return {"boundscheck": True, "checks": {},
                "bounds": f"bounds: every index checked by Numba ({proven} of {n} proven in range)"}
    return {"boundscheck": False, "checks": b.checks,
            "bounds": f"bounds: {proven} of {n} indexing ops proven in range"
                      + (f", {n - proven} checked by check_index" if proven < n else "")}


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
