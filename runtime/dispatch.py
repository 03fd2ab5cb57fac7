"""What ``grad(f)`` and friends return: a callable that compiles once per signature.

A call classifies its arguments (float / int / bool scalars, arrays by dtype and
ndim), compiles the transform for that signature on first sight (thread-safely,
through the on-disk cache), and afterwards goes straight to the compiled function:
for all-scalar calls one dict lookup on the argument types stands between the
caller and Numba.
"""
from __future__ import annotations

import inspect
import threading
import warnings

import numpy as np

from ..compiler import types as T
from ..compiler.errors import CompileError, SourceLoc
from ..compiler.pipeline import Request, render, transform
from . import cache

TARGETS = ("python", "cpu")
_SCALARS = {float: T.F64, int: T.I64, bool: T.BOOL, np.float64: T.F64, np.float32: T.F32,
            np.int64: T.I64, np.int32: T.I64, np.bool_: T.BOOL}


class Signature(tuple):
    """The IR types of one call's arguments."""


def _classify(name: str, value, differentiable: bool):
    """(IR type, converted value, needs conversion) for one argument, or a clear error."""
    t = _SCALARS.get(type(value))
    if t is not None:
        if differentiable and not T.is_float(t):
            if t == T.BOOL:
                raise TypeError(f"argument '{name}' is a bool, which has no gradient; "
                                "pass a float or leave it out of argnums")
            return T.F64, float(value), True
        return t, value, False
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float if differentiable else None)
        except ValueError:
            raise ValueError(f"argument '{name}' is a ragged nested sequence; "
                             "pass a rectangular array") from None
        t, value, _ = _classify(name, value, differentiable)
        return t, value, True
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "f" and value.dtype.itemsize in (4, 8):
            return T.Array(str(value.dtype), value.ndim), value, False
        if differentiable:
            if kind in "iub":
                return _classify(name, value.astype(np.float64), True)[0], value.astype(np.float64), True
            raise TypeError(f"argument '{name}' has dtype {value.dtype}; gradients need float32 "
                            "or float64 arrays")
        if kind in "iu":
            return T.Array("int64", value.ndim), value, False
        if kind == "b":
            return T.Array("bool", value.ndim), value, False
        raise TypeError(f"argument '{name}' has unsupported dtype {value.dtype}")
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return _classify(name, value.item(), differentiable)
    raise TypeError(f"argument '{name}' has unsupported type {type(value).__name__}; "
                    "flatgrad takes floats, ints, bools and NumPy arrays")


def default_signature(fn, overrides: dict | None = None) -> Signature:
    """Types for ``fn``'s parameters from ``overrides``, its annotations, else float scalars."""
    code = fn.__code__
    notes = getattr(fn, "__annotations__", {}) or {}
    types = []
    for name in code.co_varnames[:code.co_argcount]:
        t = (overrides or {}).get(name) or T.from_annotation(notes.get(name))
        types.append(t or T.F64)
    return Signature(types)


def _generated_line(e: BaseException) -> str | None:
    """The user's file:line for the innermost generated-module frame of ``e``'s traceback."""
    import sys
    tb, found = e.__traceback__, None
    while tb is not None:
        mod = sys.modules.get(tb.tb_frame.f_globals.get("__name__", ""))
        table = getattr(mod, "__flatgrad_lines__", None)
        if table is not None and tb.tb_frame.f_code.co_filename == getattr(mod, "__file__", None):
            found = table.get(tb.tb_lineno, found)
        tb = tb.tb_next
    return found


