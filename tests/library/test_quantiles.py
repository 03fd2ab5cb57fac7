"""scipy.stats quantile functions, ``ppf`` and ``isf`` (compiler/library/stats.py, _inverse,
and the closed forms in stats_families.py): values against SciPy's on grids that include
q = 0 and 1, q outside [0, 1], NaN and an invalid scale; the gradient in q against the
inverse function theorem (1 / pdf(ppf(q)), SciPy's pdf: an independent oracle), in loc and
scale against their closed forms (1 and (ppf - loc) / scale), in the shape parameters
against central differences; JVPs and Hessians; plain, keyword, frozen and broadcast calls;
the cpu target in a slow test."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import flatgrad as fg

from .check11 import build, check

# family: its shape parameter's value (or None)
FAMILIES = {"norm": None, "expon": None, "laplace": None, "cauchy": None, "logistic": None,
            "uniform": None, "halfnorm": None, "lognorm": 0.7, "weibull_min": 1.6,
            "gumbel_r": None, "pareto": 2.5, "halfcauchy": None, "gompertz": 0.8}
HEADER = "import numpy as np\nimport scipy.stats as st\n\n\n"
LOC, SCALE = 0.3, 1.7
Q = np.array([0.02, 0.2, 0.5, 0.77, 0.95])


def _params(name):
    return "q, c, loc, scale" if FAMILIES[name] is not None else "q, loc, scale"


def _call(name, method):
    shape = "c, " if FAMILIES[name] is not None else ""
    return f"st.{name}.{method}(q, {shape}loc, scale)"


MOD = build({f"{n}_{m}": (_params(n), _call(n, m)) for n in FAMILIES for m in ("ppf", "isf")},
            header=HEADER)
SUM = build({f"{n}_{m}": ("w, " + _params(n), f"np.sum(w * {_call(n, m)})")
             for n in FAMILIES for m in ("ppf", "isf")}, header=HEADER)


def _args(name, q, loc=LOC, scale=SCALE):
    c = FAMILIES[name]
    return (q, loc, scale) if c is None else (q, c, loc, scale)


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_values_equal_scipy(name, method):
    f = getattr(MOD, f"{name}_{method}")
    q = np.array([0.0, 1e-12, 0.1, 0.3, 0.5, 0.7, 0.9, 1 - 1e-12, 1.0, -0.1, 1.5, np.nan])
    for loc, scale in ((LOC, SCALE), (0.0, 1.0), (0.3, -1.0), (np.nan, 1.0)):
        args = _args(name, q, loc, scale)
        out = fg.jvp(f, args, tuple(np.zeros_like(a) for a in args), target="python")[0]
        with np.errstate(all="ignore"):
            want = f(*args)
        np.testing.assert_allclose(out, want, rtol=1e-14, atol=0, equal_nan=True,
                                   err_msg=f"{name}.{method} loc={loc} scale={scale}")


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_gradients_against_the_inverse_function_theorem(name, method):
    f = getattr(SUM, f"{name}_{method}")
    w = np.array([0.3, -1.2, 0.7, 2.0, 0.5])
    args = (w,) + _args(name, Q)
    nums = (1, 2, 3) if FAMILIES[name] is None else (1, 2, 3, 4)
    grads = check(f, args, nums, ag=False)
    dist = getattr(st, name)
    shape = () if FAMILIES[name] is None else (FAMILIES[name],)
    value = getattr(dist, method)(Q, *shape, LOC, SCALE)
    sign = 1.0 if method == "ppf" else -1.0
    np.testing.assert_allclose(grads[0], sign * w / dist.pdf(value, *shape, LOC, SCALE), rtol=1e-9)
    np.testing.assert_allclose(grads[-2], np.sum(w), rtol=1e-12)
    np.testing.assert_allclose(grads[-1], np.sum(w * (value - LOC) / SCALE), rtol=1e-10)


@pytest.mark.parametrize("name", ["norm", "cauchy", "laplace", "gompertz"])
def test_hessian_in_q(name):
    f = getattr(SUM, f"{name}_ppf")
    w = np.array([0.3, -1.2, 0.7, 2.0, 0.5])
    q = np.array([0.02, 0.2, 0.45, 0.77, 0.95])      # (laplace's ppf'' jumps at 1/2)
    rest = _args(name, q)[1:]
    h = fg.hessian(f, argnums=1, target="python")(w, q, *rest)
    grad = fg.grad(f, argnums=1, target="python")
    eps = 1e-6
    fd = np.array([(grad(w, q + eps * e, *rest) - grad(w, q - eps * e, *rest)) / (2 * eps)
                   for e in np.eye(q.size)])
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)


FORMS = build({
    "keywords": ("q, mu, s", "np.sum(st.norm.ppf(q=q, loc=mu, scale=s) + st.expon.isf(q, scale=s)"
                 " + st.lognorm.ppf(q, s=s) + st.weibull_min.isf(q, mu + 1.0))"),
    "frozen": ("q, mu, s", "np.sum(st.norm(mu, s).ppf(q) + st.gumbel_r(loc=mu).isf(q) "
               "+ st.pareto(s + 1.0, scale=s).ppf(q) + st.cauchy(mu, s).isf(q))"),
    "broadcast": ("q, mu, s", "np.sum(st.logistic.ppf(q, np.reshape(mu * np.ones(3), (3, 1)), s))"),
    "number": ("q, mu, s", "st.norm.ppf(0.25, mu, s) * q[0] + st.laplace.isf(q[1], mu, s)"),
}, header=HEADER)


@pytest.mark.parametrize("f", [FORMS.keywords, FORMS.frozen, FORMS.broadcast, FORMS.number],
                         ids=lambda f: f.__name__)
def test_forms_users_write(f):
    check(f, (Q, 0.4, 1.3), (0, 1, 2), ag=False)


def test_jax_oracle_for_the_normal():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.scipy.stats import norm as jnorm
    want = jax.grad(lambda q, mu, s: (jnorm.ppf(q, mu, s)).sum(), argnums=(0, 1, 2))(Q, 0.4, 1.3)
    mine = fg.grad(build({"n": ("q, mu, s", "np.sum(st.norm(mu, s).ppf(q))")}, header=HEADER).n,
                   argnums=(0, 1, 2), target="python")(Q, 0.4, 1.3)
    for a, b in zip(mine, want):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10)


@pytest.mark.slow
def test_cpu_target_matches_python():
    w = np.array([0.3, -1.2, 0.7, 2.0, 0.5])
    for name in FAMILIES:
        for method in ("ppf", "isf"):
            f = getattr(SUM, f"{name}_{method}")
            args = (w,) + _args(name, np.array([0.0, 0.2, 0.5, 1.0, 0.95]))
            nums = tuple(range(1, len(args)))
            cpu = fg.value_and_grad(f, argnums=nums, target="cpu")(*args)
            py = fg.value_and_grad(f, argnums=nums, target="python")(*args)
            np.testing.assert_allclose(cpu[0], py[0], rtol=1e-13)
            for a, b in zip(cpu[1], py[1]):
                np.testing.assert_allclose(a, b, rtol=1e-12)
