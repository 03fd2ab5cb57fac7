"""binom, comb, factorial, poch, zeta and the complete elliptic integrals
(compiler/library/specfun.py; functions in specfun_funcs.py): values against SciPy,
gradients against central differences and an independent oracle (autograd on the gamma
forms, mpmath's derivative of Hurwitz's zeta, the elliptic integrals differentiated under
the integral sign by Gauss-Legendre quadrature), JVPs, Hessians; refusals; the cpu target in
slow tests."""
import math

import numpy as np
import pytest
import scipy.special as sc

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused
from .check11 import check
from . import specfun_funcs as F

N = np.array([2.5, 4.0, 6.3, 10.0])
K = np.array([0.5, 2.0, 3.7, -0.4])


def _hessian_matches_gradient_differences(f, args, i, eps=1e-5, rtol=1e-5, atol=1e-7):
    g = fg.grad(f, argnums=i, target="python")
    h = fg.hessian(f, argnums=i, target="python")(*args)
    x = args[i]
    fd = []
    for e in np.eye(x.size):
        up = list(args); up[i] = x + eps * e
        dn = list(args); dn[i] = x - eps * e
        fd.append((g(*up) - g(*dn)) / (2 * eps))
    np.testing.assert_allclose(h, np.array(fd), rtol=rtol, atol=atol)


def test_values_equal_scipy():
    v = fg.value_and_grad(F.comb_outside, target="python")(N, K)[0]
    want = F.comb_outside(N, K)
    assert v == pytest.approx(want, rel=1e-14)
    for f, args in [(F.binom_both, (N, K)), (F.comb_plain, (N, K)), (F.comb_repetition, (N, K)),
                    (F.factorial_mixed, (np.array([-1.5, -1.0, 0.0, 1.0, 4.5, np.nan]),)),
                    (F.poch_both, (N, K)), (F.hurwitz, (N,)), (F.riemann_value, (N,)),
                    (F.elliptic, (np.array([-2.0, -1e-9, 0.0, 1e-9, 0.03, 0.5, 0.99]),)),
                    (F.ellipkm1_of, (np.array([1e-12, 0.2, 0.97, 1.0]),))]:
        out = fg.jvp(f, args, tuple(np.zeros_like(a) for a in args), target="python")[0]
        np.testing.assert_allclose(out, f(*args), rtol=1e-14, atol=0, err_msg=f.__name__)


