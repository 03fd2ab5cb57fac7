"""``scipy.integrate.solve_ivp`` inside a compiled function, for its explicit Runge--Kutta
methods ``RK45`` (the default) and ``RK23``: SciPy's own algorithm, written out as the code
flatgrad lowers and differentiates like the user's.

SciPy's solver is replayed step for step -- its first step (Hairer, Norsett and Wanner's
estimate), its stages and weights (read from ``scipy.integrate.RK45``/``RK23``), its error
norm and step-size controller, its clamping of the last step onto ``t_span[1]``, and, with
``t_eval``, its dense output (the ``P`` interpolant at each time a step passes) -- so the
states are SciPy's to rounding, not merely to the tolerance (SciPy's BLAS sums a stage's
terms in its own order). The derivatives are those of that computation, step-size choices
included, so they agree with finite differences of SciPy's ``solve_ivp`` itself. The result
is an object with SciPy's fields ``t``, ``y`` (``(n, len(t))``), ``status``, ``success``
and ``nfev``. Without ``t_eval`` the times are the steps', a number known at run time.

Left out, located: the implicit methods (``Radau``, ``BDF``, ``LSODA``) and ``DOP853``,
``events``, ``dense_output=True`` (the ``sol`` callable), ``vectorized=True``. A step size
that underflows (SciPy's ``status = -1``) leaves the times ``t_eval`` not reached NaN where
SciPy returns fewer columns.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import types as T
from ..ir import Const
from ..values import Ref
from .registry import lowers

try:
    import scipy.integrate as _si
except ImportError:       # pragma: no cover - scipy is a dependency
    _si = None

_METHODS = ("RK45", "RK23")
_LEFT_OUT = {"events": "events", "dense_output": "dense_output=True (the sol callable)",
             "vectorized": "vectorized=True"}
_OPTIONS = ("rtol", "atol", "max_step", "first_step")


class OdeResult(NamedTuple):
    """What ``solve_ivp`` returns, as the compiled function reads it (``sol.y``)."""

    t: object
    y: object
    nfev: int
    status: int
    success: bool
    njev: int
    nlu: int


def _c(v: float) -> str:
    return repr(float(v))


def _combination(terms: list[tuple[str, float]]) -> str:
    """``k0 * a0 + k1 * a1 + ...`` over the nonzero coefficients, in SciPy's order."""
    parts = [f"{k} * {_c(a)}" for k, a in terms if a != 0.0]
    return " + ".join(parts) if parts else "0.0 * y"


