"""scipy.integrate's rules on samples (compiler/library/quadrature.py): trapezoid,
cumulative_trapezoid, simpson (SciPy >= 1.11's even-N rule) and cumulative_simpson. Values
against SciPy's for every number of samples from 1 to 8 (the rules branch on N) and every
argument form (dx, a 1-D x, an x of y's shape, axis, initial); the gradient in y against the
rule's own weights, read off SciPy applied to unit vectors (an independent oracle: each rule
is linear in y); gradients in x, dx and initial against central differences, JVPs, Hessians
in x, vmap; the cpu target in a slow test."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python
from .check11 import build, check

HEADER = "import numpy as np\nimport scipy.integrate as si\n\n\n"
RNG = np.random.default_rng(2202)

# name: (parameters, the call)
FORMS = {
    "simpson": ("y", "si.simpson(y)"),
    "simpson_dx": ("y, dx", "si.simpson(y, dx=dx)"),
    "simpson_x": ("y, x", "si.simpson(y, x)"),
    "simpson_x_kw_axis0": ("y, x", "si.simpson(y, x=x, axis=0)"),
    "trapezoid_x": ("y, x", "si.trapezoid(y, x)"),
    "trapezoid_dx": ("y, dx", "si.trapezoid(y, dx=dx, axis=-1)"),
    "ctrap": ("y", "si.cumulative_trapezoid(y)"),
    "ctrap_x0": ("y, x", "si.cumulative_trapezoid(y, x, initial=0)"),
    "ctrap_axis0": ("y, x", "si.cumulative_trapezoid(y, x=x, axis=0, initial=0.0)"),
    "csimp": ("y", "si.cumulative_simpson(y)"),
    "csimp_dx": ("y, dx", "si.cumulative_simpson(y, dx=dx, initial=1.5)"),
    "csimp_x": ("y, x", "si.cumulative_simpson(y, x=x)"),
    "csimp_x_axis0": ("y, x", "si.cumulative_simpson(y, x=x, axis=0, initial=0.5)"),
    "csimp_init": ("y, init", "si.cumulative_simpson(y, dx=0.2, initial=init)"),
}
RAW = build(FORMS, header=HEADER)
SUM = build({k: (f"w, {p}", f"np.sum(w * {c})") for k, (p, c) in FORMS.items()}, header=HEADER)


def _inputs(name, n):
    """Arguments of form ``name`` with n samples along the integration axis."""
    x = np.cumsum(RNG.uniform(0.1, 1.0, n))
    if "axis0" in name:
        return RNG.normal(size=(n, 3)), x
    if name.endswith("_x") or name.endswith("_x0"):
        return RNG.normal(size=(2, n)), x
    if name.endswith("_dx"):
        return RNG.normal(size=n), 0.3
    if name.endswith("_init"):
        return RNG.normal(size=(2, n)), np.array([[0.4], [-1.1]])
    return (RNG.normal(size=n),)


def _value(f, args):
    return fg.jvp(f, args, tuple(np.zeros_like(np.asarray(a, float)) if np.ndim(a) else 0.0
                                 for a in args), target="python")[0]


@pytest.mark.parametrize("name", FORMS)
def test_values_equal_scipy_for_every_number_of_samples(name):
    for n in range(1 if name.startswith(("ctrap", "csimp", "simpson")) else 2, 9):
        args = _inputs(name, n)
        f = getattr(RAW, name)
        np.testing.assert_allclose(_value(f, args), f(*args), rtol=1e-13, atol=1e-14,
                                   err_msg=f"{name} n={n}")


def _weights(name, args):
    """d sum(w * rule(y)) / dy from SciPy's rule applied to unit vectors (it is linear in y)."""
    f = getattr(RAW, name)
    y = args[0]
    cols = []
    for e in np.eye(y.size):
        cols.append(np.ravel(f(e.reshape(y.shape), *args[1:])))
    base = np.ravel(f(np.zeros_like(y), *args[1:]))     # (initial adds a constant)
    return np.array(cols) - base


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_gradient_in_y_is_the_rule_s_weights(name, n):
    args = _inputs(name, n)
    out = getattr(RAW, name)(*args)
    w = RNG.normal(size=np.shape(out))
    g = fg.grad(getattr(SUM, name), argnums=1, target="python")(w, *args)
    np.testing.assert_allclose(np.ravel(g), _weights(name, args) @ np.ravel(w), rtol=1e-12,
                               atol=1e-13)


@pytest.mark.parametrize("name", [k for k in FORMS if k != "simpson" and k != "ctrap"
                                  and k != "csimp"])
@pytest.mark.parametrize("n", [3, 4, 7])
def test_gradients_in_x_dx_and_initial_against_differences(name, n):
    args = _inputs(name, n)
    w = RNG.normal(size=np.shape(getattr(RAW, name)(*args)))
    check(getattr(SUM, name), (w, *args), (1, 2), ag=False, rtol=1e-6)


@pytest.mark.parametrize("name", ["simpson_x", "csimp_x", "trapezoid_x"])
def test_hessian_in_x(name):
    y, x = _inputs(name, 6)
    w = RNG.normal(size=np.shape(getattr(RAW, name)(y, x)))
    f = getattr(SUM, name)
    h = fg.hessian(f, argnums=2, target="python")(w, y, x)
    g = fg.grad(f, argnums=2, target="python")
    eps = 1e-6
    fd = np.array([(g(w, y, x + eps * e) - g(w, y, x - eps * e)) / (2 * eps) for e in np.eye(x.size)])
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)


def test_x_must_increase_for_cumulative_simpson():
    y, x = _inputs("csimp_x", 5)
    with pytest.raises(ValueError, match="strictly increasing"):
        fg.grad(SUM.csimp_x, argnums=1, target="python")(np.ones((2, 4)), y, x[::-1])


def test_cumulative_trapezoid_initial_must_be_zero():
    bad = build({"f": ("y", "np.sum(si.cumulative_trapezoid(y, initial=1.0))")}, header=HEADER).f
    with pytest.raises(fg.CompileError, match="initial must be None or 0"):
        fg.grad(bad, target="python")(np.ones(4))


def test_vmap_of_the_gradient_in_x():
    y, x = _inputs("simpson_x", 6)
    w = np.ones(2)
    xs = np.stack([x, 1.5 * x, x + 0.3])
    v = fg.vmap(fg.grad(SUM.simpson_x, argnums=2), in_axes=(None, None, 0), target="python")
    np.testing.assert_allclose(v(w, y, xs), [fg.grad(SUM.simpson_x, argnums=2, target="python")(w, y, r)
                                             for r in xs], rtol=1e-12)


@pytest.mark.slow
def test_cpu_target_matches_python():
    for name in ("simpson_x", "simpson_dx", "ctrap_x0", "csimp_x", "csimp_dx"):
        for n in (2, 5, 6):
            args = _inputs(name, n)
            w = RNG.normal(size=np.shape(getattr(RAW, name)(*args)))
            check_cpu_matches_python([getattr(SUM, name)], [(w, *args)], spread=True)
