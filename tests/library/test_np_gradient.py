"""np.gradient (np_gradient_funcs.py): values and gradients against NumPy and central
differences, both targets, and autograd where it runs; coordinate arrays refused."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import np_gradient_funcs as F

X = np.array([0.3, -1.2, 0.7, 0.4, 1.5])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    for f in (F.f_g1,):    # (autograd takes no spacing and fails on its own 2-D np.gradient)
        clone = type(f)(f.__code__, {**f.__globals__, "np": anp}, f.__name__)
        np.testing.assert_allclose(fg.grad(f, target="python")(X), ag.grad(clone)(X), rtol=1e-10)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, -X])


def test_coordinate_arrays_are_refused():
    check_refused(F.coordinates, (X,), "coordinate arrays", "np_gradient_funcs.py")
