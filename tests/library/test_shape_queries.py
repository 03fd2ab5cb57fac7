"""``np.shape``/``np.ndim``/``np.size`` as ``x.shape``/``x.ndim``/``x.size``, and docstrings in
nested defs and helpers (issue 25's small ones)."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import flatgrad as fg

from . import shape_query_funcs as F

P = np.array([0.3, -0.4, -0.2, 0.1])
X = np.array([[0.5, 1.0], [-1.0, 0.2], [0.0, 2.0]])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_shape_queries_and_docstrings(target):
    value, grad = fg.value_and_grad(F.gaussian_energy, target=target)(P, X)
    assert value == pytest.approx(F.gaussian_energy_plain(P, X), rel=1e-14)
    np.testing.assert_allclose(grad, autograd.grad(_autograd_energy)(P, X), rtol=1e-12)


def _autograd_energy(params, x):
    d = params.shape[0] // 2
    mean, log_std = params[:d], params[d:]
    ratio = (x - mean) / anp.exp(log_std)
    return anp.sum(0.5 * ratio * ratio) + anp.sum(log_std) * (x.shape[0] + 2 + d + 1) + 1


def test_shape_of_a_tuple_and_size_along_an_axis():
    x = np.arange(3.0)
    np.testing.assert_allclose(fg.jacobian(F.shape_of_a_tuple, target="python")(x), 3 * np.eye(3))
    assert fg.grad(lambda x: np.sum(F.shape_of_a_tuple(x)), target="python")(x)[0] == 3.0
