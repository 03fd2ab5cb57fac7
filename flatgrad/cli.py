"""The command line: ``flatgrad show`` prints generated code, ``flatgrad check`` compares
gradients with finite differences. User errors print a message and exit 1."""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from .compiler.errors import CompileError

EPILOG = """examples:
  flatgrad show examples/sigmoid_neuron.py::f -O0     the lecture's flat listing
  flatgrad show examples/circuit.py::f --wrt x,z      gradient with respect to x and z
  flatgrad show examples/circuit.py::f --ir           the optimised IR instead of code
  flatgrad check examples/circuit.py::f --at x=-2,y=5,z=-4
  flatgrad show examples/sigmoid_neuron.py::f --target cuda   the vectorize CUDA kernel
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
    fn = getattr(module, name, None)
    if fn is None:
        raise UserError(f"{path} has no function named {name!r}")
    fn = getattr(fn, "__wrapped__", fn)
    if not hasattr(fn, "__code__"):
        raise UserError(f"{spec} is not a Python function")
    return fn


def _wrt(fn, text: str | None, sig=None) -> tuple[int, ...]:
    params = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    if not text:   # every float parameter (ints and bools have no gradient)
        from .compiler import types as T
        return tuple(i for i in range(len(params)) if sig is None or T.is_float(sig[i]))
    out = []
    for name in text.split(","):
        name = name.strip()
        if name not in params:
            raise UserError(f"--wrt: {fn.__name__} has no parameter {name!r} "
                            f"(parameters: {', '.join(params)})")
        out.append(params.index(name))
    return tuple(out)


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
    from . import api
    from .compiler import types as T
    from .compiler.ir import dump
    fn = load_function(args.function)
    sig = _signature(fn, args.types)
    wrt = _wrt(fn, args.wrt, sig)
    target = "cpu" if args.target == "cpu" else "python"
    optimize = args.opt != "0"
    if args.mode == "fwd":   # forward mode: tangent parameters tan_x for --wrt
        t = api._compose(fn, ("fwd", wrt, True), "jvp", ("flat",), target=target,
                         optimize=optimize,
                         extra=[f"tan_{fn.__code__.co_varnames[i]}" for i in wrt])
    else:
        t = api.grad(fn, wrt, target=target, optimize=optimize)
    try:
        if args.ir:
            text = dump(t.build_ir(sig)) + "\n"
        elif args.target in ("parallel", "cuda"):     # the batch kernel of vectorize(grad(f))
            text = _body_only(api.vectorize(t, target=args.target).build_source())
        else:
            text = _body_only(t.build_source(sig))
    except CompileError as e:
        if args.types or any(T.is_array(x) or not T.is_float(x) for x in sig):
            raise
        raise CompileError(e.message, e.loc, (e.hint + "\n" if e.hint else "") +
                           "(flatgrad show compiled every argument as a float; give other types "
                           "with --types, e.g. --types n=i64,X=f64[:, :], or annotate the "
                           "parameters: X: \"f64[:, :]\")") from None
    sys.stdout.write(_highlight(text, sys.stdout))
    return 0


def _signature(fn, text: str | None):
    """Argument types for ``show``: --types name=f64[:, :],..., else annotations, else floats."""
    from .compiler import types as T
    from .runtime.dispatch import default_signature
    params = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    overrides = {}
    for item in _split_types(text or ""):
        name, sep, spec = item.partition("=")
        if not sep or name.strip() not in params:
            raise UserError(f"--types: expected name=type for a parameter of {fn.__name__} "
                            f"({', '.join(params)}), got {item!r}")
        try:
            overrides[name.strip()] = T.parse(spec)
        except ValueError as e:
            raise UserError(f"--types: {e}") from None
    return default_signature(fn, overrides)


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
    from .runtime.cache import readable
    return readable(module_text)


def _parse_at(text: str) -> dict:
    values = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"--at: expected name=value, got {item!r}")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise UserError(f"--at: {name.strip()}={value!r} is not a number") from None
    return values


def cmd_check(args) -> int:
    from . import api
    from .runtime.check import compare, numeric_grad
    fn = load_function(args.function)
    params = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    at = _parse_at(args.at)
    missing = [p for p in params if p not in at]
    if missing:
        raise UserError(f"--at: give a value for {', '.join(missing)}")
    extra = [k for k in at if k not in params]
    if extra:
        raise UserError(f"--at: {fn.__name__} has no parameter {', '.join(extra)}")
    values = [at[p] for p in params]
    wrt = _wrt(fn, args.wrt)
    value, grads = api.value_and_grad(fn, wrt, target=args.target)(*values)
    print(f"{fn.__name__}({', '.join(f'{p}={v:g}' for p, v in zip(params, values))}) = {value:.10g}")
    worst = 0.0
    for i, g in zip(wrt, grads):
        num = numeric_grad(fn, values, i)
        err = compare(g, num, 1e-5, 1e-7)
        worst = max(worst, err)
        status = "ok" if err <= 1 else "MISMATCH"
        print(f"  d/d{params[i]:<8} flatgrad {g: .10g}   finite-diff {num: .10g}   {status}")
    return 0 if worst <= 1 else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flatgrad", description="Source-to-source differentiation "
                                "of numeric Python into flat, readable gradient code.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    p.add_argument("--version", action="version", version=f"flatgrad {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("show", help="print the generated forward+backward code",
                       description="Print the generated forward-plus-backward code of FILE.py::func.")
    s.add_argument("function", metavar="FILE.py::func")
    s.add_argument("--wrt", help="comma-separated parameters to differentiate (default: all)")
    s.add_argument("--mode", choices=["rev", "fwd"], default="rev",
                   help="rev: reverse mode (gradient); fwd: forward mode (tangents tan_x)")
    s.add_argument("--target", choices=["python", "cpu", "parallel", "cuda"], default="python",
                   help="emit plain Python (default), the Numba module, or the vectorize "
                        "batch kernel (parallel: prange loop; cuda: device function + kernel)")
    s.add_argument("-O", dest="opt", choices=["0", "1"], default="1",
                   help="-O0: unoptimised lecture listing; -O1 (default): optimised")
    s.add_argument("--ir", action="store_true", help="print the IR instead of Python")
    s.add_argument("--types", metavar="NAME=TYPE,...",
                   help='argument types, e.g. X=f64[:, :],n=i64 (default: the parameters\' string '
                        'annotations such as X: "f64[:, :]", else float scalars)')
    s.set_defaults(run=cmd_show)
    c = sub.add_parser("check", help="compare the gradient with finite differences",
                       description="Evaluate FILE.py::func and its gradient at a point and "
                                   "compare with central finite differences.")
    c.add_argument("function", metavar="FILE.py::func")
    c.add_argument("--at", required=True, help="the point, e.g. x=1.5,y=-2")
    c.add_argument("--wrt", help="comma-separated parameters to check (default: all)")
    c.add_argument("--target", choices=["python", "cpu"], default="python")
    c.set_defaults(run=cmd_check)
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
