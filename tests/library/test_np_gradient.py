"""np.gradient (np_gradient_funcs.py): values and gradients against NumPy and central
differences, both targets, and autograd where it runs; coordinate arrays refused."""
import numpy as np
import pytest

from ..frontend.numeric import (check_against_autograd, check_cpu_matches_python, check_refused,
                                check_value_and_grad)
from . import np_gradient_funcs as F

X = np.array([0.3, -1.2, 0.7, 0.4, 1.5])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


def test_against_autograd():
    check_against_autograd(F.f_g1, (X,))   # (autograd takes no spacing, fails on 2-D np.gradient)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, -X])


def test_coordinate_arrays_are_refused():
    check_refused(F.coordinates, (X,), "coordinate arrays", "np_gradient_funcs.py")
