"""SciPy's special functions that SciPy computes in C and flatgrad calls as they are: the
inverses of ``erf``, ``erfc`` and the normal CDF (``erfinv``, ``erfcinv``, ``ndtri``),
``gamma``, ``rgamma``, ``gammasgn`` and ``beta``, the Bessel functions (``j0 j1 y0 y1 i0 i1 k0 k1``, the
exponentially scaled ``i0e i1e k0e k1e``, and of any order ``jv yv iv ive kv kve``, with
``jn``/``yn``/``kn``, their integer-order names); and ``multigammaln``, a sum of
``gammaln``.

Values: SciPy's ufuncs in plain Python; under Numba the same C functions of
``scipy.special.cython_special`` (runtime/numba_special.py), as ufuncs: on arrays and
batches too (vmap batches them as any elementwise primitive). Derivatives in the point are
the textbook ones, in terms of the same family (``J1' = (J0 - J2) / 2``, ``I0' = I1``,
``d/dx erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2)``, ``Gamma' = Gamma psi``), so every order
(Hessians, higher derivatives) has a rule; the one-argument rules are proved against
``sympy.diff`` (tests/rules/test_sympy.py). A derivative in the order ``v`` has no closed
form: a gradient there is a CompileError naming the call, never a silent zero.
"""
from __future__ import annotations

import math

import scipy.special

from .. import types as T
from ..errors import CompileError
from ..primitives import TWO_OVER_SQRT_PI, _sp, defprim, helper
from ..values import Ref
from .registry import lowers


def _evaluate(name):
    return lambda *args: float(getattr(scipy.special, name)(*args))


def _one(name, sympy, rule, names=()):
    """A one-argument function ``name`` whose derivative is ``rule(b, x, out)``."""
    defprim(name, 1, T.floating, helper(name), sympy, _evaluate(name),
            deriv=(lambda b, s, out, x: b.mul(s, rule(b, x, out)),),
            names=(getattr(scipy.special, name),) + tuple(names), costly=True, safe=True)


def _refuse(b, s, out, v, x):
    raise CompileError("flatgrad cannot differentiate a Bessel function with respect to its "
                       "order", b.loc, "Its derivative in the order has no closed form. "
                       "Differentiate with respect to the point x only, or keep the order "
                       "constant.")


def _order(name, sympy, rule, names=()):
    """``name(v, x)``, of any order ``v``: its derivative in ``x`` is ``rule(b, v, x, out)``."""
    defprim(name, 2, lambda v, x: T.floating(v, x), helper(name, arity=2), sympy,
            _evaluate(name), deriv=(_refuse, lambda b, s, out, v, x: b.mul(s, rule(b, v, x, out))),
            names=(getattr(scipy.special, name),) + tuple(names), costly=True, safe=True)


def _half(b, a, c):
    return b.mul(0.5, b.add(a, c))


# ---- inverses of the error function and of the normal CDF

_one("erfinv", lambda x: _sp().erfinv(x),
     lambda b, x, out: b.div(b.exp(b.mul(out, out)), TWO_OVER_SQRT_PI))
_one("erfcinv", lambda x: _sp().erfcinv(x),
     lambda b, x, out: b.neg(b.div(b.exp(b.mul(out, out)), TWO_OVER_SQRT_PI)))
_one("ndtri", lambda x: _sp().sqrt(2) * _sp().erfinv(2 * x - 1),     # sqrt(2 pi) e^(out^2/2)
     lambda b, x, out: b.div(b.mul(b.sqrt(8.0), b.exp(b.mul(0.5, b.mul(out, out)))),
                             TWO_OVER_SQRT_PI))

# ---- gamma

_one("gamma", lambda x: _sp().gamma(x), lambda b, x, out: b.mul(out, b.polygamma(0, x)))
_one("rgamma", lambda x: 1 / _sp().gamma(x),
     lambda b, x, out: b.neg(b.mul(out, b.polygamma(0, x))))

# gammasgn: the sign of Gamma, piecewise constant (no gradient)
defprim("gammasgn", 1, T.floating, helper("gammasgn"), None, _evaluate("gammasgn"),
        nondiff=True, names=(scipy.special.gammasgn,), costly=True, safe=True)
# beta(a, b) = Gamma(a) Gamma(b) / Gamma(a + b): dB/da = B (psi(a) - psi(a + b)), and in b
_psi_diff = (lambda b, u, a, c, out: b.mul(out, b.sub(b.polygamma(0, u), b.polygamma(0, b.add(a, c)))))
defprim("beta", 2, lambda a, c: T.floating(a, c), helper("beta", arity=2),
        lambda a, c: _sp().beta(a, c), _evaluate("beta"),
        deriv=(lambda b, s, out, a, c: b.mul(s, _psi_diff(b, a, a, c, out)),
               lambda b, s, out, a, c: b.mul(s, _psi_diff(b, c, a, c, out))),
        names=(scipy.special.beta,), costly=True, safe=True)


