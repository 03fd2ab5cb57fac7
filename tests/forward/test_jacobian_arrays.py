"""Jacobians and Hessians of array functions: rev == fwd == finite differences, with
JAX's shapes (result.shape + argument.shape), built from one batched pass over the seeds."""
import numpy as np
import pytest

import flatgrad as fg

from . import jac_funcs as F

RNG = np.random.default_rng(3)


def numeric_jacobian(f, args, i, out_index=None, eps=1e-6):
    args = list(args)
    x = np.asarray(args[i], dtype=float)
    base = f(*args)
    base = base[out_index] if out_index is not None else base
    J = np.zeros(np.shape(base) + x.shape)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        a_up, a_down = list(args), list(args)
        a_up[i], a_down[i] = up if x.shape else float(up), down if x.shape else float(down)
        fu, fd = f(*a_up), f(*a_down)
        if out_index is not None:
            fu, fd = fu[out_index], fd[out_index]
        J[(Ellipsis,) + idx] = (np.asarray(fu) - np.asarray(fd)) / (2 * eps)
    return J


CASES = [
    (F.layer, (RNG.normal(size=4), RNG.normal(size=(4, 4))), (0, 1)),
    (F.square_norm, (RNG.normal(size=5), 1.5), (0, 1)),
    (F.mixed, (RNG.normal(size=(3, 3)),), (0,)),
    (F.softmax, (RNG.normal(size=6),), (0,)),
]


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("f,args,argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_jacobian_matches_finite_differences(f, args, argnums, mode):
    J = fg.jacobian(f, argnums=argnums, mode=mode, target="python")(*args)
    for i, Ji in zip(argnums, J):
        want = numeric_jacobian(f, args, i)
        assert np.shape(Ji) == want.shape
        np.testing.assert_allclose(Ji, want, rtol=1e-6, atol=1e-7)


def test_rev_equals_fwd_on_tuple_results():
    x = RNG.normal(size=4)
    Jf = fg.jacobian(F.two_results, mode="fwd", target="python")(x)
    Jr = fg.jacobian(F.two_results, mode="rev", target="python")(x)
    for a, b, k in zip(Jf, Jr, range(2)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
        np.testing.assert_allclose(a, numeric_jacobian(F.two_results, (x,), 0, out_index=k),
                                   rtol=1e-6, atol=1e-7)


def test_jacobian_is_one_batched_pass():
    """All the seeds go through the VJP at once: no loop over them, and the matrix-vector
    product of the VJP becomes one matrix product on the block of seeds."""
    src = fg.jacobian(F.layer, mode="rev", target="python")
    src(*CASES[0][1])
    assert "for k in range(" not in src.source
    assert "np.eye(" in src.source


def test_hessian_of_array_function():
    x = RNG.normal(size=5)
    H = fg.hessian(F.square_norm, target="python")(x, 1.5)
    np.testing.assert_allclose(H, 3.0 * np.eye(5), atol=1e-12)


@pytest.mark.slow
def test_jacobian_on_cpu():
    x, W = CASES[0][1]
    got = fg.jacobian(F.layer, argnums=(0, 1), mode="rev", target="python")(x, W)
    want = fg.jacobian(F.layer, argnums=(0, 1), mode="fwd", target="python")(x, W)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12)
