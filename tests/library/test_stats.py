"""scipy.stats distributions (compiler/library/stats.py): every family and method against
SciPy's own values element by element (with broadcasting), gradients against central finite
differences of SciPy and against autograd.scipy.stats where it has the method and the
argument, JVPs against directional differences; the python target, then one shared cpu-target
compile (slow); and the calls flatgrad rejects, with their messages."""
from __future__ import annotations

import types
import zlib

import numpy as np
import pytest

import scipy.stats
import scipy.stats as sst
from scipy.stats import norm as normal

import flatgrad as fg

from .check11 import RNG, build, check

HEADER = ("import numpy as np\nimport scipy.stats as st\n"
          "from scipy.stats import norm, t, gamma, beta, chi2, poisson, dirichlet, "
          "multivariate_normal\n\n\n")


def _build(exprs: dict):
    """``{name: (params, expression)}`` -> functions returning the expression (``v_name``)
    and ``np.sum(w * expression)`` (``name``), in one generated module."""
    defs = {}
    for name, (params, body) in exprs.items():
        defs["v_" + name] = (params, body)
        defs[name] = (f"{params}, w", f"np.sum(w * ({body}))")
    return build(defs, header=HEADER)


def _u(lo, hi, shape=()):
    v = RNG.uniform(lo, hi, shape)
    return float(v) if shape == () else v


