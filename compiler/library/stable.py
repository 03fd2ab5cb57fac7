"""Numerically stable functions: log-sum-exp (of two, base 2, along axes, weighted), logistic,
logit, softmax and log-softmax, xlogy and xlog1py.

logsumexp, softmax and log_softmax are written with primitives that exist, shifted by the
maximum as SciPy does; the shift goes through ``nograd`` (the result does not depend on it,
so its gradient is not computed only to cancel)."""
from __future__ import annotations

import ast
import math

import numpy as np
import scipy.special

from .. import types as T
from ..primitives import P_ATOM, SCALAR_HELPER, Spelling, _sp, call, defprim, helper
from .callargs import float_of
from .registry import lowers


def _logaddexp(a, b):
    hi = max(a, b)
    return hi + math.log1p(math.exp(-abs(a - b))) if hi != -math.inf else -math.inf


# d/da log(e^a + e^b) = e^a / (e^a + e^b) = exp(a - out): written once for both arguments
defprim("logaddexp", 2, T.floating, call("np.logaddexp", arity=2),
        lambda a, b: _sp().log(_sp().exp(a) + _sp().exp(b)), _logaddexp,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.exp(b.sub(x, out))),
               lambda b, s, out, x, y: b.mul(s, b.exp(b.sub(y, out)))),
        names=(np.logaddexp,), costly=True, safe=True)


@lowers(scipy.special.expit, takes="x")
def _expit(lowerer, node, args):
    """scipy.special.expit is the logistic sigmoid."""
    return lowerer.op(node, "sigmoid", lowerer.atom(args["x"]))


# ---- logaddexp2, logit, xlogy, xlog1py, logsumexp, softmax, log_softmax

def _logaddexp2(a, b):
    hi = max(a, b)
    return hi + math.log1p(2.0 ** -abs(a - b)) / math.log(2.0) if hi != -math.inf else -math.inf


# d/da log2(2^a + 2^b) = 2^a / (2^a + 2^b) = 2^(a - out)
defprim("logaddexp2", 2, T.floating, call("np.logaddexp2", arity=2),
        lambda a, b: _sp().log(2 ** a + 2 ** b) / _sp().log(2), _logaddexp2,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.exp2(b.sub(x, out))),
               lambda b, s, out, x, y: b.mul(s, b.exp2(b.sub(y, out)))),
        names=(np.logaddexp2,), costly=True, safe=True)


def _nonzero(b, x):
    """1 where ``x`` is 0 (a safe divisor for the masked quotient below), else ``x``."""
    return b.select(b.eq(x, 0.0), 1.0, x)


def _xlogy(x, y):
    if x == 0 and not math.isnan(y):
        return 0.0
    return x * math.log(y) if y > 0 else (x * -math.inf if y == 0 else math.nan)


def _xlog1py(x, y):
    if x == 0 and not math.isnan(y):
        return 0.0
    return x * math.log1p(y) if y > -1 else (x * -math.inf if y == -1 else math.nan)


def _divisor(b, x, y):
    """y for the quotient x / y, with 1 where x and y are both 0 (the quotient is then 0,
    not 0/0). Only there: at x == 0 and y != 0 the quotient keeps its derivative in x, 1/y
    (a divisor of 1 wherever x == 0 made d2 xlogy / dx dy 1 instead of 1/y)."""
    return b.select(b.eq(x, 0.0), _nonzero(b, y), y)


# x * log(y) with 0 where x == 0 (scipy.special.xlogy): d/dx = log(y) (JAX's rule); d/dy =
# x / y, exactly 0 where x == 0 (no 0/0 at y == 0)
defprim("xlogy", 2, T.floating, helper("xlogy", arity=2), lambda x, y: x * _sp().log(y),
        _xlogy,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.log(y)),
               lambda b, s, out, x, y: b.div(b.mul(s, x), _divisor(b, x, y))),
        names=(scipy.special.xlogy,), costly=True, safe=True,
        batch=SCALAR_HELPER)
defprim("xlog1py", 2, T.floating, helper("xlog1py", arity=2), lambda x, y: x * _sp().log(1 + y),
        _xlog1py,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.log1p(y)),
               lambda b, s, out, x, y: b.div(b.mul(s, x), _divisor(b, x, b.add(1.0, y)))),
        names=(scipy.special.xlog1py,), costly=True, safe=True,
        batch=SCALAR_HELPER)

# a value that carries no derivative (the shift of a log-sum-exp: the result does not depend
# on it, so its gradient is left out rather than computed and cancelled)
defprim("nograd", 1, T.same, Spelling("{0}", "{0}", P_ATOM, (P_ATOM,)), nondiff=True,
        safe=True, reads_values=False)


