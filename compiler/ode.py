"""``flatgrad.odeint``: ODE solves that flatgrad differentiates by the adjoint method.

Called from Python, :func:`odeint` runs the DOPRI5 solver of ``library/odesolve.py`` on NumPy.
Inside a compiled function, a call to it lowers the user's dynamics ``func(y, t, *args)``
once, with fresh parameters, into an IR function (its reads of the enclosing function's
values become further parameters), and becomes one op of a primitive registered for that
function. The transforms see only that op:

* its VJP is a second op, the *adjoint solve*: the augmented state ``[y, a, q]`` run from
  ``t[-1]`` back to ``t[0]`` under ``[f, -a df/dy, -a df/dparams]``, the vector--Jacobian
  products coming from flatgrad's own reverse pass over the dynamics' IR; it returns the
  gradients of ``y0``, ``t`` and every parameter in one flat array, which each argument's
  rule slices (the expansion computes it once per cotangent);
* its JVP is a third op, the *tangent solve*: ``[y, y']`` run forwards under
  ``[f, df/dy y' + df/dparams params']``, the products from flatgrad's forward pass.

After the transforms, ``custom_rules.expand_custom`` replaces each op by its body: the solver
functions of ``library/odesolve.py`` lowered with the dynamics inlined at every call, so the
emitted code (NumPy or Numba) is the solver loop itself and calls nothing new.
``scipy.integrate.odeint`` inside a compiled function is the same solve with SciPy's
conventions (:func:`lower_scipy_odeint`). (This module is imported by ``flatgrad/__init__``, not by ``library/groups``:
it reaches the frontend through ``custom_rules.lower_into``, which the frontend's imports of the
library must not lead back to.)
"""
from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from . import types as T
from .builder import Builder
from .custom_rules import CUSTOM, lower_into
from .errors import CompileError
from .forward import forward_ad
from .inline import inline
from .ir import Block, Const, Function, Var
from .primitives import call, defjvp, defprim, defvjp
from .rewrite import free_vars
from .values import Record, Ref
from .vjp import reverse_seeded
from .library import odesolve
from .library.registry import lowers

F64 = T.F64
I64 = T.I64
DEFAULTS = {"rtol": 1.4e-8, "atol": 1.4e-8, "mxstep": 100_000, "hmax": math.inf}


# ---------------------------------------------------------------------- from Python

