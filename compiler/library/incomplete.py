"""The regularised incomplete gamma and beta functions, ``scipy.special.gammainc``,
``gammaincc`` and ``betainc``: the CDFs of the gamma, chi-squared, Poisson, beta and t
distributions (compiler/library/stats.py).

Their derivatives in the integration limit ``x`` are the integrands, in closed form
(``x^(a-1) e^-x / Gamma(a)``; ``x^(a-1) (1-x)^(b-1) / B(a, b)``). Their derivatives in the
shape parameters ``a`` and ``b`` have no closed form (they need hypergeometric series), so
flatgrad does not give them: those rules raise a CompileError naming the call (the op's
``what``), and the transforms ask a rule only for the arguments the derivative depends on.
A function that only reads the parameters (data, or values differentiated with respect to
something else) compiles; a gradient in a shape parameter is an error, never a silent zero.
The values are runtime/support.py's series and continued fractions (one scalar formula,
applied elementwise in NumPy and compiled into a ufunc for Numba).
"""
from __future__ import annotations

import scipy.special

from .. import types as T
from ..errors import CompileError
from ..primitives import SCALAR_HELPER, defprim, helper
from .callargs import float_of
from .registry import lowers


def _refuse(b, s, out, *args, what="this function"):
    raise CompileError(f"flatgrad cannot differentiate {what} with respect to its shape "
                       "parameters", b.loc,
                       "Their derivatives have no closed form. Differentiate with respect to "
                       "the point x only, or keep the shape parameters constant.")


def _gammainc_slope(b, a, x):
    """d P(a, x) / dx = x^(a-1) e^-x / Gamma(a)."""
    return b.exp(b.sub(b.sub(b.xlogy(b.sub(a, 1.0), x), x), b.gammaln(a)))


def _betainc_slope(b, a, c, x):
    """d I_x(a, c) / dx = x^(a-1) (1-x)^(c-1) / B(a, c)."""
    log_beta = b.sub(b.add(b.gammaln(a), b.gammaln(c)), b.gammaln(b.add(a, c)))
    return b.exp(b.sub(b.add(b.xlogy(b.sub(a, 1.0), x), b.xlog1py(b.sub(c, 1.0), b.neg(x))),
                       log_beta))


def _floating(*types, what=""):
    return T.floating(*types)


def _scipy(name):
    return lambda *args: float(getattr(scipy.special, name)(*args))


defprim("gammainc", 2, _floating, helper("gammainc", arity=2), None, _scipy("gammainc"),
        deriv=(_refuse, lambda b, s, out, a, x, what="": b.mul(s, _gammainc_slope(b, a, x))),
        costly=True, safe=True, batch=SCALAR_HELPER)
defprim("gammaincc", 2, _floating, helper("gammaincc", arity=2), None, _scipy("gammaincc"),
        deriv=(_refuse,
               lambda b, s, out, a, x, what="": b.mul(s, b.neg(_gammainc_slope(b, a, x)))),
        costly=True, safe=True, batch=SCALAR_HELPER)
defprim("betainc", 3, _floating, helper("betainc", arity=3), None, _scipy("betainc"),
        deriv=(_refuse, _refuse,
               lambda b, s, out, a, c, x, what="": b.mul(s, _betainc_slope(b, a, c, x))),
        costly=True, safe=True, batch=SCALAR_HELPER)


def incomplete(lowerer, node, prim: str, args: tuple, what: str):
    """``prim(*args)`` on floats; ``what`` names the call in the error that a derivative in
    a shape parameter raises (``scipy.stats.gamma.cdf``)."""
    return lowerer.op(node, prim, *(float_of(lowerer, v, node) for v in args), what=what)


def _lowering(fn, prim, params):
    @lowers(fn, signature=", ".join(params))
    def lower(lowerer, node, args):
        name = f"scipy.special.{fn.__name__}"
        return incomplete(lowerer, node, prim, tuple(lowerer.atom(args[p]) for p in params), name)
    return lower


_lowering(scipy.special.gammainc, "gammainc", ("a", "x"))
_lowering(scipy.special.gammaincc, "gammaincc", ("a", "x"))
_lowering(scipy.special.betainc, "betainc", ("a", "b", "x"))
