"""What ``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian`` and ``hessian`` return:
a :class:`Transformed`, a stack of IR transforms (``compiler/steps.py``) of a Python function
that compiles once per signature.

A call classifies its arguments (float / int / bool scalars, arrays by dtype and
ndim), compiles the transform for that signature on first sight (thread-safely,
through the on-disk cache), and afterwards goes straight to the compiled function:
for all-scalar calls one dict lookup on the argument types stands between the
caller and Numba. Float signatures go to a private Numba dispatcher whose compilation
is off (it checks the argument types in C and never specialises on unchecked
arguments); everything else is classified first, so any memory layout works, from
any number of threads.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import linecache
import os
import re
import sys
import threading
import time
import warnings

import numpy as np

from ..compiler import facts, targets
from ..compiler import types as T
from ..compiler.errors import CompileError, SourceLoc
from ..compiler.frontend.source import params_of
from ..compiler.frontend.transforms import Inner
from ..compiler.pipeline import Request, render, transform
from ..compiler.tree import TreeDef, unflatten
from ..compiler.objects import follow
from . import cache, dask_rows, draws, forksafe, hot, tiers
from ..compiler.frontend.arity import (fixed_arity, positional_count, split_keywords,
                                       takes_fixed_arity, unwrap_partial)
from .classify import Signature, classify, default_signature, is_tree  # noqa: F401
from .compiled import Compiled
from .dask_rows import DaskData

DEFAULT_TARGET = targets.DEFAULT.name      # every transform's default (compiler/targets.py)


_UNSET = object()
# run-time errors located to the user's line: NumPy's (shapes, indices, division) and
# those the function raises itself (assert, raise RuntimeError(...))
_ERRORS = (ValueError, LookupError, ArithmeticError, AssertionError, RuntimeError)


def _generated_line(e: BaseException) -> str | None:
    """The user's file:line for the innermost generated-module frame of ``e``'s traceback."""
    return _generated_frame(e)[0]


def _generated_frame(e: BaseException) -> tuple:
    """(the user's file:line, the generated line's text) for the innermost generated-module
    frame of ``e``'s traceback, or (None, "")."""
    tb, found, text = e.__traceback__, None, ""
    while tb is not None:
        mod = sys.modules.get(tb.tb_frame.f_globals.get("__name__", ""))
        table = getattr(mod, "__flatgrad_lines__", None)
        if table is not None and tb.tb_frame.f_code.co_filename == getattr(mod, "__file__", None):
            if tb.tb_lineno in table:
                found = table[tb.tb_lineno]
                text = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
        tb = tb.tb_next
    return found, text


_TAPE_WRITE = re.compile(r"^tape_\w*(\[[^\]]*\] = | = tape_push\()")   # a loop's tape write


class _Recompile(Exception):
    """An array the compiled code reads from the module has another dtype or ndim now."""


def _numpy_scalars(fn, sig):
    """``fn`` (plain-Python generated code) called with NumPy scalars in place of Python
    floats and ints, so that its arithmetic follows IEEE and NumPy as the compiled targets do:
    1/0.0 is inf, not a ZeroDivisionError."""
    conv = [(i, np.float64 if t == T.F64 else np.int64) for i, t in enumerate(sig)
            if t in (T.F64, T.I64)]
    if not conv:
        return fn

    def call(*args):
        args = list(args)
        for i, cast in conv:
            if i < len(args) and type(args[i]) in (float, int):
                args[i] = cast(args[i])
        return fn(*args)

    call.__wrapped__ = fn
    return call


def _float32_numbers(compiled, at: frozenset):
    """``compiled`` (Numba code) with its float32 numbers, the flat results at positions
    ``at``, returned as ``np.float32``: Numba boxes them as Python floats, where NumPy (and
    the python tier of the same function) gives float32."""
    def call(*args):
        count = itertools.count()

        def leaf(v):
            if type(v) is tuple:
                return tuple(leaf(x) for x in v)
            return np.float32(v) if next(count) in at else v
        return leaf(compiled(*args))

    call.__wrapped__ = compiled
    return call


def _layouts(values) -> tuple:
    """What decides the Numba type of each value, read cheaply: an array's dtype, ndim and
    flags (contiguity, writeable, aligned); an int's range; else the Python type."""
    out = []
    for v in values:
        if type(v) is np.ndarray:
            f = v.flags
            out.append((v.dtype, v.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned))
        elif type(v) is int:
            out.append((int, -2 ** 63 <= v < 2 ** 63))
        else:
            out.append(type(v))
    return tuple(out)


