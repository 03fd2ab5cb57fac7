"""Slice objects (issue 25, item 3): values and gradients against plain NumPy and finite
differences; what stays rejected is a located CompileError."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import slice_funcs as S
from .numeric import check_value_and_grad, num_grad

RNG = np.random.default_rng(3)
X6x3 = RNG.normal(size=(6, 3))
X4x5 = RNG.normal(size=(4, 5))
x6 = RNG.normal(size=6)
W3x2 = RNG.normal(size=(3, 2))

CASES = [
    (S.batch_loss, (W3x2, X6x3, 2), 0),
    (S.batch_loss, (W3x2, X6x3, 3), 1),
    (S.rows_and_columns, (X4x5,), 0),
    (S.stop_only, (x6,), 0),
    (S.reversed_step, (x6,), 0),
    (S.passed_to_helper, (x6, 2), 0),
    (S.held_in_tuple, (X4x5,), 0),
    (S.write_through_slice, (x6,), 0),
    (S.write_rows, (X4x5[:, :3],), 0),
    (S.slice_parts, (x6,), 0),
    (S.index_expression, (X4x5,), 0),
    (S.sliced_tuple, (x6,), 0),
]


@pytest.mark.parametrize("f, args, i", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_slice_objects_value_and_gradient(f, args, i):
    check_value_and_grad(f, args, i, atol=1e-7)


def test_float_slice_bound_is_rejected_with_location():
    with pytest.raises(CompileError, match=r"slice_funcs\.py:\d+:\d+: slice bounds must be "
                                           r"integers or None") as e:
        fg.grad(S.float_bound, target="python")(x6)
    assert "^" in str(e.value)


def test_tuple_sliced_by_a_run_time_bound_is_rejected():
    with pytest.raises(CompileError, match="sliced with bounds known while compiling"):
        fg.grad(S.slice_of_tuple_not_constant, target="python")(x6, 1)


def test_slice_argument():
    g = fg.grad(S.slice_argument, target="python")
    for idx in (slice(0, 2), slice(2, 4), slice(4, None), slice(None, None, 2), slice(5, 1, -1)):
        args = (W3x2, X6x3, idx)
        np.testing.assert_allclose(g(*args), num_grad(S.slice_argument, args, 0), rtol=1e-5,
                                   atol=1e-7)
    with pytest.raises(TypeError, match="slices of integers"):
        g(W3x2, X6x3, slice(0.5, 2))
