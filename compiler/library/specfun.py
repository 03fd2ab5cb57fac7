"""More of SciPy's special functions: ``binom``, ``comb``, ``factorial``, ``poch``, ``zeta``
(Riemann's and Hurwitz's), ``zetac``, and the complete elliptic integrals ``ellipk``,
``ellipe``, ``ellipkm1``.

Values are SciPy's own: its ufuncs in plain Python, under Numba the same C functions of
``scipy.special.cython_special`` (runtime/numba_special.py), except Hurwitz's zeta, which
SciPy does not export there: under Numba it is runtime/support.py's
``hurwitz_zeta_scalar`` (the first terms, then the Euler-Maclaurin tail; within 1e-15 of
SciPy). ``comb`` and ``factorial`` are SciPy's Python text over them (0 outside their
domains, NaN kept). Derivatives are textbook identities in terms of the same family, so
every order has a rule:

* binom(n, k) = Gamma(n+1) / (Gamma(k+1) Gamma(n-k+1)) (DLMF 26.3.E1 via 5.2.E1):
  d/dn = binom (psi(n+1) - psi(n-k+1)), d/dk = binom (psi(n-k+1) - psi(k+1)); where binom
  is 0 at a pole of a Gamma below (a whole n with k > n) this gives NaN, never a wrong 0;
* poch(z, m) = Gamma(z+m) / Gamma(z) (DLMF 5.2.E5): d/dz = poch (psi(z+m) - psi(z)),
  d/dm = poch psi(z+m);
* zeta(x, q): d/dq = -x zeta(x+1, q) (DLMF 25.11.17). The derivative in x has no closed
  form: a gradient in x (of Hurwitz's or Riemann's zeta, or zetac) is a CompileError;
* K'(m) = (E - (1-m) K) / (2 m (1-m)), E'(m) = (E - K) / (2 m) (DLMF 19.4.E1); both
  cancel near m = 0, so for |m| < 1/20 their Maclaurin series instead (K = pi/2 sum c_n^2
  m^n, E = pi/2 sum c_n^2 m^n / (1 - 2n), c_n = (2n)! / (2^n n!)^2: DLMF 19.5.E1, 19.5.E2);
  ellipkm1(p) = K(1 - p), so its derivative is -K'(1 - p). (No SymPy form for these three:
  SymPy does not finish simplifying the series branch; tests/library/test_specfun.py checks
  the rules against the integrals differentiated under the integral sign.)
"""
from __future__ import annotations

import math

import scipy.special

from .. import types as T
from ..errors import CompileError
from ..primitives import _sp, defprim, helper
from ..values import Ref
from .bessel import _evaluate
from .callargs import float_of
from .registry import lowers


def _psi(b, x):
    return b.polygamma(0, x)


def _binom_dn(b, out, n, k):
    return b.mul(out, b.sub(_psi(b, b.add(n, 1.0)), _psi(b, b.add(b.sub(n, k), 1.0))))


def _binom_dk(b, out, n, k):
    return b.mul(out, b.sub(_psi(b, b.add(b.sub(n, k), 1.0)), _psi(b, b.add(k, 1.0))))


def _gamma(x):
    return _sp().gamma(x)


defprim("binom", 2, lambda n, k: T.floating(n, k), helper("binom", arity=2),
        lambda n, k: _gamma(n + 1) / (_gamma(k + 1) * _gamma(n - k + 1)), _evaluate("binom"),
        deriv=(lambda b, s, out, n, k: b.mul(s, _binom_dn(b, out, n, k)),
               lambda b, s, out, n, k: b.mul(s, _binom_dk(b, out, n, k))),
        names=(scipy.special.binom,), costly=True, safe=True)
defprim("poch", 2, lambda z, m: T.floating(z, m), helper("poch", arity=2),
        lambda z, m: _gamma(z + m) / _gamma(z), _evaluate("poch"),
        deriv=(lambda b, s, out, z, m: b.mul(s, b.mul(out, b.sub(_psi(b, b.add(z, m)), _psi(b, z)))),
               lambda b, s, out, z, m: b.mul(s, b.mul(out, _psi(b, b.add(z, m))))),
        names=(scipy.special.poch,), costly=True, safe=True)


# ---- zeta

def _refuse_x(what):
    def refuse(b, s, out, *args):
        raise CompileError(f"flatgrad cannot differentiate {what} with respect to its "
                           "exponent x", b.loc, "Its derivative in x has no closed form. Keep x "
                           "constant (a gradient in Hurwitz's q is supported: zeta(x, q)).")
    return refuse


defprim("zetac", 1, T.floating, helper("zetac"), lambda x: _sp().zeta(x) - 1,
        _evaluate("zetac"), deriv=(_refuse_x("scipy.special.zeta (or zetac)"),),
        names=(scipy.special.zetac,), costly=True, safe=True)


def _hurwitz(x, q):
    return float(scipy.special.zeta(x, q))


defprim("hurwitz_zeta", 2, lambda x, q: T.floating(x, q), helper("hurwitz_zeta", arity=2),
        lambda x, q: _sp().zeta(x, q), _hurwitz,
        deriv=(_refuse_x("scipy.special.zeta(x, q)"),
               lambda b, s, out, x, q: b.mul(s, b.neg(b.mul(x, b.hurwitz_zeta(b.add(x, 1.0), q))))),
        costly=True, safe=True)


@lowers(scipy.special.zeta, takes="x q")
def _zeta(lowerer, node, args):
    """Riemann's zeta(x) = 1 + zetac(x) (SciPy's own zetac: within rounding of its zeta),
    Hurwitz's zeta(x, q) where q is given (and not None)."""
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    if "q" not in args or args.is_none("q"):
        return lowerer.op(node, "add", lowerer.op(node, "zetac", x), 1.0)
    return lowerer.op(node, "hurwitz_zeta", x, float_of(lowerer, lowerer.atom(args["q"]), node))