def _nested(compiled, tree: TreeDef):
    """``compiled`` (which returns a flat tuple) with its results nested as ``tree``: dicts and
    lists, which Numba code cannot return, are built here."""
    def call(*args):
        return unflatten(tree, compiled(*args))

    call.__wrapped__ = compiled
    return call


@contextlib.contextmanager
def _quiet_compile():
    """Where Numba compiles generated code: one thread at a time (catch_warnings changes
    process-wide state; Numba compiles one at a time anyway), without Numba's note that '@'
    meets a transposed view or a slice, which the generated code does by design."""
    with tiers.compiling, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")
        yield


def boundscheck() -> bool:
    """Numba code checks every index (an IndexError naming the user's line, as plain Python
    raises); ``FLATGRAD_BOUNDSCHECK=0`` turns the checks off, for speed on indexing loops
    (an out-of-range index then reads or writes past the array)."""
    return os.environ.get("FLATGRAD_BOUNDSCHECK", "1") != "0"


class Transformed:
    """A stack of transforms of the Python function ``fn``, compiled lazily per signature.

    ``steps``: the :class:`~flatgrad.compiler.steps.Step` s, applied in order; ``extra``:
    names of parameters after ``fn``'s own (tangents, cotangents); ``floats``: the positions
    of the arguments converted to float (the differentiated ones). The results nest as the
    steps say (a treedef in the IR's meta), in the generated ``return`` itself."""

    def __init__(self, fn, steps: tuple = (), target: str = DEFAULT_TARGET, suffix: str = "grad",
                 *, extra: tuple = (), floats=(), optimize: bool = True):
        self.backend = targets.get(target, "transform")     # what compiles and runs it
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise TypeError(f"flatgrad transforms Python functions, not {type(fn).__name__}")
        self.fn = fn
        self.steps = tuple(steps)
        self.target = target
        self.suffix = suffix
        self.extra = tuple(extra)
        self.floats = frozenset(floats)
        self.params = params_of(fn) + self.extra
        self.defaults = () if extra else (fn.__defaults__ or ())
        self.__name__ = f"{fn.__name__}_{suffix}".replace("<lambda>", "lambda")  # an identifier
        self.req = Request(steps=self.steps, optimize=optimize, name=self.__name__)
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self._compiled = Compiled()    # what it has compiled (runtime/compiled.py)
        self._hot_dispatcher = None    # a private Numba dispatcher of the cpu tier (runtime/hot.py)
        self._hot_source = None        # the compiled function whose specialisations it holds
        self._last_compiled = None     # (signature, module) compiled last
        self._source_sig = None        # the signature .source shows (the last one dispatched)
        self._lock = threading.Lock()
        self._facts: dict = {}     # argument position -> the size facts its signature holds
        forksafe.track(self)

    def _after_fork(self) -> None:
        """In a forked child: a lock of its own; the background compilations the parent had
        in flight are not the child's: its next call of such a signature (through the
        classifying path, not a fast entry to the python tier) starts its own."""
        self._lock = threading.Lock()
        for state in self._compiled.tiers.values():
            if state.pending:
                state.pending.clear()
                self._compiled.by_types.clear()

    @property
    def _numba_type_(self):
        """Numba's type for this transform, for user ``@njit`` code that calls it (Numba asks
        for it only when it meets the object, so ``import flatgrad`` never loads Numba)."""
        from .numba_native import function_type
        return function_type(self)

    def retarget(self, target: str) -> "Transformed":
        """The same transform for another target."""
        return transformed(self.fn, self.steps, target, self.suffix, extra=self.extra,
                           floats=self.floats, optimize=self.req.optimize)

    def restacked(self, steps: tuple, suffix: str, extra: tuple) -> "Transformed":
        """Another stack of steps on the same function, target and differentiated arguments
        (what a row chunk of Dask data computes: runtime/dask_rows.py)."""
        return transformed(self.fn, steps, self.target, suffix, extra=extra, floats=self.floats,
                           optimize=self.req.optimize)

    def __reduce__(self):
        """Pickled by reference: the function (by its module and name) and the transform's
        parameters, never compiled code; another process compiles again or reads the on-disk
        cache (``runtime/pickling.py``)."""
        from .pickling import portable
        return rebuild_transformed, (portable(self.fn), self.steps, self.target, self.suffix,
                                     self.extra, self.floats, self.req.optimize)

    # ------------------------------------------------------------------ calling

    def __call__(self, *args, **kwargs):
        # A transform whose hot signatures are scalar code that cannot raise skips even this:
        # its class's __call__ is the hot Numba dispatcher itself (runtime/hot.py).
        dispatcher = self._hot_dispatcher
        if dispatcher is not None and not kwargs and len(args) <= len(self.params):
            # Numba's C dispatcher checks the types; whatever it has no specialisation for
            # comes back through _miss to the classifying path
            try:
                return dispatcher(*args)
            except _ERRORS as e:
                self._reraise(e, args)
        return self._call(args, kwargs)

    def _call(self, args, kwargs=None):
        """A call that classifies its arguments (what the hot dispatcher does not take)."""
        if kwargs:
            args = self._bind_keywords(args, kwargs)
        try:
            fn = self._compiled.by_types.get(tuple(map(type, args)))
            if fn is not None:
                return fn(*args)
            return self._dispatch(args)
        except _ERRORS as e:
            self._reraise(e, args)
        except DaskData:
            return dask_rows.call(self, args)
        except (_Recompile, draws.GeneratorChanged):
            # an array read from the module changed dtype or ndim: compile for the new one
            with self._lock:
                self._compiled = Compiled()
            return self._call(args)

    def _miss(self, *args, **kws):
        """The hot dispatcher's ``_compile_for_args``: Numba calls it for arguments it has no
        specialisation for, then calls what it returns with the same arguments."""
        return self._from_hot

    def _from_hot(self, *args):
        """A call the hot dispatcher passed on, its arguments as Numba bound them (``hot.OMITTED``
        where the caller gave none)."""
        k = next((i for i, a in enumerate(args) if getattr(a, "value", None) is hot.OMITTED),
                 len(args))
        if k == len(args):
            return self._call(args)
        kwargs = {self.params[i]: a for i, a in enumerate(args)
                  if i > k and getattr(a, "value", None) is not hot.OMITTED}
        return self._call(args[:k], kwargs)

    def _reraise(self, e: BaseException, args):
        """Raise ``e`` located at the user's line (once: a hot call's miss locates it inside)."""
        if getattr(e, "__flatgrad_located__", False):
            raise e
        located = self._locate(e, args)
        if located is None:
            e.__flatgrad_located__ = True
            raise e
        located.__flatgrad_located__ = True
        raise located from e

    def _locate(self, e: BaseException, args):
        """Name the user's line a run-time error comes from (a shape mismatch, an index out of
        range): from the generated module's line table, re-running the plain-Python version of
        the same code when Numba raised it (Numba errors carry no line)."""
        loc, text = _generated_frame(e)
        if loc is None and self.backend.jit:
            twin = self.retarget("python")
            try:
                with draws.replaying(draws.last()):   # the same draws, not new ones
                    twin(*args)
            except type(e) as again:
                if getattr(again, "__flatgrad_reshaped__", False):
                    return again          # the twin said what happened, at the user's line
                cause = again.__cause__
                loc = _generated_line(again) or (cause is not None and _generated_line(cause)) or None
            except Exception:  # noqa: BLE001 - only its location was wanted
                return None
        if loc is None:
            return None
        if isinstance(e, ValueError) and _TAPE_WRITE.match(text):
            # writing a loop's tape row: a carried array changed shape from one trip to the
            # next (acc = np.concatenate([acc, x]))
            err = ValueError(f"{self.fn.__name__} at {loc}: an array the loop carries changes "
                             "shape from one trip to the next (it grows or shrinks); flatgrad's "
                             "loops record each carried array in rows of one shape. Preallocate "
                             "the final array before the loop (out = np.zeros(n)) and write "
                             "out[i] = ... in it, or build a list with out.append(...) in a "
                             "loop over range(<constant>).")
            err.__flatgrad_reshaped__ = True
            return err
        return type(e)(f"{e}\n  in {self.fn.__name__} at {loc}")

    def _with_captures(self, compiled, captured, n: int):
        """``compiled``, called with the arrays the function reads from its module or closure
        (read at each call, as Python reads them) after the user's ``n`` arguments (leaves of
        containers counted one by one). If one of them has changed dtype or number of
        dimensions, the transform compiles again."""
        cells = dict(zip(self.fn.__code__.co_freevars, self.fn.__closure__ or ()))

        def fetch(where):
            # ("closure", name, *steps) or ("global", module, name, *steps): each step an
            # attribute, an item, or ("cell", name) in the closure of the function reached so
            # far (a helper's closure arrays: compiler/objects.follow)
            kind, *path, dtype, ndim = where
            try:
                if kind == "closure":
                    value, steps = cells[path[0]].cell_contents, path[1:]
                else:
                    module, name, *steps = path
                    scope = self.fn.__globals__ if self.fn.__globals__.get("__name__") == module \
                        else vars(sys.modules[module])
                    value = scope[name]
                value = follow(value, tuple(steps))   # an array inside an object or a list
            except (LookupError, AttributeError, TypeError):
                raise _Recompile(path[-1]) from None
            if not (isinstance(value, np.ndarray) and value.ndim == ndim
                    and T.array_dtype(value) == dtype):
                raise _Recompile(path[-1])
            return value

        def call(*args):
            return compiled(*args[:n], *(fetch(w) for w in captured), *args[n:])

        call.__flatgrad_captures__ = captured
        call.__wrapped__ = compiled
        return call

    def _bind_keywords(self, args, kwargs) -> tuple:
        """Positional arguments for a call with keywords (``g(x, beta=2.0)``), as Python binds
        them; defaults fill what is left."""
        names = self.params
        bound = list(args)
        for name in names[len(args):]:
            if name in kwargs:
                bound.append(kwargs.pop(name))
            else:
                k = names.index(name) - (len(names) - len(self.defaults))
                if k < 0:
                    raise TypeError(f"{self.fn.__name__}() missing the argument '{name}'")
                bound.append(self.defaults[k])
        if kwargs:
            name = next(iter(kwargs))
            raise TypeError(f"{self.fn.__name__}() got an unexpected or repeated keyword "
                            f"argument '{name}'")
        return tuple(bound)

    def _bind(self, args):
        n, k = len(args), len(self.params)
        if n < k and n >= k - len(self.defaults):
            args = args + tuple(self.defaults[n - (k - len(self.defaults)):])
        elif n < k and self.extra:
            # a transform taking tangents/cotangents after the function's own parameters:
            # those the call leaves out before them take their defaults, as in a Python call
            defaults = self.fn.__defaults__ or ()
            given, missing = n - len(self.extra), k - n
            if given >= 0 and missing <= len(defaults):
                args = args[:given] + tuple(defaults[len(defaults) - missing:]) + args[given:]
        if len(args) != k:
            raise TypeError(f"{self.fn.__name__}() takes {k} argument(s) "
                            f"({', '.join(self.params)}), got {n}")
        return args

    def _modes(self) -> tuple:
        """The parameters that may take a string (their default is a string or None); the
        function's own, also for a transform with extra parameters after them."""
        own, defaults = params_of(self.fn), self.fn.__defaults__ or ()
        return tuple(p for p, d in zip(own[len(own) - len(defaults):], defaults)
                     if d is None or isinstance(d, str))

    def signature(self, args):
        code = self.fn.__code__
        if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
            transform(self.fn, None, self.req)   # raises the CompileError that says why
        args = self._bind(tuple(args))
        types, values, converted, gens = [], [], False, []
        asked = self._facts        # the arguments whose size facts the function's typing needs
        for i, (name, v) in enumerate(zip(self.params, args)):
            if isinstance(v, str) and name not in self._modes():
                raise TypeError(f"argument '{name}' is a string; flatgrad takes floats, ints, "
                                "bools and NumPy arrays (and a string for a parameter whose "
                                "default is a string or None, as a mode)")
            t, v2, conv = classify(name, v, i in self.floats)
            if asked and i in asked and isinstance(t, T.Array):
                t = facts.sized(t, v2, asked[i])
            types.append(t)
            if isinstance(t, T.Tree):
                values.extend(v2)        # the compiled code takes one parameter per leaf
            elif isinstance(t, T.Static):
                if t.key in ("RandomState", "Generator"):
                    gens.append(v)       # ... a generator goes last, to draws.wrap
                values.extend(v2 or ())  # ... and none for a static argument (but an
                                         # object argument's arrays)
            else:
                values.append(v2)
            converted |= conv
        return Signature(types), values + gens, converted

    def _dispatch(self, args):
        sig, values, converted = self.signature(args)
        while True:
            try:
                compiled, state = self._pick(sig, values)
                break
            except facts.NeedsFacts as e:      # (one more fact per try: a handful at most)
                if not self._learn(e):
                    raise
                sig, values, converted = self.signature(args)
        if state is not None and state.racing:       # both tiers timed (tiers.State.record)
            t0 = time.perf_counter()
            result = compiled(*values)
            seconds = time.perf_counter() - t0
            if tuple(map(tiers.describe, values)) in state.loaded:    # (not another layout)
                with self._lock:
                    state.record("cpu" if compiled is state.cpu else "python", seconds)
            return result
        if self._may_compile(compiled, values, sig):
            result = self._first_call(compiled, values, sig)
        else:
            result = compiled(*values)
        if not converted and len(args) == len(self.params):
            if not any(isinstance(t, T.Array) for t in sig):
                # scalars: the exact Python types decide the signature
                if state is None:
                    self._compiled.by_types[tuple(map(type, args))] = compiled
                else:
                    with self._lock:   # never a python tier the switch has just replaced
                        if state.cpu is None or compiled is state.cpu:
                            self._compiled.by_types[tuple(map(type, args))] = compiled
            if self._hot_dispatcher is None and not self._facts:    # (Numba keys on no size facts)
                if (self.backend.native and hasattr(compiled, "disable_compile")
                        and all(t == T.F64 or (isinstance(t, T.Array) and t.dtype in T.FLOATS)
                                for t in sig)):
                    hot.publish(self, compiled)
            elif (compiled is self._hot_source
                  and len(compiled.overloads) != len(self._hot_dispatcher.overloads)):
                hot.sync(self)   # another memory layout of the hot signature was compiled
        return result

    # ------------------------------------------------------------------ tiers

    def _pick(self, sig, values):
        """``(compiled, tier state)`` for a call: under ``FLATGRAD_TIER=auto`` the cpu tier once
        it is loaded for these arguments, else the python tier (starting the cpu tier's
        background compilation where Numba pays); the cpu tier at once otherwise."""
        state = self._compiled.tiers.get(sig)
        if state is None:
            if not self.backend.tiered or not all(isinstance(t, (T.Scalar, T.Array)) for t in sig):
                return self._compiled.by_signature.get(sig) or self.compile(sig), None
            m = tiers.mode()
            if m == "cpu":
                return self._compiled.by_signature.get(sig) or self.compile(sig), None
            state = self._new_tier(sig, values, m)
        self._source_sig = sig
        if state.cpu is None and state.decision == "python":
            return state.python, state
        descs = tuple(map(tiers.describe, values))
        if state.cpu is not None and descs in state.loaded:
            if state.racing and state.next_racer() == "python":
                return state.python, state
            return state.cpu, state
        if (state.decision in ("cpu", "race") and state.failed is None and None not in descs
                and descs not in state.pending):
            self._promote(state, descs)
        return state.python, state

    def _new_tier(self, sig, values, m: str):
        compiled = self._compiled
        twin = compiled.python_twin
        if twin is None:
            twin = compiled.python_twin = self.retarget("python")
        python = twin.compile(sig)
        module = sys.modules.get(getattr(_innermost(python), "__module__", ""))
        prof = tiers.profile_of(python)
        if prof is None:
            prof = tiers.profile(self.build_ir(sig))
        tier, why = ("python", "FLATGRAD_TIER=python") if m == "python" else \
            tiers.decide(prof, values)
        state = tiers.State(sig, python, module, tier, why)
        with self._lock:
            return compiled.tiers.setdefault(sig, state)

    def _promote(self, state, descs):
        """Bring ``state``'s signature, for arguments like ``descs``, to the cpu tier in the
        background (``tiers.py``): a worker process compiles it into the on-disk caches, then
        the background thread loads it here and switches the calls over."""
        sig = state.sig
        with self._lock:
            if descs in state.pending:
                return
            state.pending.add(descs)
        n = len(params_of(self.fn))
        captured = getattr(state.python_module, "__flatgrad_captures__", ())
        full = descs[:n] + tiers.capture_descs(captured) + \
            draws.descs(state.python_module, self.__name__) + descs[n:]
        key = self.key(sig)

        def prepare():
            path = cache.ensure_module(key, self.__name__, lambda: self._module_text(sig, key))
            if path is None:
                return None
            return path, f"flatgrad_generated.{self.__name__}_{key}", self.__name__, full

        def finish():
            cpu = self.compile(sig)
            raw = _innermost(cpu)           # the Numba dispatcher inside the wrappers
            tiers.load(raw, full)
            module = sys.modules.get(getattr(raw, "__module__", ""))
            with self._lock:
                state.pending.discard(descs)
                if self._compiled.tiers.get(sig) is not state:
                    return
                state.cpu_module = module
                state.loaded.add(descs)
                state.cpu = cpu
                self._compiled.by_types.clear()     # scalar calls find the cpu tier from now on

        def fail(message):
            with self._lock:
                state.pending.discard(descs)
                state.failed = message

        tiers.submit(tiers.Job(self, prepare, finish, fail))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background compilation this transform started is done (every
        signature called so far then runs the tier it ends up in); False on timeout."""
        return tiers.wait(self, timeout)

    @property
    def tier(self) -> str | None:
        """The tier running the last signature called: ``"cpu"`` (Numba) or ``"python"``
        (NumPy), ``"race"`` while both are timed on alternate calls; None before the first
        call."""
        sig = self._source_sig
        state = self._compiled.tiers.get(sig) if sig is not None else None
        if state is not None:
            return state.running()
        return self.target if self._compiled.by_signature else None

    @staticmethod
    def _numba_types(compiled, values):
        """The Numba types ``compiled`` would be called with (None if unknown)."""
        try:
            return tuple(map(compiled.typeof_pyval, values))
        except Exception:  # noqa: BLE001 - only a hint for _may_compile
            return None

    def _may_compile(self, compiled, values, sig) -> bool:
        """Whether this call may compile: Numba has no specialisation for these exact types (a new
        signature, or a new memory layout of a known one), or a first call of another target.
        Argument layouts already seen to have one skip Numba's typeof (microseconds an array)."""
        overloads = getattr(compiled, "overloads", None)
        if overloads is None:
            return sig not in self._compiled.first_called
        seen = (id(compiled), _layouts(values))
        if seen in self._compiled.specialised:
            return False
        if self._numba_types(compiled, values) in overloads:
            self._compiled.specialised.add(seen)
            return False
        return True

    def _learn(self, e) -> bool:
        """The function's typing needs the size facts ``e.params``: every later signature
        holds them (compiler/facts.py); False if it held them already. Numba's own
        dispatcher, which keys on types and layouts only, is no longer handed calls directly."""
        with self._lock:
            grown = dict(self._facts)
            for i, fact in e.params:
                grown[i] = grown.get(i, frozenset()) | {fact}
            if grown == self._facts:
                return False
            self._facts = grown
            hot.withdraw(self)
            return True

    def _first_call(self, compiled, values, sig):
        """The first call of a signature is where Numba compiles: its failures are reported as a
        CompileError that says what to do, not as Numba's typing traceback."""
        try:
            types = self._numba_types(compiled, values) if hasattr(compiled, "overloads") else None
            result = _UNSET
            if types is not None:
                # compile (only) for exactly these types
                with _quiet_compile():
                    try:
                        compiled.compile(types)
                    except Exception as e:
                        if type(e).__name__ != "ForceLiteralArg":
                            raise
                        result = compiled(*values)   # Numba's call path handles literals
            if result is _UNSET and types is None and self.backend.jit:
                with _quiet_compile():               # (behind a wrapper: compiled at the call)
                    result = compiled(*values)
            if result is _UNSET:
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
        self._compiled.first_called.add(sig)
        return result

    # ------------------------------------------------------------------ compiling

    def _fingerprint(self) -> str:
        compiled = self._compiled
        if compiled.fingerprint is None:
            compiled.fingerprint = cache.fingerprint(self.fn)
        return compiled.fingerprint

    def key(self, sig) -> str:
        return cache.make_key(self._fingerprint(), self.req, tuple(sig), self.target, boundscheck())

    def build_ir(self, sig, log=None):
        """The optimised IR for argument types ``sig``; its meta holds the results' treedef.
        ``log``: a :class:`~flatgrad.compiler.pipeline.PassLog` to record passes in."""
        return transform(self.fn, tuple(sig), self.req, log)

    def _module_text(self, sig, key: str = "") -> str:
        """The generated module as cached: the source and the IR's profile (tiers.py)."""
        origin = f"{self.fn.__code__.co_filename}:{self.fn.__name__}"
        ir = self.build_ir(sig)
        return render([ir], self.target, origin, key, boundscheck=boundscheck()) + \
            tiers.profile_line(ir)

    def build_source(self, sig, key: str = "") -> str:
        origin = f"{self.fn.__code__.co_filename}:{self.fn.__name__}"
        return render([self.build_ir(sig)], self.target, origin, key, boundscheck=boundscheck())

    def compile(self, sig):
        with self._lock:
            hit = self._compiled.by_signature.get(sig)
            if hit is not None:
                return hit
            key = self.key(sig)
            module = cache.load_module(key, self.__name__, lambda: self._module_text(sig, key))
            compiled = getattr(module, self.__name__)
            at = getattr(module, "__flatgrad_float32__", {}).get(self.__name__)
            if at:
                compiled = _float32_numbers(compiled, frozenset(at))
            nested = getattr(module, "__flatgrad_trees__", {}).get(self.__name__)
            if nested is not None:
                compiled = _nested(compiled, TreeDef.from_spec(nested))
            captured = getattr(module, "__flatgrad_captures__", ())
            n = len(T.leaf_types(sig[:len(params_of(self.fn))]))
            compiled = draws.wrap(compiled, module, self.__name__, self.fn, self.params, sig,
                                  n + len(captured))
            if captured:
                compiled = self._with_captures(compiled, captured, n)
            if not self.backend.jit:
                compiled = _numpy_scalars(compiled, T.leaf_types(sig))
            self._compiled.by_signature[sig] = compiled
            self._last_compiled = (sig, module)
            return compiled

    def _default_sig(self):
        """The last signature compiled, else the parameters' annotations (``X: "f64[:, :]"``),
        else float scalars."""
        if self._last_compiled is not None:
            return self._last_compiled[0]
        return default_signature(self.fn)

    # ------------------------------------------------------------------ inspection

    @property
    def source(self) -> str:
        """The generated module for the last signature compiled (all-float scalars if none);
        under ``FLATGRAD_TIER=auto``, that of the tier running the last signature called, with
        a first line naming the tier and why."""
        sig = self._source_sig
        state = self._compiled.tiers.get(sig) if sig is not None else None
        if state is not None:
            module = state.cpu_module if state.cpu is not None else state.python_module
            if module is not None:
                return state.header() + cache.readable(module.__flatgrad_text__)
        if self._last_compiled is not None:
            return cache.readable(self._last_compiled[1].__flatgrad_text__)
        return cache.readable(self.build_source(self._default_sig()))

    @property
    def ir(self):
        """The optimised IR for the last signature compiled (all-float scalars if none)."""
        return self.build_ir(self._default_sig())

    def lower(self, *args):
        """Compile for these arguments without running; returns the generated source."""
        while True:
            sig, _, _ = self.signature(args)
            try:
                self.compile(sig)
                break
            except facts.NeedsFacts as e:
                if not self._learn(e):
                    raise
        return cache.readable(self._last_compiled[1].__flatgrad_text__)

    def __repr__(self) -> str:
        return f"<flatgrad {self.suffix} of {self.fn.__name__} target={self.target}>"

    # ------------------------------------------------------------------ inside compiled code

    def __flatgrad_transform__(self):
        """What a function being compiled that calls this transform inlines there (its IR,
        transformed for the call's argument types: ``compiler/frontend/transforms.py``)."""
        return Inner(self.fn, self.steps, self.floats, self.extra, self.__name__)

    def __flatgrad_key__(self) -> str:
        """What decides this transform's code, for the cache key of its callers."""
        return repr((self._fingerprint(), self.req, self.target, sorted(self.floats)))