def odeint(func, y0, t, *params, args=(), rtol=DEFAULTS["rtol"], atol=DEFAULTS["atol"],
           mxstep=DEFAULTS["mxstep"], hmax=DEFAULTS["hmax"], tfirst=False):
    """Solve ``dy/dt = func(y, t, *args)`` with ``y(t[0]) = y0``: the states at the times
    ``t``, an array ``(len(t), *y0.shape)`` whose first row is ``y0`` (SciPy's and JAX's
    ``odeint``). Extra arguments come after ``t`` (JAX's call) or as ``args=(...)``
    (SciPy's); ``tfirst=True`` calls ``func(t, y, *args)``. flatgrad differentiates it with
    respect to ``y0``, ``t`` and the arguments (and arrays ``func`` reads from the enclosing
    function) by the adjoint method.

    ``t`` must be monotone (increasing or decreasing). The solver is DOPRI5 (SciPy's
    ``RK45``) with error control ``rtol``/``atol`` per component, stepping exactly onto each
    time in ``t``; ``hmax`` bounds the step, ``mxstep`` the steps between two times of ``t``
    (past it the states are NaN; called from Python it raises instead)."""
    params = _merge_args(params, args)
    y0 = np.asarray(y0, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if y0.ndim == 0 or t.ndim != 1:
        raise ValueError("odeint: y0 must be an array and t a 1-D array of times")
    shape = y0.shape

    def rhs(y, tt):
        y = y.reshape(shape)
        dy = func(tt, y, *params) if tfirst else func(y, tt, *params)
        return np.ravel(np.asarray(dy, dtype=np.float64))

    ys = odesolve.solve(rhs, y0.ravel(), t, float(rtol), float(atol), mxstep, float(hmax))
    if np.isnan(ys).any() and not np.isnan(y0).any():
        raise RuntimeError(f"odeint: the solve did not reach every time in t within mxstep="
                           f"{mxstep} steps (or the solution is not finite); raise mxstep or "
                           "loosen rtol/atol")
    return ys.reshape((len(t),) + shape)


def _merge_args(params, args):
    if args is None or (isinstance(args, tuple) and not args):
        return tuple(params)
    if params:
        raise TypeError("odeint: give the extra arguments after t or as args=(...), not both")
    return tuple(args) if isinstance(args, (tuple, list)) else (args,)


# ---------------------------------------------------------------------- the registry

ODE_IDS = itertools.count()


@dataclass
class OdeSpec:
    """One lowered ``odeint`` call: its dynamics as IR and its solver settings.

    ``rhs`` is ``F(y, t, *params) -> dy/dt`` where ``params`` are the leaves of the extra
    arguments followed by the enclosing function's values ``func`` reads; the op's
    arguments are ``(y0, t, *params)``."""

    prim: str
    rhs: Function
    ndim: int                       # of y0
    settings: tuple                 # rtol, atol, mxstep, hmax as Consts
    _vjp: Function | None = field(default=None, repr=False)
    _jvp: Function | None = field(default=None, repr=False)

    @property
    def floats(self) -> tuple[int, ...]:
        """Positions (in the op's arguments) of the float parameters: they get gradients."""
        return tuple(2 + k for k, p in enumerate(self.rhs.params[2:]) if T.is_float(p.type))

    def vjp_fn(self) -> Function:
        """``(y, t, *params, a) -> (f, a df/dy, a df/dp for each float p)``, by flatgrad's
        reverse pass over the dynamics."""
        if self._vjp is None:
            self._vjp = reverse_seeded(self.rhs, (0,) + self.floats, None, True)
        return self._vjp

    def jvp_fn(self) -> Function:
        """``(y, t, *params, y', *p') -> (f, df/dy y' + sum df/dp p')``, by forward mode."""
        if self._jvp is None:
            self._jvp = forward_ad(self.rhs, (0,) + self.floats, True)
        return self._jvp

    # the bodies that replace the ops after the transforms (called by custom_rules.expand_custom)

    def primal(self, b: Builder, args) -> Var:
        y0, t, params = args[0], args[1], tuple(args[2:])
        ys = lower_into(odesolve.solve, b, (Ref(_Rhs(self, y0, params)), _flat(b, y0), t)
                        + self.settings)
        return _unflat(b, ys, y0, t)


@dataclass(frozen=True)
class _Adjoint:
    """The adjoint op of an :class:`OdeSpec`: arguments ``(y0, t, *params, ys, g)``."""

    spec: OdeSpec

    def primal(self, b: Builder, args) -> Var:
        spec = self.spec
        y0, t, params, ys, g = args[0], args[1], tuple(args[2:-2]), args[-2], args[-1]
        total = Const(0, I64)
        for i in spec.floats:
            total = b.add(total, _size(b, args[i]))
        q = b.op("full", total, Const(0.0, F64), dtype="float64")   # the parameters' adjoint
        hooks = (Ref(_Rhs(spec, y0, params)), Ref(_Aug(spec, y0, params)))
        return lower_into(odesolve.adjoint, b, hooks + (_rows(b, ys, y0), t, _rows(b, g, y0), q)
                          + spec.settings)


@dataclass(frozen=True)
class _Tangent:
    """The tangent op of an :class:`OdeSpec`: arguments ``(y0, t, *params, ys, y0', t',
    *params')`` (one tangent per float parameter); the tangent of the solution."""

    spec: OdeSpec

    def primal(self, b: Builder, args) -> Var:
        spec = self.spec
        k = len(spec.rhs.params)
        y0, t, params, ys = args[0], args[1], tuple(args[2:k]), args[k]
        dy0, dt, dparams = args[k + 1], args[k + 2], tuple(args[k + 3:])
        hooks = (Ref(_Rhs(spec, y0, params)), Ref(_TangentRhs(spec, y0, params, dparams)))
        out = lower_into(odesolve.tangent_solve, b,
                         hooks + (_rows(b, ys, y0), _flat(b, dy0), t, dt) + spec.settings)
        return _unflat(b, out, y0, t)


# ---------------------------------------------------------------------- the dynamics, inlined

@dataclass(frozen=True)
class _Rhs:
    """``rhs(y, t)`` on the flat state: the dynamics inlined, the parameters fixed."""

    spec: OdeSpec
    y0: Var
    params: tuple

    def __flatgrad_lower__(self, b, args, loc):
        y, tt = args
        (f,) = inline(b, self.spec.rhs, (_shaped(b, y, self.y0), tt) + self.params)
        return _flat(b, _float(b, f))

    def halves(self, b: Builder, z) -> tuple:
        """The state and its companion (adjoint or tangent): the first two blocks of the
        flat augmented state ``z``, each shaped as ``y0``."""
        n = _size(b, self.y0)
        y = _slice(b, z, Const(0, I64), n)
        w = _slice(b, z, n, b.add(n, n))
        return _shaped(b, y, self.y0), _shaped(b, w, self.y0)


@dataclass(frozen=True)
class _Aug(_Rhs):
    """``aug(z, t)`` of the adjoint solve: ``z = [y, a, q]`` to ``[f, -a df/dy, -a df/dp]``."""

    def __flatgrad_lower__(self, b, args, loc):
        z, tt = args
        y, a = self.halves(b, z)
        outs = inline(b, self.spec.vjp_fn(), (y, tt) + self.params + (a,))
        parts = [_flat(b, _float(b, outs[0]))] + [b.neg(_flat(b, _float(b, g))) for g in outs[1:]]
        return b.op("concat", *parts, axis=0)


@dataclass(frozen=True)
class _TangentRhs(_Rhs):
    """``tan(z, t)`` of the tangent solve: ``z = [y, y']`` to ``[f, df/dy y' + df/dp p']``."""

    dparams: tuple = ()

    def __flatgrad_lower__(self, b, args, loc):
        z, tt = args
        y, dy = self.halves(b, z)
        f, df = inline(b, self.spec.jvp_fn(), (y, tt) + self.params + (dy,) + self.dparams)
        return b.op("concat", _flat(b, _float(b, f)), _flat(b, _float(b, df)), axis=0)


# ---------------------------------------------------------------------- IR helpers

def _size(b: Builder, x) -> object:
    return b.op("size", x) if T.is_array(x.type) else Const(1, I64)


def _flat(b: Builder, x):
    """``x`` as a 1-D array (a number becomes a one-element array)."""
    if not T.is_array(x.type):
        return b.op("pack", x)
    return x if x.type.ndim == 1 else b.op("reshape", x, Const(-1, I64))


def _shaped(b: Builder, flat, like):
    """Flat ``flat`` shaped as ``like`` (an array)."""
    return flat if like.type.ndim == 1 else b.op("reshape_like", flat, like)


def _float(b: Builder, x):
    if x.type.dtype == "float64":
        return x
    return b.op("astype", x, dtype="float64")


def _rows(b: Builder, ys, y0):
    """``(len(t), *y0.shape)`` states as ``(len(t), n)``."""
    return ys if y0.type.ndim == 1 else b.op("reshape", ys, b.op("dim", ys, axis=0),
                                               Const(-1, I64))


def _unflat(b: Builder, ys, y0, t):
    if y0.type.ndim == 1:
        return ys
    dims = [b.op("dim", t, axis=0)] + [b.op("dim", y0, axis=k) for k in range(y0.type.ndim)]
    return b.op("reshape", ys, *dims)


def _slice(b: Builder, x, lo, hi):
    return b.op("getitem", x, lo, hi, spec=(("s", True, True, False),))


def _part(b: Builder, packed, lo, like):
    """The entries of ``packed`` from ``lo`` on, shaped as ``like``; and where they end."""
    if not T.is_array(like.type):
        item = b.op("getitem", packed, lo, spec=(("i",),))
        return _cast_like(b, item, like), b.add(lo, Const(1, I64))
    hi = b.add(lo, b.op("size", like))
    return _cast_like(b, b.op("reshape_like", _slice(b, packed, lo, hi), like), like), hi


def _cast_like(b: Builder, x, like):
    return x if x.type.dtype == like.type.dtype else b.op("astype", x, dtype=like.type.dtype)


# ---------------------------------------------------------------------- derivative rules

def _vjp_rule(spec: OdeSpec, i: int):
    """The gradient of argument ``i``: its slice of the adjoint solve's flat result."""
    def rule(b, g, out, *args):
        packed = b.op(spec.prim + "_adjoint", *args, out, g)
        lo = Const(0, I64)
        order = (0, 1) + spec.floats
        for k in order:
            part, hi = _part(b, packed, lo, args[k])
            if k == i:
                return part
            lo = hi
        raise AssertionError(i)   # the reverse pass asks only for float arguments
    return rule


def _jvp_joint(spec: OdeSpec):
    """The tangent of the solution: the tangent solve with every argument's tangent."""
    def rule(b, tangents, out, *args):
        if all(tn is None for tn in tangents):
            return None
        ts = []
        for k in (0, 1) + spec.floats:
            tn = tangents[k] if k < len(tangents) else None
            if tn is None:
                tn = b.zeros_like(args[k])
            elif T.is_array(args[k].type) and not T.is_array(tn.type):
                tn = b.mul(b.op("ones_like", args[k]), tn)   # a scalar standing for an array
            ts.append(_cast_like(b, tn, args[k]))
        return b.op(spec.prim + "_tangent", *args, out, *ts)
    return rule


def _no_second(b, *args, **params):
    raise CompileError("second derivatives through fg.odeint are not supported", b.loc,
                       "Take first derivatives (grad, vjp, jvp, jacobian) of a function calling "
                       "odeint.")


_ONE_SOLVE = "one ODE solve at a time (vmap loops over the examples)"


def register(rhs: Function, ndim: int, settings: tuple) -> OdeSpec:
    """A new primitive for one lowered ``odeint`` call, with its two derivative ops: the
    adjoint solve (arguments: the call's, the solution, its cotangent) and the tangent solve
    (the call's, the solution, a tangent for y0, t and each float parameter)."""
    name = f"odeint_{next(ODE_IDS)}"
    spec = OdeSpec(name, rhs, ndim, settings)
    n = len(rhs.params)
    solution = T.Array("float64", ndim + 1)
    defprim(name, n, lambda *ts: solution, call(name, arity=n), elementwise=False, costly=True,
            jvp_joint=_jvp_joint(spec), batch=_ONE_SOLVE)
    defvjp(name, *[_vjp_rule(spec, i) if i in (0, 1) + spec.floats else None for i in range(n)])
    arities = {"_adjoint": n + 2, "_tangent": n + 1 + 2 + len(spec.floats)}
    results = {"_adjoint": T.Array("float64", 1), "_tangent": solution}
    for suffix, arity in arities.items():
        result = results[suffix]
        defprim(name + suffix, arity, lambda *ts, result=result: result,
                call(name + suffix, arity=arity), elementwise=False, batch=_ONE_SOLVE)
        defvjp(name + suffix, *[_no_second] * arity)
        defjvp(name + suffix, *[_no_second] * arity)
    CUSTOM[name] = spec
    CUSTOM[name + "_adjoint"] = _Adjoint(spec)
    CUSTOM[name + "_tangent"] = _Tangent(spec)
    return spec


# ---------------------------------------------------------------------- lowering a call

_SETTINGS = ("rtol", "atol", "mxstep", "hmax")


@lowers(odeint)
def lower_odeint(lowerer, node: ast.Call, args) -> Var:
    """``odeint(func, y0, t, *args, rtol=, atol=, mxstep=, hmax=)`` (or ``args=(...)``)
    inside a compiled function: the dynamics lowered once into an IR function, one op."""
    extra = tuple(lowerer.expr(a) for a in args.rest)
    if "args" in args:
        if extra:
            raise lowerer.err(node, "odeint: give the extra arguments after t or as args=(...), "
                               "not both")
        extra = _extra_args(lowerer, args["args"])
    settings = tuple(_setting(lowerer, args, k, DEFAULTS[k]) for k in _SETTINGS)
    return _lower_solve(lowerer, node, args, extra, settings)


def _lower_solve(lowerer, node: ast.Call, args, extra: tuple, settings: tuple, y0=None) -> Var:
    """The op of one solve of ``args["func"]`` from ``args["y0"]`` (or the lowered ``y0``)
    at the times ``args["t"]`` (either spelling of odeint), its extra arguments and settings
    lowered by the caller."""
    func = lowerer.expr(args["func"])
    y0 = _state(lowerer, args["y0"], "y0") if y0 is None else y0
    t = _state(lowerer, args["t"], "t")
    if t.type.ndim != 1:
        raise lowerer.err(args["t"], "odeint: t must be a 1-D array of times")
    rhs = _lower_rhs(lowerer, node, func, y0, extra, _tfirst(lowerer, args), args["func"])
    spec = register(rhs, y0.type.ndim, settings)
    caps = tuple(rhs.params[2 + len(_leaves(extra)):])
    return lowerer.op(node, spec.prim, y0, t, *_leaves(extra), *caps)


def _extra_args(lowerer, node: ast.expr) -> tuple:
    """``args=(...)``: a tuple of extra arguments, or one value standing for itself."""
    extra = lowerer.expr(node)
    return extra if isinstance(extra, tuple) else (extra,)


def _state(lowerer, arg: ast.expr, name: str) -> Var:
    x = lowerer.atom(arg)
    if not T.is_array(x.type):
        raise lowerer.err(arg, f"odeint: {name} must be an array",
                     f"Write np.array([{name}]) for a single number." if name == "y0" else "")
    return lowerer.cast(x, T.Array("float64", x.type.ndim), arg)


def _tfirst(lowerer, args) -> bool:
    if "tfirst" not in args:
        return False
    c = lowerer.atom(args["tfirst"])
    if not (isinstance(c, Const) and c.type == T.BOOL):
        raise lowerer.err(args["tfirst"], "odeint: tfirst must be True or False, known when "
                                       "compiling")
    return bool(c.value)


def _setting(lowerer, args, key: str, default) -> Const:
    if key not in args:
        v = default
    else:
        c = lowerer.atom(args[key])
        if not isinstance(c, Const) or isinstance(c.value, bool):
            raise lowerer.err(args[key], f"odeint: {key} must be a number known when compiling",
                         "Write a constant (rtol=1e-6) or a module-level number.")
        v = c.value
    if key == "mxstep":
        return Const(int(min(v, 2 ** 62)), I64)
    return Const(float(v), F64)


def _leaves(v) -> list:
    """The numbers and arrays inside an extra argument (tuples and dicts walked in order)."""
    if isinstance(v, Var):
        return [v]
    if isinstance(v, tuple):
        return [x for item in v for x in _leaves(item)]
    if isinstance(v, Record):
        return [x for item in v.items.values() for x in _leaves(item)]
    return []           # constants and static values are part of the dynamics


def _fresh_like(b: Builder, v):
    """``v`` with every Var leaf replaced by a fresh parameter of its type."""
    if isinstance(v, Var):
        return b.fresh(v.type, v.hint)
    if isinstance(v, tuple):
        return tuple(_fresh_like(b, item) for item in v)
    if isinstance(v, Record):
        return Record({k: _fresh_like(b, item) for k, item in v.items.items()})
    return v


def _lower_rhs(lowerer, node: ast.Call, func, y0: Var, extra: tuple, tfirst: bool,
               func_node: ast.expr) -> Function:
    """``func(y, t, *extra)`` (``func(t, y, *extra)`` with ``tfirst``) lowered with fresh
    parameters into an IR function whose parameters are ``(y, t, *leaves of extra, *values
    of the caller it reads)``; ``func_node`` is where the call names ``func``."""
    saved, borrowed = lowerer.b, lowerer.borrowed
    sub = saved.child()
    y, t = sub.fresh(y0.type, "y"), sub.fresh(F64, "t")
    lowerer.shape_like[y.id] = y0        # (x, v = y unpacks as y0 would)
    fresh = _fresh_like(sub, extra)
    params = (y, t) + tuple(_leaves(fresh))
    names = [f"a{k}" for k in range(len(extra))]
    lowerer.b = sub
    # the dynamics must not write into their arguments: the solver's state is shared
    lowerer.borrowed = borrowed | frozenset(lowerer.root(p) for p in params if T.is_array(p.type))
    try:
        order = "t, y" if tfirst else "y, t"
        f = lowerer.lower_text(f"f({order}{''.join(', ' + n for n in names)})", node,
                          f=func, y=y, t=t, **dict(zip(names, fresh)))
        sub = lowerer.b
    finally:
        lowerer.b, lowerer.borrowed = saved, borrowed
    if not (isinstance(f, (Var, Const)) and T.is_array(f.type) and f.type.ndim == y0.type.ndim):
        raise lowerer.err(func_node, f"odeint: func must return dy/dt, an array shaped like y0 "
                     f"({y0.type.ndim}-D), not {_what(f)}")
    if isinstance(f, Const):
        f = sub.op("copy", f)
    body = Block((), tuple(sub.stmts), (f,))
    ours = {p.id for p in params}
    caps = tuple(v for v in free_vars(body).values() if v.id not in ours)
    return Function("odeint_rhs", params + caps, body, lowerer.pf.loc(node))


def _what(v) -> str:
    if isinstance(v, (Var, Const)):
        return str(v.type)
    return type(v).__name__


# ---------------------------------------------------------------------- SciPy's solvers

SCIPY_TOL = 1.49012e-8     # SciPy's odeint: LSODA's rtol and atol when not given
_LSODA_ONLY = ("full_output", "tcrit")     # what flatgrad's solver has no counterpart for


def _scipy_solvers() -> tuple:
    try:
        import scipy.integrate as si
    except ImportError:       # pragma: no cover - scipy is a dependency
        return ()
    return (si.odeint,)


def lower_scipy_odeint(lowerer, node: ast.Call, args) -> Var:
    """``scipy.integrate.odeint(func, y0, t, args=(), ..., rtol=, atol=, hmax=, mxstep=,
    tfirst=)``: the same solve as :func:`odeint` -- flatgrad's DOPRI5 at SciPy's tolerances,
    so its states agree with LSODA's to those tolerances, not to the last bit -- with SciPy's
    conventions: ``y0`` flattened to 1-D (a number is one state), ``rtol``/``atol``
    1.49012e-8 when not given, ``hmax=0`` and ``mxstep=0`` meaning no bound and flatgrad's
    default. LSODA's own tuning (``Dfun``, ``ml``, ``mu``, ``h0``, ``hmin``, ``mxordn``, ...) is
    accepted and has nothing to tune; ``full_output`` and ``tcrit`` are refused."""
    for key in _LSODA_ONLY:
        c = lowerer.atom(args[key]) if key in args else None
        if c is not None and not (isinstance(c, Const) and not c.value):
            raise lowerer.err(args[key], f"scipy.integrate.odeint: {key}= is not supported "
                              "(flatgrad integrates with its own DOPRI5 solver, not LSODA)",
                              "Leave it out; fg.odeint documents the solver.")
    extra = _extra_args(lowerer, args["args"]) if "args" in args else ()
    settings = tuple(_setting(lowerer, args, k, d) for k, d in
                     (("rtol", SCIPY_TOL), ("atol", SCIPY_TOL), ("mxstep", 0), ("hmax", 0.0)))
    rtol, atol, mxstep, hmax = settings
    if mxstep.value <= 0:
        mxstep = Const(DEFAULTS["mxstep"], I64)
    if hmax.value <= 0.0:
        hmax = Const(math.inf, F64)
    y0 = lowerer.lower_text("np.asarray(y0, dtype=np.float64)", args["y0"],
                            y0=lowerer.expr(args["y0"]))
    if T.ndim(y0.type) != 1:       # (a 1-D y0 as it is: its length stays known where it is)
        y0 = lowerer.lower_text("np.array([y0])" if T.ndim(y0.type) == 0 else
                                "np.ravel(y0)", args["y0"], y0=y0)
    return _lower_solve(lowerer, node, args, extra, (rtol, atol, mxstep, hmax), y0=y0)


for _solver in _scipy_solvers():
    lowers(_solver)(lower_scipy_odeint)
