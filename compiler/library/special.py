"""Special functions and the small elementwise functions programs expect.

* SciPy's special functions: ``erf``/``erfc`` (the primitives of the core table), ``gammaln``
  (derivative digamma), ``digamma``/``psi`` and ``polygamma`` (one primitive,
  ``polygamma(n, x)``, whose derivative is ``polygamma(n + 1, x)``, so derivatives of every
  order exist). Their formulas are in runtime/support.py (one scalar function each, applied
  elementwise in NumPy and compiled into a ufunc for Numba).
* ``sinc`` (value 1 and derivative 0 at 0), ``fmax``/``fmin`` (NaN-ignoring, ties split as
  maximum/minimum), ``float_power``, ``heaviside``, ``positive``, ``copysign`` (the last three
  written with primitives that exist, so the gradient of ``copysign`` reaches its first
  argument through ``abs``).
* Values with no derivative: the comparison functions (``np.less`` ...), the predicates
  ``isnan``, ``isinf``, ``isfinite``, ``signbit``, ``array_equal``, ``logical_and/or/not/xor``,
  ``np.any`` and ``np.all`` (with ``axis`` and ``keepdims``).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.special

from .. import types as T
from ..ir import Const
from ..primitives import P_ATOM, SCALAR_HELPER, TWO_OVER_SQRT_PI, Spelling, _sp, call, defprim, helper
from .callargs import float_of
from .registry import as_method, lowers

# ======================================================================= primitives


def _gammaln(x):
    return float(scipy.special.gammaln(x))


def _polygamma(n, x):
    return float(scipy.special.polygamma(n, x))


def _next_order(b, n):
    return Const(n.value + 1, T.I64) if isinstance(n, Const) else b.add(n, 1)


defprim("polygamma", 2, lambda n, x: T.floating(x),
        Spelling("polygamma({0}, {1})", "polygamma({0}, {1})", P_ATOM, (1, 1), choose=1,
                 helpers=("polygamma",)),
        lambda n, x: _sp().polygamma(n, x), _polygamma,
        deriv=(None, lambda b, s, out, n, x: b.mul(s, b.polygamma(_next_order(b, n), x))),
        costly=True, safe=True,
        batch=SCALAR_HELPER)
defprim("gammaln", 1, T.floating, helper("gammaln"), lambda x: _sp().loggamma(x), _gammaln,
        deriv=(lambda b, s, out, x: b.mul(s, b.polygamma(0, x)),),
        names=(scipy.special.gammaln, math.lgamma), costly=True, safe=True,
        batch=SCALAR_HELPER)


def _log_ndtr(x):
    return float(scipy.special.log_ndtr(x))


# d/dx log Phi(x) = phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): no quotient of two
# tiny numbers in the lower tail (it tends to -x there), 2/sqrt(pi)/sqrt(8) for SymPy's sake
defprim("log_ndtr", 1, T.floating, helper("log_ndtr"),
        lambda x: _sp().log(_sp().erfc(-x / _sp().sqrt(2)) / 2), _log_ndtr,
        deriv=(lambda b, s, out, x: b.mul(s, b.div(
            b.mul(TWO_OVER_SQRT_PI, b.exp(b.sub(b.mul(-0.5, b.mul(x, x)), out))), b.sqrt(8.0))),),
        names=(scipy.special.log_ndtr,), costly=True, safe=True, batch=SCALAR_HELPER)


def _sinc(x):
    return 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)


# sinc'(x) = sum_n c_n x**(2n - 1): its Maclaurin series to x**15
_SINC_SLOPE = tuple((-1) ** n * math.pi ** (2 * n) * 2 * n / math.factorial(2 * n + 1)
                    for n in range(1, 9))
_SINC_NEAR = 0.25


def _sinc_slope(b, out, x):
    """d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x; for |x| < 1/4 its Maclaurin series
    instead. The quotient cancels near 0 (every digit lost below ~1e-8, where it gave 0),
    and a constant at 0 has no derivative (sinc''(0) = -pi**2/3 came out 0). The series is
    within 2e-16 relative on |x| < 1/4, the quotient within 7e-16 beyond (against mpmath),
    and the series' own derivatives are sinc's, so Hessians are right at and near 0."""
    near = b.lt(b.abs(x), _SINC_NEAR)
    quotient = b.div(b.sub(b.cos(b.mul(math.pi, x)), out), b.select(near, 1.0, x))
    x2 = b.mul(x, x)
    acc = _SINC_SLOPE[-1]
    for c in reversed(_SINC_SLOPE[:-1]):
        acc = b.add(c, b.mul(x2, acc))
    return b.select(near, b.mul(x, acc), quotient)


defprim("sinc", 1, T.floating, call("np.sinc"),
        lambda x: _sp().sin(_sp().pi * x) / (_sp().pi * x), _sinc,
        deriv=(lambda b, s, out, x: b.mul(s, _sinc_slope(b, out, x)),),
        names=(np.sinc,), costly=True, safe=True)


def _fmax_weight(b, x, y):
    """d fmax(x, y)/dx: 1 where x wins or y is NaN, 1/2 on a tie, 0 where y wins."""
    return b.select(b.isnan(y), 1.0, b.add(b.gt(x, y), b.mul(0.5, b.eq(x, y))))


def _fmin_weight(b, x, y):
    return b.select(b.isnan(y), 1.0, b.add(b.lt(x, y), b.mul(0.5, b.eq(x, y))))


def _nanmax(x, y):
    return y if math.isnan(x) else x if math.isnan(y) else max(x, y)


def _nanmin(x, y):
    return y if math.isnan(x) else x if math.isnan(y) else min(x, y)


defprim("fmax", 2, T.arithmetic, call("np.fmax", arity=2), None, _nanmax,
        deriv=(lambda b, s, out, x, y: b.mul(s, _fmax_weight(b, x, y)),
               lambda b, s, out, x, y: b.mul(s, _fmax_weight(b, y, x))),
        names=(np.fmax,), safe=True)
defprim("fmin", 2, T.arithmetic, call("np.fmin", arity=2), None, _nanmin,
        deriv=(lambda b, s, out, x, y: b.mul(s, _fmin_weight(b, x, y)),
               lambda b, s, out, x, y: b.mul(s, _fmin_weight(b, y, x))),
        names=(np.fmin,), safe=True)

# predicates: boolean values, no derivative (their SymPy forms see real numbers)
_PREDICATES = {
    "isnan": ("math.isnan", "np.isnan", math.isnan, lambda x: _sp().Integer(0),
              (np.isnan, math.isnan)),
    "isinf": ("math.isinf", "np.isinf", math.isinf, lambda x: _sp().Integer(0),
              (np.isinf, math.isinf)),
    "isfinite": ("math.isfinite", "np.isfinite", math.isfinite, lambda x: _sp().Integer(1),
                 (np.isfinite, math.isfinite)),
    "signbit": ("np.signbit", "np.signbit", lambda x: math.copysign(1.0, x) < 0, None,
                (np.signbit,)),
}
for _name, (_sc, _ar, _ev, _sy, _names) in _PREDICATES.items():
    defprim(_name, 1, T.boolean, call(_sc, _ar), _sy, _ev, nondiff=True, safe=True, names=_names)

defprim("array_equal", 2, lambda a, b: T.BOOL, call("np.array_equal", arity=2),
        elementwise=False, nondiff=True,
        batch="a whole-array comparison")
defprim("array_equiv", 2, lambda a, b: T.BOOL, helper("array_equiv", arity=2),
        elementwise=False, nondiff=True,
        batch="a whole-array comparison")


# ======================================================================= lowerings

@lowers(scipy.special.erf, takes="x")
def _erf(lowerer, node, args):
    return lowerer.op(node, "erf", float_of(lowerer, lowerer.atom(args["x"]), node))


@lowers(scipy.special.erfc, takes="x")
def _erfc(lowerer, node, args):
    return lowerer.op(node, "erfc", float_of(lowerer, lowerer.atom(args["x"]), node))


@lowers(scipy.special.ndtr, takes="x")
def _ndtr(lowerer, node, args):
    """The standard normal CDF, erfc(-x / sqrt 2) / 2: no cancellation in the lower tail."""
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    return lowerer.op(node, "mul", 0.5, lowerer.op(node, "erfc", lowerer.op(node, "mul", x, -math.sqrt(0.5))))


@lowers(scipy.special.betaln, signature="a, b")
def _betaln(lowerer, node, args):
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    a, c = (float_of(lowerer, lowerer.atom(args[k]), node) for k in ("a", "b"))
    ga, gc = lowerer.op(node, "gammaln", a), lowerer.op(node, "gammaln", c)
    return lowerer.op(node, "sub", lowerer.op(node, "add", ga, gc),
                      lowerer.op(node, "gammaln", lowerer.op(node, "add", a, c)))


@lowers(scipy.special.digamma, scipy.special.psi, takes="x")
def _digamma(lowerer, node, args):
    return lowerer.op(node, "polygamma", Const(0, T.I64), float_of(lowerer, lowerer.atom(args["x"]), node))


@lowers(scipy.special.polygamma, takes="n x")
def _polygamma_call(lowerer, node, args):
    n = lowerer.atom(args["n"])
    if not (isinstance(n.type, T.Scalar) and n.type.dtype == "int64"):
        raise lowerer.err(node, "scipy.special.polygamma: the order n must be one integer here",
                     "Call it once per order: polygamma(1, x).")
    if isinstance(n, Const) and n.value < 0:
        raise lowerer.err(node, "scipy.special.polygamma: the order n must be >= 0")
    return lowerer.op(node, "polygamma", n, float_of(lowerer, lowerer.atom(args["x"]), node))


@lowers(np.float_power, takes="x1 x2")
def _float_power(lowerer, node, args):
    """x ** y computed in float64, as np.float_power."""
    x, y = (lowerer.atom(args[k]) for k in ("x1", "x2"))
    x, y = (v if v.type.dtype == "float64" else lowerer.cast(v, T.with_dtype(v.type, "float64"), node)
            for v in (x, y))
    return lowerer.op(node, "pow", x, y)


@lowers(np.heaviside, takes="x1 x2")
def _heaviside(lowerer, node, args):
    """0 below 0, 1 above, x2 at 0 (NaN stays NaN); its derivative in x is 0, in x2 1 at 0."""
    x, h = lowerer.atom(args["x1"]), float_of(lowerer, lowerer.atom(args["x2"]), node)
    out = lowerer.op(node, "select", lowerer.op(node, "gt", x, 0), 1.0, h)
    out = lowerer.op(node, "select", lowerer.op(node, "lt", x, 0), 0.0, out)
    if T.is_float(x.type):
        out = lowerer.op(node, "select", lowerer.op(node, "isnan", x), x, out)
    return out


@lowers(np.positive, takes="x")
def _positive(lowerer, node, args):
    x = lowerer.atom(args["x"])
    return lowerer.op(node, "copy_array", x) if T.is_array(x.type) else x


@lowers(np.copysign, takes="x1 x2")
def _copysign(lowerer, node, args):
    """|x1| with the sign of x2: select(signbit(x2), -|x1|, |x1|); the gradient reaches x1
    through abs (sign-matched; 0 at x1 == 0, as abs'(0))."""
    x, y = float_of(lowerer, lowerer.atom(args["x1"]), node), lowerer.atom(args["x2"])
    m = lowerer.op(node, "abs", x)
    return lowerer.op(node, "select", lowerer.op(node, "signbit", y), lowerer.op(node, "neg", m), m)


def _comparison(np_fn, prim):
    @lowers(np_fn, takes="x1 x2")
    def lower(lowerer, node, args):
        return lowerer.op(node, prim, lowerer.atom(args["x1"]), lowerer.atom(args["x2"]))
    return lower


for _fn, _prim in [(np.less, "lt"), (np.less_equal, "le"), (np.greater, "gt"),
                   (np.greater_equal, "ge"), (np.equal, "eq"), (np.not_equal, "ne")]:
    _comparison(_fn, _prim)


def _truth(lowerer, x, node):
    """``x`` as booleans (nonzero is True), as NumPy's logical functions read it."""
    if x.type.dtype == "bool":
        return x
    if T.is_array(x.type):
        return lowerer.op(node, "ne", x, Const(0, T.Scalar(x.type.dtype)))
    return lowerer.truth(x, node)


def _logical(np_fn, combine):
    @lowers(np_fn, takes="x1 x2")
    def lower(lowerer, node, args):
        x, y = (_truth(lowerer, lowerer.atom(args[k]), node) for k in ("x1", "x2"))
        return lowerer.op(node, combine, x, y)
    return lower


_logical(np.logical_and, "and")
_logical(np.logical_or, "or")
_logical(np.logical_xor, "ne")


@lowers(np.logical_not, takes="x")
def _logical_not(lowerer, node, args):
    return lowerer.op(node, "not", _truth(lowerer, lowerer.atom(args["x"]), node))


def _any_all(np_fn, want_all: bool):
    @lowers(np_fn, takes="a axis out keepdims")
    def lower(lowerer, node, args):
        """np.any: some element nonzero (sum(x != 0) > 0); np.all: none zero."""
        name = f"np.{np_fn.__name__}"
        if "out" in args:
            raise lowerer.err(node, f"{name}: out= is not supported", "Assign the result instead.")
        x = lowerer.atom(args["a"])
        if not T.is_array(x.type):
            return _truth(lowerer, x, node)        # np.any(x) and np.all(x) of a number: bool(x)
        hits = lowerer.op(node, "eq" if want_all else "ne", x, Const(0, T.Scalar(x.type.dtype)))
        count = lowerer.arrays.reduction("sum", hits, args.get("axis"), args.get("keepdims"), node)
        return lowerer.op(node, "eq" if want_all else "gt", count, Const(0, T.I64))
    return lower


_any_all(np.any, False)
_any_all(np.all, True)


@lowers(np.array_equal, takes="a1 a2 equal_nan")
def _array_equal(lowerer, node, args):
    if "equal_nan" in args and lowerer.const_bool(args["equal_nan"]):
        raise lowerer.err(node, "np.array_equal: equal_nan=True is not supported",
                     "Compare np.isnan(a) and np.isnan(b) as well.")
    x, y = lowerer.atom(args["a1"]), lowerer.atom(args["a2"])
    if not (T.is_array(x.type) or T.is_array(y.type)):
        return lowerer.op(node, "eq", x, y)
    if not (T.is_array(x.type) and T.is_array(y.type)):
        return Const(False, T.BOOL)     # a number and an array of 1 or more dimensions
    return lowerer.op(node, "array_equal", x, y)


@lowers(np.array_equiv, takes="a1 a2")
def _array_equiv(lowerer, node, args):
    """True where the shapes broadcast together and all the elements are equal."""
    x, y = lowerer.atom(args["a1"]), lowerer.atom(args["a2"])
    if not (T.is_array(x.type) and T.is_array(y.type)):     # a number broadcasts to anything
        return _all_true(lowerer, lowerer.op(node, "eq", x, y), node)
    return lowerer.op(node, "array_equiv", x, y)


def _all_true(lowerer, c, node):
    if not T.is_array(c.type):
        return c
    count = lowerer.op(node, "sum", lowerer.op(node, "not", c))
    return lowerer.op(node, "eq", count, Const(0, T.I64))


def _real_part(np_fn, params):
    @lowers(np_fn, takes=params)
    def lower(lowerer, node, args):
        """On real numbers, the value itself (np.conjugate makes a new array; np.real and
        np.real_if_close give the array back). flatgrad has no complex numbers."""
        x = lowerer.atom(args[params[0]])
        return lowerer.op(node, "copy_array", x) if T.is_array(x.type) else x
    return lower


_real_part(np.conjugate, ("x",))
_real_part(np.real, ("val",))
_real_part(np.real_if_close, ("a", "tol"))
as_method(np.conjugate, "conj", "conjugate")


@lowers(np.imag, takes="val")
def _imag_part(lowerer, node, args):
    """The imaginary part of a real number: 0 (no gradient reaches the argument)."""
    x = lowerer.atom(args["val"])
    if T.is_array(x.type):
        return lowerer.op(node, "zeros_like", x)
    return Const(0.0, x.type) if T.is_float(x.type) else Const(0, T.I64)

