"""SciPy's inverses of erf, gamma and the Bessel functions (bessel_funcs.py): gradients
against central differences and autograd, Hessians against differences of gradients, both
targets, float32 kept; a gradient in a Bessel function's order is a CompileError. (Each
derivative rule is also proved against sympy.diff in tests/rules/test_sympy.py.)"""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import bessel_funcs as F

X = np.array([0.15, 0.4, 0.62, 0.9])


@pytest.mark.parametrize("f", F.FUNCS + [F.mixed], ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_hessian_against_differences_of_the_gradient(f):
    g = fg.grad(f, target="python")
    eps = 1e-6
    fd = np.array([(g(X + eps * e) - g(X - eps * e)) / (2 * eps) for e in np.eye(len(X))])
    np.testing.assert_allclose(fg.hessian(f, target="python")(X), fd, rtol=1e-5, atol=1e-6)


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    import autograd.scipy.special as asp
    data = np.array([0.1, -0.4, 2.0, 2.9])

    def nll(mu, kappa):
        return -anp.sum(kappa * anp.cos(data - mu) - anp.log(2 * np.pi * asp.i0(kappa)))

    got = fg.grad(F.von_mises_nll, argnums=(0, 1), target="python")(0.3, 1.7, data)
    want = ag.grad(nll, argnum=(0, 1))(0.3, 1.7)
    np.testing.assert_allclose(got, want, rtol=1e-10)

    def ag_mixed(x):
        return anp.sum(asp.j0(x) * asp.j1(x)) + anp.sum(asp.iv(0.5, x) * asp.ive(1.0, x)) \
            + anp.sum(asp.erfinv(2 * x - 1) ** 2) + anp.sum(asp.gamma(x + 0.5))

    np.testing.assert_allclose(fg.grad(F.mixed, target="python")(X), ag.grad(ag_mixed)(X),
                               rtol=1e-9)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, 0.5 * X])


@pytest.mark.slow
def test_float32_stays_float32_on_cpu():
    x = X.astype(np.float32)
    for f in (F.order_zero_one, F.any_order):
        g = fg.grad(f, target="cpu")(x)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, fg.grad(f, target="python")(X), rtol=1e-4)


def test_a_gradient_in_the_order_is_refused():
    check_refused(F.order_gradient, (1.5, 0.7), "with respect to its order", "bessel_funcs.py")
    # the point alone is fine
    got = fg.grad(F.order_gradient, argnums=1, target="python")(1.5, 0.7)
    np.testing.assert_allclose(got, (F.order_gradient(1.5, 0.7 + 1e-6) - F.order_gradient(1.5, 0.7 - 1e-6)) / 2e-6,
                               rtol=1e-6)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_vmap_batches_them(target):
    xs = np.stack([X, 0.5 * X, 0.9 * X])
    v = fg.vmap(fg.grad(F.any_order), target=target, method="batch")
    np.testing.assert_allclose(v(xs), [fg.grad(F.any_order, target="python")(x) for x in xs],
                               rtol=1e-10)
    assert dict(v.ir.meta)["vmap"].startswith("batch")
