"""Size facts: what a function's typing may need to know about its arguments' sizes.

flatgrad types arrays by dtype and rank; sizes stay dynamic. A few NumPy calls have a
result whose *type* depends on sizes: ``np.squeeze(x)`` without an axis drops exactly the
axes of length 1 (the rank), ``np.unstack(x)`` returns ``x.shape[0]`` arrays (a tuple's
length). For those, the fact (which axes of argument ``x`` have length 1; the length of one
of its axes) becomes part of the signature the dispatcher keys on (:class:`~.types.Sized`),
as Numba keys on memory layouts: one compilation per distinct fact, never a wrong type.

Only functions that ask pay for it. Lowering meets the call on an argument whose fact the
signature lacks, records a request and raises :class:`NeedsFacts` (a CompileError that says
what is missing); the dispatcher (``runtime/dispatch.py``) then adds the fact for that
argument to every later signature of this function and compiles again. Every other
function keeps exactly the signatures, and cache keys, it had. Arrays computed inside the
function have no such fact: there the call is a CompileError that says to name the axes.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import types as T
from .errors import CompileError
from .ir import Var
from .shapes import static_shape

_SCOPE: contextvars.ContextVar = contextvars.ContextVar("flatgrad_facts", default=None)


class NeedsFacts(CompileError):
    """Typing needs size facts the signature does not hold: ``params`` is a set of
    ``(position, fact)`` with fact ``"unit"`` (which axes have length 1) or ``("len", axis)``;
    the error itself says which and where."""

    def __init__(self, err: CompileError, params: frozenset):
        super().__init__(err.message, err.loc, err.hint, err.calls)
        self.params = params


@dataclass
class _Scope:
    args: dict                       # parameter Var id -> (position, name, its Sized or None)
    requests: set = field(default_factory=set)


def split(arg_types) -> tuple:
    """``(arg_types with every Sized made a plain Array, {position: its Sized})``."""
    if arg_types is None or not any(isinstance(t, T.Sized) for t in arg_types):
        return arg_types, {}
    known = {i: t for i, t in enumerate(arg_types) if isinstance(t, T.Sized)}
    return tuple(t.plain if isinstance(t, T.Sized) else t for t in arg_types), known


def sized(t: T.Array, value, asked) -> T.Sized:
    """The signature type of array argument ``value`` with the facts ``asked`` of it."""
    shape = value.shape
    unit = tuple(k for k, n in enumerate(shape) if n == 1) if "unit" in asked else None
    lengths = tuple(sorted((f[1], shape[f[1]]) for f in asked if f != "unit" and f[1] < len(shape)))
    return T.Sized(t.dtype, t.ndim, unit, lengths)


@contextmanager
def scope(names, bindings: dict, known: dict):
    """Lower a function body with the facts ``known`` for its arguments (``bindings``: name ->
    parameter value); a CompileError met while some fact was missing becomes NeedsFacts."""
    args = {v.id: (i, n, known.get(i)) for i, n in enumerate(names)
            for v in [bindings[n]] if isinstance(v, Var) and T.is_array(v.type)}
    s = _Scope(args)
    token = _SCOPE.set(s)
    try:
        yield s
    except NeedsFacts:
        raise
    except CompileError as e:
        if s.requests:
            raise NeedsFacts(e, frozenset(s.requests)) from None
        raise
    finally:
        _SCOPE.reset(token)


def _unknown(lowerer, node, unknown: str, hint: str) -> CompileError:
    return lowerer.err(node, f"{unknown} is known only at run time (flatgrad knows it for the "
                             "function's array arguments and for arrays whose sizes follow from "
                             "theirs or from constants)", hint)


def _argument(lowerer, node, pid, unknown: str, hint: str):
    """``(scope, position, name, its Sized or None)`` for the array argument whose parameter
    has id ``pid`` in the function being compiled; otherwise, a CompileError saying
    ``unknown``."""
    s = _SCOPE.get()
    entry = s.args.get(pid) if s is not None else None
    if entry is None:
        raise _unknown(lowerer, node, unknown, hint)
    return (s, *entry)


def _arg_units(lowerer, node, pid, what: str) -> tuple[int, ...]:
    s, i, name, known = _argument(lowerer, node, pid, f"{what}: which axes of this array have length 1",
                                  "Name the axes: np.squeeze(x, axis=0).")
    if known is None or known.unit is None:
        s.requests.add((i, "unit"))
        raise lowerer.err(node, f"{what}: which axes of argument '{name}' have length 1 is known "
                           "only from a call's arguments",
                     f"Call the function: it compiles once for each pattern of length-1 axes of "
                     f"'{name}'. Or name the axes: np.squeeze({name}, axis=0).")
    return known.unit


def _arg_length(lowerer, node, pid, axis: int, what: str) -> int:
    s, i, name, known = _argument(lowerer, node, pid, f"{what}: the length of axis {axis} of this array",
                                  "Index the parts you need: x[0], x[1], ...")
    n = dict(known.lengths).get(axis) if known is not None else None
    if n is None:
        s.requests.add((i, ("len", axis)))
        raise lowerer.err(node, f"{what}: the length of axis {axis} of argument '{name}' is known only "
                           "from a call's arguments",
                     f"Call the function: it compiles once for each length of that axis of "
                     f"'{name}'. Or index the parts you need: {name}[0], {name}[1], ...")
    return n


def _dims(lowerer, x) -> tuple:
    """The dimensions of ``x``, each ``("const", n)``, ``("arg", parameter id, axis)`` (an axis
    of an array argument, whose facts the signature may hold) or None (known only at run
    time): an argument's own, those the shape rules of the ops that made it give
    (shapes.static_shape), or those of the value the lowering says it is shaped like
    (``Lowerer.shape_like``: an ODE's state, whose shape is its initial value's)."""
    like = getattr(lowerer, "shape_like", {}).get(getattr(x, "id", None))
    if like is not None:                 # a value known to have another's shape
        return _dims(lowerer, like)
    s = _SCOPE.get()
    args = frozenset(s.args) if s is not None else frozenset()
    if isinstance(x, Var) and x.id in args:
        return tuple(("arg", x.id, k) for k in range(x.type.ndim))

    def known(d):
        if d == 1:
            return ("const", 1)
        if isinstance(d, tuple) and d[0] == "const" and isinstance(d[1], int):
            return d
        return d if isinstance(d, tuple) and d[0] == "arg" and d[1] in args else None
    return tuple(known(d) for d in static_shape(getattr(lowerer, "defs", {}), x, args))


def unit_axes(lowerer, node, x, what: str) -> tuple[int, ...]:
    """Which axes of ``x`` have length 1: an array argument of the function being compiled
    (recording the request where the signature could hold the fact), or an array whose
    dimensions follow from constants and arguments' axes; otherwise a CompileError."""
    out = []
    for k, d in enumerate(_dims(lowerer, x)):
        if d is None:
            raise _unknown(lowerer, node, f"{what}: which axes of this array have length 1",
                           "Name the axes: np.squeeze(x, axis=0).")
        if d == ("const", 1) or d[0] == "arg" and d[2] in _arg_units(lowerer, node, d[1], what):
            out.append(k)
    return tuple(out)


def axis_length(lowerer, node, x, axis: int, what: str) -> int:
    """The length of axis ``axis`` of ``x``: an array argument of the function being compiled
    (recording the request where it could be known), or an array whose that axis follows
    from a constant or an argument's axis; otherwise a CompileError."""
    dims = _dims(lowerer, x)
    d = dims[axis] if axis < len(dims) else None
    if d is None:
        raise _unknown(lowerer, node, f"{what}: the length of axis {axis} of this array",
                       "Index the parts you need: x[0], x[1], ...")
    return d[1] if d[0] == "const" else _arg_length(lowerer, node, d[1], d[2], what)
