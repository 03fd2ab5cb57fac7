"""np.convolve and 1-D scipy.signal.convolve (convolve_funcs.py): values against NumPy,
gradients against differences (autograd has no VJP for it), Hessians against differences of gradients, both
targets; np.convolve of N-D arrays and unknown modes refused (N-D: test_convolve_nd.py)."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import convolve_funcs as F

X = np.array([0.3, -1.2, 0.7, 0.4, 1.5])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_hessian_against_differences_of_the_gradient(f):
    g = fg.grad(f, target="python")
    fd = np.array([(g(X + 1e-6 * e) - g(X - 1e-6 * e)) / 2e-6 for e in np.eye(len(X))])
    np.testing.assert_allclose(fg.hessian(f, target="python")(X), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, -X])


@pytest.mark.parametrize("f, what", [(F.two_d, "np.convolve takes 1-D arrays"),
                                     (F.bad_mode, "mode must be")], ids=["2-D", "mode"])
def test_refused(f, what):
    check_refused(f, (X,), what, "convolve_funcs.py")
