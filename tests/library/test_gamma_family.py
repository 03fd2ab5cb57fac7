"""scipy.special.beta, gammasgn and multigammaln (library/bessel.py): values against SciPy,
gradients against differences, SciPy's ValueError for multigammaln, both targets."""
import numpy as np
import pytest
import scipy.special as sp

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad

X = np.array([0.7, 1.3, 2.2, 3.1])


def beta_and_sign(a):
    return np.sum(sp.beta(a, a[::-1] + 0.5) * sp.gammasgn(a - 1.5)) + np.sum(sp.gammasgn(-a) * a ** 2)


def multigammaln(a):
    return np.sum(sp.multigammaln(a + 2.0, 3)) + sp.multigammaln(a[0] + 1.0, 1)


FUNCS = [beta_and_sign, multigammaln]


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_against_scipy_and_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


def test_gammasgn_has_no_gradient_and_scipys_values():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 3.0])
    out, grad = fg.value_and_grad(lambda a: np.sum(sp.gammasgn(a) * np.arange(5.0)),
                                  target="python")(x)
    assert out == np.sum(sp.gammasgn(x) * np.arange(5.0))
    assert np.all(grad == 0)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_multigammaln_raises_scipys_error(target):
    with pytest.raises(ValueError, match=r"a > 0.5 \* \(d-1\)"):
        fg.grad(multigammaln, target=target)(X - 3.0)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(FUNCS, [X, X + 1.0])