class ByArity(Transformed):
    """A transform of a function whose parameters a call decides: one :class:`Transformed` of
    :func:`fixed_arity`'s function per call shape (number of positional arguments, keyword
    names), made at the first call of that shape. ``extra`` parameters (tangents,
    cotangents, vectors) come after the call's own arguments; each is converted to float, as
    the API's transforms ask for theirs, and ``floats`` holds the differentiated positions
    among the call's own arguments."""

    def __init__(self, fn, steps: tuple = (), target: str = "cpu", suffix: str = "grad", *,
                 extra: tuple = (), floats=(), optimize: bool = True):
        base = unwrap_partial(fn)[0]
        if not hasattr(base, "__code__"):      # a partial of a NumPy function (a ufunc)
            base = fixed_arity(fn, positional_count(fn))
        super().__init__(base, steps, target, suffix, extra=extra, floats=floats,
                         optimize=optimize)
        self.fn = self.__wrapped__ = fn         # (a partial's function named the transform)
        self._shapes: dict = {}
        self._last = None

    def shape_of(self, n: int, keywords: tuple = (), settings: tuple = ()):
        """The transform for calls with ``n`` positional arguments of the function's own (before
        the extra ones), ``keywords`` (names) and ``settings`` (name, value pairs fixed while
        compiling: ``arity.is_setting``)."""
        key = (n, keywords, settings)
        t = self._shapes.get(key)
        if t is None:
            if n < 0:
                raise TypeError(f"{self.__name__}() takes the function's arguments, then "
                                f"{len(self.extra)} more ({', '.join(self.extra)})")
            m = n + len(keywords)
            floats = {i for i in self.floats if i < n} | set(range(m, m + len(self.extra)))
            t = self._shapes.setdefault(key, Transformed(
                fixed_arity(self.fn, n, keywords, settings), self.steps, self.target,
                self.suffix, extra=self.extra, floats=floats, optimize=self.req.optimize))
        self._last = t
        return t

    def _call(self, args, kwargs=None):
        kwargs = kwargs or {}
        n = len(args) - len(self.extra)
        keywords, settings = split_keywords(kwargs)
        own = args[:max(n, 0)]
        return self.shape_of(n, keywords, settings)(*own, *(kwargs[k] for k in keywords),
                                                    *args[len(own):])

    def lower(self, *args):
        n = len(args) - len(self.extra)
        return self.shape_of(n).lower(*args)

    def _for_sig(self, sig):
        return self.shape_of(len(sig) - len(self.extra))

    def build_ir(self, sig, log=None):
        return self._for_sig(sig).build_ir(sig, log)

    def build_source(self, sig, key: str = "") -> str:
        return self._for_sig(sig).build_source(sig, key)

    def compile(self, sig):
        return self._for_sig(sig).compile(sig)

    def _last_shape(self):
        """The shape called last; before any call, the function's named positional
        parameters alone (as a plain transform shows float scalars before its first call)."""
        if self._last is None:
            return self.shape_of(positional_count(self.fn))
        return self._last

    def __repr__(self) -> str:
        return f"<flatgrad {self.suffix} of {self.__name__.rsplit('_', 1)[0]} " \
            f"target={self.target}>"

    @property
    def source(self) -> str:
        return self._last_shape().source

    @property
    def ir(self):
        return self._last_shape().ir


