"""The scipy.stats families of compiler/library/stats_families.py: every method's values
against SciPy's on grids that cross the support's edges (inside, on them, outside), on the
python target and (slow) the cpu one; gradients against central differences of SciPy in the
point and every continuous parameter; gradients against autograd applied to independently
written textbook densities (a second oracle, autograd.scipy.stats has none of these
families); JVPs, Hessians and vmap; the derivatives that are CompileErrors, and the message
for a family or method flatgrad does not have."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import stats_families_funcs as F
from .check11 import build

HEADER = "import numpy as np\nimport scipy.stats as st\n\n\n"

# family: (shape parameters' values, the standard points of the value grid, interior points
# for the gradients, its methods)
_ALL = ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf")
_EDGES = [-3.0, -0.5, 0.0, 1e-3, 0.3, 0.5, 1.0, 1.7, 2.0, 5.0, 12.0]
CONTINUOUS = {
    "expon": ((), _EDGES, [0.2, 0.9, 2.5, 4.0], _ALL),
    "laplace": ((), _EDGES + [-40.0, 60.0], [-2.0, -0.4, 0.3, 1.5], _ALL),
    "cauchy": ((), _EDGES + [-1e5, 3e4], [-2.0, -0.4, 0.3, 1.5], _ALL),
    "logistic": ((), _EDGES + [-50.0, 40.0], [-2.0, -0.4, 0.3, 1.5], _ALL),
    "uniform": ((), _EDGES, [0.1, 0.3, 0.6, 0.9], _ALL),
    "halfnorm": ((), _EDGES + [30.0], [0.2, 0.9, 1.5, 2.5], _ALL),
    "lognorm": ((0.7,), _EDGES, [0.2, 0.9, 1.5, 2.5], _ALL),
    "invgamma": ((2.3,), _EDGES, [0.2, 0.9, 1.5, 2.5], _ALL),
    "weibull_min": ((1.6,), _EDGES, [0.2, 0.9, 1.5, 2.5], _ALL),
    "gumbel_r": ((), _EDGES + [-2.5, 30.0], [-1.0, 0.3, 0.9, 2.5], _ALL),
    "pareto": ((2.5,), _EDGES + [1.0 + 1e-4, 40.0], [1.2, 1.9, 2.5, 4.0], _ALL),
    "halfcauchy": ((), _EDGES + [1e4], [0.2, 0.9, 1.5, 2.5], _ALL),
    "gompertz": ((1.4,), _EDGES, [0.2, 0.5, 0.9, 1.3], _ALL),
    "vonmises": ((1.8,), _EDGES + [-7.0, 3.1], [-2.0, -0.4, 0.3, 1.5], ("logpdf", "pdf")),
    "skewnorm": ((-1.5,), _EDGES + [-9.0], [-2.0, -0.4, 0.3, 1.5], ("logpdf", "pdf")),
}
_KS = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 7.0, 8.0, 9.0, 30.0]
DISCRETE = {
    "binom": ((8.0, 0.35), _KS, ("logpmf", "pmf", "cdf", "sf", "logcdf", "logsf")),
    "bernoulli": ((0.3,), _KS, ("logpmf", "pmf", "cdf", "sf", "logcdf", "logsf")),
    "nbinom": ((3.5, 0.4), _KS, ("logpmf", "pmf", "cdf", "sf", "logcdf", "logsf")),
    "geom": ((0.3,), _KS, ("logpmf", "pmf", "cdf", "sf", "logcdf", "logsf")),
}
_SHAPES = {"lognorm": "s", "invgamma": "a", "weibull_min": "c", "pareto": "b",
           "gompertz": "c", "vonmises": "kappa", "skewnorm": "a"}
LOC, SCALE = 0.3, 1.7


def _cont_params(name):
    return ", ".join(["x", *([_SHAPES[name]] if CONTINUOUS[name][0] else []), "loc", "scale"])


def _disc_params(name):
    return ", ".join(["k", *{"binom": ("n", "p"), "nbinom": ("n", "p")}.get(name, ("p",)), "loc"])


EXPRS = {}
for _n, (_sh, _pts, _in, _ms) in CONTINUOUS.items():
    for _m in _ms:
        EXPRS[f"{_n}_{_m}"] = (_cont_params(_n), f"st.{_n}.{_m}({_cont_params(_n)})")
for _n, (_sh, _pts, _ms) in DISCRETE.items():
    for _m in _ms:
        EXPRS[f"{_n}_{_m}"] = (_disc_params(_n), f"st.{_n}.{_m}({_disc_params(_n)})")
MOD = build({**{"v_" + k: v for k, v in EXPRS.items()},
             **{k: (p + ", w", f"np.sum(w * {e})") for k, (p, e) in EXPRS.items()}},
            header=HEADER)


def _value_args(name):
    family = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[0] in {**CONTINUOUS, **DISCRETE} \
        else name.rsplit("_", 2)[0]
    if family in CONTINUOUS:
        shapes, pts = CONTINUOUS[family][:2]
        return family, [LOC + SCALE * np.array(pts), *shapes, LOC, SCALE]
    shapes, pts = DISCRETE[family][:2]
    return family, [np.array(pts) + 1.0, *shapes, 1.0]


@pytest.mark.parametrize("name", list(EXPRS))
def test_values_match_scipy(name):
    """Element by element, inside, on the edges of and outside the support."""
    f = getattr(MOD, "v_" + name)
    _, args = _value_args(name)
    tans = (np.zeros(np.shape(args[0])),) + (None,) * (len(args) - 1)
    with np.errstate(all="ignore"):
        want = f(*args)
    out = fg.jvp(f, tuple(args), tans, target="python")[0]
    if name in UNDERFLOWS:          # where SciPy's log of its tail underflows to -inf
        assert np.all(out[np.isneginf(want)] < -700.0)
        want = np.where(np.isneginf(want), out, want)
    np.testing.assert_allclose(out, want, rtol=2e-12, atol=1e-300, err_msg=name)


# SciPy's log(sf) that underflows where the formula here does not (-c expm1(y) = -2.3e5)
UNDERFLOWS = {"gompertz_logsf"}


# parameters outside SciPy's domain (its _argcheck, and scale > 0): NaN, as SciPy
_INVALID = {"lognorm": [-0.5, 0.0], "invgamma": [-1.0], "weibull_min": [0.0, -2.0],
            "pareto": [-1.0], "gompertz": [-0.3], "vonmises": [-1.0], "skewnorm": [np.inf],
            "binom": [(8.5, 0.3), (-1.0, 0.3), (8.0, 1.2)], "bernoulli": [(-0.1,), (1.5,)],
            "nbinom": [(0.0, 0.3), (2.0, 0.0), (2.0, 1.3)], "geom": [(0.0,), (1.2,)]}


# (not the discrete logcdf: SciPy's keeps 0 from the support's end on even then)
@pytest.mark.parametrize("name", [n for n in EXPRS if (n.rsplit("_", 1)[0] in _INVALID
                                                       or n.rsplit("_", 2)[0] in _INVALID)
                                  and n.rsplit("_", 1)[0] + "_logcdf" != n
                                  or n.rsplit("_", 1)[0] in CONTINUOUS])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_parameters_outside_the_domain_give_nan(name):
    f = getattr(MOD, "v_" + name)
    family, args = _value_args(name)
    cases = [tuple(args[1:-2]) and (v,) for v in _INVALID.get(family, [])]
    if family in DISCRETE:
        cases = _INVALID[family]
    trials = [list(args[:1]) + list(c) + list(args[1 + len(c):]) for c in cases]
    if family in CONTINUOUS:
        trials.append(args[:-1] + [-1.0])                       # scale < 0
    for a in trials:
        tans = (np.zeros(np.shape(a[0])),) + (None,) * (len(a) - 1)
        with np.errstate(all="ignore"):
            want = f(*a)
        out = fg.jvp(f, tuple(a), tans, target="python")[0]
        assert np.all(np.isnan(want)), (name, a)
        np.testing.assert_array_equal(np.isnan(out), True, err_msg=f"{name} {a[1:]}")


def _grad_args(name):
    family, args = _value_args(name)
    if family in CONTINUOUS:
        args[0] = LOC + SCALE * np.array(CONTINUOUS[family][2])
    else:
        k = [1.0, 2.0, 3.0, 5.0]
        if family == "bernoulli":        # (its sf is 0 at k = 1)
            k = [0.0, 0.0, 0.0, 0.0] if name.endswith("sf") else [0.0, 1.0, 1.0, 0.0]
        args[0] = np.array(k) + args[-1]
    return family, args


# derivatives that are refused: invgamma's CDFs in a (incomplete gamma); binom's n; nbinom's
# CDFs in n (incomplete beta)
def _argnums(name, family, args):
    # (the count and loc of a discrete family: a step function, -inf off the whole numbers)
    refused = {0, len(args) - 1} if family in DISCRETE else set()
    if family == "invgamma" and name[len(family) + 1:] in ("cdf", "sf", "logcdf", "logsf"):
        refused.add(1)
    if family == "binom" or (family == "nbinom" and "pmf" not in name):
        refused.add(1)
    return tuple(i for i in range(len(args)) if i not in refused)


@pytest.mark.parametrize("name", list(EXPRS))
def test_gradients_match_finite_differences(name):
    f = getattr(MOD, name)
    family, args = _grad_args(name)
    argnums = _argnums(name, family, args)
    w = np.linspace(0.5, 1.5, np.size(args[0]))
    grads = fg.grad(f, argnums=argnums, target="python")(*args, w)
    for i, g in zip(argnums, grads):
        num = numeric_grad(f, [*args, w], i, 1e-6)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8, err_msg=f"{name} arg {i}")


# at y = 0 weibull_min's log-density is -inf with an infinite slope (c > 1), and invgamma's
# CDF underflows to 0 at y = 1e-3 (SciPy's logcdf is -inf there too)
_EDGE_POINTS = {"weibull_min_logpdf": 2, "weibull_min_pdf": 2, "invgamma_logcdf": 3}
_BELOW = {"expon", "uniform", "halfnorm", "lognorm", "invgamma", "weibull_min", "pareto",
          "halfcauchy", "gompertz"}


@pytest.mark.parametrize("name", list(EXPRS))
def test_gradients_outside_the_support_are_zero_and_finite(name):
    """On the value grid (edges, outside): no NaN in any gradient, and below the support
    the point's gradient is 0 (the function is constant there)."""
    family, args = _value_args(name)
    nums = tuple(i for i in _argnums(name, family, args) if i < len(args) - 1
                 or family in CONTINUOUS)
    if family in DISCRETE:
        nums = (0,) + nums
    w = np.ones(np.size(args[0]))
    with np.errstate(all="ignore"):
        grads = fg.grad(getattr(MOD, name), argnums=nums, target="python")(*args, w)
    keep = np.ones(np.size(args[0]), bool)
    if name in _EDGE_POINTS:
        keep[_EDGE_POINTS[name]] = False
    gx = grads[0]
    assert np.all(np.isfinite(gx[keep])), (name, gx)
    if family in _BELOW or family in DISCRETE:
        below = slice(0, 2)
        np.testing.assert_array_equal(gx[below], 0.0)
    if name not in _EDGE_POINTS:
        assert all(np.all(np.isfinite(g)) for g in grads), (name, grads)


