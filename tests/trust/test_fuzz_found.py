"""Regression tests for what the differential fuzzer found (F1-F4 of its first report)."""
import numpy as np
import pytest

import flatgrad as fg

from . import fuzz_found as F
from .test_broadcast_items import _check

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_no_write_through_a_folded_view(optimize):
    x = np.array([[0.911, 0.499, -0.709], [1.124, 0.872, 0.633]])
    before = x.copy()
    _check(F.row_write_after_noop, (x,), "python", optimize)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("x,expected", [([0.0, 1.0, 2.0], [2.0, 0.0, 0.0]), ([0.0, 0.0, 2.0], [0, 0, 0]),
                                        ([3.0, 1.0, 2.0], [2.0, 6.0, 3.0])])
def test_prod_with_zeros(x, expected, target):
    x = np.array(x)
    np.testing.assert_allclose(fg.grad(F.prod, target=target)(x), expected)
    t = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fg.jvp(F.prod, (x,), (t,), target=target)[1], np.dot(expected, t))


def test_prod_axis_with_zeros():
    x = np.array([[0.0, 1.5, 2.0], [0.5, 0.0, 0.0], [1.0, 2.0, 3.0]])
    expected = 2 * np.prod(x, axis=1)[:, None] * np.array(
        [[3.0, 0, 0], [0, 0, 0], [6.0, 3.0, 2.0]])
    np.testing.assert_allclose(fg.grad(F.prod_axis, target="python")(x), expected)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("z", [0.5, -0.5])
def test_forward_mode_through_a_branch_returning_a_constant(z, target):
    x = np.array([0.1, 0.2, 0.3])
    out, tangent = fg.jvp(F.const_array_branch, (x, z), (np.ones(3), 1.0), target=target)
    np.testing.assert_allclose(tangent, np.zeros(3) if z > 0 else 2 * np.ones(3))
    J = fg.jacobian(F.const_array_branch, argnums=0, mode="fwd", target=target)(x, z)
    np.testing.assert_allclose(J, np.zeros((3, 3)) if z > 0 else 2 * np.eye(3))


@pytest.mark.parametrize("x", [0.5, 6.0])
def test_hessian_through_a_branch(x):
    assert fg.hessian(F.var_in_branch, target="python")(x) == pytest.approx(0.0)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_nested_loops_rebinding_a_carried_array(optimize):
    _check(F.nested_rebind, (-0.9,), "python", optimize)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("y", [0.5, 4.0])
def test_helper_returning_a_fresh_array_or_its_parameter(y, optimize):
    _check(F.early_fresh_return, (np.array([1.0, 2.0, 3.0]), y), "python", optimize)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("c", [1.0, -1.0])
def test_branches_yielding_arrays_of_different_shapes(c, optimize):
    _check(F.branch_shapes, (np.ones((1, 3)), np.ones((2, 3)), c), "python", optimize)


def test_std_and_norm_of_a_constant_have_zero_gradient():
    x = np.array([0.3, -0.2])
    gx, gy = fg.grad(F.std_of_constant, argnums=(0, 1), target="python")(x, 0.7)
    np.testing.assert_allclose(gx, [1.0, 1.0])
    assert gy == 0.0
    out, tangent = fg.jvp(F.std_of_constant, (x, 0.7), (np.ones(2), 1.0), target="python")
    assert tangent == pytest.approx(2.0)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_while_loop_whose_carried_array_gets_no_adjoint(optimize):
    x = np.array([[-0.54], [-0.92], [0.83]])
    z = np.array([[0.69, 0.61, 0.42]])
    _check(F.nested_while_rebinding, (x, 0.85, z), "python", optimize)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("f", [F.gather_columns, F.gather_sliced_columns, F.gather_rows])