def _innermost(compiled):
    """The generated function inside the wrappers ``compile`` puts around it (captured
    arrays, random draws, nesting of results, NumPy scalars)."""
    while not hasattr(compiled, "compile") and hasattr(compiled, "__wrapped__"):
        compiled = compiled.__wrapped__
    return compiled


_REBUILT: dict = {}     # the transforms unpickled in this process, by what rebuilds them


def rebuild_transformed(fn, steps, target, suffix, extra, floats, optimize):
    """The :class:`Transformed` a pickle describes (compiled on its first call). A function
    pickled by reference unpickles as the same object, and so does its transform: a worker
    that receives it once per task (Dask) compiles it, or loads it from the caches, once."""
    key = (fn, tuple(steps), target, suffix, tuple(extra), frozenset(floats), optimize)
    t = _REBUILT.get(key)
    if t is None:
        t = transformed(fn, steps, target, suffix, extra=extra, floats=floats, optimize=optimize)
        if len(_REBUILT) >= 64:           # functions pickled by value are new objects each time
            _REBUILT.pop(next(iter(_REBUILT)))
        _REBUILT[key] = t
    return t


def lift(f) -> tuple:
    """``(python function, steps so far)`` for a function, a Numba ``@njit`` function (its
    Python source is differentiated), or a flatgrad transform of one."""
    f = python_function(f)
    if isinstance(f, Transformed):
        if f.extra:
            raise TypeError(f"cannot transform {f!r} further: it takes extra arguments "
                            "(tangents or cotangents)")
        return f.fn, f.steps
    if isinstance(f, functools.partial):     # compiled per call shape (compiler/frontend/arity.py)
        return f, ()
    if not callable(f) or not hasattr(f, "__code__"):
        raise TypeError(f"flatgrad transforms Python functions, not {type(f).__name__}")
    return f, ()


