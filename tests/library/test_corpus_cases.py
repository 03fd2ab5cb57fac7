"""The kinds of case the peers' gradient corpora hold (bench/corpora.py runs the corpora
themselves; these are our own cases of the same shapes, so that CI needs no network):
np.cross along every axis, np.unwrap, np.rollaxis, axes given by keyword, np.kron with a
number, np.conjugate/real/imag on real values, np.array_equiv and np.array_equal of mixed
shapes, the operator module's functions called by name, np.inner with a number, x ** y at
y == 0, np.linspace of one point, a list of one array as a result, vjp of a function with
a default parameter, and the advice of the rejection of an unsupported function."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check, weights_for

# ---------------------------------------------------------------------------- np.cross

CROSS = {
    "cross_last": ("np.cross(x, y)", (4, 3), (4, 3)),
    "cross_vectors": ("np.cross(x, y)", (3,), (3,)),
    "cross_broadcast": ("np.cross(x, y)", (2, 1, 3), (4, 3)),
    "cross_ab0": ("np.cross(x, y, axisa=0, axisb=0)", (3, 2), (3, 2)),
    "cross_a0_b1_c0": ("np.cross(x, y, axisa=0, axisb=1, axisc=0)", (3, 3), (3, 3)),
    "cross_axis1": ("np.cross(x, y, axis=1)", (2, 3, 2), (2, 3, 2)),
    "cross_axis_neg": ("np.cross(x, y, axisa=-2, axisb=-1, axisc=-2)", (3, 5), (5, 3)),
}
MOD_CROSS = build({k: f"np.sum(w * {e})" for k, (e, _, _) in CROSS.items()}, "x, y, w")


@pytest.mark.parametrize("name", sorted(CROSS))
def test_cross(name):
    expr, sx, sy = CROSS[name]
    x, y = RNG.normal(size=sx), RNG.normal(size=sy)
    w = weights_for(eval(expr, {"np": np, "x": x, "y": y}))   # noqa: S307 - our own text
    # (autograd's own cross gradient does not sum a broadcast operand back to its shape)
    check(getattr(MOD_CROSS, name), [x, y, w], argnums=(0, 1), ag=name != "cross_broadcast")


def cross_of_pairs(x, y):
    return np.sum(np.cross(x, y))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_cross_needs_three_components(target):
    x = RNG.normal(size=(4, 3))
    g = fg.grad(cross_of_pairs, (0, 1), target=target)(x, x[::-1].copy())
    assert g[0].shape == (4, 3)
    with pytest.raises(ValueError, match="3 components"):
        fg.grad(cross_of_pairs, (0, 1), target=target)(x[:, :2].copy(), x[:, 1:].copy())


# ---------------------------------------------------------------------------- np.unwrap

UNWRAP = {
    "unwrap": ("np.unwrap(x)", (7,)),
    "unwrap_2d": ("np.unwrap(x)", (3, 5)),
    "unwrap_axis0": ("np.unwrap(x, axis=0)", (5, 2)),
    "unwrap_period": ("np.unwrap(x, discont=1.5, period=3.0)", (2, 6)),
    "unwrap_single": ("np.unwrap(x)", (3, 1)),
}
MOD_UNWRAP = build({k: f"np.sum(w * {e})" for k, (e, _) in UNWRAP.items()})


@pytest.mark.parametrize("name", sorted(UNWRAP))
def test_unwrap(name):
    expr, shape = UNWRAP[name]
    x = RNG.normal(size=shape) * 4.0
    w = weights_for(eval(expr, {"np": np, "x": x}))   # noqa: S307 - our own text
    g = check(getattr(MOD_UNWRAP, name), [x, w], ag=False)
    np.testing.assert_allclose(g[0], w)       # the corrections are piecewise constant


# ---------------------------------------------------------------------------- axes

AXES = {
    "rollaxis_front": ("np.rollaxis(x, 2)", (2, 3, 4)),
    "rollaxis_start": ("np.rollaxis(x, 0, 3)", (2, 3, 4)),
    "rollaxis_neg": ("np.rollaxis(x, -1, 1)", (2, 3, 4)),
    "swapaxes_kw": ("np.swapaxes(x, axis1=0, axis2=2)", (2, 3, 4)),
    "moveaxis_kw": ("np.moveaxis(x, source=[0, 1], destination=[2, 0])", (2, 3, 4)),
    "kron_number": ("np.kron(2.5, x) + np.kron(x, x[0, 0, 0])", (2, 1, 3)),
}
MOD_AXES = build({k: f"np.sum(w * {e})" for k, (e, _) in AXES.items()})


@pytest.mark.parametrize("name", sorted(AXES))
def test_axes(name):
    expr, shape = AXES[name]
    x = RNG.normal(size=shape)
    w = weights_for(eval(expr, {"np": np, "x": x}))   # noqa: S307 - our own text
    check(getattr(MOD_AXES, name), [x, w], ag=name != "rollaxis_neg")   # (autograd: no rule)


# ---------------------------------------------------------------------------- real values

REAL = {
    "conj": "np.conj(x) * x",
    "conjugate": "np.conjugate(x) + np.real(x) * 2.0",
    "real_if_close": "np.real_if_close(x) ** 2",
    "imag": "np.imag(x) + np.sin(x)",
}
MOD_REAL = build({k: f"np.sum(w * ({e}))" for k, e in REAL.items()})


@pytest.mark.parametrize("name", sorted(REAL))
@pytest.mark.parametrize("shape", [(3, 2), (0, 2), ()])
def test_real_parts(name, shape):
    x = RNG.normal(size=shape) if shape else float(RNG.normal())
    w = weights_for(eval(REAL[name], {"np": np, "x": x}))   # noqa: S307 - our own text
    check(getattr(MOD_REAL, name), [x, w], ag=False)


# ---------------------------------------------------------------------------- comparisons

def equiv_weighted(x, y):
    return np.sum(x * 2.0) * np.array_equiv(x, y) + np.sum(y)


def equal_weighted(x, y):
    return np.sum(x) * np.array_equal(x, y) + np.sum(y * y)


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("sx, sy, same", [((3, 4), (4,), True), ((3, 4), (2, 1), False),
                                         ((3, 4), (3, 4), False), ((2, 3), (2, 3), True),
                                         ((), (3,), True)])
def test_array_equiv(target, sx, sy, same):
    x = np.full(sx, 1.5) if same else RNG.normal(size=sx)
    x = float(x) if sx == () else x
    y = np.full(sy, 1.5) if same else RNG.normal(size=sy)
    value, (gx, gy) = fg.value_and_grad(equiv_weighted, (0, 1), target=target)(x, y)
    expect = np.array_equiv(x, y)
    assert bool(expect) == same
    np.testing.assert_allclose(value, equiv_weighted(x, y))
    np.testing.assert_allclose(gx, np.full(np.shape(x), 2.0 * expect))
    np.testing.assert_allclose(gy, np.ones(np.shape(y)))


def test_array_equal_number_and_array():
    x = RNG.normal(size=3)
    value, (ga, gb) = fg.value_and_grad(equal_weighted, (0, 1), target="python")(1.5, x)
    assert value == pytest.approx(np.sum(x * x))
    assert ga == 0.0
    np.testing.assert_allclose(gb, 2 * x)


# ---------------------------------------------------------------------------- operator.*

def op_binary(x, y, w):
    return np.sum(w * (operator.add(x, y) + operator.mul(x, y) - operator.sub(y, x)
                       + operator.truediv(x, y) + operator.pow(y, x) + operator.mod(x, y)))


def op_unary(x, w):
    return np.sum(w * operator.neg(x)) + operator.floordiv(2.0, 1.5)


@pytest.mark.parametrize("sx, sy", [((3, 2), (3, 2)), ((3, 2), (2,)), ((), (1, 2))])
def test_operator_functions(sx, sy):
    x = RNG.uniform(0.5, 2.0, sx) if sx else 0.7
    y = RNG.uniform(0.5, 2.0, sy) if sy else 1.3
    w = weights_for(np.add(x, y))
    check(op_binary, [x, y, w], argnums=(0, 1), ag=False)
    check(op_unary, [x, weights_for(x)], ag=False)


# ---------------------------------------------------------------------------- regressions

def inner_weighted(a, b, w):
    return np.sum(np.inner(a, b) * w)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_inner_with_a_number(target):
    """np.inner(2.0, M) is 2 M: M is not transposed (it was, a shape error at run time)."""
    m = RNG.normal(size=(4, 3))
    w = RNG.normal(size=(4, 3))
    for args in ((1.5, m, w), (m, 1.5, w)):
        value, grads = fg.value_and_grad(inner_weighted, (0, 1), target=target)(*args)
        assert value == pytest.approx(inner_weighted(*args))
        np.testing.assert_allclose(grads[0 if np.ndim(args[0]) else 1], 1.5 * w)
        np.testing.assert_allclose(grads[1 if np.ndim(args[0]) else 0], np.sum(m * w))


def power(x, y):
    return np.power(x, y)


def test_power_zero_exponent_at_zero():
    """d(x ** 0)/dx is 0 everywhere, at x == 0 too (it was 0 * inf = nan), as in autograd
    and JAX; the derivative in y at x == 0 stays 0."""
    g = fg.grad(power, (0, 1), target="python")
    assert g(0.0, 0.0) == (0.0, 0.0)
    assert g(2.0, 0.0) == (0.0, pytest.approx(np.log(2.0)))
    gx, gy = fg.grad(lambda_free_sum, (0, 1), target="python")(np.array([0.0, 0.0, 2.0]),
                                                               np.array([0.0, 2.0, 0.5]))
    np.testing.assert_allclose(gx, [0.0, 0.0, 0.5 / np.sqrt(2.0)])
    np.testing.assert_allclose(gy, [0.0, 0.0, np.sqrt(2.0) * np.log(2.0)])


def lambda_free_sum(x, y):
    return np.sum(np.power(x, y))


def one_point(a, b):
    return np.linspace(a, b, 1) * 3.0


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_linspace_of_one_point_is_start(target):
    """np.linspace(a, b, 1) is [a] (it was [b]: the last point was set to stop)."""
    from flatgrad.api import forward
    value, tangent = forward(one_point, (0, 1), target=target)(1.2, 3.4, 1.0, 0.0)
    np.testing.assert_allclose(value, [3.6])
    np.testing.assert_allclose(tangent, [3.0])
    (ga, gb) = fg.vjp(one_point, 1.2, 3.4, target=target)[1](np.array([0.5]))
    assert (ga, gb) == (1.5, 0.0)


def one_piece(x):
    return np.split(x * 2.0, 1)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_list_of_one_array_stays_a_sequence(target):
    """f returning [a] (np.split(x, 1)): the tangent of its result is a sequence of one array,
    as the result is (it came back as the bare array, whose [0] is its first row)."""
    x = RNG.normal(size=4)
    out, tan = fg.jvp(one_piece, (x,), (np.ones(4),), target=target)
    assert isinstance(out, tuple) and isinstance(tan, tuple) and len(tan) == 1
    np.testing.assert_allclose(tan[0], np.full(4, 2.0))
    np.testing.assert_allclose(fg.vjp(one_piece, x, target=target)[1]([np.ones(4)])[0],
                               np.full(4, 2.0))


def scaled(x, s=2.0):
    return np.sum(np.sin(x) * s)


def test_vjp_of_a_function_with_a_default():
    """fg.vjp(f, x) with f(x, s=2.0): the default fills s (the cotangent used to land there)."""
    x = RNG.normal(size=3)
    out, vjp_fn = fg.vjp(scaled, x, target="python")
    assert out == pytest.approx(scaled(x))
    (gx,) = vjp_fn(1.0)
    np.testing.assert_allclose(gx, 2.0 * np.cos(x))
    gx, gs = fg.vjp(scaled, x, 3.0, target="python")[1](1.0)
    np.testing.assert_allclose(gx, 3.0 * np.cos(x))
    assert gs == pytest.approx(np.sum(np.sin(x)))


def fixed(a):
    return np.sum(np.fix(a) * a)


def test_rejection_names_the_function_and_its_nearest():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(fixed, target="python")(np.arange(3.0))
    text = str(e.value)
    assert "np.fix" in text and "np.trunc" in text