def test_gathers_with_slices_scatter_back_along_their_axis(f, target):
    x = np.arange(12.0).reshape(3, 4) * 0.1
    idx = np.array([0, 2, 2, -1])
    got = fg.grad(f, target=target)(x, idx)
    eps = 1e-6
    want = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[k] = eps
        want[k] = (f(x + d, idx) - f(x - d, idx)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("f,args", [(F.write_after_division, (np.arange(6.0).reshape(2, 3) * 0.1 + 0.2,)),
                                    (F.write_after_exp, (0.3,))])
def test_a_write_into_a_result_its_adjoint_reads(f, args, optimize):
    _check(f, args, "python", optimize)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_jacobian_seed_loop_does_not_share_a_written_array(mode, optimize):
    x = np.array([[-0.71, -0.51, -0.36], [0.79, -1.09, -0.58]])
    J = fg.jacobian(F.minimum_then_write, mode=mode, target="python", optimize=optimize)(x)
    eps = 1e-6
    for k in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[k] = eps
        col = (F.minimum_then_write(x + d) - F.minimum_then_write(x - d)) / (2 * eps)
        np.testing.assert_allclose(J[(...,) + k], col, rtol=1e-6, atol=1e-9)


def test_a_loop_that_never_runs_is_still_checked():
    with pytest.raises(fg.CompileError, match="never mutates an argument"):
        fg.grad(F.mutates_in_a_loop_that_never_runs, target="python")(np.ones(3))


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_adding_zero_makes_a_new_array(optimize):
    y = np.array([[1.19, 1.17, 0.27], [-0.65, -0.88, -0.81], [1.1, -0.55, -1.08]])
    _check(F.copy_by_adding_zero, (1.03, y), "python", optimize)


@pytest.mark.parametrize("target", TARGETS)
def test_an_adjoint_that_is_a_read_only_broadcast_is_not_written_in_place(target):
    x = np.arange(9.0).reshape(3, 3) * 0.1
    fg.check_grad(F.sum_to_returns_its_input, x, target=target)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_hessian_of_a_branch_inside_the_seed_loop(optimize):
    # codegen once printed an if's result inside a loop under the name of a value from outside
    # the loop, so every trip of the Jacobian's seed loop added to it again
    y = np.array([-0.88, -1.14, -0.73])
    H = fg.hessian(F.std_in_branch, target="python", optimize=optimize)(y)
    g = fg.grad(F.std_in_branch, target="python")
    eps = 1e-6
    fd = np.array([(g(y + eps * e) - g(y - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-8)


def test_nested_loops_sharing_an_init():
    assert fg.hessian(F.nested_loops_sharing_an_init, target="python")(1.3) == pytest.approx(46.8)
    _check(F.nested_loops_sharing_an_init, (1.3,), "python", True)


@pytest.mark.parametrize("z", [-0.64, 0.9])
def test_grad_of_grad_through_a_scalar_condition_select(z):
    # codegen once wrote `acc = acc + g if c else 0.0` (the conditional took the whole sum)
    v = np.array([-0.83, 0.82, 0.75])
    g = fg.grad(F.select_of_arrays, 0, target="python")
    got = fg.grad(fg.grad(F.select_of_arrays, 0), (0, 1), target="python")(-1.14, v, z)[1]
    eps = 1e-6
    want = [(g(-1.14, v + eps * e, z) - g(-1.14, v - eps * e, z)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_reverse_over_reverse_of_a_loop_writing_its_carried_array():
    # the first backward pass replayed the item write into the tape row itself, so the second
    # (reverse over reverse) read a modified tape
    y = np.array([[-0.91], [-0.63], [-0.88]])
    gg = fg.grad(fg.grad(F.loop_writes_then_divides, 0), 0, target="python")(-0.58, y)
    H = fg.hessian(F.loop_writes_then_divides, 0, target="python")(-0.58, y)
    assert gg == pytest.approx(H, rel=1e-8)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_zero_tangent_of_a_value_returned_from_a_loop(target):
    x, y = np.ones((2, 3)), np.ones((3, 1))
    out, tan = fg.jvp(F.returns_a_constant_from_a_loop, (x, y), (x, y), target=target)
    assert np.shape(tan) == (2, 3) and not np.any(tan)
    J = fg.jacobian(F.returns_a_constant_from_a_loop, mode="fwd", target=target)(x, y)
    assert J.shape == (2, 3, 2, 3) and not np.any(J)


def test_a_constant_continue_still_advances_the_loop():
    v, g = fg.value_and_grad(F.constant_continue_in_a_breaking_loop, target="python")(1.5)
    assert v == pytest.approx(12.0) and g == pytest.approx(8.0)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_a_copy_of_a_slice_is_not_folded_into_the_view(optimize, target):
    x = np.array([[0.733, -0.592, -0.680], [0.514, 0.329, -0.267]])
    y = np.array([[0.295, 0.596, 0.749], [0.857, -0.318, -0.792], [-0.412, -0.615, 0.729]])
    _check(F.copy_of_a_slice_then_writes, (x, y), target, optimize)
    _check(F.scaled_slice_then_write, (np.array([0.3, -0.7, 1.1]),), target, optimize)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_a_number_written_into_a_slice(optimize):
    x = np.array([1.13, 0.67, 0.84])
    _check(F.item_into_a_slice, (x, -x), "python", optimize)
    g = fg.grad(F.item_into_a_slice, target="python", optimize=optimize)(x, -x)
    np.testing.assert_allclose(g, [np.tanh(0.5) * (1 - np.tanh(x[0]) ** 2), 0.0, 0.0])


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("x", [0.7, -1.3])
def test_grad_of_grad_reads_no_adjoint_written_in_place(x, optimize):
    f = F.divided_by_its_own_item
    g = fg.grad(f, target="python", optimize=optimize)
    gg = fg.grad(g, target="python", optimize=optimize)(x)
    eps = 1e-5
    fd = (g(x + eps) - g(x - eps)) / (2 * eps)
    np.testing.assert_allclose(gg, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gg, fg.hessian(f, target="python")(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("x", [0.59, 0.3, 1.2])
def test_a_choice_in_a_while_condition_keeps_the_carried_value(x, optimize, target):
    f = F.choice_in_a_while_condition
    v, g = fg.value_and_grad(f, target=target, optimize=optimize)(x)
    assert v == pytest.approx(f(x), rel=1e-12)
    eps = 1e-6
    assert g == pytest.approx((f(x + eps) - f(x - eps)) / (2 * eps), rel=1e-6)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_a_loop_yielding_a_broadcast_tangent_is_not_summed_into(optimize, target):
    f = F.min_of_a_choice_in_a_loop
    y = np.array([-1.1283600365301139, 0.9628117541254375, 0.8700404394142207])
    H = fg.hessian(f, (1,), target=target, optimize=optimize)(0.59, y)[0][0]
    g = fg.grad(f, 1, target="python")
    eps = 1e-6
    fd = np.array([(g(0.59, y + eps * e) - g(0.59, y - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("f, args", [
    (F.strided_nested_write, (np.array([-0.41, -0.92, 0.50]), 0.58)),
    (F.reshaped_view_then_write, (np.array([[1.14], [-0.797], [0.72]]),)),
    (F.while_tapes_a_mean_then_writes, (np.array([[0.73], [-0.56], [0.55]]),)),
], ids=["strided-nested-loops", "reshape-like", "while-tape-then-write"])
def test_the_final_program_check_passes_where_no_write_clobbers_a_read(f, args, optimize,
                                                                      monkeypatch):
    """Campaign 337: the verifier's check of the final program (copies.hazards and the
    straight-line rule) refused two sound programs; with it on, the gradients and the
    Hessian-free paths must compile and match central differences."""
    from flatgrad.compiler import pipeline
    from flatgrad.runtime.gradcheck import numeric_grad
    monkeypatch.setattr(pipeline, "CHECK_FINAL", True)
    got = fg.grad(f, target="python", optimize=optimize)(*args)
    np.testing.assert_allclose(got, numeric_grad(f, args, 0), rtol=1e-6, atol=1e-8)
    h = fg.hessian(f, target="python", optimize=optimize)(*args)
    assert np.all(np.isfinite(h))


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("x", [-0.52, 0.9, 1.3])
def test_reverse_over_reverse_keeps_a_tape_row_a_nested_loop_writes(x, optimize, monkeypatch):
    """Campaign 338: an inner loop's in-place write reached the outer loop's tape row during
    the first backward pass; the replay now writes into a copy, and the final-program check
    (on here) accepts the program."""
    _second_derivative_as_differences(F.nested_loop_adds_into_carried, x, optimize, monkeypatch)


def _second_derivative_as_differences(f, x, optimize, monkeypatch, eps=1e-5):
    """grad(grad(f)) at x, compiled with the final-program check on, against central
    differences of grad(f)."""
    from flatgrad.compiler import pipeline
    monkeypatch.setattr(pipeline, "CHECK_FINAL", True)
    g = fg.grad(f, target="python", optimize=optimize)
    gg = fg.grad(g, target="python", optimize=optimize)(x)
    np.testing.assert_allclose(gg, (g(x + eps) - g(x - eps)) / (2 * eps), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("y1", [0.7, 0.3, -2.0], ids=["first-trip", "second-trip", "never"])
def test_reverse_over_reverse_of_an_early_return_in_a_loop(y1, optimize):
    f = F.vjp_of_an_early_return
    y = np.array([0.4, y1, -0.9])
    got = fg.grad(f, target="python", optimize=optimize)(y)
    eps = 1e-6
    fd = np.array([(f(y + eps * e) - f(y - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("x", [0.567, -0.8])
def test_reverse_over_reverse_replays_a_branch_without_writing_twice(x, optimize, monkeypatch):
    _second_derivative_as_differences(F.where_of_a_branch_then_column_write, x, optimize,
                                      monkeypatch, eps=1e-6)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_hessian_through_a_gradient_step_in_a_while_loop(optimize):
    f = F.gradient_step_in_a_while_loop
    x = np.array([[0.642, 1.160, -1.004]])
    H = fg.hessian(f, target="python", optimize=optimize)(x).reshape(3, 3)
    g = fg.grad(f, target="python")
    eps = 1e-6
    fd = np.array([((g(x + eps * e.reshape(1, 3)) - g(x - eps * e.reshape(1, 3))) / (2 * eps)).ravel()
                   for e in np.eye(3)])
    np.testing.assert_allclose(H, fd.T, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_gradient_comes_back_writeable(target):
    """The caller owns what a gradient returns: an adjoint broadcast back over summed rows is
    copied, not returned as the read-only view (plain Python, and inside a vjp's forward)."""
    g = fg.grad(F._dot_of_column_sums, argnums=1, target=target)(np.ones((1, 3)), np.ones((2, 3)))
    assert g.flags.writeable
    g /= 2.0
    np.testing.assert_allclose(g, np.tile([-0.37, 0.375, 0.18], (2, 1)))
    x, y = np.array([[0.85, 0.37, 0.84]]), np.array([[1.09, 0.61, -0.46]])
    value, pull = fg.vjp(F.writes_into_a_gradient, x, y)
    assert value == F.writes_into_a_gradient(x, y)
    eps = 1e-6
    gx = pull(1.0)[0]
    fd = np.array([(F.writes_into_a_gradient(x + eps * e.reshape(1, 3), y)
                    - F.writes_into_a_gradient(x - eps * e.reshape(1, 3), y)) / (2 * eps)
                   for e in np.eye(3)])
    np.testing.assert_allclose(gx.ravel(), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("x", [0.787, 0.3])
def test_reverse_over_reverse_of_a_helper_returning_from_its_loop(x, optimize, monkeypatch):
    _second_derivative_as_differences(F.helper_returning_from_a_loop_in_a_loop, x, optimize,
                                      monkeypatch, eps=1e-6)