class Transformed:
    """A transform of a Python function (``grad``, ``value_and_grad``, ...), compiled lazily."""

    def __init__(self, fn, req: Request, target: str = "cpu", suffix: str = "grad",
                 layout: str | None = None):
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise TypeError(f"flatgrad transforms Python functions, not {type(fn).__name__}")
        self.fn = fn
        self.req = req
        self.target = target
        self.suffix = suffix
        self.layout = layout
        code = fn.__code__
        self.params = code.co_varnames[:code.co_argcount]
        self.defaults = fn.__defaults__ or ()
        self.__name__ = f"{fn.__name__}_{suffix}".replace("<lambda>", "lambda")  # an identifier
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self._fast: dict = {}
        self._called: set = set()
        self._hot = None
        self._slow: dict = {}
        self._last = None
        self._lock = threading.Lock()
        self._fingerprint = None

    # ------------------------------------------------------------------ calling

    def __call__(self, *args):
        try:
            hot = self._hot
            if hot is not None:
                # float signatures: Numba's own C dispatcher checks the types
                try:
                    return hot(*args)
                except TypeError:
                    pass
            fn = self._fast.get(tuple(map(type, args)))
            if fn is not None:
                return fn(*args)
            return self._dispatch(args)
        except (ValueError, IndexError, ZeroDivisionError) as e:
            located = self._locate(e, args)
            if located is None:
                raise
            raise located from e

    def _locate(self, e: BaseException, args):
        """Name the user's line a run-time error comes from (a shape mismatch, an index out of
        range): from the generated module's line table, re-running the plain-Python version of
        the same code when Numba raised it (Numba errors carry no line)."""
        loc = _generated_line(e)
        if loc is None and self.target != "python":
            twin = Transformed(self.fn, self.req, "python", self.suffix, self.layout)
            try:
                twin(*args)
            except type(e) as again:
                cause = again.__cause__
                loc = _generated_line(again) or (cause is not None and _generated_line(cause)) or None
            except Exception:  # noqa: BLE001 - only its location was wanted
                return None
        if loc is None:
            return None
        return type(e)(f"{e}\n  in {self.fn.__name__} at {loc}")

    def _bind(self, args):
        n, k = len(args), len(self.params)
        if n < k and n >= k - len(self.defaults):
            args = args + tuple(self.defaults[n - (k - len(self.defaults)):])
        if len(args) != k:
            raise TypeError(f"{self.fn.__name__}() takes {k} argument(s) "
                            f"({', '.join(self.params)}), got {n}")
        return args

    def signature(self, args):
        code = self.fn.__code__
        if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
            transform(self.fn, None, self.req)   # raises the CompileError that says why
        args = self._bind(tuple(args))
        wrt = set(self.req.wrt) if self.req.mode in ("rev",) else set()
        types, values, converted = [], [], False
        for i, (name, v) in enumerate(zip(self.params, args)):
            t, v2, conv = _classify(name, v, i in wrt)
            types.append(t)
            values.append(v2)
            converted |= conv
        return Signature(types), values, converted

    def _dispatch(self, args):
        sig, values, converted = self.signature(args)
        compiled = self._slow.get(sig)
        if compiled is None:
            compiled = self.compile(sig)
        if compiled is self._hot:
            # Numba turned down a variant of a known signature (another memory layout):
            # let it specialise the same generated code for it
            with self._lock:
                compiled.disable_compile(False)
                try:
                    return compiled(*values)
                finally:
                    compiled.disable_compile(True)
        result = compiled(*values) if sig in self._called else self._first_call(compiled, values, sig)
        if not converted and len(args) == len(self.params):
            if not any(isinstance(t, T.Array) for t in sig):
                self._fast[tuple(map(type, args))] = compiled
            if (self._hot is None and self.target == "cpu" and hasattr(compiled, "disable_compile")
                    and all(t == T.F64 or (isinstance(t, T.Array) and t.dtype in T.FLOATS)
                            for t in sig)):
                # float arguments only: Numba's C dispatcher checks them as well as we would,
                # and (with compilation off) raises TypeError for anything else
                compiled.disable_compile()
                self._hot = compiled
        return result

    def _first_call(self, compiled, values, sig):
        """The first call of a signature is where Numba compiles: its failures are reported as a
        CompileError that says what to do, not as Numba's typing traceback."""
        try:
            with warnings.catch_warnings():
                # Numba notes where '@' meets a transposed view; that is expected here
                warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")
                result = compiled(*values)
        except Exception as e:
            if type(e).__module__.startswith("numba"):
                code = self.fn.__code__
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise CompileError(
                    f"Numba could not compile the generated code of '{self.__name__}' for these "
                    f"argument types ({type(e).__name__}: {first})",
                    SourceLoc(code.co_filename, code.co_firstlineno),
                    "target='python' runs the same generated code without Numba; "
                    "`.source` shows it. Please report this.") from e
            raise
        self._called.add(sig)
        return result

    # ------------------------------------------------------------------ compiling

    def key(self, sig) -> str:
        if self._fingerprint is None:
            self._fingerprint = cache.fingerprint(self.fn)
        return cache.make_key(self._fingerprint, self.req, tuple(sig), self.target, self.layout)

    def build_ir(self, sig):
        from dataclasses import replace
        ir = transform(self.fn, tuple(sig), self.req)
        return replace(ir, name=self.__name__, meta=(("layout", self.layout),) if self.layout else ())

    def build_source(self, sig, key: str = "") -> str:
        origin = f"{self.fn.__code__.co_filename}:{self.fn.__name__}"
        return render([self.build_ir(sig)], self.target, origin, key)

    def compile(self, sig):
        with self._lock:
            hit = self._slow.get(sig)
            if hit is not None:
                return hit
            key = self.key(sig)
            module = cache.load_module(key, self.__name__, lambda: self.build_source(sig, key))
            compiled = getattr(module, self.__name__)
            self._slow[sig] = compiled
            self._last = (sig, module)
            return compiled

    def _default_sig(self):
        """The last signature compiled, else the parameters' annotations (``X: "f64[:, :]"``),
        else float scalars."""
        if self._last is not None:
            return self._last[0]
        return default_signature(self.fn)

    # ------------------------------------------------------------------ inspection

    @property
    def source(self) -> str:
        """The generated module for the last signature compiled (all-float scalars if none)."""
        if self._last is not None:
            return cache.readable(self._last[1].__flatgrad_text__)
        return cache.readable(self.build_source(self._default_sig()))

    @property
    def ir(self):
        """The optimised IR for the last signature compiled (all-float scalars if none)."""
        return self.build_ir(self._default_sig())

    def lower(self, *args):
        """Compile for these arguments without running; returns the generated source."""
        sig, _, _ = self.signature(args)
        self.compile(sig)
        return cache.readable(self._last[1].__flatgrad_text__)

    def __repr__(self) -> str:
        return f"<flatgrad {self.suffix} of {self.fn.__name__} target={self.target}>"

    # ------------------------------------------------------------------ composition (issue 5)

    def __flatgrad_lower__(self, b, args, loc):
        """Called by the frontend when a function being compiled calls this transform."""
        from .compose import lower_transformed
        return lower_transformed(self, b, args, loc)

    def __flatgrad_key__(self) -> str:
        """What decides this transform's code, for the cache key of its callers."""
        if self._fingerprint is None:
            self._fingerprint = cache.fingerprint(self.fn)
        return repr((self._fingerprint, self.req, self.target, self.layout))