# ---------------------------------------------------------------- a second oracle: autograd

def _textbook():
    """Log-densities written from their textbook forms with autograd's numpy (standard point
    y, every parameter explicit), not from SciPy's expressions."""
    import autograd.numpy as anp
    import autograd.scipy.special as asp

    def y(x, loc, scale):
        return (x - loc) / scale
    return {
        "expon": lambda x, loc, scale: anp.log(anp.exp(-y(x, loc, scale)) / scale),
        "laplace": lambda x, loc, scale: anp.log(anp.exp(-anp.abs(y(x, loc, scale))) / (2 * scale)),
        "cauchy": lambda x, loc, scale: -anp.log(anp.pi * scale * (1 + y(x, loc, scale) ** 2)),
        "logistic": lambda x, loc, scale: anp.log(
            anp.exp(-y(x, loc, scale)) / (scale * (1 + anp.exp(-y(x, loc, scale))) ** 2)),
        "halfnorm": lambda x, loc, scale: anp.log(
            anp.sqrt(2 / anp.pi) * anp.exp(-y(x, loc, scale) ** 2 / 2) / scale),
        "lognorm": lambda x, s, loc, scale: anp.log(anp.exp(
            -anp.log(y(x, loc, scale)) ** 2 / (2 * s * s))
            / (s * y(x, loc, scale) * anp.sqrt(2 * anp.pi) * scale)),
        "invgamma": lambda x, a, loc, scale: anp.log(
            y(x, loc, scale) ** (-a - 1) * anp.exp(-1 / y(x, loc, scale))
            / (asp.gamma(a) * scale)),
        "weibull_min": lambda x, c, loc, scale: anp.log(
            c * y(x, loc, scale) ** (c - 1) * anp.exp(-y(x, loc, scale) ** c) / scale),
        "gumbel_r": lambda x, loc, scale: anp.log(
            anp.exp(-(y(x, loc, scale) + anp.exp(-y(x, loc, scale)))) / scale),
        "pareto": lambda x, b, loc, scale: anp.log(b / y(x, loc, scale) ** (b + 1) / scale),
        "halfcauchy": lambda x, loc, scale: anp.log(
            2 / (anp.pi * (1 + y(x, loc, scale) ** 2) * scale)),
        "gompertz": lambda x, c, loc, scale: anp.log(
            c * anp.exp(y(x, loc, scale)) * anp.exp(-c * (anp.exp(y(x, loc, scale)) - 1)) / scale),
        "vonmises": lambda x, k, loc, scale: anp.log(
            anp.exp(k * anp.cos(y(x, loc, scale))) / (2 * anp.pi * asp.i0(k) * scale)),
        "skewnorm": lambda x, a, loc, scale: anp.log(
            2 * anp.exp(-y(x, loc, scale) ** 2 / 2) / anp.sqrt(2 * anp.pi)
            * 0.5 * asp.erfc(-a * y(x, loc, scale) / anp.sqrt(2)) / scale),
        "uniform": lambda x, loc, scale: anp.log(1.0 / scale) + 0.0 * x,
        "binom": lambda k, n, p, loc: anp.log(
            asp.gamma(n + 1) / (asp.gamma(k - loc + 1) * asp.gamma(n - k + loc + 1))
            * p ** (k - loc) * (1 - p) ** (n - k + loc)),
        "bernoulli": lambda k, p, loc: anp.log(p ** (k - loc) * (1 - p) ** (1 - k + loc)),
        "nbinom": lambda k, n, p, loc: anp.log(
            asp.gamma(n + k - loc) / (asp.gamma(k - loc + 1) * asp.gamma(n))
            * p ** n * (1 - p) ** (k - loc)),
        "geom": lambda k, p, loc: anp.log((1 - p) ** (k - loc - 1) * p),
    }


