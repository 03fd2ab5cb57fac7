"""Elementwise ops, unary functions, broadcasting and reductions on arrays (target "python")."""
import numpy as np
import pytest

from . import funcs as F
from . import generated as G
from .check import assert_grads, rand

BINARY = [F.b_add, F.b_sub, F.b_mul, F.b_div, F.b_pow, F.b_np_power, F.b_arctan2, F.b_hypot,
          F.b_maximum, F.b_minimum, F.b_np_add, F.b_np_multiply, F.b_np_divide, F.b_np_subtract,
          F.b_mod]

# (shape of a, shape of b); the result has the broadcast shape
BROADCASTS = [
    ((3, 4), (3, 4)),
    ((3, 4), ()),          # array op scalar
    ((), (3, 4)),          # scalar op array
    ((3, 4), (4,)),        # row vector, implicit leading axis
    ((3, 4), (1, 4)),      # size-1 leading axis
    ((3, 4), (3, 1)),      # column vector
    ((3, 1), (1, 4)),      # outer-product-like broadcast of both
    ((1, 4), (3, 1)),
    ((4,), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((5,), (5,)),
]


def _positive(shape):
    return rand(*shape, lo=0.5, hi=1.5)


@pytest.mark.parametrize("f", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
def test_binary_broadcasting(f, shapes):
    sa, sb = shapes
    a, b = _positive(sa), _positive(sb)
    if f is F.b_mod:       # a / b stays inside (2, 3): no jump of % nearby
        a, b = rand(*sa, lo=2.2, hi=2.8), rand(*sb, lo=1.0, hi=1.05)
    w = rand(*np.broadcast_shapes(sa, sb))
    assert_grads(f, (a, b, w), (0, 1))


@pytest.mark.parametrize("name", G.UNARY)
def test_unary_on_matrix(name):
    f = getattr(G, name)
    x = rand(3, 4, lo=0.1, hi=0.8)       # inside every function's domain, away from 0 for abs
    if name in ("u_negative", "u_relu", "u_abs", "u_absolute", "u_fabs", "u_sigmoid", "u_softplus"):
        x = x * np.where(rand(3, 4) > 0, 1.0, -1.0)
    assert_grads(f, (x, rand(3, 4)), (0,))


def test_unary_at_kinks_follow_jax_convention():
    import flatgrad as fg
    x = np.array([0.0, 1.0, -1.0])
    w = np.array([1.0, 2.0, 3.0])
    (g_relu,) = fg.grad(G.u_relu, argnums=(0,), target="python")(x, w)
    np.testing.assert_array_equal(g_relu, [0.0, 2.0, 0.0])
    (g_abs,) = fg.grad(G.u_abs, argnums=(0,), target="python")(x, w)
    np.testing.assert_array_equal(g_abs, [0.0, 2.0, -3.0])
    (ga, gb) = fg.grad(F.b_maximum, argnums=(0, 1), target="python")(x, np.zeros(3), w)
    np.testing.assert_array_equal(ga, [0.5, 2.0, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0, 3.0])


@pytest.mark.parametrize("f", [F.s_pow_const, F.s_neg], ids=lambda f: f.__name__)
def test_array_with_constants(f):
    assert_grads(f, (rand(3, 4), rand(3, 4)), (0,))


@pytest.mark.parametrize("f", [F.s_scalar_times, F.s_rsub_rdiv], ids=lambda f: f.__name__)
def test_array_with_scalar_argument(f):
    # the scalar's gradient is the sum over the array: an adjoint broadcast the other way
    assert_grads(f, (rand(3, 4, lo=0.5, hi=1.5), 1.7), (0, 1))


@pytest.mark.parametrize("name", sorted(G.REDUCTIONS))
def test_reduction(name):
    f = getattr(G, name)
    ndim = G.REDUCTIONS[name]
    shape = (3, 4) if ndim == 2 else (3, 4, 5)
    lo, hi = (0.6, 1.4) if "prod" in name else (-2.0, 2.0)   # well-conditioned products
    x = rand(*shape, lo=lo, hi=hi)
    assert_grads(f, (x, rand(4), rand(3)), (0,))


@pytest.mark.parametrize("op", ["max", "min"])
def test_reduction_ties_split_evenly(op):
    import flatgrad as fg
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    f = getattr(G, f"r_{op}_axis1") if op == "max" else getattr(G, "r_min_axis1")
    if op == "min":
        x = -x
    (g,) = fg.grad(f, argnums=(0,), target="python")(x, np.ones(3), np.array([1.0, 3.0]))
    np.testing.assert_allclose(g, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0]])


@pytest.mark.parametrize("f", [F.where_gt, F.clip, F.abs_builtin], ids=lambda f: f.__name__)
def test_where_clip_abs(f):
    x = rand(4, 5, lo=-1.0, hi=1.0)
    x[np.abs(np.abs(x) - 0.5) < 0.02] += 0.1     # away from the clip kinks
    x[np.abs(x) < 0.02] = 0.3
    assert_grads(f, (x, rand(4, 5)), (0,))


def test_where_two_array_branches():
    a, b = rand(4, 5), rand(4, 5)
    assert_grads(F.where_two_args, (a, b, rand(4, 5)), (0, 1))
