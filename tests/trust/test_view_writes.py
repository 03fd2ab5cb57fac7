"""A write through a view of an array nothing else holds changes nothing anyone can see but
the view: flatgrad accepts it (writing into a copy), with NumPy's value and the difference
gradient; a view whose array a name, a list or an object still holds is still refused
(NumPy would change that array too)."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import view_writes as V

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]
X = np.array([0.31, -0.72, 0.45])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("f", [V.item_into_a_reshaped_temporary, V.sum_into_a_reshaped_constant,
                               V.write_into_a_helpers_view, V.rows_written_in_a_loop],
                         ids=lambda f: f.__name__)
def test_a_write_through_a_view_of_a_temporary(f, optimize, target):
    x = X.copy()
    value, grad = fg.value_and_grad(f, target=target, optimize=optimize)(x)
    np.testing.assert_array_equal(x, X)
    assert value == pytest.approx(f(X.copy()), rel=1e-12)
    np.testing.assert_allclose(grad, numeric_grad(f, [X.copy()], 0), rtol=1e-6, atol=1e-8)
    # twice: a constant array is never changed by the first call
    assert fg.value_and_grad(f, target=target, optimize=optimize)(x)[0] == pytest.approx(value)


@pytest.mark.parametrize("f", [V.base_named, V.base_in_a_list, V.row_of_a_named_array],
                         ids=lambda f: f.__name__)
def test_a_view_of_an_array_still_held_is_refused(f):
    with pytest.raises(fg.CompileError, match="is a view into another array"):
        fg.grad(f, target="python")(X.copy())