def solver_text(method, dense: bool) -> str:
    """The solve as the statements ``lower_text`` lowers: ``method``'s tableau written into
    its stages; with ``dense``, the states at the times ``te`` (SciPy's ``t_eval``) from the
    dense output, else at every step."""
    A, B, C, E, P = method.A, method.B, method.C, method.E, method.P
    s = method.n_stages
    stages = []
    for i in range(1, s):
        dy = _combination([(f"k{j}", A[i, j]) for j in range(i)])
        stages.append(f"        k{i} = np.asarray(fun(t + {_c(C[i])} * h, np.reshape(y + ({dy}) * h, "
                      "s0), *args),"
                      f" dtype=np.float64)")
    y_new = _combination([(f"k{j}", B[j]) for j in range(s)])
    err = _combination([(f"k{j}", E[j]) for j in range(s + 1)])
    q = [_combination([(f"k{j}", P[j, c]) for j in range(s + 1)]) for c in range(P.shape[1])]
    powers = " + ".join(f"q{c} * x{c}" for c in range(len(q)))
    exponent = _c(-1.0 / (method.error_estimator_order + 1))
    first = _c(1.0 / (method.error_estimator_order + 1))
    lines = [
        "t0 = float(t0)",
        "t1 = float(t1)",
        "y = y0",
        "s0 = y0.shape           # (each state passed to fun is shaped as y0: its length known)",
        "n = y.shape[0]",
        "direction = 1.0",
        "if t1 < t0:",
        "    direction = -1.0",
        "f = np.asarray(fun(t0, y, *args), dtype=np.float64)",
        "nfev = 1",
        "interval = abs(t1 - t0)",
        "h_abs = 0.0",
        "if first > 0.0:",
        "    h_abs = first",
        "elif interval > 0.0:",
        "    scale = atol + np.abs(y) * rtol",
        "    d0 = rms(y / scale)",
        "    d1 = rms(f / scale)",
        "    h0 = 1e-6",
        "    if d0 >= 1e-5 and d1 >= 1e-5:",
        "        h0 = 0.01 * d0 / d1",
        "    h0 = min(h0, interval)",
        "    f1 = np.asarray(fun(t0 + h0 * direction, np.reshape(y + h0 * direction * f, s0), "
        "*args), "
        "dtype=np.float64)",
        "    nfev += 1",
        "    d2 = rms((f1 - f) / scale) / h0",
        "    if d1 <= 1e-15 and d2 <= 1e-15:",
        "        h1 = max(1e-6, h0 * 1e-3)",
        "    else:",
        f"        h1 = (0.01 / max(d1, d2)) ** {first}",
        "    h_abs = min(100 * h0, h1, interval, max_step)",
        "t = t0",
        "status = 1",
        "j = 0",
        "t_new = t0",
        "h = 0.0",
        "y_new = y",
        *[f"k{i} = f" for i in range(s + 1)],
    ]
    if dense:       # SciPy's checks of t_eval, its errors
        lines += ["m = te.shape[0]",
                  "if np.any(te < min(t0, t1)) or np.any(te > max(t0, t1)):",
                  "    raise ValueError('Values in `t_eval` are not within `t_span`.')",
                  "d_te = np.diff(te)",
                  "if (t1 > t0 and np.any(d_te <= 0)) or (t1 < t0 and np.any(d_te >= 0)):",
                  "    raise ValueError('Values in `t_eval` are not properly sorted.')",
                  "out = np.full((n, m), np.nan)"]
    else:
        lines += ["ts = [t0]", "ys = [y]"]
    step = [
        "min_step = 10.0 * (abs(t) * 2.220446049250313e-16 + 5e-324)",
        "if h_abs > max_step:",
        "    h_abs = max_step",
        "elif h_abs < min_step:",
        "    h_abs = min_step",
        "accepted = False",
        "rejected = False",
        "while not accepted and status == 1:",
        "    if h_abs < min_step:",
        "        status = -1",
        "    else:",
        "        t_new = t + h_abs * direction",
        "        if direction * (t_new - t1) > 0:",
        "            t_new = t1",
        "        h = t_new - t",
        "        h_abs = abs(h)",
        "        k0 = f",
        *stages,
        f"        y_new = y + h * ({y_new})",
        f"        k{s} = np.asarray(fun(t + h, np.reshape(y_new, s0), *args), dtype=np.float64)",
        f"        nfev += {s}",
        "        scale = atol + np.maximum(np.abs(y), np.abs(y_new)) * rtol",
        f"        error_norm = rms(({err}) * h / scale)",
        "        if error_norm < 1:",
        "            factor = 10.0",
        "            if error_norm > 0:",
        f"                factor = min(10.0, 0.9 * error_norm ** {exponent})",
        "            if rejected:",
        "                factor = min(1.0, factor)",
        "            h_abs = h_abs * factor",
        "            accepted = True",
        "        else:",
        f"            h_abs = h_abs * max(0.2, 0.9 * error_norm ** {exponent})",
        "            rejected = True",
        "if status == 1:",
        "    t_old = t",
        "    y_old = y",
        "    t = t_new",
        "    y = y_new",
        f"    f = k{s}",
    ]
    if dense:
        step += [f"    q{c} = {qc}" for c, qc in enumerate(q)]
        step += [
            "    while j < m and direction * (te[j] - t) <= 0:",
            "        x0 = (te[j] - t_old) / h",
            *[f"        x{c} = x{c - 1} * x0" for c in range(1, len(q))],
            f"        out[:, j] = h * ({powers}) + y_old",
            "        j += 1",
        ]
    else:
        step += ["    ts.append(t)", "    ys.append(y)"]
    step += ["    if direction * (t - t1) >= 0:", "        status = 0"]
    lines += ["while status == 1:",
              "    if n == 0 or t == t1:",
              "        status = 0",
              "    else:",
              *["        " + line for line in step]]
    if dense:
        lines.append("Result(te * 1.0, out, nfev, status, status >= 0, 0, 0)")
    else:
        lines.append("Result(np.array(ts), np.stack(ys, axis=1), nfev, status, status >= 0, 0, 0)")
    return "\n".join(lines)