# ---- complete elliptic integrals

# c_n^2 = ((2n)! / (2^n n!)^2)^2, n = 1 .. 16: the Maclaurin coefficients of 2K/pi
_C2 = tuple((math.comb(2 * n, n) / 4.0 ** n) ** 2 for n in range(1, 17))
_NEAR = 0.05


def _series(b, m, coefs):
    """sum_j coefs[j] m^j by Horner's rule."""
    acc = coefs[-1]
    for c in reversed(coefs[:-1]):
        acc = b.add(c, b.mul(m, acc))
    return acc


def _near_zero(b, m, formula, coefs):
    """``formula(ms)`` away from 0 (at a safe ``ms`` near it), the series ``coefs`` near it."""
    near = b.lt(b.abs(m), _NEAR)
    ms = b.select(near, 0.5, m)
    return b.select(near, _series(b, m, coefs), formula(ms))


# K'(m) = pi/2 sum_{n>=1} n c_n^2 m^(n-1); E'(m) = pi/2 sum_{n>=1} n c_n^2 m^(n-1) / (1 - 2n)
_DK = tuple(math.pi / 2 * n * c for n, c in enumerate(_C2, 1))
_DE = tuple(math.pi / 2 * n * c / (1 - 2 * n) for n, c in enumerate(_C2, 1))


def _dk(b, m):
    """K'(m)."""
    def formula(ms):
        kk = b.ellipk(ms)
        return b.div(b.sub(b.ellipe(ms), b.mul(b.sub(1.0, ms), kk)),
                     b.mul(b.mul(2.0, ms), b.sub(1.0, ms)))
    return _near_zero(b, m, formula, _DK)


def _de(b, m):
    def formula(ms):
        return b.div(b.sub(b.ellipe(ms), b.ellipk(ms)), b.mul(2.0, ms))
    return _near_zero(b, m, formula, _DE)


defprim("ellipk", 1, T.floating, helper("ellipk"), None,
        _evaluate("ellipk"), deriv=(lambda b, s, out, m: b.mul(s, _dk(b, m)),),
        names=(scipy.special.ellipk,), costly=True, safe=True)
defprim("ellipe", 1, T.floating, helper("ellipe"), None,
        _evaluate("ellipe"), deriv=(lambda b, s, out, m: b.mul(s, _de(b, m)),),
        names=(scipy.special.ellipe,), costly=True, safe=True)
defprim("ellipkm1", 1, T.floating, helper("ellipkm1"), None,
        _evaluate("ellipkm1"),
        deriv=(lambda b, s, out, p: b.mul(s, b.neg(_dk(b, b.sub(1.0, p)))),),
        names=(scipy.special.ellipkm1,), costly=True, safe=True)


# ---- comb and factorial: SciPy's Python text over binom and gamma

def _exact(lowerer, args, name):
    if "exact" in args and lowerer.const_bool(args["exact"]):
        raise lowerer.err(args["exact"], f"scipy.special.{name}: exact=True is not supported",
                          "It computes a Python integer exactly, which has no gradient: use "
                          "exact=False (the float value), or compute it outside the function.")


@lowers(scipy.special.comb, takes="N k exact repetition")
def _comb(lowerer, node, args):
    """SciPy's comb with exact=False: binom(N, k) where 0 <= k <= N and N >= 0, else 0;
    with repetition=True binom(N + k - 1, k), and 1 where k == 0 and N >= 0."""
    _exact(lowerer, args, "comb")
    n, k = (float_of(lowerer, lowerer.atom(args[a]), node) for a in ("N", "k"))
    # (binom sees a safe point, N = 1 and k = 1/2, where its value is not taken: its
    # derivative at a pole of Gamma would put NaN in the gradient)
    if "repetition" in args and lowerer.const_bool(args["repetition"]):
        text = """
            ones = np.logical_and(k == 0.0, N >= 0.0)
            np.where(ones, 1.0, binom(np.where(ones, 1.0, N) + np.where(ones, 0.5, k) - 1.0,
                                      np.where(ones, 0.5, k)))
        """
    else:
        text = """
            inside = np.logical_and(np.logical_and(k <= N, N >= 0.0), k >= 0.0)
            np.where(inside, binom(np.where(inside, N, 1.0), np.where(inside, k, 0.5)), 0.0)
        """
    return lowerer.lower_text(text, node, N=n, k=k, binom=Ref(scipy.special.binom))


@lowers(scipy.special.factorial, takes="n exact extend")
def _factorial(lowerer, node, args):
    """SciPy's factorial with exact=False: gamma(n + 1) for n >= 0, 0 below, NaN kept (the
    gamma function sees a safe 0 where n < 0: its pole would put NaN in the gradient)."""
    _exact(lowerer, args, "factorial")
    extend = lowerer.expr(args["extend"]) if "extend" in args else Ref("zero")
    if getattr(extend, "obj", extend) != "zero":
        raise lowerer.err(args["extend"], "scipy.special.factorial: only extend='zero' is "
                          "supported", "flatgrad has no complex numbers.")
    n = float_of(lowerer, lowerer.atom(args["n"]), node)
    return lowerer.lower_text("""
        inside = n >= 0.0
        np.where(inside, gamma(np.where(inside, n, 0.0) + 1.0), np.where(np.isnan(n), n, 0.0))
    """, node, n=n, gamma=Ref(scipy.special.gamma))

