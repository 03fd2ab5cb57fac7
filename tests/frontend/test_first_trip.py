"""A number a loop's first trip makes an array: the loop's first trip is peeled off, so the
rest of the loop carries an array (Python's semantics when the loop provably runs). Each
function of first_trip_funcs.py against itself and central differences; where the loop may
not run, a clear error."""
import numpy as np
import pytest

import flatgrad as fg

from . import first_trip_funcs as F
from .numeric import check_cpu_matches_python, check_value_and_grad


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", range(len(F.INPUTS)))
def test_python_target_against_differences(f, k):
    check_value_and_grad(f, (F.INPUTS[k],), 0, rtol=1e-6, atol=1e-8)


def test_the_first_trip_is_peeled_and_the_rest_loops():
    g = fg.grad(F.int_start, target="python")
    g(F.INPUTS[0])
    assert "for k in range(1, 3):" in g.source      # the loop over the trips after the first


def test_hessian_and_jvp_of_a_convolution_sum():
    x = F.INPUTS[1]
    H = fg.hessian(F.conv_sum, target="python")(x)
    g = fg.grad(F.conv_sum, target="python")
    H_fd = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(x.size)])
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-7)
    v = np.sin(np.arange(x.size))
    _, t = fg.jvp(F.conv_sum, (x,), (v,), target="python")
    assert t == pytest.approx(g(x) @ v, rel=1e-10)


@pytest.mark.parametrize("f, args", [(F.runs_maybe_never, (F.INPUTS[0], 3)),
                                     (F.while_loop, (F.INPUTS[0],))],
                         ids=["range of a run-time count", "while"])
def test_a_loop_that_may_not_run_says_to_start_with_an_array(f, args):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(*args)
    msg = str(e.value)
    assert "'out' is a number before this loop and an array after a trip of it" in msg
    assert "out = np.zeros(shape)" in msg
    assert "first_trip_funcs.py:" in msg


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, F.INPUTS)
