"""Hessian-vector products on array code: jvp(grad(f)) against finite differences of the
gradient (forward mode through broadcasting, reductions and scatter-add adjoints)."""
import numpy as np
import pytest

import flatgrad as fg

from . import hvp_funcs as F

RNG = np.random.default_rng(11)
X = RNG.normal(size=(6, 4))
Y = np.array([0, 2, 1, 2, 0, 1])
CASES = [
    (F.softmax_loss, (RNG.normal(size=(4, 3)),), (0,)),
    (F.gather_cube, (RNG.normal(size=(4, 3)), np.array([0, 2, 1, 2])), (0,)),
    (F.mlp, (0.5 * RNG.normal(size=(4, 5)), 0.1 * RNG.normal(size=5), 0.5 * RNG.normal(size=(5, 3)),
             X, Y, 1e-3), (0, 1, 2)),
]


@pytest.mark.parametrize("f,args,nums", CASES, ids=[c[0].__name__ for c in CASES])
def test_hvp_matches_finite_differences_of_the_gradient(f, args, nums):
    g = fg.grad(f, nums, target="python")
    v = [RNG.normal(size=np.shape(a)) if i in nums else
         (np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0) for i, a in enumerate(args)]
    _, hv = fg.jvp(g, tuple(args), tuple(v), target="python")
    hv = hv if isinstance(hv, tuple) else (hv,)
    eps = 1e-6
    up = [a + eps * d if i in nums else a for i, (a, d) in enumerate(zip(args, v))]
    down = [a - eps * d if i in nums else a for i, (a, d) in enumerate(zip(args, v))]
    for h, p, m in zip(hv, g(*up), g(*down)):
        np.testing.assert_allclose(h, (p - m) / (2 * eps), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_none_tangent_is_a_symbolic_zero(target):
    """``None`` for a tangent holds that argument constant: the same numbers as an explicit
    zero tangent, with no tangent parameter (and no tangent code) for it."""
    f, args, nums = CASES[2]
    g = fg.grad(f, nums, target=target)
    v = [RNG.normal(size=np.shape(a)) for a in args[:3]]
    zeros = [np.zeros_like(args[3]), np.zeros_like(args[4]), 0.0]
    out, hv = fg.jvp(g, tuple(args), tuple(v) + (None, None, None), target=target)
    out0, hv0 = fg.jvp(g, tuple(args), tuple(v + zeros), target=target)
    for a, b in zip(out + hv, out0 + hv0):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    from flatgrad.api import forward
    t = forward(g, (0, 1, 2), target=target)
    t(*args, *v)
    assert "tan_X" not in t.source
    with pytest.raises(ValueError):
        fg.jvp(g, tuple(args), (None,) * len(args), target=target)


def test_tangents_of_products_are_not_broadcast():
    """The tangent of ``z * mask`` (or a quotient, a sum with both tangents) already has the
    result's shape: no ``np.broadcast_to`` in the JVP, and the same numbers."""
    from flatgrad.api import forward
    W, b, x = RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=3)
    tW, tb = RNG.normal(size=(4, 3)), RNG.normal(size=4)
    for nums, tans, db in (((0, 1), (tW, tb), tb), ((0,), (tW,), 0.0 * tb)):
        t = forward(F.masked_layer, nums, target="python")
        _, tan = t(W, b, x, *tans)
        # with b held constant, W @ x + b may broadcast (b could be longer), but its tangent
        # feeds only the product with the mask, which has the full shape: the product reads
        # it as it is (compiler/broadcasts.py)
        assert t.source.count("broadcast_to") == 0, t.source
        eps = 1e-6
        want = (F.masked_layer(W + eps * tW, b + eps * db, x) -
                F.masked_layer(W - eps * tW, b - eps * db, x)) / (2 * eps)
        np.testing.assert_allclose(tan, want, rtol=1e-6, atol=1e-8)


def _scalar_hessian_case(x, y):
    return x * x * y + np.sin(x * y)


def test_hvp_of_a_scalar_function_is_the_hessian_times_v():
    import sympy
    sx, sy = sympy.symbols("x y")
    H = sympy.hessian(sx * sx * sy + sympy.sin(sx * sy), (sx, sy))
    x, y, vx, vy = 0.7, -1.3, 0.4, 2.0
    want = np.array(H.subs({sx: x, sy: y}), dtype=float) @ np.array([vx, vy])
    got = fg.hvp(_scalar_hessian_case, (0, 1), target="python")(x, y, vx, vy)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # one argnum: the product for that parameter alone, unwrapped as grad's result
    one = fg.hvp(_scalar_hessian_case, 0, target="python")(x, y, vx)
    np.testing.assert_allclose(one, float(H[0, 0].subs({sx: x, sy: y})) * vx, rtol=1e-12)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_hvp_is_jvp_of_grad_without_the_gradient(target):
    """fg.hvp gives jvp(grad)'s product, and leaves out what only the gradient needs: the
    MLP's product of the data with the gradient (X.T @ grad_s) is not computed at all."""
    f, args, nums = CASES[2]
    v = tuple(RNG.normal(size=np.shape(a)) for a in args[:3])
    h = fg.hvp(f, nums, target=target)
    got = h(*args, *v)
    _, want = fg.jvp(fg.grad(f, nums, target=target), tuple(args), v + (None, None, None),
                     target=target)
    assert isinstance(got, tuple) and len(got) == 3
    for a, b in zip(got, want):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    from flatgrad.api import forward
    both = forward(fg.grad(f, nums, target="python"), nums, target="python")
    both(*args, *v)
    product_only = fg.hvp(f, nums, target="python")
    product_only(*args, *v)
    # the gradient's own products with the data (X.T @ grad, h.T @ grad) are dead in hvp
    assert product_only.source.count(" @ ") <= both.source.count(" @ ") - 2, product_only.source


def test_hvp_of_a_dict_of_parameters_nests_as_the_argument():
    p = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    v = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    X = RNG.normal(size=(4, 3))
    got = fg.hvp(F.tree_loss, target="python")(p, X, v)
    g = fg.grad(F.tree_loss, target="python")
    eps = 1e-6
    up = g({k: p[k] + eps * v[k] for k in p}, X)
    down = g({k: p[k] - eps * v[k] for k in p}, X)
    assert set(got) == {"W", "b"}
    for k in p:
        np.testing.assert_allclose(got[k], (up[k] - down[k]) / (2 * eps), rtol=1e-6, atol=1e-8)
