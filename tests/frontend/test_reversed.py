"""``reversed(...)`` and ``enumerate(zip(...))`` in loops and comprehensions: each function of
reversed_funcs.py against itself and central differences; the listing of a backwards loop."""
import pytest

import flatgrad as fg

from . import reversed_funcs as R
from .numeric import check_cpu_matches_python, check_value_and_grad


@pytest.mark.parametrize("f", R.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", range(len(R.INPUTS)))
def test_python_target_against_differences(f, k):
    check_value_and_grad(f, (R.INPUTS[k],), 0, rtol=1e-6, atol=1e-8)


def test_the_loops_run_in_pythons_order():
    """Values that depend on the order of the trips (a Horner sum, a recurrence): the same
    as Python's to rounding, so the trips are neither reordered nor one short."""
    for f in (R.rnn_style_backwards, R.step_two, R.negative_step, R.horner_over_reversed_array):
        for x in R.INPUTS:
            assert fg.value_and_grad(f, target="python")(x)[0] == pytest.approx(f(x), rel=1e-14)


def test_a_backwards_loop_reads_plainly_and_is_proven_in_range():
    g = fg.grad(R.rnn_style_backwards, target="cpu")
    x = R.INPUTS[0]
    src = g.build_source(g.signature((x,))[0])
    assert "for t in range(s1, -1, -1):" in src      # s1 = x.shape[0] - 1
    assert "4 of 4 indexing ops proven in range" in src


def test_a_step_only_known_at_run_time_is_rejected_with_advice():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(R.variable_step, target="python")(R.INPUTS[0], 2)
    assert "reversed(range(...)) needs a constant step here" in str(e.value)
    assert "reversed_funcs.py:" in str(e.value)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(R.FUNCS, R.INPUTS)
