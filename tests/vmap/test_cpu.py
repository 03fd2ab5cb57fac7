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
