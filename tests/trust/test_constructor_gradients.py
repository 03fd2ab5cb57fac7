"""np.full's fill value and np.arange's float start and step carry their gradients (they
were constants to the reverse pass: wrong gradients); values stay NumPy's bit for bit."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import constructor_funcs as F

X = np.array([0.71, 0.23, 1.37, 0.93])
FUNCS = [F.full_of_a_number, F.full_of_an_array, F.arange_from, F.arange_step]


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, X * 0.9 + 0.05], ids=["x", "other"])
def test_gradients_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_arange_values_are_numpys_bit_for_bit(target):
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.uniform(-3.0, 3.0, 4)
        out, _ = fg.vjp(F.arange_values, x, target=target)
        np.testing.assert_array_equal(out, F.arange_values(x))


@pytest.mark.slow
def test_cpu_target_against_python():
    # (the gradient of a number reshaped to an array did not compile under Numba)
    check_cpu_matches_python(FUNCS + [F.reshape_a_number], [X])


def test_a_number_reshaped_to_an_array():
    check_value_and_grad(F.reshape_a_number, (X,), 0, rtol=1e-6, atol=1e-8)
