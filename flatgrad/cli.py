"""The command line: ``flatgrad show`` prints generated code, ``flatgrad check`` compares
gradients with finite differences, ``flatgrad graph`` draws the computational graph with the
values and gradients on its wires, ``flatgrad export`` writes the generated module as a
standalone file. User errors print a message and exit 1, never a traceback."""
from __future__ import annotations

import argparse
import ast
import importlib.util
import linecache
import os
import sys
import traceback

import numpy as np

from . import __version__, api
from .compiler import targets
from .compiler import types as T
from .compiler.errors import CompileError
from .compiler.frontend.source import params_of
from .compiler.hints import float_typing_caused
from .compiler.ir import dump
from .compiler.pipeline import PassLog, pass_names
from .compiler.rows import ROWS_META
from .export import export
from .graph import EvalError, graph
from .runtime.cache import readable
from .runtime.dask_rows import chunk_transform
from .runtime.dispatch import Signature, default_signature
from .runtime.gradcheck import compare, numeric_grad

EPILOG = """examples:
  flatgrad show examples/sigmoid_neuron.py::f -O0     the lecture's flat listing
  flatgrad show examples/circuit.py::f --wrt x,z      gradient with respect to x and z
  flatgrad show examples/circuit.py::f --ir           the optimised IR instead of code
  flatgrad show examples/circuit.py::f --dump-after rev,dce --time-passes
  flatgrad check examples/circuit.py::f --at x=-2,y=5,z=-4
  flatgrad show examples/sigmoid_neuron.py::f --target cuda   the vectorize CUDA kernel
  flatgrad check examples/matrix_example.py::loss --at X=@X.npy,W1=[[0.1],[0.2]],W2=[[2.0]]
  flatgrad graph examples/sigmoid_neuron.py::f --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3 -o neuron.svg
  flatgrad export examples/sigmoid_neuron.py::f -o neuron_grad.py    no flatgrad needed to run it
"""


class UserError(Exception):
    pass


def load_function(spec: str):
    """``path/to/file.py::name`` -> the function object (importing the file)."""
    path, sep, name = spec.partition("::")
    if not sep or not name:
        raise UserError(f"expected FILE.py::function, got {spec!r}")
    if not os.path.isfile(path):
        raise UserError(f"no such file: {path}")
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    mod_name = "flatgrad_user_" + os.path.splitext(os.path.basename(path))[0]
    spec_ = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec_)
    sys.modules[mod_name] = module
    try:
        spec_.loader.exec_module(module)
    except SyntaxError as e:
        raise UserError(f"{path}:{e.lineno}: syntax error: {e.msg}") from None
    except (Exception, SystemExit) as e:  # noqa: BLE001 - the user's module failed to import
        sys.modules.pop(mod_name, None)
        raise UserError(f"importing {path} failed{_where(e, path)}: {_describe(e)}") from None
    fn = getattr(module, name, None)
    if fn is None:
        raise UserError(f"{path} has no function named {name!r}")
    fn = getattr(fn, "__wrapped__", fn)
    if not hasattr(fn, "__code__"):
        raise UserError(f"{spec} is not a Python function")
    return fn


