"""scipy.integrate.odeint inside a compiled function: flatgrad's DOPRI5 solve with SciPy's
conventions. Values against SciPy's own odeint (LSODA: agreement to the tolerances, not
to the bit), gradients against autograd's odeint (LSODA with its own adjoint) and against
central differences; SciPy's argument forms; the refused LSODA-only arguments."""
import numpy as np
import pytest
import scipy.integrate

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import scipy_odeint_funcs as F


@pytest.fixture(scope="module")
def net():
    rng = np.random.RandomState(8)
    params = (rng.randn(2, 5) * 0.3, rng.randn(5) * 0.1, rng.randn(5, 2) * 0.3,
              rng.randn(2) * 0.1)
    t = np.linspace(0.0, 1.0, 5)
    return params + (np.array([1.0, 0.0]), t, np.stack([np.cos(t), np.sin(t)], axis=1))


def numeric(f, args, i, eps=1e-6):
    return numeric_grad(f, list(args), i, eps)


def test_value_agrees_with_scipy_and_gradients_with_autograd(net):
    anp = pytest.importorskip("autograd.numpy")
    from autograd import grad as agrad
    from autograd.builtins import tuple as atuple
    from autograd.scipy.integrate import odeint as aodeint

    value, grads = fg.value_and_grad(F.loss_args_tuple, (0, 1, 2, 3, 4, 5),
                                     target="python")(*net)
    # SciPy's LSODA and flatgrad's DOPRI5 both meet rtol = atol = 1.49e-8
    assert value == pytest.approx(F.loss_args_tuple(*net), rel=1e-6)

    def a_dyn(state, time, W1, b1, W2, b2):
        return anp.dot(anp.tanh(anp.dot(state, W1) + b1), W2) + b2

    def a_loss(W1, b1, W2, b2, y0, t, target):
        pred = aodeint(a_dyn, y0, t, atuple((W1, b1, W2, b2)))
        return anp.mean((pred - target) ** 2)

    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, agrad(a_loss, k)(*net), rtol=1e-5, atol=1e-8)


def test_gradients_match_finite_differences(net):
    f = F.loss_positional_args
    grads = fg.grad(f, (0, 1, 2, 3, 4, 5), target="python")(*net)
    # differences of an adaptive solve: a step of 1e-4 keeps the solver's 1e-10 small
    # against it (a step of 1e-6 differences its rounding-level jitter)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, numeric(f, net, k, eps=1e-4), rtol=1e-6, atol=1e-8)
    assert fg.value_and_grad(f, target="python")(*net)[0] == pytest.approx(f(*net), rel=1e-8)


def test_a_number_and_a_list_as_the_initial_state():
    t = np.linspace(0.0, 2.0, 4)
    for f in (F.scalar_state, F.list_state):
        value, grads = fg.value_and_grad(f, (0, 1), target="python")(0.7, t)
        assert value == pytest.approx(f(0.7, t), rel=1e-9)
        assert grads[0] == pytest.approx(numeric(f, (0.7, t), 0), rel=1e-6)
        # (the inner times move only where LSODA steps: differences of 1e-8 there)
        np.testing.assert_allclose(grads[1], numeric(f, (0.7, t), 1), rtol=1e-6, atol=1e-7)
    # the exact solution 2 exp(-k t)
    assert fg.grad(F.scalar_state, target="python")(0.7, t) == pytest.approx(
        -2.0 * 2.0 * np.exp(-0.7 * 2.0), rel=1e-8)


def test_forward_mode_matches_reverse(net):
    f = F.loss_positional_args
    rng = np.random.default_rng(0)
    tangents = tuple(rng.normal(size=np.shape(a)) for a in net[:4])
    grads = fg.grad(f, (0, 1, 2, 3), target="python")(*net)
    _, tan = fg.jvp(f, net, tangents + (None, None, None), target="python")
    assert tan == pytest.approx(sum(np.sum(g * d) for g, d in zip(grads, tangents)), rel=1e-7)


def test_full_output_false_is_the_solve():
    t = np.linspace(0.0, 1.0, 3)
    assert fg.grad(F.full_output_false, target="python")(0.4, t) == pytest.approx(
        numeric(F.full_output_false, (0.4, t), 0), rel=1e-6)


@pytest.mark.parametrize("f, key", [(F.full_output, "full_output"), (F.critical_times, "tcrit")])
def test_lsoda_only_arguments_are_refused(f, key):
    with pytest.raises(fg.CompileError, match=f"odeint: {key}= is not supported") as e:
        fg.grad(f, target="python")(0.4, np.linspace(0.0, 1.0, 3))
    assert "scipy_odeint_funcs.py" in str(e.value) and "^" in str(e.value)


@pytest.mark.slow
def test_cpu_target(net):
    v, grads = fg.value_and_grad(F.loss_args_tuple, (0, 1, 2, 3), target="cpu")(*net)
    v_py, grads_py = fg.value_and_grad(F.loss_args_tuple, (0, 1, 2, 3), target="python")(*net)
    assert v == pytest.approx(v_py, rel=1e-7)
    for g, g_py in zip(grads, grads_py):
        np.testing.assert_allclose(g, g_py, rtol=1e-6, atol=1e-9)
    assert v == pytest.approx(scipy.integrate.odeint(F.dynamics, net[4], net[5], args=net[:4])
                              .__sub__(net[6]).__pow__(2).mean(), rel=1e-6)


def test_the_state_unpacks_as_y0():
    """``x, y = state`` in the dynamics: the state has y0's length (an argument's, a list's)."""
    y0 = np.array([1.0, 0.5])
    for f, args in ((F.unpacking_state, (1.1, 0.4, y0)), (F.unpacking_literal_state, (1.1, 0.4))):
        value, grads = fg.value_and_grad(f, (0, 1), target="python")(*args)
        assert value == pytest.approx(f(*args), rel=1e-7)
        for k, g in enumerate(grads):
            assert g == pytest.approx(numeric(f, args, k, eps=1e-4), rel=1e-6)
