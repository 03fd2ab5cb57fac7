"""1-D boolean masks on one axis (axis_mask_funcs.py): values and gradients against the
functions and central differences, and autograd, both targets; other mask ranks refused."""
import numpy as np
import pytest

from ..frontend.numeric import (check_against_autograd, check_cpu_matches_python, check_refused,
                                check_value_and_grad)
from . import axis_mask_funcs as F

W = np.array([0.3, -1.2, 0.7])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (W,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [F.class_rows, F.kept_columns, F.kmeans_cost], ids=lambda f: f.__name__)
def test_against_autograd(f):
    check_against_autograd(f, (W,))


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [W, -W])


def test_a_mask_of_another_rank_is_refused():
    check_refused(F.two_d_mask_on_three_d, (W,), "a boolean mask indexes either the whole array",
                  "axis_mask_funcs.py")