@lowers(scipy.special.logit, takes="x")
def _logit(lowerer, node, args):
    """scipy.special.logit(p) = log(p / (1 - p)), as log(p) - log1p(-p)."""
    p = float_of(lowerer, lowerer.atom(args["x"]), node)
    return lowerer.op(node, "sub", lowerer.op(node, "log", p),
                      lowerer.op(node, "log1p", lowerer.op(node, "neg", p)))


def _shift(lowerer, node, x, axis_node, finite: bool):
    """max(x) along ``axis`` (keepdims), carrying no gradient; 0 where it is not finite, and
    0 for an empty x (a maximum of nothing does not exist; SciPy's logsumexp of nothing is
    -inf, softmax of nothing is empty)."""
    if not T.is_array(x.type):
        m = x
    else:
        axis = "None" if axis_node is None else ast.unparse(axis_node)
        m = lowerer.lower_text(f"np.max(x, axis={axis}, keepdims=True) if x.size > 0 else "
                          f"np.sum(x, axis={axis}, keepdims=True)", node, x=x)
    m = lowerer.op(node, "nograd", m)
    if finite:
        m = lowerer.op(node, "select", lowerer.op(node, "isfinite", m), m, 0.0)
    return m


def _sum(lowerer, node, x, axis_node, keepdims: bool):
    return lowerer.arrays.reduction("sum", x, axis_node, ast.Constant(keepdims), node)


def _squeeze_like(lowerer, node, m, axis_node, x):
    """``m`` (keepdims) with the reduced axes dropped."""
    if not T.is_array(m.type):
        return m
    if axis_node is None:
        return lowerer.op(node, "sum", m)
    if isinstance(axis_node, ast.Tuple):
        axes = tuple(sorted(lowerer.const_int(e) % x.type.ndim for e in axis_node.elts))
    else:
        axes = (lowerer.const_int(axis_node) % x.type.ndim,)
    return lowerer.arrays.squeeze(m, axes, node)


@lowers(scipy.special.logsumexp, takes="a axis b keepdims return_sign")
def _logsumexp(lowerer, node, args):
    """log(sum(b * exp(a))) along ``axis``, shifted by the (gradient-free) maximum, as SciPy
    computes it; ``keepdims`` and ``b=`` as SciPy's."""
    name = "scipy.special.logsumexp"
    if "return_sign" in args and lowerer.const_bool(args["return_sign"]):
        raise lowerer.err(node, f"{name}: return_sign=True is not supported",
                     "Keep the weights b non-negative, or write log(abs(...)) yourself.")
    keepdims = lowerer.const_bool(args["keepdims"]) if "keepdims" in args else False
    x = float_of(lowerer, lowerer.atom(args["a"]), node)
    axis = args.get("axis")
    if "b" in args:
        w = lowerer.atom(args["b"])
        if T.ndim(w.type) > T.ndim(x.type):
            raise lowerer.err(node, f"{name}: b has more dimensions than a",
                         "Broadcast a to b's shape first (np.broadcast_to).")
    m = _shift(lowerer, node, x, axis, finite=True)
    e = lowerer.op(node, "exp", lowerer.op(node, "sub", x, m))
    if "b" in args:
        e = lowerer.op(node, "mul", e, w)
    s = lowerer.op(node, "log", _sum(lowerer, node, e, axis, keepdims))
    return lowerer.op(node, "add", s, m if keepdims else _squeeze_like(lowerer, node, m, axis, x))


@lowers(scipy.special.softmax, takes="x axis")
def _softmax(lowerer, node, args):
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (None: all of x), as SciPy's."""
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    e = lowerer.op(node, "exp", lowerer.op(node, "sub", x, _shift(lowerer, node, x, args.get("axis"), False)))
    return lowerer.op(node, "div", e, _sum(lowerer, node, e, args.get("axis"), True))


@lowers(scipy.special.log_softmax, takes="x axis")
def _log_softmax(lowerer, node, args):
    """x - max - log(sum(exp(x - max))) along ``axis``, as SciPy's."""
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    d = lowerer.op(node, "sub", x, _shift(lowerer, node, x, args.get("axis"), True))
    e = lowerer.op(node, "exp", d)
    return lowerer.op(node, "sub", d, lowerer.op(node, "log", _sum(lowerer, node, e, args.get("axis"), True)))


@lowers(scipy.special.log_expit, takes="x")
def _log_expit(lowerer, node, args):
    """log(expit(x)) = -softplus(-x), without overflow."""
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    return lowerer.op(node, "neg", lowerer.op(node, "softplus", lowerer.op(node, "neg", x)))
