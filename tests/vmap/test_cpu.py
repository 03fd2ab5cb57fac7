"""fg.vmap on the Numba targets: one shared set of compiled functions (Numba compiles take
seconds), each compared with the per-example loop of the unbatched python-target transform."""
import numpy as np
import pytest

import flatgrad as fg

from . import programs as P
from .oracle import assert_close, loop

rng = np.random.default_rng(11)


@pytest.fixture(scope="module")
def compiled():
    return {
        "grad_batch": fg.vmap(fg.grad(P.mlp_loss), in_axes=(None, 0, 0), target="cpu",
                              method="batch"),
        "grad_loop": fg.vmap(fg.grad(P.mlp_loss), in_axes=(None, 0, 0), target="cpu",
                             method="loop"),
        "newton_parallel": fg.vmap(P.newton_sqrt, target="parallel"),
        "branchy": fg.vmap(P.branchy, target="cpu", method="batch"),
        "hessian": fg.vmap(fg.hessian(P.linear_loss, argnums=1), in_axes=(None, 0, 0),
                           target="cpu"),
    }


@pytest.mark.slow
def test_cpu_and_parallel_targets(compiled):
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    X, Y = rng.normal(size=(16, 4)), rng.normal(size=(16, 3))
    want = loop(fg.grad(P.mlp_loss, target="python"), (params, X, Y), (None, 0, 0))
    assert_close(compiled["grad_batch"](params, X, Y), want, rtol=1e-9)
    assert_close(compiled["grad_loop"](params, X, Y), want, rtol=1e-9)
    a = rng.uniform(0.1, 50.0, size=200)
    newton = compiled["newton_parallel"]
    assert_close(newton(a), np.sqrt(a), rtol=1e-10)
    assert "prange(" in newton.source and "parallel=True" in newton.source
    x, t = rng.normal(size=(9, 3)), rng.normal(size=9)
    assert_close(compiled["branchy"](x, t), loop(P.branchy, (x, t)))
    W, X2, Y2 = rng.normal(size=(3, 2)), rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert_close(compiled["hessian"](W, X2, Y2),
                 loop(fg.hessian(P.linear_loss, argnums=1, target="python"), (W, X2, Y2),
                      (None, 0, 0)), rtol=1e-9)
    with pytest.raises(ValueError, match="different sizes"):
        compiled["grad_batch"](params, X, Y[:3])


@pytest.mark.slow
def test_large_per_example_gradients(compiled):
    """Per-example weight gradients of 5 MB and more: Numba's einsum output and the loop
    method's result buffers are allocated with the huge-page hint (runtime/hugepages.py),
    which must not change a value."""
    params = {"W1": rng.normal(size=(128, 80)) * 0.1, "b1": rng.normal(size=80),
              "W2": rng.normal(size=(80, 3)) * 0.1, "b2": rng.normal(size=3)}
    X, Y = rng.normal(size=(64, 128)), rng.normal(size=(64, 3))
    want = loop(fg.grad(P.mlp_loss, target="python"), (params, X, Y), (None, 0, 0))
    got = compiled["grad_batch"](params, X, Y)
    assert got["W1"].nbytes >= 1 << 22
    assert_close(got, want, rtol=1e-9)
    assert_close(compiled["grad_loop"](params, X, Y), want, rtol=1e-9)


_pairwise_cpu = fg.vmap(P.pair, in_axes=(None, 0), target="cpu")


def _total_cpu(W, X):
    return np.sum(_pairwise_cpu(W, X))


@pytest.fixture(scope="module")
def compositions():
    """The compositions the python-target tests check, compiled once by Numba."""
    return {
        "nested": fg.vmap(fg.vmap(P.pair, in_axes=(None, 0), target="cpu"), in_axes=(0, None)),
        "axes": fg.vmap(P.two_results, in_axes=(-1, 0), out_axes=(-1, 0), target="cpu"),
        "vg": fg.vmap(fg.value_and_grad(P.linear_loss, argnums=(0, 1)), in_axes=(None, 0, 0),
                      target="cpu"),
        "jacfwd": fg.vmap(fg.jacobian(P.affine, argnums=(0, 1), mode="fwd"),
                          in_axes=(0, 0, None), target="cpu"),
        "ensemble": fg.vmap(fg.value_and_grad(P.ensemble_loss),
                            in_axes=({"w": 0, "b": None}, None, None), target="cpu"),
        "grad_of_vmap": fg.grad(_total_cpu, target="cpu"),
    }


@pytest.mark.slow
def test_compositions_on_cpu(compositions):
    """Nested vmap, negative in/out axes, value_and_grad with argnums, a forward-mode
    Jacobian per example, a pytree prefix of in_axes and grad of a function calling vmap'd
    code, each against the per-example loop of the python-target transform."""
    c = compositions
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    assert_close(c["nested"](X, Y), np.array([[P.pair(x, y) for y in Y] for x in X]))
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(5, 3))
    assert_close(c["axes"](x, y), loop(P.two_results, (x, y), (1, 0), (1, 0)))
    W, X2, Y2 = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    vg = fg.value_and_grad(P.linear_loss, argnums=(0, 1), target="python")
    assert_close(c["vg"](W, X2, Y2), loop(vg, (W, X2, Y2), (None, 0, 0)), rtol=1e-9)
    xs, A, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 2, 3)), rng.normal(size=2)
    jac = fg.jacobian(P.affine, argnums=(0, 1), mode="fwd", target="python")
    assert_close(c["jacfwd"](xs, A, b), loop(jac, (xs, A, b), (0, 0, None)), rtol=1e-9)
    params = {"w": rng.normal(size=(8, 3)), "b": 0.5}
    X3, Y3 = rng.normal(size=(10, 3)), rng.normal(size=10)
    ens = fg.value_and_grad(P.ensemble_loss, target="python")
    assert_close(c["ensemble"](params, X3, Y3),
                 loop(ens, (params, X3, Y3), ({"w": 0, "b": None}, None, None)), rtol=1e-9)
    w, X4 = rng.normal(size=3), rng.normal(size=(5, 3))
    want = sum(fg.grad(P.pair, target="python")(w, x) for x in X4)
    assert_close(c["grad_of_vmap"](w, X4), want, rtol=1e-9)