def rms(x):
    """SciPy's error norm, ``|x| / sqrt(n)``, with no square root of 0 (whose derivative
    would be infinite where the value is not used: a zero state, a zero error)."""
    s = np.sum(x * x)
    if s > 0.0:
        return np.sqrt(s) / np.sqrt(x.shape[0])
    return 0.0 * s


if _si is not None:
    @lowers(_si.solve_ivp)
    def _solve_ivp(lowerer, node, args):
        method = "RK45"
        if "method" in args:
            m = lowerer.expr(args["method"])
            method = getattr(m, "obj", None)
            if isinstance(method, type) and method.__name__ in _METHODS:
                method = method.__name__
            if method not in _METHODS:
                raise lowerer.err(args["method"], f"solve_ivp: method={method!r} is not "
                                  "supported (flatgrad replays SciPy's explicit RK45 and RK23)",
                                  "Use method='RK45' (the default) or 'RK23'; for a stiff "
                                  "system, scipy.integrate.odeint.")
        for key, what in _LEFT_OUT.items():
            if key in args:
                v = lowerer.expr(args[key])
                off = (isinstance(v, Const) and not v.value) or \
                    (isinstance(v, Ref) and v.obj in (None, False))
                if not off:
                    raise lowerer.err(args[key], f"solve_ivp: {what} is not supported",
                                      "Leave it out; give t_eval for the states you need.")
        for key in args.extra:
            if key not in _OPTIONS:
                raise lowerer.err(args.extra[key], f"solve_ivp: the option {key}= is not "
                                  f"supported by flatgrad's {method}",
                                  f"It takes {', '.join(_OPTIONS)}.")
        span = lowerer.expr(args["t_span"])
        if not (isinstance(span, tuple) and len(span) == 2):
            raise lowerer.err(args["t_span"], "solve_ivp: t_span must be a pair (t0, t1)")
        extra = ()
        if "args" in args:
            extra = lowerer.expr(args["args"])
            extra = extra if isinstance(extra, tuple) else (extra,)
        opts = args.extra
        settings = {
            "rtol": _option(lowerer, opts, "rtol", 1e-3),
            "atol": _option(lowerer, opts, "atol", 1e-6),
            "max_step": _option(lowerer, opts, "max_step", np.inf),
            "first": _option(lowerer, opts, "first_step", 0.0),
        }
        dense = "t_eval" in args
        y0 = lowerer.lower_text("np.asarray(y0, dtype=np.float64) * 1.0", args["y0"],
                                y0=lowerer.expr(args["y0"]))
        if getattr(y0.type, "ndim", 0) != 1:
            raise lowerer.err(args["y0"], "solve_ivp: y0 must be 1-dimensional (as SciPy's)",
                              "Flatten the state: y0.ravel(), and reshape it inside fun.")
        values = dict(fun=lowerer.expr(args["fun"]), t0=span[0], t1=span[1],
                      y0=y0, args=extra, rms=Ref(rms),
                      Result=Ref(OdeResult), **settings)
        if dense:
            values["te"] = lowerer.lower_text("np.asarray(te, dtype=np.float64) * 1.0",
                                              args["t_eval"], te=lowerer.expr(args["t_eval"]))
        return lowerer.lower_text(solver_text(getattr(_si, method), dense), node, **values)


def _option(lowerer, opts, key, default) -> Const:
    if key not in opts:
        return Const(float(default), T.F64)
    c = lowerer.atom(opts[key])
    if not isinstance(c, Const) or isinstance(c.value, bool):
        raise lowerer.err(opts[key], f"solve_ivp: {key} must be a number known while "
                          "compiling", "Write a constant (rtol=1e-6) or a module-level number.")
    return Const(float(c.value), T.F64)