@pytest.mark.parametrize("family", list(CONTINUOUS) + list(DISCRETE))
def test_log_density_gradients_match_autograd_of_textbook_forms(family):
    import autograd
    book = _textbook()[family]
    method = "logpdf" if family in CONTINUOUS else "logpmf"
    f = getattr(MOD, f"{family}_{method}")
    _, args = _grad_args(f"{family}_{method}")
    argnums = _argnums(f"{family}_{method}", family, args)
    w = np.linspace(0.5, 1.5, np.size(args[0]))
    grads = fg.grad(f, argnums=argnums, target="python")(*args, w)
    np.testing.assert_allclose(f(*args, w), np.sum(w * book(*args)), rtol=1e-10)
    for i, g in zip(argnums, grads):
        want = autograd.grad(lambda *a: autograd.numpy.sum(w * book(*a)), i)(*args)
        np.testing.assert_allclose(g, want, rtol=1e-8, atol=1e-10, err_msg=f"{family} arg {i}")


# ---------------------------------------------------------------- forward mode, Hessians, vmap

@pytest.mark.parametrize("name", ["lognorm_logpdf", "weibull_min_logcdf", "laplace_logsf",
                                  "nbinom_logpmf", "geom_cdf", "vonmises_pdf", "skewnorm_logpdf"])