def _ag_binom(n, k):
    import autograd.numpy as anp
    from autograd.scipy.special import gammaln
    return anp.exp(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def test_binom_comb_poch_gradients_against_autograd_gamma_forms():
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import gammaln
    gn, gk = check(F.binom_both, (N, K), (0, 1), ag=False)
    np.testing.assert_allclose(gn, autograd.grad(lambda n: anp.sum(_ag_binom(n, K) * n))(N), rtol=1e-9)
    np.testing.assert_allclose(gk, autograd.grad(lambda k: anp.sum(_ag_binom(N, k) * N))(K), rtol=1e-9)
    check(F.binom_number_k, (N,), ag=False)
    check(F.comb_plain, (N, np.abs(K)), (0, 1), ag=False)
    gn, gk = check(F.comb_outside, (N, np.array([0.5, 5.0, 3.7, 1.2])), (0, 1), ag=False)
    assert gk[1] == 0.0 and gn[1] == 0.0 + sc.comb(4.0, 5.0)    # k > n: 0, n's own factor only
    check(F.comb_repetition, (N, np.abs(K) + 0.5), (0, 1), ag=False)
    z, m = N, np.abs(K)
    gz, gm = check(F.poch_both, (z, m), (0, 1), ag=False)

    def ag_poch(z, m):
        return anp.exp(gammaln(z + m) - gammaln(z))
    np.testing.assert_allclose(gz, autograd.grad(lambda z: anp.sum(ag_poch(z, m) + z * ag_poch(z, 2.0)))(z),
                               rtol=1e-9)
    np.testing.assert_allclose(gm, autograd.grad(lambda m: anp.sum(ag_poch(z, m)))(m), rtol=1e-9)


def test_factorial_is_gamma_above_zero_and_zero_below():
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import gamma
    x = np.array([-1.5, -0.5, 0.3, 2.0, 4.5])
    g = check(F.factorial_mixed, (x,), ag=False)[0]
    def fact(x):
        return anp.where(x >= 0, gamma(anp.abs(x) + 1), 0.0)
    want = autograd.grad(lambda x: anp.sum(fact(x) * x) + anp.sum(fact(x)))(x)
    np.testing.assert_allclose(g, want, rtol=1e-9)
    assert g[0] == 0.0 and g[1] == 0.0


def test_hurwitz_zeta_gradient_in_q_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    q = np.array([0.3, 1.0, 2.5, 7.0])
    g = check(F.hurwitz, (q,), ag=False)[0]
    want = [float(mpmath.diff(lambda t: mpmath.zeta(3, t), v) + mpmath.diff(lambda t: mpmath.zeta(2.5, t) * t, v)
                  + mpmath.diff(lambda t: mpmath.zeta(4, t + 1), v)) for v in q]
    np.testing.assert_allclose(g, want, rtol=1e-12)
    _hessian_matches_gradient_differences(F.hurwitz, (q,), 0)


def test_a_gradient_in_the_exponent_is_refused():
    check_refused(F.hurwitz_x, (np.array([3.0, 4.0]), np.array([1.0, 2.0])), "exponent x",
                  "specfun_funcs.py")
    check_refused(F.riemann_x, (np.array([3.0, 4.0]),), "exponent x", "specfun_funcs.py")
    # the point q alone is fine, and Riemann's zeta of a constant
    g = fg.grad(F.hurwitz_x, argnums=1, target="python")(np.array([3.0, 4.0]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [-3 * sc.zeta(4.0, 1.0), -4 * sc.zeta(5.0, 2.0)], rtol=1e-13)
    check(F.riemann_value, (N,), ag=False)


@pytest.mark.parametrize("f", [F.comb_exact, F.factorial_exact], ids=lambda f: f.__name__)
def test_exact_is_refused(f):
    check_refused(f, (2.0,), "exact=True is not supported", "specfun_funcs.py")


def _gauss_legendre(m, power, n=200):
    """int_0^{pi/2} sin^2 t (1 - m sin^2 t)^power dt."""
    t, w = np.polynomial.legendre.leggauss(n)
    t = (t + 1) * math.pi / 4
    s2 = np.sin(t)[None, :] ** 2
    return (s2 * (1 - np.asarray(m)[:, None] * s2) ** power) @ (w * math.pi / 4)


M = np.array([-1.5, -0.04, -1e-7, 0.0, 1e-6, 0.01, 0.049, 0.051, 0.3, 0.8])


def test_elliptic_derivatives_under_the_integral_sign():
    # K'(m) = 1/2 int sin^2 (1 - m sin^2)^(-3/2), E'(m) = -1/2 int sin^2 (1 - m sin^2)^(-1/2)
    gk = fg.grad(F.k_sum, target="python")(M)
    ge = fg.grad(F.e_sum, target="python")(M)
    np.testing.assert_allclose(gk, 0.5 * _gauss_legendre(M, -1.5), rtol=1e-13)
    np.testing.assert_allclose(ge, -0.5 * _gauss_legendre(M, -0.5), rtol=1e-13)
    assert gk[3] == pytest.approx(math.pi / 8, rel=1e-15)
    m = np.array([-0.7, 0.02, 0.3, 0.6])
    check(F.elliptic, (m,), ag=False)
    check(F.ellipkm1_of, (np.array([0.05, 0.4, 0.97, 0.999]),), ag=False)
    _hessian_matches_gradient_differences(F.elliptic, (np.array([-0.7, 0.0, 0.02, 0.3, 0.6]),), 0)


def test_vmap_of_the_gradient():
    ms = np.stack([M[:5], M[5:]])
    v = fg.vmap(fg.grad(F.elliptic), target="python", method="batch")
    np.testing.assert_allclose(v(ms), [fg.grad(F.elliptic, target="python")(m) for m in ms], rtol=1e-13)


@pytest.mark.slow
def test_cpu_target_against_python_and_scipy():
    check_cpu_matches_python([F.hurwitz, F.elliptic, F.ellipkm1_of], [np.array([0.1, 0.3, 0.6, 0.9])])
    check_cpu_matches_python([F.binom_both, F.comb_outside, F.poch_both], [(N, K)], spread=True)
    check_cpu_matches_python([F.factorial_mixed], [np.array([-1.5, 0.3, 2.0, 4.5])])
    # Hurwitz's zeta under Numba is flatgrad's own series: against SciPy's over a range
    q = np.array([1e-3, 0.1, 0.5, 1.0, 2.7, 10.0, 55.0, 1e4, -0.5, -2.5, -7.3])
    for x in (1.0001, 1.5, 2.0, 3.0, 4.0, 4.5, 12.0, 60.0):
        out = fg.value_and_grad(F.hurwitz_x, argnums=1, target="cpu")(np.full(q.shape, x), q)[0]
        np.testing.assert_allclose(out, np.sum(sc.zeta(x, q)), rtol=1e-14)