def _describe(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    text += "".join(f" ({ln})" for ln in lines[1:] if ln.startswith("in "))   # "in f at x.py:3"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _where(e: BaseException, path: str | None = None) -> str:
    """" at FILE:LINE" for the innermost frame of ``e`` in the file ``path``."""
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if path is not None and os.path.abspath(fr.filename) == os.path.abspath(path):
            return f" at {fr.filename}:{fr.lineno}"
    return ""


def _wrt(fn, text: str | None, sig=None) -> tuple[int, ...]:
    if not text:   # every float parameter (ints and bools have no gradient)
        return tuple(i for i in range(len(params_of(fn))) if sig is None or T.is_float(sig[i]))
    return _names(fn, text, "--wrt")


def _highlight(text: str, stream) -> str:
    if not stream.isatty() or os.environ.get("NO_COLOR"):
        return text
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


def cmd_show(args) -> int:
    fn = load_function(args.function)
    sig = _signature(fn, args.types)
    rows = _names(fn, args.rows, "--rows") if args.rows else ()
    wrt = tuple(i for i in _wrt(fn, args.wrt, sig) if i not in rows)
    chosen = targets.get(args.target)
    target = chosen.transforms_as or "python"       # a vectorize target shows grad's kernel
    optimize = args.opt != "0"
    if args.mode == "fwd":   # forward mode: tangent parameters tan_x for --wrt
        t = api.forward(fn, wrt, tangents=[f"tan_{params_of(fn)[i]}" for i in wrt],
                        target=target, optimize=optimize)
    else:
        t = api.grad(fn, wrt, target=target, optimize=optimize)
    if rows:       # what one row chunk of Dask data computes (runtime/dask_rows.py)
        t = chunk_transform(t, rows)
        sig = Signature(tuple(sig) + (T.I64,))
    if args.vmap is not None:       # the per-example gradient mapped over a batch axis
        t, sig = _vmapped(t, sig, args.vmap, args.vmap_method)
    log = _pass_log(args)
    try:
        if log is not None:
            t.build_ir(sig if chosen.transforms_as else (T.F64,) * len(sig), log=log)
        if args.ir:
            text = dump(t.build_ir(sig)) + "\n"
        elif not chosen.transforms_as:     # the batch kernel of vectorize(grad(f))
            text = _body_only(api.vectorize(t, target=args.target).build_source())
        else:
            text = _body_only(t.build_source(sig))
        if rows:
            text = _rows_header(fn, rows, t.build_ir(sig)) + text
    except CompileError as e:
        guessed = _guessed(fn, args.types)
        if not guessed or not float_typing_caused(fn, sig, guessed, e):
            raise
        raise CompileError(e.message, e.loc, (e.hint + "\n" if e.hint else "") +
                           f"(flatgrad show compiled {', '.join(guessed)} as float "
                           f"scalar{'s' * (len(guessed) > 1)}; give other types with --types, "
                           "e.g. --types n=i64,X=f64[:, :], or annotate the parameters: "
                           "X: \"f64[:, :]\")") from None
    if log is not None:
        _report_passes(log, args.time_passes)
    sys.stdout.write(_highlight(text, sys.stdout))
    return 0


def _names(fn, text: str, option: str) -> tuple[int, ...]:
    """The positions of the parameters named in ``text`` (comma-separated)."""
    params = params_of(fn)
    out = []
    for name in (n.strip() for n in text.split(",")):
        if name not in params:
            raise UserError(f"{option}: {fn.__name__} has no parameter {name!r} "
                            f"(parameters: {', '.join(params)})")
        out.append(params.index(name))
    return tuple(out)


def _rows_header(fn, rows, ir) -> str:
    """Comment lines saying which reductions over rows were split into chunks."""
    names = ", ".join(params_of(fn)[i] for i in rows)
    lines = [f"# one row chunk of {names} runs this; 'rows' is the total row count.",
             "# The sums over rows split into chunks (their partial results are added up):"]
    lines += [f"#   {loc.file.rsplit('/', 1)[-1]}:{loc.line}: "
              f"{(linecache.getline(loc.file, loc.line) or '').strip()}"
              for loc in dict(ir.meta).get(ROWS_META, ())]
    return "\n".join(lines) + "\n"


def _vmapped(t, sig, text: str, method: str):
    """``vmap(t, in_axes)`` from "None,0,0" (one entry per parameter, in the order of the
    function's), and the batched argument types (a mapped argument gains an axis)."""
    from .vmap import vmap
    axes = []
    for item in text.split(","):
        item = item.strip()
        try:
            axes.append(None if item == "None" else int(item))
        except ValueError:
            raise UserError(f"--vmap: {item!r} is not an int or None (give one per parameter, "
                            "e.g. --vmap None,0,0)") from None
    if len(axes) != len(sig):
        raise UserError(f"--vmap: {len(axes)} axes for {len(sig)} parameters")
    batched = []
    for a, ty in zip(axes, sig):
        batched.append(ty if a is None else T.Array(ty.dtype, T.ndim(ty) + 1))
    return vmap(t, in_axes=tuple(axes), method=method), type(sig)(batched)


def _pass_log(args):
    """A PassLog for --dump-after / --time-passes, or None; unknown pass names are an error."""
    wanted = [n.strip() for item in args.dump_after or () for n in item.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in pass_names()]
    if unknown:
        raise UserError(f"--dump-after: no pass named {', '.join(map(repr, unknown))} "
                        f"(passes: {', '.join(pass_names())})")
    if not wanted and not args.time_passes:
        return None
    return PassLog(dump_after=tuple(wanted))


def _report_passes(log, timings: bool) -> None:
    """The IR after each requested pass (stdout, before the code); the timings (stderr)."""
    runs: dict = {}
    for name, text in log.dumps:
        runs[name] = runs.get(name, 0) + 1
        sys.stdout.write(f"# IR after pass '{name}' (run {runs[name]})\n{text}\n\n")
    for name in log.dump_after:
        if name not in runs:
            print(f"flatgrad: pass '{name}' did not run for this function "
                  f"(passes run: {', '.join(log.names())})", file=sys.stderr)
    if timings:
        sys.stderr.write(log.table())


def _signature(fn, text: str | None):
    """Argument types for ``show``: --types name=f64[:, :],..., else annotations, else floats."""
    return default_signature(fn, _declared_types(fn, text))


def _guessed(fn, types_text) -> list[str]:
    """The parameters typed as float scalars for want of a type (no --types, annotation or
    default value saying what they are)."""
    params = params_of(fn)
    declared = _declared_types(fn, types_text)
    return [p for p in params if p not in declared]


def _split_types(text: str) -> list[str]:
    """Split "X=f64[:, :],n=i64" at the commas outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [s.strip() for s in out + [cur] if s.strip()]


def _body_only(module_text: str) -> str:
    """Drop the cache bookkeeping lines from a generated module for display."""
    return readable(module_text)


def _parse_at(text: str) -> dict:
    """``x=1.5,v=[0.1,0.2],n=3,X=@data.npy`` -> {name: Python value} (lists stay lists)."""
    values = {}
    for item in _split_types(text):
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise UserError(f"--at: expected name=value, got {item!r}")
        if value.startswith("@"):
            values[name] = _load_array(name, value[1:])
            continue
        try:
            v = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            try:
                v = float(value)          # inf, nan, -inf
            except ValueError:
                raise UserError(f"--at: {name}={value!r} is not a number or a list of "
                                "numbers (arrays: x=[0.1,0.2] or x=@file.npy)") from None
        if not _numeric(v):
            raise UserError(f"--at: {name}={value!r} is not a number or a list of numbers")
        values[name] = v
    return values


def _numeric(v) -> bool:
    if isinstance(v, (bool, int, float)):
        return True
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(_numeric(x) for x in v)


def _load_array(name: str, path: str):
    if not os.path.isfile(path):
        raise UserError(f"--at: {name}=@{path}: no such file")
    try:
        if path.endswith(".npy"):
            return np.load(path, allow_pickle=False)
        return np.loadtxt(path, delimiter="," if path.endswith(".csv") else None)
    except Exception as e:  # noqa: BLE001 - a file the user named
        raise UserError(f"--at: {name}=@{path}: cannot read it ({_describe(e)}); give a .npy "
                        "file (np.save) or a text/.csv file of numbers") from None


def _point(fn, text: str, types_text: str | None):
    """The argument values of ``--at`` (and the defaults), typed by --types, the parameters'
    annotations, their default values, else as floats; returns (values, signature)."""
    params = params_of(fn)
    at = _parse_at(text)
    extra = [k for k in at if k not in params]
    if extra:
        raise UserError(f"--at: {fn.__name__} has no parameter {', '.join(extra)} "
                        f"(parameters: {', '.join(params)})")
    defaults = dict(zip(params[len(params) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()))
    missing = [p for p in params if p not in at and p not in defaults]
    if missing:
        raise UserError(f"--at: give a value for {', '.join(missing)}")
    declared = _declared_types(fn, types_text)
    values = []
    for p in params:
        v = at[p] if p in at else defaults[p]
        values.append(_convert(p, v, declared.get(p), p in at))
    return values


def _declared_types(fn, types_text) -> dict:
    """name -> IR type from --types, annotations and default values (not the float guess)."""
    params = params_of(fn)
    out = {}
    defaults = dict(zip(params[len(params) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()))
    for p, d in defaults.items():
        if isinstance(d, bool):
            out[p] = T.BOOL
        elif isinstance(d, int):
            out[p] = T.I64
        elif isinstance(d, float):
            out[p] = T.F64
        elif isinstance(d, np.ndarray) and d.dtype.kind in "fiub":
            out[p] = T.Array("float64" if d.dtype.kind == "f" else
                             ("bool" if d.dtype.kind == "b" else "int64"), d.ndim)
    notes = getattr(fn, "__annotations__", {}) or {}
    for p in params:
        t = T.from_annotation(notes.get(p))
        if t is not None:
            out[p] = t
    for item in _split_types(types_text or ""):
        name, sep, spec = item.partition("=")
        name = name.strip()
        if not sep or name not in params:
            raise UserError(f"--types: expected name=type for a parameter of {fn.__name__} "
                            f"({', '.join(params)}), got {item!r}")
        try:
            out[name] = T.parse(spec)
        except ValueError as e:
            raise UserError(f"--types: {e}") from None
    return out


def _convert(name: str, v, t, given: bool):
    """One value for parameter ``name`` of type ``t`` (None: floats, and NumPy's dtype for
    lists)."""
    if t is None:
        if isinstance(v, (list, tuple)):
            try:
                return np.asarray(v, dtype=float if _has_float(v) else None)
            except ValueError:
                raise UserError(f"--at: {name} is a ragged list; give a rectangular array") from None
        if isinstance(v, bool) or not given:
            return v
        return float(v) if isinstance(v, int) else v
    if isinstance(t, T.Array):
        try:
            arr = np.asarray(v, dtype={"bool": bool}.get(t.dtype, t.dtype))
        except (ValueError, TypeError):
            raise UserError(f"--at: {name} must be a {t} array") from None
        if arr.ndim != t.ndim:
            raise UserError(f"--at: {name} has {arr.ndim} dimension(s) but its type {t} has "
                            f"{t.ndim}")
        return arr
    if isinstance(v, (list, tuple, np.ndarray)):
        raise UserError(f"--at: {name} is typed {t} (a scalar) but was given an array")
    if t == T.BOOL:
        return bool(v)
    if not T.is_float(t):
        if isinstance(v, float) and not v.is_integer():
            raise UserError(f"--at: {name} is typed {t}; {v} is not an integer")
        return int(v)
    return float(v)


def _has_float(v) -> bool:
    if isinstance(v, (list, tuple)):
        return any(_has_float(x) for x in v)
    return isinstance(v, float)


def _short(v) -> str:
    if isinstance(v, np.ndarray):
        if v.size <= 4:
            return np.array2string(v, precision=4, separator=",").replace("\n", "")
        return f"<{v.dtype} array {'x'.join(map(str, v.shape))}>"
    return f"{v:g}" if isinstance(v, float) else repr(v)


def _float_params(values) -> tuple[int, ...]:
    return tuple(i for i, v in enumerate(values) if isinstance(v, float) or
                 (isinstance(v, np.ndarray) and v.dtype.kind == "f"))


def _wrt_checked(fn, text, values) -> tuple[int, ...]:
    if not text:
        return _float_params(values)
    wrt = _wrt(fn, text)
    params = params_of(fn)
    for i in wrt:
        v = values[i]
        if not (isinstance(v, float) or (isinstance(v, np.ndarray) and v.dtype.kind == "f")):
            raise UserError(f"--wrt: {params[i]} is {_short(v)}, which has no gradient; give it "
                            "a float value (e.g. 3.0) or a float type (--types)")
    return wrt


def _run_user(what: str, fn, thunk):
    """Run flatgrad or the user's function; a run-time error becomes a one-line UserError."""
    try:
        return thunk()
    except (CompileError, UserError):
        raise
    except Exception as e:  # noqa: BLE001 - the user's code (or its arguments) failed
        raise UserError(f"{what} raised {_describe(e)}{_where(e, fn.__code__.co_filename)}"
                        ) from None


def cmd_check(args) -> int:
    fn = load_function(args.function)
    params = params_of(fn)
    values = _point(fn, args.at, args.types)
    wrt = _wrt_checked(fn, args.wrt, values)
    shown = ", ".join(f"{p}={_short(v)}" for p, v in zip(params, values))
    if not wrt:
        value = _run_user(f"{fn.__name__}({shown})", fn, lambda: fn(*values))
        print(f"{fn.__name__}({shown}) = {_short(value)}")
        print("  no float arguments: nothing to differentiate (give floats such as x=1.0, or "
              "--types x=f64)")
        return 0
    value, grads = _run_user(f"{fn.__name__}({shown})", fn,
                             lambda: api.value_and_grad(fn, wrt, target=args.target)(*values))
    print(f"{fn.__name__}({shown}) = {float(value):.10g}")
    worst = 0.0
    for i, g in zip(wrt, grads):
        num = _run_user(f"{fn.__name__} (finite differences)", fn,
                        lambda: numeric_grad(fn, list(values), i))
        err = compare(g, num, 1e-5, 1e-7)
        worst = max(worst, err)
        status = "ok" if err <= 1 else "MISMATCH"
        if isinstance(g, np.ndarray):
            diff = float(np.max(np.abs(np.asarray(g) - num))) if np.size(g) else 0.0
            print(f"  d/d{params[i]:<8} shape {g.shape}   max |flatgrad - finite-diff| "
                  f"{diff:.3g}   {status}")
            if status != "ok":
                print(f"      flatgrad    {np.array2string(np.asarray(g), precision=6)}\n"
                      f"      finite-diff {np.array2string(num, precision=6)}")
        else:
            print(f"  d/d{params[i]:<8} flatgrad {g: .10g}   finite-diff {num: .10g}   {status}")
    return 0 if worst <= 1 else 1


def cmd_graph(args) -> int:
    fn = load_function(args.function)
    values = _point(fn, args.at, args.types)
    wrt = _wrt_checked(fn, args.wrt, values)
    out = args.output or f"{fn.__name__}_graph.svg"
    if not out.lower().endswith((".svg", ".png")):
        raise UserError(f"-o {out}: write .svg (or .png with cairosvg installed)")
    try:
        g = graph(fn, *values, wrt=wrt, collapse=args.collapse)
    except EvalError as e:
        raise UserError(str(e)) from None
    except (CompileError, UserError):
        raise
    except (ValueError, TypeError) as e:
        raise UserError(f"{fn.__name__}: {e}") from None
    try:
        g.save(out)
    except (RuntimeError, OSError) as e:
        raise UserError(f"-o {out}: {e}") from None
    print(f"wrote {out}: {g.title}")
    return 0


def cmd_export(args) -> int:
    fn = load_function(args.function)
    sig = _signature(fn, args.types)
    wrt = _wrt(fn, args.wrt, sig)
    if not wrt:
        raise UserError(f"{fn.__name__} has no float parameter to differentiate; give --wrt or "
                        "--types")
    if not args.output.endswith(".py"):
        raise UserError(f"-o {args.output}: the exported module is a .py file")
    argv = " ".join(a for a in sys.argv[2:] if a) if sys.argv and "export" in sys.argv else ""
    try:
        text = export(fn, sig, wrt, mode=args.mode, target=args.target,
                      args=f" with: flatgrad export {argv}" if argv else "")
    except CompileError as e:
        guessed = _guessed(fn, args.types)
        if guessed and float_typing_caused(fn, sig, guessed, e):
            raise CompileError(e.message, e.loc, (e.hint + "\n" if e.hint else "") +
                               f"(compiled {', '.join(guessed)} as float scalars; give other "
                               "types with --types, e.g. --types X=f64[:, :],n=i64)") from None
        raise
    try:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise UserError(f"-o {args.output}: {e.strerror}") from None
    name = text.split(":", 1)[0].lstrip('"')
    numba = targets.get(args.target).jit
    print(f"wrote {args.output}: {name}, standalone ({'NumPy + Numba' if numba else 'NumPy'})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flatgrad", description="Source-to-source differentiation "
                                "of numeric Python into flat, readable gradient code.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"flatgrad {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("show", help="print the generated forward+backward code",
                       description="Print the generated forward-plus-backward code of FILE.py::func.")
    s.add_argument("function", metavar="FILE.py::func")
    s.add_argument("--wrt", help="comma-separated parameters to differentiate (default: all)")
    s.add_argument("--mode", choices=["rev", "fwd"], default="rev",
                   help="rev: reverse mode (gradient); fwd: forward mode (tangents tan_x)")
    s.add_argument("--target", choices=list(targets.TARGETS), default="python",
                   help="emit plain Python (default), the Numba module, or the vectorize "
                        "batch kernel (parallel: prange loop; cuda: device function + kernel)")
    s.add_argument("-O", dest="opt", choices=["0", "1"], default="1",
                   help="-O0: unoptimised lecture listing; -O1 (default): optimised")
    s.add_argument("--ir", action="store_true", help="print the IR instead of Python")
    s.add_argument("--vmap", metavar="AXES",
                   help="the per-example gradient mapped over a batch: in_axes per parameter, "
                        "e.g. None,0,0 (--types gives one example's types)")
    s.add_argument("--vmap-method", choices=["auto", "batch", "loop"], default="auto")
    s.add_argument("--dump-after", metavar="PASS", action="append",
                   help="also print the IR after each run of PASS (repeat, or comma-separate; "
                        "passes: rev, vjp, fwd, jacauto, jacrev, jacfwd, expand_custom and the -O1 passes "
                        "copy-propagation, simplify, scales, cse, licm, dce)")
    s.add_argument("--time-passes", action="store_true",
                   help="print how long each compiler pass took (to stderr)")
    s.add_argument("--types", metavar="NAME=TYPE,...",
                   help='argument types, e.g. X=f64[:, :],n=i64 (default: the parameters\' string '
                        'annotations such as X: "f64[:, :]", else float scalars)')
    s.add_argument("--rows", metavar="NAME,...",
                   help="data parameters held in row chunks (Dask arrays): print what one chunk "
                        "computes and which sums over rows are split (docs/dask.md)")
    s.set_defaults(run=cmd_show)
    types_help = ('argument types, e.g. X=f64[:, :],n=i64 (default: the parameters\' '
                  'annotations such as X: "f64[:, :]", their default values, else floats)')
    at_help = ("the point: x=1.5,y=-2, arrays v=[0.1,0.2] or X=@data.npy (.npy, .txt, .csv); "
               "ints where the parameter is typed int (--types, annotation, an int default); "
               "parameters with defaults may be left out")
    c = sub.add_parser("check", help="compare the gradient with finite differences",
                       description="Evaluate FILE.py::func and its gradient at a point and "
                                   "compare with central finite differences.")
    c.add_argument("function", metavar="FILE.py::func")
    c.add_argument("--at", required=True, help=at_help)
    c.add_argument("--wrt", help="comma-separated parameters to check (default: every float one)")
    c.add_argument("--types", metavar="NAME=TYPE,...", help=types_help)
    c.add_argument("--target", choices=targets.names("transform"), default="python")
    c.set_defaults(run=cmd_check)
    g = sub.add_parser("graph", help="draw the computational graph with values and gradients",
                       description="Draw the computational graph of FILE.py::func at a point: "
                                   "inputs on the left, the result on the right, every wire "
                                   "labelled with its forward value (green) and gradient (red).")
    g.add_argument("function", metavar="FILE.py::func")
    g.add_argument("--at", required=True, help=at_help)
    g.add_argument("-o", "--output", metavar="OUT.svg",
                   help="where to write it: .svg, or .png with cairosvg (default: FUNC_graph.svg)")
    g.add_argument("--wrt", help="comma-separated parameters to differentiate "
                                 "(default: every float one)")
    g.add_argument("--types", metavar="NAME=TYPE,...", help=types_help)
    g.add_argument("--collapse", action="store_true",
                   help="draw each loop and branch as one node instead of a box")
    g.set_defaults(run=cmd_graph)
    e = sub.add_parser("export", help="write the generated module as a standalone .py file",
                       description="Write the gradient (or forward-mode) module of "
                                   "FILE.py::func as a standalone file that imports only NumPy "
                                   "(and Numba for --target cpu), with the helpers it needs "
                                   "copied in.")
    e.add_argument("function", metavar="FILE.py::func")
    e.add_argument("-o", "--output", required=True, metavar="OUT.py")
    e.add_argument("--wrt", help="comma-separated parameters to differentiate (default: all)")
    e.add_argument("--mode", choices=["rev", "fwd"], default="rev")
    e.add_argument("--types", metavar="NAME=TYPE,...", help=types_help)
    e.add_argument("--target", choices=targets.names("transform"), default="python",
                   help="python: plain NumPy (default); cpu: @njit with Numba")
    e.set_defaults(run=cmd_export)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CompileError, UserError) as e:
        print(f"flatgrad: {e}" if isinstance(e, UserError) else str(e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - never a raw traceback
        if os.environ.get("FLATGRAD_DEBUG"):
            raise
        print(f"flatgrad: {_describe(e)}{_where(e, _user_file(args))}\n"
              "(if this is flatgrad's fault, please report it; FLATGRAD_DEBUG=1 shows the "
              "traceback)", file=sys.stderr)
        return 1


def _user_file(args):
    return getattr(args, "function", "").partition("::")[0] or None