def test_jvp_matches_directional_differences(name):
    f = getattr(MOD, name)
    family, args = _grad_args(name)
    argnums = _argnums(name, family, args)
    w = np.linspace(0.5, 1.5, np.size(args[0]))
    rng = np.random.default_rng(7)
    tans = [rng.normal(size=np.shape(a)) if i in argnums else np.zeros(np.shape(a))
            for i, a in enumerate(args)]
    tans = [t if np.ndim(a) else float(t) for a, t in zip(args, tans)]
    _, tout = fg.jvp(f, (*args, w), (*tans, np.zeros_like(w)), target="python")
    h = 1e-6
    num = (f(*[a + h * t for a, t in zip(args, tans)], w)
           - f(*[a - h * t for a, t in zip(args, tans)], w)) / (2 * h)
    np.testing.assert_allclose(tout, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["vonmises_logpdf", "skewnorm_logpdf", "gumbel_r_logcdf",
                                  "pareto_logpdf", "binom_logpmf", "logistic_logsf"])
def test_hessians_match_differences_of_gradients(name):
    f = getattr(MOD, name)
    family, args = _grad_args(name)
    nums = _argnums(name, family, args) if family in DISCRETE else (0,)
    i = nums[-1]
    w = np.linspace(0.5, 1.5, np.size(args[0]))
    h = fg.hessian(f, argnums=i, target="python")(*args, w)
    g = fg.grad(f, argnums=i, target="python")

    def at(d):
        a = list(args)
        a[i] = a[i] + d
        return g(*a, w)
    eps = 1e-5
    if np.ndim(args[i]) == 0:
        np.testing.assert_allclose(h, (at(eps) - at(-eps)) / (2 * eps), rtol=1e-5, atol=1e-7)
    else:
        for j in range(np.size(args[i])):
            e = np.zeros(np.size(args[i]))
            e[j] = eps
            np.testing.assert_allclose(h[:, j], (at(e) - at(-e)) / (2 * eps), rtol=1e-5,
                                       atol=1e-7)


