"""Every transform is a stack of steps run by one class: options of a step (checkpoint=)
survive stacking, results nest as the steps say, and every transform has the same default
target."""
import inspect

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.api import forward
from flatgrad.compiler.steps import Step
from flatgrad.runtime.dispatch import Transformed

from . import step_funcs as F

X, W = 0.3, 1.2


def fd(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    a, b = f(*up), f(*down)
    if isinstance(a, tuple):
        return tuple((p - q) / (2 * h) for p, q in zip(a, b))
    return (a - b) / (2 * h)


def _checkpointed(src: str) -> bool:
    return "checkpoint_" in src and "for segment in range(" in src


def test_checkpoint_survives_under_a_forward_step():
    inner = fg.grad(F.recurrence, (0, 1), checkpoint=2, target="python")
    t = forward(inner, (0, 1), target="python")
    assert t.steps[0] == Step("rev", (0, 1), checkpoint=2)
    assert _checkpointed(t.source)
    assert not _checkpointed(forward(fg.grad(F.recurrence, (0, 1), target="python"), (0, 1),
                                     target="python").source)
    (g, tan) = fg.jvp(inner, (X, W), (1.0, 0.5), target="python")
    plain = fg.jvp(fg.grad(F.recurrence, (0, 1)), (X, W), (1.0, 0.5), target="python")
    assert g == pytest.approx(plain[0], rel=1e-12) and tan == pytest.approx(plain[1], rel=1e-12)
    g_plain = fg.grad(F.recurrence, (0, 1), target="python")
    want = [sum(t * d for t, d in zip((1.0, 0.5), col))
            for col in zip(*(fd(g_plain, (X, W), i) for i in (0, 1)))]
    assert tan == pytest.approx(tuple(want), rel=1e-5)


def test_checkpoint_of_an_outer_grad_is_applied():
    gg = fg.grad(fg.grad(F.recurrence), checkpoint=True, target="python")
    assert gg.steps == (Step("rev", (0,), True), Step("rev", (0,), True, checkpoint=True))
    assert _checkpointed(gg.source)
    assert not _checkpointed(fg.grad(fg.grad(F.recurrence), target="python").source)


@pytest.mark.parametrize("checkpoint", [None, True, 7])
def test_grad_of_grad_of_a_loop_matches_finite_differences(checkpoint):
    gg = fg.grad(fg.grad(F.recurrence), checkpoint=checkpoint, target="python")
    want = fd(fg.grad(F.recurrence, target="python"), (X, W), 0)
    assert gg(X, W) == pytest.approx(want, rel=1e-5)


def test_grad_of_grad_through_a_while_loop_and_an_array_loop():
    assert fg.grad(fg.grad(F.while_power), target="python")(1.5) == pytest.approx(12 * 1.5 ** 2)
    xs = np.array([[0.3, -0.2], [0.1, 0.5], [-0.4, 0.2]])
    F._rnn_grad = fg.grad(F.rnn_loss, target="python")
    got = fg.grad(F.rnn_grad_norm, target="python")(0.7, xs)
    want = fd(lambda w, xs: F.rnn_grad_norm(w, xs), (0.7, xs), 0)
    assert got == pytest.approx(want, rel=1e-5)


def test_value_and_grad_of_a_transform_nests_like_value_and_grad():
    got = fg.value_and_grad(fg.grad(F.poly), (0, 1), target="python")(2.0, 3.0)
    # d/dx of poly = 2xy; its gradient (2y, 2x)
    assert got == (12.0, (6.0, 4.0))
    single = fg.value_and_grad(fg.grad(F.poly), 0, target="python")(2.0, 3.0)
    assert single == (12.0, 6.0)


def test_jvp_of_a_tuple_function_and_of_a_jacobian_keep_their_nesting():
    outs, tans = fg.jvp(F.two, (2.0, 0.5), (1.0, 0.0), target="python")
    assert len(outs) == 2 and len(tans) == 2
    J = fg.jacobian(F.two, (0, 1), target="python")
    (jo, jt) = fg.jvp(J, (2.0, 0.5), (1.0, 0.0), target="python")
    assert len(jo) == 2 and all(len(row) == 2 for row in jo)
    assert len(jt) == 2 and all(len(row) == 2 for row in jt)


def test_a_transform_called_in_compiled_code_returns_its_nesting():
    F.VG = fg.value_and_grad(F.poly, (0, 1), target="python")
    try:
        g = fg.grad(F.uses_value_and_grad, (0, 1), target="python")
        # v + gx*gy = x^2 y + 3y + 2xy (x^2 + 3)
        x, y = 2.0, 3.0
        assert g(x, y) == pytest.approx((2 * x * y + 2 * y * (x * x + 3) + 4 * x * x * y,
                                         x * x + 3 + 2 * x * (x * x + 3)))
    finally:
        F.VG = None


def test_one_class_for_every_transform():
    ts = [fg.grad(F.poly), fg.value_and_grad(F.poly), fg.jacobian(F.poly), fg.hessian(F.poly),
          fg.grad(fg.grad(F.poly)), forward(F.poly)]
    assert all(type(t) is Transformed for t in ts)


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian",
                                  "source", "vectorize", "check_grad"])
def test_every_transform_defaults_to_the_cpu_target(name):
    fn = getattr(fg, name)
    fn = getattr(fn, "__wrapped__", fn)
    assert inspect.signature(fn).parameters["target"].default == "cpu"


def test_default_target_objects_are_cpu():
    assert fg.grad(F.poly).target == "cpu"
    assert fg.jacobian(F.poly).target == "cpu" and fg.hessian(F.poly).target == "cpu"
    assert "@njit" in fg.source(F.poly)


def test_argnums_out_of_range_is_one_error_for_every_transform():
    for t in (fg.grad(F.poly, 2, target="python"), fg.jacobian(F.poly, 2, target="python"),
              fg.grad(fg.grad(F.poly), 2, target="python")):
        with pytest.raises(fg.CompileError, match="argnums 2 is out of range"):
            t(1.0, 2.0)


def test_vjp_with_an_integer_primal_and_a_list_result():
    x = np.arange(4.0)
    out, fn = fg.vjp(F.pick, x, 2, target="python")
    gx, gn = fn(1.0)
    np.testing.assert_allclose(gx, [0.0, 0.0, 2.0, 0.0])
    assert gn is None
    out, fn = fg.vjp(F.halves, x, target="python")
    assert len(out) == 2
    (g,) = fn((np.ones(2), 2 * np.ones(2)))
    np.testing.assert_allclose(g, 2 * x * np.array([1.0, 1.0, 2.0, 2.0]))