# name: (params, expression, arguments (without w), argnums to check, argnums autograd has)
CASES = {
    "norm_logpdf": ("x, loc, scale", "norm.logpdf(x, loc, scale)",
                    lambda: (_u(-2, 2, (3, 4)), _u(-1, 1, (4,)), _u(0.5, 2)), (0, 1, 2), (0, 1, 2)),
    "norm_logpdf_kw": ("x, loc, scale", "norm.logpdf(x, scale=scale, loc=loc)",
                       lambda: (_u(-2, 2, (5,)), _u(-1, 1), _u(0.5, 2, (5,))), (0, 1, 2), ()),
    "norm_standard": ("x", "st.norm.logpdf(x) + st.norm.pdf(x)",
                      lambda: (_u(-3, 3, (2, 3)),), (0,), (0,)),
    "norm_pdf": ("x, loc, scale", "st.norm.pdf(x, loc, scale)",
                 lambda: (_u(-2, 2, (3, 4)), _u(-1, 1, (3, 1)), _u(0.5, 2, (4,))), (0, 1, 2), (0, 1, 2)),
    "norm_cdf": ("x, loc, scale", "norm.cdf(x, loc, scale=scale)",
                 lambda: (_u(-3, 3, (3, 4)), _u(-1, 1, (4,)), _u(0.5, 2)), (0, 1, 2), ()),
    "norm_sf": ("x, loc, scale", "norm.sf(x, loc, scale)",
                lambda: (_u(-3, 3, (6,)), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), (0, 1, 2)),
    "norm_logcdf": ("x, loc, scale", "norm.logcdf(x, loc, scale)",
                    lambda: (_u(-3, 3, (3, 4)), _u(-1, 1, (4,)), _u(0.5, 2)), (0, 1, 2), (0, 1, 2)),
    "norm_logsf": ("x, loc, scale", "norm.logsf(x, loc, scale)",
                   lambda: (_u(-3, 3, (6,)), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), (0, 1, 2)),
    # the tails: log_ndtr's three formulas (lower asymptotic series, erfc, log1p)
    "norm_logcdf_tails": ("x", "norm.logcdf(x) + norm.logsf(-x)",
                          lambda: (np.array([-60.0, -35.0, -21.0, -19.0, -8.0, -0.3, 0.4, 7.0, 9.0]),),
                          (0,), (0,)),
    "t_logpdf": ("x, df, loc, scale", "t.logpdf(x, df, loc, scale)",
                 lambda: (_u(-3, 3, (3, 4)), _u(1, 10, (4,)), _u(-1, 1), _u(0.5, 2)),
                 (0, 1, 2, 3), (0, 1, 2, 3)),
    "t_pdf": ("x, df", "t.pdf(x, df)", lambda: (_u(-3, 3, (5,)), _u(0.5, 6)), (0, 1), (0, 1)),
    "t_kw": ("x, df, scale", "t.logpdf(x, df=df, scale=scale)",
             lambda: (_u(-3, 3, (5,)), _u(0.5, 6, (5,)), _u(0.5, 2)), (0, 1, 2), ()),
    "gamma_logpdf": ("x, a, loc, scale", "gamma.logpdf(x, a, loc, scale)",
                     lambda: (_u(0.3, 4, (3, 4)), _u(0.5, 4, (4,)), _u(-0.1, 0.1), _u(0.5, 2)),
                     (0, 1, 2, 3), ()),
    "gamma_pdf": ("x, a", "gamma.pdf(x, a) + gamma.logpdf(x, a=a)",
                  lambda: (_u(0.3, 4, (5,)), _u(0.5, 4, (5,))), (0, 1), ()),
    "chi2_logpdf": ("x, df, scale", "chi2.logpdf(x, df, scale=scale)",
                    lambda: (_u(0.3, 5, (3, 4)), _u(0.5, 6, (3, 1)), _u(0.5, 2)), (0, 1, 2), ()),
    # (autograd's chi2 gives x a zero gradient unless df is a whole number: compared at one)
    "chi2_pdf": ("x, df", "chi2.pdf(x, df)", lambda: (_u(0.3, 5, (5,)), float(RNG.integers(1, 7))),
                 (0,), (0,)),
    "chi2_pdf_df_array": ("x, df", "chi2.pdf(x, df)", lambda: (_u(0.3, 5, (5,)), _u(0.5, 6, (5,))),
                          (0, 1), ()),
    "beta_logpdf": ("x, a, b", "beta.logpdf(x, a, b)",
                    lambda: (_u(0.05, 0.95, (3, 4)), _u(0.5, 4, (4,)), _u(0.5, 4)), (0, 1, 2), (0, 1, 2)),
    "beta_loc_scale": ("x, a, b, loc, scale", "beta.pdf(x, a, b, loc=loc, scale=scale)",
                       lambda: (_u(1.2, 2.8, (5,)), _u(1.5, 4), _u(1.5, 4), _u(0.9, 1.1), _u(2.0, 2.2)),
                       (0, 1, 2, 3, 4), ()),
    "poisson_logpmf": ("k, mu", "poisson.logpmf(k, mu)",
                       lambda: (np.array([0, 1, 3, 7, 12]), _u(0.5, 6, (5,))), (1,), (1,)),
    "poisson_pmf": ("k, mu", "poisson.pmf(k, mu, loc=1)",
                    lambda: (np.array([1.0, 2.0, 4.0, 8.0]), _u(0.5, 6)), (1,), ()),
    "dirichlet_point": ("x, alpha", "dirichlet.logpdf(x, alpha)",
                        lambda: (RNG.dirichlet([2.0, 3.0, 4.0]), _u(0.5, 4, (3,))), (1,), ()),
    "dirichlet_pdf": ("x, alpha", "dirichlet.pdf(x, alpha)",
                      lambda: (RNG.dirichlet([2.0, 3.0, 4.0]), _u(0.5, 4, (3,))), (1,), ()),
    "dirichlet_columns": ("x, alpha", "dirichlet.logpdf(x, alpha)",
                          lambda: (RNG.dirichlet([2.0, 3.0, 4.0, 2.5], 5).T, _u(0.5, 4, (4,))),
                          (1,), ()),
    # cov = A A' + I: symmetric, so SciPy (which reads one triangle) and the formula agree
    "mvn_rows": ("x, mean, a", "multivariate_normal.logpdf(x, mean, np.dot(a, a.T) + np.eye(3))",
                 lambda: (RNG.normal(size=(5, 3)), RNG.normal(size=3), RNG.normal(size=(3, 3))),
                 (0, 1, 2), (0, 1, 2)),
    "mvn_point": ("x, mean, a", "multivariate_normal.pdf(x, mean=mean, cov=np.dot(a, a.T) + np.eye(3))",
                  lambda: (RNG.normal(size=3), RNG.normal(size=3), 0.5 * RNG.normal(size=(3, 3))),
                  (0, 1, 2), ()),
    "mvn_diag_cov": ("x, mean, c", "multivariate_normal.logpdf(x, mean, c)",
                     lambda: (RNG.normal(size=(4, 3)), RNG.normal(size=3), _u(0.5, 2, (3,))), (0, 1, 2), ()),
    "mvn_scalar_cov": ("x, mean, c", "multivariate_normal.logpdf(x, mean, c)",
                       lambda: (RNG.normal(size=(4, 3)), RNG.normal(size=3), _u(0.5, 2)), (0, 1, 2), ()),
    "mvn_default_mean": ("x, a", "multivariate_normal.logpdf(x, cov=np.dot(a, a.T) + np.eye(3))",
                         lambda: (RNG.normal(size=(4, 3)), RNG.normal(size=(3, 3))), (0, 1), ()),
    # the other families' CDFs: the incomplete gamma and beta functions, derivatives in the
    # point, loc and scale (not in the shape parameters: see the rejections below)
    "t_cdf": ("x, loc, scale", "t.cdf(x, 3.5, loc, scale) + t.sf(x, 2.0, scale=scale)",
              lambda: (_u(-4, 4, (3, 4)), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), ()),
    "t_cdf_x": ("x", "t.cdf(x, 4.5)", lambda: (np.array([-30.0, -2.0, -0.1, 0.0, 0.4, 3.0, 25.0]),),
                (0,), (0,)),
    "t_logcdf": ("x, loc", "t.logcdf(x, 1.5, loc) + t.logsf(x, 7.0, loc)",
                 lambda: (_u(-4, 4, (5,)), _u(-1, 1)), (0, 1), ()),
    "gamma_cdf": ("x, loc, scale", "gamma.cdf(x, 2.5, loc, scale) + gamma.sf(x, 0.7, loc, scale)",
                  lambda: (_u(0.2, 6, (3, 4)), _u(-0.1, 0.1), _u(0.5, 2)), (0, 1, 2), ()),
    "gamma_cdf_x": ("x", "gamma.cdf(x, 3.2)", lambda: (_u(0.2, 8, (6,)),), (0,), (0,)),
    "gamma_logcdf": ("x", "gamma.logcdf(x, 40.0) + gamma.logsf(x, 0.5)",
                     lambda: (_u(30, 50, (5,)),), (0,), ()),
    # a tail near 1: its log from the other tail (log(1 - 1e-20) is -1e-20, not 0)
    "logsf_near_one": ("x", "gamma.logsf(x, 72.0) + beta.logsf(x / 1000.0, 2.0, 80.0) + t.logcdf(x, 3.0)",
                       lambda: (_u(8, 20, (5,)),), (0,), ()),
    "chi2_cdf": ("x, scale", "chi2.cdf(x, 3.0, scale=scale) + chi2.sf(x, 1.5) + chi2.logcdf(x, 6.0)",
                 lambda: (_u(0.2, 8, (6,)), _u(0.5, 2)), (0, 1), ()),
    "chi2_cdf_x": ("x", "chi2.cdf(x, 3.0)", lambda: (_u(0.2, 8, (6,)),), (0,), (0,)),
    "beta_cdf": ("x, loc, scale", "beta.cdf(x, 2.5, 0.8, loc, scale) + beta.sf(x, 0.6, 3.0, loc, scale)",
                 lambda: (_u(1.2, 2.8, (3, 4)), _u(0.9, 1.1), _u(2.0, 2.2)), (0, 1, 2), ()),
    "beta_cdf_x": ("x", "beta.cdf(x, 2.5, 0.8)", lambda: (_u(0.05, 0.95, (6,)),), (0,), (0,)),
    "beta_logcdf": ("x", "beta.logcdf(x, 30.0, 20.0) + beta.logsf(x, 0.5, 0.5)",
                    lambda: (_u(0.3, 0.8, (6,)),), (0,), ()),
    "poisson_cdf": ("k, mu", "poisson.cdf(k, mu) + poisson.sf(k, 2.0 * mu) + poisson.logcdf(k + 2.0, mu, loc=1)",
                    lambda: (np.array([0.0, 1.0, 2.5, 4.0, 9.0, -1.0]), _u(0.5, 6, (6,))), (1,), ()),
    "poisson_cdf_mu": ("k, mu", "poisson.cdf(k, mu)",
                       lambda: (np.array([0, 1, 2, 4, 9]), _u(0.5, 6, (5,))), (1,), (1,)),
    # a number for mean and cov: SciPy's dimension 1, each entry (or row of (n, 1)) a point
    "mvn_one_dimensional": ("x, mean, c", "multivariate_normal.logpdf(x, mean, c)",
                            lambda: (RNG.normal(size=5), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), ()),
    "mvn_one_dimensional_rows": ("x, c", "multivariate_normal.pdf(x, cov=c)",
                                 lambda: (RNG.normal(size=(4, 1)), _u(0.5, 2)), (0, 1), ()),
    "mvn_entropy": ("mean, a", "multivariate_normal.entropy(mean, np.dot(a, a.T) + np.eye(3))"
                    " + multivariate_normal(cov=np.dot(a, a.T) + np.eye(3)).entropy()",
                    lambda: (RNG.normal(size=3), RNG.normal(size=(3, 3))), (0, 1), ()),
    "mvn_entropy_diag": ("c", "multivariate_normal.entropy(np.zeros(3), c) + multivariate_normal.entropy(np.zeros(3), 2.0 * c[0])",
                         lambda: (_u(0.5, 2, (3,)),), (0,), ()),
    "norm_entropy": ("loc, scale", "norm.entropy(loc, scale) + norm(scale=scale).entropy()",
                     lambda: (_u(-1, 1, (3, 1)), _u(0.5, 2, (4,))), (0, 1), ()),
    "frozen": ("x, loc, scale", "norm(loc, scale).logpdf(x) + st.t(3.5, scale=scale).pdf(x)",
               lambda: (_u(-2, 2, (5,)), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), ()),
    "frozen_named": ("x, loc, scale", "frozen_named_helper(x, loc, scale)",
                     lambda: (_u(-2, 2, (5,)), _u(-1, 1), _u(0.5, 2)), (0, 1, 2), ()),
}

