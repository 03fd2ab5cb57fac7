"""np.linalg.pinv (pinv_funcs.py): values against NumPy, gradients against differences and
autograd, Hessians (the JVP rule, forward over reverse) against differences of gradients,
both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_against_autograd, check_cpu_matches_python, check_value_and_grad
from . import pinv_funcs as F

W = np.array([0.3, -1.2, 0.7])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (W,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_against_autograd(f):
    check_against_autograd(f, (W,), rtol=1e-8)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_hessian_against_differences_of_the_gradient(f):
    g = fg.grad(f, target="python")
    fd = np.array([(g(W + 1e-6 * e) - g(W - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(fg.hessian(f, target="python")(W), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [W, -W])
