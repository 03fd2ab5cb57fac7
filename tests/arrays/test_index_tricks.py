"""np.r_ and np.c_ (trick_funcs.py): values and gradients against the functions and central
differences, both targets; directive strings refused."""
import numpy as np
import pytest

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import trick_funcs as F

W = np.array([0.3, -1.2, 0.7, 0.4])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (W,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [W, -W])


def test_directive_strings_are_refused():
    check_refused(F.directive, (W,), "not directive strings", "trick_funcs.py")
