"""np.diagonal / np.trace with offsets and axes on arrays of any dimensions, np.einsum's
repeated subscripts ('ii', '...ii->...', 'iji->j') and sublist form (library/diagonals.py):
values against NumPy, gradients against finite differences, both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import diagonal_funcs as F

RNG = np.random.default_rng(7)
M = RNG.normal(size=(3, 3))
B = RNG.normal(size=(3, 3, 3))


@pytest.mark.parametrize("f", F.ON_MATRIX, ids=lambda f: f.__name__)
def test_on_a_matrix_against_differences(f):
    check_value_and_grad(f, (M,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", F.ON_STACK, ids=lambda f: f.__name__)
def test_on_a_stack_against_differences(f):
    check_value_and_grad(f, (B,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape, offset, axes", [
    ((2, 3, 4), 0, (0, 1)), ((2, 3, 4), 2, (2, 0)), ((2, 3, 4), -1, (1, 2)),
    ((4, 2, 3, 2), 1, (3, 1)), ((3, 5), -4, (0, 1)), ((3, 5), 9, (1, 0))])
def test_values_are_numpys(shape, offset, axes):
    x = RNG.normal(size=shape)
    d = fg.value_and_grad(lambda a: np.sum(np.diagonal(a, offset, *axes) * 2.0),
                          target="python")(x)[0]
    assert d == pytest.approx(2.0 * np.sum(np.diagonal(x, offset, *axes)), rel=1e-12, abs=1e-12)
    t = fg.value_and_grad(lambda a: np.sum(np.trace(a, offset, *axes) ** 2), target="python")(x)[0]
    assert t == pytest.approx(np.sum(np.trace(x, offset, *axes) ** 2), rel=1e-12, abs=1e-12)


def test_the_same_axis_twice_is_refused():
    with pytest.raises(fg.CompileError, match="axis1 and axis2 cannot be the same"):
        fg.grad(lambda a: np.sum(np.diagonal(a, 0, 1, 1)), target="python")(B)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.ON_MATRIX, [M, -M])
    check_cpu_matches_python(F.ON_STACK, [B])
