"""Lists grown in loops of data-dependent length (issue 25, item 5): values and gradients
of the stacked results against plain NumPy and finite differences; tuple and list
concatenation; what stays rejected is a located CompileError."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import list_funcs as L
from .numeric import check_value_and_grad, num_grad

RNG = np.random.default_rng(5)
x7 = RNG.normal(size=7)
X4x3 = RNG.normal(size=(4, 3))

CASES = [
    (L.rnn_outputs, (RNG.normal(size=(5, 3)), RNG.normal(size=(4, 2))), 0),
    (L.rnn_outputs, (RNG.normal(size=(5, 3)), RNG.normal(size=(4, 2))), 1),
    (L.rnn_log_likelihood, (RNG.normal(size=4) * 0.5, RNG.normal(size=(5, 3)),
                            RNG.normal(size=(6, 3))), 0),
    (L.scalars, (RNG.uniform(0.5, 1.0, size=3), 4), 0),
    (L.stacked_axis, (X4x3,), 0),
    (L.joined_by_keywords, (X4x3,), 0),
    (L.matrices, (X4x3,), 0),
    (L.conditional_append, (x7,), 0),
    (L.read_while_growing, (x7,), 0),
    (L.step_two, (RNG.normal(size=8),), 0),
    (L.two_lists, (X4x3,), 0),
    (L.grown_twice, (x7,), 0),
    (L.list_plus_list, (x7,), 0),
    (L.loop_over_grown, (x7,), 0),
    (L.with_break, (np.array([0.1, 0.5, -0.3, 2.0, 0.2]),), 0),
    (L.nested_append, (X4x3,), 0),
    (L.while_append, (x7,), 0),
    (L.stacks_of_numbers, (x7,), 0),
    (L.maps, (x7,), 0),
]


@pytest.mark.parametrize("f, args, i", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_grown_list_value_and_gradient(f, args, i):
    check_value_and_grad(f, args, i, atol=1e-6)


def test_loop_that_never_runs_gives_an_empty_list():
    assert fg.grad(L.conditional_append, target="python")(-np.ones(3)) == pytest.approx(
        np.zeros(3))


def test_list_started_before_a_loop_that_never_runs():
    params, targets = RNG.normal(size=4), RNG.normal(size=(1, 3))
    inputs = np.zeros((0, 3))
    value, grad = fg.value_and_grad(L.rnn_log_likelihood, target="python")(params, inputs,
                                                                          targets)
    assert value == pytest.approx(L.rnn_log_likelihood(params, inputs, targets))
    np.testing.assert_allclose(grad, num_grad(L.rnn_log_likelihood, (params, inputs, targets),
                                              0), rtol=1e-6, atol=1e-8)


def test_list_read_while_growing_from_empty_is_rejected():
    with pytest.raises(CompileError, match=r"list_funcs\.py:\d+:\d+: the list 'out' is read "
                                           r"inside the loop that grows it from empty") as e:
        fg.grad(L.read_empty_while_growing, target="python")(x7)
    assert "^" in str(e.value)


def test_ragged_list_is_a_run_time_error():
    # NumPy cannot stack items of different shapes; neither does the grown list
    with pytest.raises(ValueError, match="different shapes"):
        fg.grad(L.step_two, target="python")(x7)


def test_whole_list_read_inside_its_loop_is_rejected():
    with pytest.raises(CompileError, match=r"list_funcs\.py:\d+:\d+: inside the loop that "
                                           r"grows a list, flatgrad reads only its last item"):
        fg.grad(L.whole_list_inside, target="python")(x7)


def test_second_order_and_jacobian_through_a_grown_list():
    x = RNG.uniform(-1.0, 1.0, size=5)
    g = fg.grad(L.scalars_sq, target="python")
    H = fg.hessian(L.scalars_sq, target="python")(x)
    eps = 1e-5
    fd = np.array([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(5)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)
    J = fg.jacobian(L.stacked_vector, target="python")(x)
    fdj = np.array([(L.stacked_vector(x + 1e-6 * e) - L.stacked_vector(x - 1e-6 * e)) / 2e-6
                    for e in np.eye(5)]).T
    np.testing.assert_allclose(J, fdj, rtol=1e-5, atol=1e-8)


def test_joining_a_grown_list_binds_its_call_like_any_other():
    """np.stack of a list grown in a loop goes through the one binder (issue 23): an
    argument flatgrad does not handle is named, with a caret under it."""
    def f(x):
        rows = []
        for i in range(x.shape[0]):
            rows.append(x * i)
        return np.sum(np.stack(rows, dtype=float))

    with pytest.raises(CompileError) as e:
        fg.grad(f, target="python")(x7)
    assert "np.stack: the argument 'dtype' is not supported" in str(e.value)
    assert "dtype=float" in str(e.value) and "^" in str(e.value)
