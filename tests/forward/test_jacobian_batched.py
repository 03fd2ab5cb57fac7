"""Jacobians of arrays from one batched pass over all basis seeds (compiler/batching.py):
rev == fwd == finite differences on each batching rule; functions with a construct that
has no rule keep the per-seed loop and give the same numbers."""
import numpy as np
import pytest

import flatgrad as fg

from . import batch_funcs as F
from .test_jacobian_arrays import numeric_jacobian

RNG = np.random.default_rng(7)

CASES = [
    (F.mat_left, (RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))), (0, 1), True),
    (F.mat_vec, (RNG.normal(size=(4, 4)), RNG.normal(size=4)), (0, 1), True),
    (F.vec_dot, (RNG.normal(size=3), RNG.normal(size=3)), (0, 1), True),
    (F.reductions, (RNG.uniform(1.0, 2.0, size=(3, 4)),), (0,), True),
    (F.reshapes, (RNG.normal(size=(3, 4)),), (0,), True),
    (F.writes, (RNG.normal(size=5),), (0,), True),
    (F.elementwise, (RNG.normal(size=5), 1.3), (0, 1), True),
    (F.looped, (RNG.normal(size=4),), (0,), False),
    (F.three_d, (RNG.normal(size=(2, 3, 3)),), (0,), True),
]


@pytest.mark.parametrize("mode", ["rev", "fwd"])
@pytest.mark.parametrize("f,args,argnums,batched", CASES, ids=[c[0].__name__ for c in CASES])
def test_batched_jacobian_matches_finite_differences(f, args, argnums, batched, mode):
    t = fg.jacobian(f, argnums=argnums, mode=mode, target="python")
    J = t(*args)
    for i, Ji in zip(argnums, J):
        want = numeric_jacobian(f, args, i)
        assert np.shape(Ji) == want.shape
        assert np.asarray(Ji).dtype == np.float64
        np.testing.assert_allclose(Ji, want, rtol=1e-6, atol=1e-7)
    has_loop = "for k in range(" in t.source
    if mode == "rev" or not batched:
        assert has_loop != batched, t.source


@pytest.mark.parametrize("mode", ["rev", "fwd"])
@pytest.mark.parametrize("f,args,argnums,batched", CASES, ids=[c[0].__name__ for c in CASES])
def test_batched_jacobian_on_cpu_matches_python(f, args, argnums, batched, mode):
    want = fg.jacobian(f, argnums=argnums, mode=mode, target="python")(*args)
    got = fg.jacobian(f, argnums=argnums, mode=mode, target="cpu")(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_hessian_of_array_function_is_batched():
    def f(x, W):
        return np.sum(np.tanh(W @ x) ** 2) + np.sum(x ** 3)
    x, W = RNG.normal(size=4), RNG.normal(size=(3, 4))
    h = fg.hessian(f, target="python")
    H = h(x, W)
    g = fg.grad(f, target="python")
    want = numeric_jacobian(lambda x, W: g(x, W), (x, W), 0)
    np.testing.assert_allclose(H, want, rtol=1e-6, atol=1e-7)
    assert "for k in range(" not in h.source


def test_float32_jacobian_stays_float64_like_the_loop():
    x = RNG.normal(size=3).astype(np.float32)
    J = fg.jacobian(F.elementwise, argnums=0, target="python")(x, np.float32(1.3))
    assert J.dtype == np.float64


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_seed_block_shaped_after_an_expression(mode):
    """Unoptimised, the block's shape is read from an inlined product: ``(a * b).shape``,
    not ``a * b.shape`` (found by the fuzzer)."""
    x, y = RNG.normal(size=3), RNG.normal(size=3)
    J = fg.jacobian(F.shaped_by_product, argnums=(0, 1), mode=mode, target="python",
                    optimize=False)(x, y)
    for i, Ji in enumerate(J):
        np.testing.assert_allclose(Ji, numeric_jacobian(F.shaped_by_product, (x, y), i),
                                   rtol=1e-6, atol=1e-7)