def test_vmap_of_a_logpdf_sum():
    """vmap of a row's log-likelihood (expon, binom) and of its gradient, row by row."""
    import scipy.stats as sst
    xs = np.array([[0.5, 1.0, 2.0], [0.2, 3.0, -1.0], [4.0, 0.15, 0.7]])
    got = fg.vmap(F.expon_binom_row, in_axes=(0, None, None), target="python")(xs, 0.1, 1.3)
    want = np.sum(sst.expon.logpdf(xs, 0.1, 1.3) + sst.binom.logpmf(np.floor(xs), 6, 0.3), axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    g = fg.vmap(fg.grad(F.expon_binom_row, argnums=(0, 2)), in_axes=(0, None, None),
                target="python")(xs, 0.1, 1.3)
    inside = xs >= 0.1
    np.testing.assert_allclose(g[0], np.where(inside, -1.0 / 1.3, 0.0), rtol=1e-12)
    np.testing.assert_allclose(g[1], np.sum(np.where(inside, (xs - 0.1) / 1.3 ** 2 - 1.0 / 1.3,
                                                     0.0), axis=1), rtol=1e-12)




def test_frozen_forms():
    x = np.array([0.4, 1.2, 2.5])
    got = fg.value_and_grad(F.frozen_forms, argnums=(0, 1, 2), target="python")(x, 0.2, 1.5)
    want = F.frozen_forms(x, 0.2, 1.5)
    np.testing.assert_allclose(got[0], want, rtol=1e-12)
    for i, g in enumerate(got[1]):
        np.testing.assert_allclose(g, numeric_grad(F.frozen_forms, [x, 0.2, 1.5], i, 1e-6),
                                   rtol=1e-6, atol=1e-8)


def _simplex_directions():
    return [np.array([1.0, -1.0, 0.0]), np.array([0.2, 0.3, -0.5])]


def test_multinomial_values_and_gradient_along_the_simplex():
    import scipy.stats as sst
    p = np.array([0.2, 0.5, 0.3])
    for x in (np.array([2.0, 3.0, 1.0]), np.array([2.0, 3.5, 0.5]), np.array([-1.0, 5.0, 2.0]),
              np.array([2.0, 3.0, 2.0])):
        got = fg.jvp(F.multinomial_logpmf, (x, p), (np.zeros(3), np.zeros(3)), target="python")[0]
        np.testing.assert_allclose(got, F.multinomial_logpmf(x, p), rtol=1e-12)
    x = np.array([2.0, 3.0, 1.0])
    g = fg.grad(F.multinomial_logpmf, argnums=1, target="python")(x, p)
    np.testing.assert_allclose(g, x / p, rtol=1e-12)          # on the simplex: x / p
    for v in _simplex_directions():
        h = 1e-6
        num = (sst.multinomial.logpmf(x, 6, p + h * v)
               - sst.multinomial.logpmf(x, 6, p - h * v)) / (2 * h)
        np.testing.assert_allclose(g @ v, num, rtol=1e-6)
    # off the simplex, SciPy's last entry is 1 minus the others (its gradient is 0)
    q = np.array([0.2, 0.5, 0.6])
    g = fg.grad(F.multinomial_logpmf, argnums=1, target="python")(x, q)
    np.testing.assert_allclose(g, [x[0] / 0.2 - x[2] / 0.3, x[1] / 0.5 - x[2] / 0.3, 0.0])
    rows = np.array([[2.0, 3.0, 1.0], [0.0, 6.0, 0.0], [1.0, 1.0, 1.0]])
    out = fg.jvp(F.multinomial_rows, (rows, p), (np.zeros((3, 3)), np.zeros(3)),
                 target="python")[0]
    np.testing.assert_allclose(out, F.multinomial_rows(rows, p), rtol=1e-12)


def test_count_has_zero_gradient():
    g = fg.grad(MOD.binom_logpmf, argnums=0, target="python")(
        np.array([1.0, 2.0, 4.0]), 8.0, 0.4, 0.0, np.ones(3))
    np.testing.assert_array_equal(g, 0.0)


@pytest.mark.parametrize("fn,args,argnums,message", [
    (F.binom_in_n, (8.0, 0.3), 0, "cannot differentiate scipy.stats.binom.logpmf with respect "
                                "to its number of trials n"),
    (F.nbinom_cdf_n, (3.0, 0.3), 0, "cannot differentiate scipy.special.betainc"),
    (F.invgamma_cdf_a, (np.ones(3), 2.0), 1, "cannot differentiate scipy.special.gammaincc"),
    (F.rayleigh, (np.ones(3),), 0, "flatgrad does not support scipy.stats.rayleigh.logpdf"),
    (F.truncnorm_frozen, (np.ones(3),), 0, "flatgrad does not support scipy.stats.truncnorm"),
    (F.gamma_ppf, (np.ones(3) * 0.3,), 0, "does not support scipy.stats.gamma.ppf: it needs"),
    (F.norm_moment_frozen, (np.ones(3) * 0.3,), 0, "Supported here: norm.logpdf"),
])
def test_rejections(fn, args, argnums, message):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(fn, argnums=argnums, target="python")(*args)
    assert message in str(e.value)
    assert "stats_families_funcs.py" in str(e.value)


def test_supported_families_are_listed():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(F.rayleigh, target="python")(np.ones(3))
    for name in ("expon", "gompertz", "multinomial", "binom", "norm"):
        assert name in str(e.value)


# ---------------------------------------------------------------- the cpu target

@pytest.mark.slow
def test_cpu_target():
    """One Numba compile per group of families: values equal SciPy's, gradients the python
    target's."""
    for fn, args, nums in [
        (F.cpu_continuous,
         (np.array([0.4, 1.2, 2.5, -1.0]), 0.1, 1.3, 1.7, np.linspace(0.5, 1.5, 4)), (0, 1, 2, 3)),
        (F.cpu_discrete,
         (np.array([-1.0, 0.0, 1.0, 2.5, 3.0, 9.0]), 0.35, 2.5), (1, 2)),
    ]:
        got = fg.value_and_grad(fn, argnums=nums, target="cpu")(*args)
        want = fg.value_and_grad(fn, argnums=nums, target="python")(*args)
        np.testing.assert_allclose(got[0], fn(*args), rtol=1e-11)
        for a, b in zip(got[1], want[1]):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)

