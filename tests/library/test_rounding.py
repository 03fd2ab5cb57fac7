"""np.round / np.around / x.round, Python's round of a value known at run time, and np.angle
of real numbers (compiler/library/rounding.py). Values equal NumPy's (half to even, decimals
by NumPy's scaling, which differs from Python's decimal-exact round: 2.675 -> 2.68 here;
angle: 0, pi, pi at -0.0, NaN for NaN, 180 with deg=True) on both targets; the derivative
is 0 (as autograd's: its grad of the same functions is the oracle), in reverse and forward
mode and through vmap; errors located."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check

VALUES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.675, 1.005, -0.0, 0.0, 15.0, 25.0, -35.0,
                   1234.5678, -2.2e-5, np.inf, -np.inf, np.nan, 1e300, 7e-310])
RAW = build({
    "round0": "np.round(x)", "round1": "np.round(x, 1)", "round2": "np.around(x, decimals=2)",
    "round_m1": "np.round(x, -1)", "round_m2": "x.round(-2)", "round_meth": "x.round(3)",
    "angle": "np.angle(x)", "angle_deg": "np.angle(x, True)", "angle_ints": "np.angle(np.arange(-2, 3))",
    "round_ints": "np.round(np.arange(-3, 3), 2)",
}, params="x")
WEIGHTED = build({
    "w_round": "np.sum(w * np.round(x, 1) * x)", "w_around": "np.sum(w * np.around(x) ** 2 + x)",
    "w_meth": "np.sum(x.round(2) * w)", "w_angle": "np.sum(np.angle(x) * x * w)",
    "w_angle_deg": "np.sum(np.angle(x, deg=True) * w + x)",
    "w_builtin": "round(x[0] * 3.0) * w[1] + round(x[1]) * x[2]",
})


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", ["round0", "round1", "round2", "round_m1", "round_m2", "round_meth",
                                  "angle", "angle_deg", "angle_ints", "round_ints"])
def test_values(name, target):
    f = getattr(RAW, name)
    got, tangent = fg.jvp(f, (VALUES,), (np.ones_like(VALUES),), target=target)
    want = f(VALUES)
    np.testing.assert_array_equal(got, want)
    assert np.shape(got) == np.shape(want)
    assert np.array_equal(np.signbit(got), np.signbit(want))      # -0.0 as NumPy's
    np.testing.assert_array_equal(tangent, np.zeros(np.shape(want)))


def test_numpys_rounding_not_pythons():
    assert fg.jvp(RAW.round2, (np.array([2.675]),), (np.ones(1),), target="python")[0][0] == \
        np.round(2.675, 2)


@pytest.mark.parametrize("name", ["w_round", "w_around", "w_meth", "w_angle", "w_angle_deg"])
def test_gradients_against_autograd(name):
    x, w = RNG.uniform(-3, 3, (3, 4)), RNG.normal(size=(3, 4))
    gx, gw = check(getattr(WEIGHTED, name), (x, w), argnums=(0, 1), ag=name != "w_angle_deg")
    if name == "w_angle_deg":                  # (autograd's angle has no deg=)
        np.testing.assert_array_equal(gx, np.ones_like(x))
        np.testing.assert_array_equal(gw, np.angle(x, deg=True))


def test_builtin_round():
    """round(v) of a float at run time: an int, half to even as Python's; derivative 0."""
    f = WEIGHTED.w_builtin
    for x0 in (0.5 / 3, 2.5 / 3, -1.5 / 3, 0.41, 0.7):
        x, w = np.array([x0, 2.5, 1.3]), np.array([1.0, 2.0, 3.0])
        value, (gx, gw) = fg.value_and_grad(f, argnums=(0, 1), target="python")(x, w)
        assert value == f(x, w)
        np.testing.assert_array_equal(gx, [0.0, 0.0, round(2.5)])
        np.testing.assert_array_equal(gw, [0.0, round(x0 * 3.0), 0.0])


def test_vmap_and_hessian():
    xs, w = RNG.uniform(-3, 3, (5, 4)), RNG.normal(size=4)
    for f in (WEIGHTED.w_round, WEIGHTED.w_angle):
        v = fg.vmap(fg.grad(f), in_axes=(0, None), target="python")(xs, w)
        g = fg.grad(f, target="python")
        np.testing.assert_array_equal(v, [g(x, w) for x in xs])
        # the gradient (w round(x) or w angle(x)) is piecewise constant: Hessian 0
        np.testing.assert_array_equal(fg.hessian(f, target="python")(xs[0], w), np.zeros((4, 4)))


ROUNDING = build({"r_grad": "np.sum(w * np.round(x, 1) * x)"})


def test_gradient_is_the_rounded_value():
    """d/dx (w round(x) x) = w round(x): the rounding itself contributes 0."""
    x, w = RNG.uniform(-3, 3, 6), RNG.normal(size=6)
    np.testing.assert_array_equal(fg.grad(ROUNDING.r_grad, target="python")(x, w), w * np.round(x, 1))


BAD = build({
    "round_array": "np.sum(round(x, 1))",
    "round_ndigits": "round(x[0], 2)",
    "round_ints_neg": "np.sum(np.round(np.arange(5), -1) * x)",
    "round_out": "np.sum(np.round(x, 1, out=x))",
    "round_decimals": "np.sum(np.round(x, int(x[0])))",
})


@pytest.mark.parametrize("name,words", [
    ("round_array", "doesn't define __round__"), ("round_ndigits", "Python rounds the decimal"),
    ("round_ints_neg", "negative decimals"), ("round_out", "out="),
    ("round_decimals", "constant integer")])
def test_rejections(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), target="python")(np.ones(5), 0.0)
