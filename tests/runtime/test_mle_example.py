"""examples/mle_fit.py: SciPy's Newton-CG with flatgrad's value_and_grad and the
Hessian-vector product jvp(grad(nll)), data in a closure; checked against the Poisson
likelihood's own derivatives (X^T (mu - y) and X^T diag(mu) X v)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import flatgrad as fg

spec = importlib.util.spec_from_file_location(
    "example_mle_fit", Path(__file__).resolve().parents[2] / "examples" / "mle_fit.py")
mle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mle)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_newton_cg_reaches_the_score_equation(target):
    X, counts, truth = mle.simulate(n=500, seed=3)
    res = mle.fit(X, counts, target=target)
    # (res.success may be False from Newton-CG's line search near the optimum: the score decides)
    score = X.T @ (np.exp(X @ res.x) - counts)          # the analytic gradient at the fit
    assert np.max(np.abs(score)) < 1e-6 * len(counts)
    assert np.allclose(res.x, truth, atol=0.2)


def test_gradient_and_hessian_vector_product_are_the_analytic_ones():
    X, counts, _ = mle.simulate(n=50, seed=4)
    nll = mle.make_nll(X, counts)
    beta, v = np.array([0.1, 0.2, -0.1]), np.array([1.0, -2.0, 0.5])
    mu = np.exp(X @ beta)
    np.testing.assert_allclose(fg.grad(nll, target="python")(beta), X.T @ (mu - counts))
    hv = fg.jvp(fg.grad(nll, target="python"), (beta,), (v,), target="python")[1]
    np.testing.assert_allclose(hv, X.T @ (mu * (X @ v)))
