"""Comprehensions over items known only at run time become a list grown in a loop; the
iterable (and a range's bounds) is lowered once, so random draws in it happen once, as in
Python (``sum(f(r) for r in rs.randn(3, 2))`` drew twice and gave a wrong value and
gradient). Against the functions themselves and central differences."""
import numpy as np
import pytest

import flatgrad as fg

from . import comprehension_loop_funcs as C
from .numeric import check_cpu_matches_python, check_value_and_grad, num_grad


@pytest.mark.parametrize("f", C.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", range(len(C.INPUTS)))
def test_python_target_against_differences(f, k):
    check_value_and_grad(f, (C.INPUTS[k],), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", C.DRAWING, ids=lambda f: f.__name__)
def test_random_draws_in_an_iterable_happen_once(f):
    x = C.INPUTS[0]

    def seeded(z):
        C.RS.seed(5)
        return f(z)
    C.RS.seed(5)
    value, grad = fg.value_and_grad(f, target="python")(x)
    after = C.RS.randn()
    expected = seeded(x)
    assert after == C.RS.randn()              # the generator advanced as Python advances it
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grad, num_grad(seeded, (x,), 0), rtol=1e-6, atol=1e-8)


def test_several_fors_over_rows_are_rejected_with_advice():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(C.two_fors_over_rows, target="python")(C.INPUTS[0])
    assert "a comprehension with several 'for's runs over range(<constants>) or tuples here" \
        in str(e.value)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(C.FUNCS, C.INPUTS)
