"""scipy.integrate.solve_ivp inside a compiled function: SciPy's RK45 and RK23 replayed step
for step. Values against SciPy's own solve_ivp (to rounding), gradients against central
differences of SciPy's solve_ivp itself and against the closed form of a linear system;
forward mode, second derivatives, vmap; SciPy's argument forms and errors; the refusals."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import solve_ivp_funcs as F

Y0 = np.array([1.0, 0.7])
CASES = [(F.at_times, (1.1, 0.4, Y0)), (F.at_steps, (1.1, 0.4, Y0)),
         (F.backwards_rk23, (1.1, 0.4, Y0)), (F.options, (1.1, 0.4, Y0)),
         (F.list_state, (0.3, 1.7)), (F.pendulum_loss, (9.8, 1.0, 0.1)),
         (F.time_span_and_eval, (0.2, 2.5, np.array([0.5, 1.0, 2.0])))]


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_scipy_values_and_the_derivatives_of_scipys_solve(f, args):
    nums = tuple(range(len(args)))
    value, grads = fg.value_and_grad(f, nums, target="python")(*args)
    assert value == pytest.approx(f(*args), rel=1e-13, abs=1e-14)
    for k, g in enumerate(grads):
        # the step sizes move with the arguments, smoothly: differences of SciPy's own
        # solve see the same function flatgrad differentiates
        np.testing.assert_allclose(g, numeric_grad(f, list(args), k, 1e-6), rtol=1e-6,
                                   atol=1e-8)


def test_linear_system_against_its_closed_form():
    """y = y0 exp(-k t): at tight tolerances the solve's derivatives are the solution's."""
    t = np.array([0.5, 1.0, 2.0])
    g_k, g_y0 = fg.grad(F.decay, (0, 1), target="python")(0.7, Y0)
    assert g_k == pytest.approx(-np.sum(np.outer(Y0, t * np.exp(-0.7 * t))), rel=1e-8)
    np.testing.assert_allclose(g_y0, np.sum(np.exp(-0.7 * t)), rtol=1e-9)
    assert fg.hessian(F.decay, 0, target="python")(0.7, Y0) == pytest.approx(
        np.sum(np.outer(Y0, t ** 2 * np.exp(-0.7 * t))), rel=1e-6)


def test_forward_mode_and_hessian_of_the_replayed_solve():
    f, args = F.at_times, (1.1, 0.4, Y0)
    grads = fg.grad(f, (0, 1, 2), target="python")(*args)
    tangents = (0.3, -0.2, np.array([0.5, 1.0]))
    _, tan = fg.jvp(f, args, tangents, target="python")
    assert tan == pytest.approx(sum(np.sum(g * d) for g, d in zip(grads, tangents)), rel=1e-10)
    h = fg.hessian(f, 0, target="python")(*args)
    assert h == pytest.approx(numeric_grad(lambda a: fg.grad(f, target="python")(a, 0.4, Y0),
                                           [1.1], 0, 1e-5), rel=1e-6)


def test_vmap_of_the_gradient():
    ks = np.array([0.5, 0.7, 1.5])
    g = fg.vmap(fg.grad(F.decay), in_axes=(0, None), target="python")(ks, Y0)
    np.testing.assert_allclose(g, [fg.grad(F.decay, target="python")(k, Y0) for k in ks],
                               rtol=1e-13)


def test_t_eval_errors_are_scipys():
    for te, message in (([0.1, 3.0], "not within `t_span`"), ([2.0, 0.5], "properly sorted")):
        with pytest.raises(ValueError, match=message):
            F.time_span_and_eval(0.2, 2.5, np.array(te))
        with pytest.raises(ValueError, match=message):
            fg.grad(F.time_span_and_eval, target="python")(0.2, 2.5, np.array(te))


@pytest.mark.parametrize("f, message", [
    (F.radau, "method='Radau' is not supported"),
    (F.events, "events is not supported"),
    (F.dense, "dense_output=True"),
    (F.unknown_option, "the option min_step= is not supported"),
    (F.matrix_state, "y0 must be 1-dimensional"),
])
def test_refusals_are_located(f, message):
    with pytest.raises(fg.CompileError, match=message) as e:
        fg.grad(f, target="python")(0.3, Y0)
    assert "solve_ivp_funcs.py" in str(e.value) and "^" in str(e.value)


@pytest.mark.slow
def test_cpu_target():
    for f, args in CASES[:1]:
        v, grads = fg.value_and_grad(f, (0, 1, 2), target="cpu")(*args)
        v_py, grads_py = fg.value_and_grad(f, (0, 1, 2), target="python")(*args)
        assert v == pytest.approx(v_py, rel=1e-13)
        for g, g_py in zip(grads, grads_py):
            np.testing.assert_allclose(g, g_py, rtol=1e-10, atol=1e-12)