MOD = _build({n: (p, e) for n, (p, e, *_rest) in CASES.items()})


def _helper(x, loc, scale):
    d = MOD.norm(loc=loc, scale=scale)
    return d.logcdf(x) + d.logpdf(x)


MOD.frozen_named_helper = _helper


def _autograd_version(f):
    """``f`` with np and the scipy.stats names bound to autograd's."""
    import autograd.numpy as anp
    import autograd.scipy.stats as ags
    names = {n: getattr(ags, n) for n in ("norm", "t", "gamma", "beta", "chi2", "poisson",
                                          "dirichlet", "multivariate_normal")}
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp, "st": ags, **names},
                              f.__name__)


def _args(name):
    RNG.bit_generator.state = np.random.default_rng(zlib.crc32(name.encode())).bit_generator.state
    return list(CASES[name][2]())


@pytest.mark.parametrize("name", list(CASES))
def test_values_match_scipy(name):
    """Element by element: the compiled function's value (through fg.jvp) is SciPy's."""
    v = getattr(MOD, "v_" + name)
    args = _args(name)
    tans = [np.zeros(np.shape(a)) if np.ndim(a) else 0.0 for a in args]
    out, _ = fg.jvp(v, tuple(args), tuple(tans), target="python")
    want = v(*args)
    assert np.shape(out) == np.shape(want)
    np.testing.assert_allclose(out, want, rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_finite_differences_and_autograd(name):
    f = getattr(MOD, name)
    args = _args(name)
    argnums, ag_argnums = CASES[name][3], CASES[name][4]
    w = RNG.normal(size=np.shape(getattr(MOD, "v_" + name)(*args)))
    grads = check(f, args + [w], argnums, ag=False, rtol=1e-5, atol=1e-7)
    if not ag_argnums:
        return
    import autograd
    fa = _autograd_version(f)
    for i, g in zip(argnums, grads):
        if i in ag_argnums:
            np.testing.assert_allclose(g, autograd.grad(fa, i)(*args, w), rtol=1e-7, atol=1e-9,
                                       err_msg=f"{name} arg {i} vs autograd")


def test_outside_the_support_is_minus_inf_with_zero_gradient():
    """SciPy's -inf outside the support (x < 0 for gamma and chi2, beyond [0, 1] for beta,
    non-integer or negative k for poisson), and no NaN in the gradient there."""
    f = MOD.v_gamma_pdf
    x = np.array([-1.0, 0.5, 2.0])
    out, tan = fg.jvp(f, (x, 2.0), (np.ones(3), 1.0), target="python")
    np.testing.assert_allclose(out, f(x, 2.0))
    assert np.all(np.isfinite(tan))
    for fn, args in [(MOD.v_beta_logpdf, (np.array([-0.2, 0.3, 1.4]), 2.0, 3.0)),
                     (MOD.v_chi2_logpdf, (np.array([-0.2, 0.3]), 3.0, 1.0)),
                     (MOD.v_poisson_logpmf, (np.array([-1.0, 2.5, 3.0]), 2.0))]:
        out = fg.jvp(fn, tuple(args), tuple(np.zeros(np.shape(a)) if np.ndim(a) else 0.0
                                            for a in args), target="python")[0]
        np.testing.assert_allclose(out, fn(*args), rtol=1e-12)
    g = fg.grad(MOD.beta_logpdf, argnums=(0, 1, 2), target="python")(
        np.array([-0.2, 0.3, 1.4]), 2.0, 3.0, np.ones(3))
    assert g[0][0] == 0.0 and g[0][2] == 0.0 and all(np.all(np.isfinite(v)) for v in g)


def test_logcdf_is_finite_far_in_the_tails():
    """log_ndtr: no -inf where the CDF underflows, and its gradient tends to -x."""
    f = MOD.norm_logcdf_tails
    x = np.array([-300.0, -40.0, 40.0])
    g = fg.grad(f, target="python")(x, np.ones(3))
    np.testing.assert_allclose(g[:2], [600.0, 80.0], rtol=1e-3)   # 2 * (-x - 1/x ...)
    assert np.all(np.isfinite(g))


def test_dirichlet_gradient_in_x_along_the_simplex():
    """SciPy rejects points off the simplex, so x's gradient is checked by directional
    differences that stay on it (SciPy's values at x +- h v, with v summing to 0)."""
    f = MOD.dirichlet_columns
    x, alpha = RNG.dirichlet([2.0, 3.0, 4.0, 2.5], 5).T, _u(0.5, 4, (4,))
    w = RNG.normal(size=5)
    g = fg.grad(f, target="python")(x, alpha, w)
    for v in (np.array([1.0, -1.0, 0.0, 0.0]), np.array([0.3, 0.2, -0.1, -0.4])):
        d = np.outer(v, RNG.uniform(0.5, 1.0, 5))
        h = 1e-6
        num = (f(x + h * d, alpha, w) - f(x - h * d, alpha, w)) / (2 * h)
        np.testing.assert_allclose(np.sum(g * d), num, rtol=1e-6)


# ---------------------------------------------------------------- the module spellings

def spelled_three_ways(x, m):
    return (np.sum(scipy.stats.norm.logpdf(x, m)) + np.sum(sst.norm.logpdf(x, m))
            + np.sum(normal.logpdf(x, m)))


def test_module_spellings():
    x = np.array([0.2, -1.0, 1.5])
    g = fg.grad(spelled_three_ways, argnums=(0, 1), target="python")(x, 0.3)
    np.testing.assert_allclose(g[0], -3.0 * (x - 0.3))
    np.testing.assert_allclose(g[1], 3.0 * np.sum(x - 0.3))


# ---------------------------------------------------------------- rejected calls

def t_cdf(x, df):
    return np.sum(MOD.t.cdf(x, df))


def special_betainc(a, x):
    return np.sum(sst.beta.pdf(x, 2.0, 3.0) + scipy.special.betainc(a, 2.0, x))


def t_ppf(x):                     # (t's quantile needs an inverse incomplete beta function)
    return np.sum(MOD.t.ppf(x, 3.0))


PRIOR = sst.norm(0.0, 2.0)     # frozen outside: its numbers would be baked into cached code


def frozen_outside(x):
    return np.sum(PRIOR.logpdf(x))


def t_ppf(x):
    return np.sum(MOD.t.ppf(x, 3.0))


def mvn_singular(x, c):
    return np.sum(MOD.multivariate_normal.logpdf(x, cov=c, allow_singular=True))


def t_no_df(x):
    return np.sum(MOD.t.logpdf(x))


def norm_bad_keyword(x):
    return np.sum(MOD.norm.logpdf(x, mu=1.0))


def frozen_cdf(x, a):
    return np.sum(MOD.gamma(a).cdf(x))


def poisson_cdf_k(k, mu):
    return np.sum(MOD.poisson.sf(k, mu) + MOD.poisson.cdf(k, 2.0 * mu))


def test_poisson_count_has_no_gradient():
    """The count k is data: a step function of k, derivative 0 (not an error)."""
    g = fg.grad(poisson_cdf_k, target="python")(np.array([1.0, 2.0, 5.0]), 2.0)
    np.testing.assert_array_equal(g, 0.0)


@pytest.mark.parametrize("fn,args,message", [
    (t_cdf, (np.ones(3), 2.0), "cannot differentiate scipy.stats.t.cdf with respect to its "
                               "shape parameters"),
    (special_betainc, (2.0, np.ones(3) * 0.4), "cannot differentiate scipy.special.betainc"),
    (t_ppf, (np.ones(3) * 0.3,), "does not support scipy.stats.t.ppf"),
    (t_ppf, (np.ones(3) * 0.3,), "does not support scipy.stats.t.ppf: it needs"),
    (mvn_singular, (np.ones((2, 2)), np.eye(2)), "allow_singular=True is not supported"),
    (t_no_df, (np.ones(3),), "missing required argument 'df'"),
    (norm_bad_keyword, (np.ones(3),), "unexpected keyword argument 'mu'"),
    (frozen_cdf, (np.ones(3), 2.0), "scipy.stats.gamma.cdf"),
    (frozen_outside, (np.ones(3),), "frozen scipy.stats.norm made outside the function"),
])
def test_rejections_are_compile_errors(fn, args, message):
    argnums = 1 if fn in (frozen_cdf, t_cdf) else 0
    with pytest.raises(fg.CompileError) as e:
        fg.grad(fn, argnums=argnums, target="python")(*args)
    assert message in str(e.value)
    assert "test_stats.py" in str(e.value)


# ---------------------------------------------------------------- the cpu target

CPU = _build({"cpu_all": (
    "x, loc, scale, df, a",
    "norm.logpdf(x, loc, scale) + norm.logcdf(x, loc, scale) + norm.sf(x) + t.logpdf(x, df, loc, scale)"
    " + gamma.logpdf(x * x + 0.1, a, scale=scale) + beta.logpdf(0.2 + 0.1 * np.tanh(x), a, df)"
    " + chi2.pdf(x * x + 0.2, df) + poisson.logpmf(3.0, a + x * x)"
    " + dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.array([a, df, 2.0]))"
    " + np.sum(multivariate_normal.logpdf(np.reshape(x, (2, 3)), np.ones(3), np.eye(3) * scale))"
    " + t.cdf(x, 3.0, loc, scale) + gamma.sf(x * x + 0.1, 2.5) + beta.cdf(0.5 + 0.2 * np.tanh(x), 2.0, 3.0)"
    " + chi2.logcdf(x * x + 0.3, 4.0) + poisson.cdf(np.array([0, 1, 2, 3, 4, 5]), a + x * x)")})


@pytest.mark.slow
def test_cpu_target():
    """One Numba compile of every family, against the python target and SciPy's values."""
    x = RNG.uniform(-2, 2, 6)
    args = (x, 0.3, 1.4, 3.5, 2.2, RNG.normal(size=6))
    argnums = (0, 1, 2, 3, 4)
    got = fg.value_and_grad(CPU.cpu_all, argnums=argnums, target="cpu")(*args)
    want = fg.value_and_grad(CPU.cpu_all, argnums=argnums, target="python")(*args)
    np.testing.assert_allclose(got[0], CPU.cpu_all(*args), rtol=1e-11)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
