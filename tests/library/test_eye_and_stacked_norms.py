"""np.eye(N, M, k, dtype) and np.identity; np.linalg.norm with ord 2, -2 or 'nuc' over two
axes of an N-D array (NumPy's: the singular values of each matrix of the stack): values
against NumPy, gradients against central differences and autograd, both targets."""
import numpy as np
import pytest

from ..frontend.numeric import check_against_autograd, check_cpu_matches_python, check_value_and_grad
from . import eye_funcs as F

X = np.array([0.71, 0.23, 1.37, 0.93])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, X[::-1] * 1.3 - 0.2], ids=["x", "other"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


def test_stacked_nuclear_norm_against_autograd():
    # (autograd differentiates no matrix 2-norm: the other two rest on finite differences)
    check_against_autograd(F.nuc_of_a_stack, (X,), rtol=1e-9)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X])