def python_function(f):
    """The Python function behind a Numba dispatcher (``@njit``), else ``f``."""
    py = getattr(f, "py_func", None)
    if py is not None and type(f).__module__.startswith("numba"):
        return py
    return f


def stack(f, steps: tuple, target: str = DEFAULT_TARGET, suffix: str = "grad", *,
          extra: tuple = (), floats=(), optimize: bool = True) -> Transformed:
    """``steps`` on top of ``f``: a Python function, or a transform of one (whose steps come
    first)."""
    fn, base = lift(f)
    return transformed(fn, base + tuple(steps), target, suffix, extra=tuple(extra),
                       floats=floats, optimize=optimize)


def transformed(fn, steps: tuple = (), target: str = DEFAULT_TARGET, suffix: str = "grad",
                **options) -> Transformed:
    """A :class:`Transformed`; for a function taking ``*args``, keyword-only parameters or
    ``**kwargs``, one that compiles per call shape (``compiler/frontend/arity.py``)."""
    if isinstance(fn, functools.partial) or hasattr(fn, "__code__") and not takes_fixed_arity(fn):
        return ByArity(fn, steps, target, suffix, **options)
    return Transformed(fn, steps, target, suffix, **options)


@functools.lru_cache(maxsize=512)
def stack_cached(f, steps: tuple, target: str, suffix: str, extra: tuple = (),
                 floats: tuple = (), optimize: bool = True) -> Transformed:
    """:func:`stack`, one object per distinct request (``jvp``/``vjp`` are called per point)."""
    return stack(f, steps, target, suffix, extra=extra, floats=floats, optimize=optimize)
