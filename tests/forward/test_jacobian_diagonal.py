"""Reverse-mode Jacobians keep the identity's seeds diagonal (compiler/diagonal.py):
``diag(d) @ W`` becomes the row scaling ``d[:, None] * W``, under a run-time guard where a
``sum_to`` may have reduced the block. Numbers against finite differences and the
per-seed reference (forward mode); the generated code against its promised form."""
import numpy as np
import pytest

import flatgrad as fg

from . import auto_funcs as F
from .test_jacobian_arrays import numeric_jacobian

RNG = np.random.default_rng(2424)

CASES = [
    (F.square, (RNG.normal(size=5), RNG.normal(size=(5, 5))), (0, 1)),
    (F.shifted, (RNG.normal(size=3), RNG.normal(size=(4, 3)), RNG.normal(size=4)), (0, 1, 2)),
    # W @ x has one element, broadcast against c's four: the sum_to reduces, the guard fails
    (F.shifted, (RNG.normal(size=3), RNG.normal(size=(1, 3)), RNG.normal(size=4)), (0, 1, 2)),
    (F.chain, (RNG.normal(size=4),), (0,)),
    (F.left, (RNG.normal(size=4), RNG.normal(size=(3, 4))), (0, 1)),
    (F.both_sides, (RNG.normal(size=4), RNG.normal(size=(4, 4))), (0, 1)),
    (F.through_vector, (RNG.normal(size=4), RNG.normal(size=4)), (0, 1)),
]


@pytest.mark.parametrize("optimize", [True, False])
@pytest.mark.parametrize("f,args,argnums", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_reverse_jacobian_matches_finite_differences(f, args, argnums, optimize):
    J = fg.jacobian(f, argnums=argnums, mode="rev", target="python", optimize=optimize)(*args)
    fwd = fg.jacobian(f, argnums=argnums, mode="fwd", target="python")(*args)
    for i, Ji, Fi in zip(argnums, J, fwd):
        np.testing.assert_allclose(Ji, numeric_jacobian(f, args, i), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(Ji, Fi, rtol=1e-12, atol=1e-13)


def test_square_jacobian_scales_rows_instead_of_multiplying_by_the_identity():
    x, W = RNG.normal(size=6), RNG.normal(size=(6, 6))
    t = fg.jacobian(F.square, mode="rev", target="python")
    t(x, W)
    src = t.source
    head = next(line.strip() for line in src.splitlines() if line.strip().startswith("if "))
    fast, dense = src.split(head)[1].split("    else:")
    assert "np.expand_dims" in fast and " @ " not in fast     # d[:, None] * W
    assert " @ " in dense                                       # the guard's fallback
    assert src.count(" @ ") == 2                    # the primal's W @ x, the fallback's


def test_a_square_product_needs_no_guard():
    """W @ tanh(x) alone: no broadcasting, no sum_to, the column scaling unconditionally, as an
    elementwise product (the transposes of the diagonal seed cancel: x.T.T is x)."""
    x, W = RNG.normal(size=5), RNG.normal(size=(5, 5))
    t = fg.jacobian(F.left, mode="rev", target="python")
    np.testing.assert_allclose(t(x, W), numeric_jacobian(F.left, (x, W), 0), rtol=1e-6, atol=1e-7)
    assert "if " not in t.source and " @ " not in t.source     # W * (1 - tanh(x)**2)


@pytest.mark.slow
def test_diagonal_blocks_on_cpu_match_python():
    for f, args, argnums in CASES[:3]:          # the guard true, absent, false
        want = fg.jacobian(f, argnums=argnums, mode="rev", target="python")(*args)
        got = fg.jacobian(f, argnums=argnums, mode="rev", target="cpu")(*args)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_float32_scalings_stay_float32_like_the_dense_block():
    """A float32 argument's seeds are float32 (as JAX's; Numba multiplies no float32 matrix
    by a float64 block), so the dense block's products are float32, and the diagonal's
    scalings must be too: neither path may round its entries differently (the diagonal went
    through float64 while the seeds were float64). The buffer stays float64."""
    x, W = RNG.normal(size=5).astype(np.float32), RNG.normal(size=(5, 5)).astype(np.float32)
    t = np.tanh(W @ x)
    d = np.float32(1.0) - t * t            # tanh's derivative, in float32 as the VJP has it
    want = (d[:, None] * W + np.float32(0.5) * np.eye(5, dtype=np.float32)).astype(np.float64)
    for mode in ("rev", "fwd"):
        J = fg.jacobian(F.square, mode=mode, target="python")(x, W)
        assert J.dtype == np.float64
        np.testing.assert_array_equal(J, want)
