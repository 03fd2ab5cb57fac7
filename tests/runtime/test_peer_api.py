"""The peers' names for transforms flatgrad has: jax.jacfwd / jax.jacrev and autograd's
elementwise_grad (aux_funcs.py), against jacobian, closed forms and central differences,
both targets, nested, and called inside a compiled function."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import num_grad
from . import aux_funcs as F

X = np.linspace(-2.0, 2.0, 5)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_peer_names(target):
    t = np.tanh(X)
    np.testing.assert_allclose(fg.elementwise_grad(F.act, target=target)(X), (1 - t ** 2) * X + t,
                               rtol=1e-12)
    # the second derivative, elementwise: d/dx [(1 - t^2) x + t] = 2 (1 - t^2) (1 - t x)
    np.testing.assert_allclose(fg.elementwise_grad(fg.elementwise_grad(F.act), target=target)(X),
                               2 * (1 - t ** 2) * (1 - t * X), rtol=1e-10, atol=1e-12)
    want = fg.jacobian(F.vecf, target="python")(X)
    np.testing.assert_allclose(want, np.diag(np.sin(X) * 0 + np.cos(X) * X[0])
                               + np.outer(np.sin(X), np.eye(5)[0]), rtol=1e-12)
    for jac in (fg.jacfwd, fg.jacrev):
        np.testing.assert_allclose(jac(F.vecf, target=target)(X), want, rtol=1e-12)


def test_elementwise_grad_sums_every_result():
    g = fg.elementwise_grad(F.two_results, target="python")(X)
    np.testing.assert_allclose(g, np.cos(X) + 2 * X, rtol=1e-12)


def test_peer_names_inside_a_compiled_function():
    np.testing.assert_allclose(fg.grad(F.uses_peer_transforms, target="python")(X),
                               num_grad(F.uses_peer_transforms, (X,), 0), rtol=1e-5, atol=1e-7)
