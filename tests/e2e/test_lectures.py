"""The lectures' examples with their hand-derived values, and the shapes of the API."""
import math

import pytest

import flatgrad as fg

from ..helpers import assert_close, fd
from . import decorated
from . import lectures as L

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_sigmoid_neuron_lecture_values(target):
    df = fg.value_and_grad(L.neuron, argnums=(0, 1, 2, 3, 4), target=target)
    value, grads = df(2.0, -1.0, -3.0, -2.0, -3.0)
    assert round(value, 2) == 0.73
    assert tuple(round(g, 2) for g in grads) == (-0.20, 0.39, -0.39, -0.59, 0.20)
    # exactly: sigma(1) * (1 - sigma(1)) times the partner input
    s = 1 / (1 + math.exp(-1.0))
    local = s * (1 - s)
    assert_close(grads, (local * -1.0, local * 2.0, local * -2.0, local * -3.0, local), rtol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
def test_circuit_lecture_values(target):
    assert fg.grad(L.circuit, argnums=(0, 1, 2), target=target)(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)


@pytest.mark.parametrize("target", TARGETS)
def test_ln_example_hand_derived_and_finite_differences(target):
    g = fg.grad(L.ln_example, argnums=(0, 1), target=target)(2.0, 5.0)
    assert_close(g, (1 / 2.0 + 5.0, 2.0 - math.cos(5.0)), rtol=1e-12)
    assert_close(g, (fd(L.ln_example, (2.0, 5.0), 0), fd(L.ln_example, (2.0, 5.0), 1)))


def test_value_and_grad_returns_value_then_gradient():
    v, g = fg.value_and_grad(L.circuit, target="python")(-2.0, 5.0, -4.0)
    assert v == -12.0 and g == -4.0
    v, g = fg.value_and_grad(L.circuit, (0, 2), target="python")(-2.0, 5.0, -4.0)
    assert v == -12.0 and g == (-4.0, 3.0)


def test_argnums_int_gives_a_bare_gradient():
    g = fg.grad(L.circuit, 2, target="python")(-2.0, 5.0, -4.0)
    assert not isinstance(g, tuple) and g == 3.0
    assert fg.grad(L.circuit, target="python")(-2.0, 5.0, -4.0) == -4.0   # default argnums=0


def test_argnums_tuple_gives_a_tuple():
    assert fg.grad(L.circuit, (1,), target="python")(-2.0, 5.0, -4.0) == (-4.0,)
    assert fg.grad(L.circuit, (2, 0), target="python")(-2.0, 5.0, -4.0) == (3.0, -4.0)


def test_int_arguments_are_accepted_and_promoted():
    assert fg.grad(L.circuit, (0, 2), target="python")(-2, 5, -4) == (-4.0, 3.0)


def test_decorator_plain_form():
    assert decorated.sin_grad(0.7) == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-14)


def test_decorator_with_argnums():
    assert decorated.second_grad(3.0, 2.0) == 2 * 3.0 * 2.0


def test_decorator_value_and_grad():
    v, (gx, gy) = decorated.both(3.0, 2.0)
    assert (v, gx, gy) == (1.5, 0.5, -3.0 / 4.0)


@pytest.mark.slow
def test_bare_decorator_defaults_to_cpu():
    assert decorated.cube_grad.target == "cpu"
    assert decorated.cube_grad(2.0) == 12.0
    assert "@njit" in decorated.cube_grad.source


def test_call_form_with_keyword():
    assert fg.grad(L.circuit, argnums=1, target="python")(-2.0, 5.0, -4.0) == -4.0


def test_grad_through_inlined_user_function():
    args = (0.5, -0.3)
    g = fg.grad(L.calls_helper, (0, 1), target="python")(*args)
    assert_close(g, (fd(L.calls_helper, args, 0), fd(L.calls_helper, args, 1)))
    # the helper is inlined: no call to it in the generated code
    assert "helper(" not in fg.source(L.calls_helper, (0, 1))


def test_module_constants_are_read():
    # recurrence uses the module constant RATE; OFFSET appears in helper
    src = fg.source(L.calls_helper, (0, 1), optimize=False)
    assert "2.5" in src


def test_closure_capturing_a_constant():
    g = fg.grad(decorated.scaled_by_3, target="python")(2.0)
    assert g == 2 * 3.0 * 2.0


def test_recurrence_1000_steps_wrt_x_and_w():
    args = (0.5, 0.8)
    g = fg.grad(L.recurrence, (0, 1), target="python")(*args)
    assert_close(g, (fd(L.recurrence, args, 0), fd(L.recurrence, args, 1)), rtol=1e-6)


def test_newton_converges_and_derivative_is_analytic():
    # x -> sqrt(a) after 30 Newton steps, so d/da = 1 / (2 sqrt(a))
    assert fg.grad(L.newton_sqrt, target="python")(2.0) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-12)


def test_relu_kink_at_zero_end_to_end():
    # relu'(0) = 0 (JAX); relu_net(x, w) = relu(w x + 1)^2 at w x + 1 = 0
    assert fg.grad(L.relu_net, (0, 1), target="python")(0.5, -2.0) == (0.0, 0.0)


def test_compiled_object_exposes_source_and_ir():
    t = fg.grad(L.circuit, (0, 1, 2), target="python")
    t(-2.0, 5.0, -4.0)
    assert "def circuit_grad(x, y, z):" in t.source
    from flatgrad.compiler.ir import dump
    assert dump(t.ir).startswith("func circuit_grad(")