@lowers(scipy.special.multigammaln, takes="a d")
def _multigammaln(lowerer, node, args):
    """log of the multivariate gamma function, ``d (d - 1) / 4 log(pi) + sum_j gammaln(a -
    j / 2)`` for j = 0 .. d - 1 (d known while compiling), and SciPy's ValueError where some
    ``a <= (d - 1) / 2``."""
    d = lowerer.const_int(args["d"])
    if d < 1:
        raise lowerer.err(args["d"], "scipy.special.multigammaln: d must be a positive integer")
    return lowerer.lower_text(f"""
if np.any(a <= {0.5 * (d - 1)!r}):
    raise ValueError("condition a > 0.5 * (d-1) not met")
{d * (d - 1) / 4 * math.log(math.pi)!r} + {" + ".join(f"gammaln(a - {j / 2!r})" for j in range(d))}
""", node, a=lowerer.atom(args["a"]), gammaln=Ref(scipy.special.gammaln))


# ---- Bessel functions of orders 0 and 1 (J0' = -J1, J1' = (J0 - J2) / 2, ...)

_one("j0", lambda x: _sp().besselj(0, x), lambda b, x, out: b.neg(b.j1(x)))
_one("j1", lambda x: _sp().besselj(1, x), lambda b, x, out: b.mul(0.5, b.sub(b.j0(x), b.jv(2.0, x))))
_one("y0", lambda x: _sp().bessely(0, x), lambda b, x, out: b.neg(b.y1(x)))
_one("y1", lambda x: _sp().bessely(1, x), lambda b, x, out: b.mul(0.5, b.sub(b.y0(x), b.yv(2.0, x))))
_one("i0", lambda x: _sp().besseli(0, x), lambda b, x, out: b.i1(x))
_one("i1", lambda x: _sp().besseli(1, x), lambda b, x, out: _half(b, b.i0(x), b.iv(2.0, x)))
_one("k0", lambda x: _sp().besselk(0, x), lambda b, x, out: b.neg(b.k1(x)))
_one("k1", lambda x: _sp().besselk(1, x), lambda b, x, out: b.neg(_half(b, b.k0(x), b.kv(2.0, x))))
# scaled: i0e = I0 e^-|x|, k0e = K0 e^x
_one("i0e", lambda x: _sp().besseli(0, x) * _sp().exp(-abs(x)),
     lambda b, x, out: b.sub(b.i1e(x), b.mul(b.sign(x), out)))
_one("i1e", lambda x: _sp().besseli(1, x) * _sp().exp(-abs(x)),
     lambda b, x, out: b.sub(_half(b, b.i0e(x), b.ive(2.0, x)), b.mul(b.sign(x), out)))
_one("k0e", lambda x: _sp().besselk(0, x) * _sp().exp(x),
     lambda b, x, out: b.sub(out, b.k1e(x)))
_one("k1e", lambda x: _sp().besselk(1, x) * _sp().exp(x),
     lambda b, x, out: b.sub(out, _half(b, b.k0e(x), b.kve(2.0, x))))

# ---- any order v: J_v' = (J_{v-1} - J_{v+1}) / 2, I_v' = (I_{v-1} + I_{v+1}) / 2, ...


def _neighbours(b, name, v, x):
    f = getattr(b, name)
    return f(b.sub(v, 1.0), x), f(b.add(v, 1.0), x)


_order("jv", lambda v, x: _sp().besselj(v, x),
       lambda b, v, x, out: b.mul(0.5, b.sub(*_neighbours(b, "jv", v, x))))
_order("yv", lambda v, x: _sp().bessely(v, x),
       lambda b, v, x, out: b.mul(0.5, b.sub(*_neighbours(b, "yv", v, x))),
       names=(scipy.special.yn,))
_order("iv", lambda v, x: _sp().besseli(v, x),
       lambda b, v, x, out: _half(b, *_neighbours(b, "iv", v, x)))
_order("ive", lambda v, x: _sp().besseli(v, x) * _sp().exp(-abs(x)),
       lambda b, v, x, out: b.sub(_half(b, *_neighbours(b, "ive", v, x)),
                                         b.mul(b.sign(x), out)))
_order("kv", lambda v, x: _sp().besselk(v, x),
       lambda b, v, x, out: b.neg(_half(b, *_neighbours(b, "kv", v, x))),
       names=(scipy.special.kn,))
_order("kve", lambda v, x: _sp().besselk(v, x) * _sp().exp(x),
       lambda b, v, x, out: b.sub(out, _half(b, *_neighbours(b, "kve", v, x))))
