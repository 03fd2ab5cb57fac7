"""Comprehensions and lists grown by append: unrolled into tuples when the trip count is a
constant; ``sum(... for ...)`` over any loop becomes an accumulating loop, and a one-``for``
comprehension over anything else a list grown in a loop. Checked against
central finite differences and autograd (tests/library/check11.py)."""
import numpy as np
import pytest

import flatgrad as fg

from . import forms_funcs as F
from .check11 import check

rng = np.random.default_rng(5)
X = rng.normal(size=(4, 3))
x3 = rng.normal(size=3)

CASES = [
    (F.sum_squares, (x3,), (0,)),
    (F.sum_dynamic, (rng.normal(size=5),), (0,)),
    (F.sum_rows, (X,), (0,)),
    (F.sum_enumerate, (X, rng.normal(size=4)), (0, 1)),
    (F.list_comp, (x3,), (0,)),
    (F.nested_comp, (x3,), (0,)),
    (F.comp_filter, (x3,), (0,)),
    (F.comp_shadow, (x3,), (0,)),
    (F.append_loop, (X,), (0,)),
    (F.append_straight, (x3,), (0,)),
    (F.append_nested, (x3,), (0,)),
    (F.comp_dynamic, (X,), (0,)),        # over an array's rows: a list grown in a loop
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f, args, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients(f, args, argnums, target):
    check(f, args, argnums, target=target)


def test_comprehension_over_a_tuple_argument():
    g = fg.grad(F.comp_tuple, argnums=(0, 1), target="python")((1.0, 2.0, 3.0), 0.5)
    assert g[0] == pytest.approx((0.25, 0.25, 0.25)) and g[1] == pytest.approx(6.0)


def test_the_comprehension_variable_does_not_leak():
    assert fg.value_and_grad(F.comp_shadow, target="python")(x3)[0] == pytest.approx(
        F.comp_shadow(x3))


def test_the_sum_loop_reads_like_a_loop():
    g = fg.grad(F.sum_dynamic, target="python")
    g(np.ones(4))
    assert "for i in range(" in g.source and "$" not in g.source


@pytest.mark.parametrize("f, match", [
    (F.sum_of_arrays_dynamic, "generator of arrays"),
    (F.comp_two_fors_dynamic, "several 'for's"),
])
def test_what_cannot_be_unrolled_is_a_clear_compile_error(f, match):
    with pytest.raises(fg.CompileError, match=match):
        fg.grad(f, target="python")(X)


def test_a_list_appended_to_in_a_loop_over_rows_is_stacked():
    # since issue 25 a list grows in a loop of any length (tests/frontend/test_lists.py)
    np.testing.assert_allclose(fg.grad(F.append_dynamic, target="python")(X),
                               np.full(X.shape, 2.0))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f", [F.grow, F.grow_while])
def test_an_array_growing_in_a_loop_is_a_clear_error(f, target):
    with pytest.raises(ValueError, match=r"forms_funcs.py:\d+: an array the loop carries changes shape"):
        fg.grad(f, target=target)(x3)
