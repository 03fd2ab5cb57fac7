"""A representative subset of the array programs on the Numba target "cpu".

Each compiled gradient is built once per module (Numba compiles cost about a second
each) and checked against finite differences and against the "python" target.
"""
import numpy as np
import pytest

import flatgrad as fg

from . import funcs as F
from . import generated as G
from .check import assert_grads, rand

pytestmark = pytest.mark.slow

RNG = np.random.default_rng(11)

CASES = {
    "matrix_lecture": (F.matrix_lecture, lambda: (RNG.normal(size=(5, 4)), RNG.normal(size=(4, 6)),
                                                  RNG.normal(size=(6, 3))), (0, 1, 2)),
    "svm_loss": (F.svm_loss, lambda: (RNG.normal(size=(5, 4)), RNG.normal(size=(8, 5)),
                                      np.array([0, 1, 1, 3, 2, 1, 0, 3]), 0.1), (0,)),
    "softmax_ce": (F.softmax_ce, lambda: (RNG.normal(size=(4, 6)), RNG.normal(size=6) * 0.1,
                                          RNG.normal(size=(6, 3)), RNG.normal(size=3) * 0.1,
                                          RNG.normal(size=(7, 4)), RNG.integers(0, 3, 7), 0.05),
                   (0, 1, 2, 3)),
    "bias_row_broadcast": (F.b_add, lambda: (rand(3, 4), rand(1, 4), rand(3, 4)), (0, 1)),
    "max_keepdims": (G.r_max_keep1, lambda: (rand(3, 4), rand(4), rand(3)), (0,)),
    "prod_tuple_axis": (G.r_prod_tuple02, lambda: (rand(3, 4, 5, lo=0.6, hi=1.4), rand(4), rand(3)), (0,)),
    "transpose_axes": (F.transpose_axes, lambda: (rand(2, 3, 4), rand(4, 2, 3)), (0,)),
    "slices": (F.slice_steps, lambda: (rand(10), rand(10)), (0,)),
    "slice_assign": (F.slice_assign, lambda: (rand(5), rand(2, 5)), (0,)),
    "rnn": (F.rnn, lambda: (RNG.normal(size=(4, 4)) * 0.5, RNG.normal(size=(4, 3)) * 0.5,
                            RNG.normal(size=(5, 3)), RNG.normal(size=4)), (0, 1, 2, 3)),
    "conv1d": (F.conv1d, lambda: (rand(9), rand(3)), (0, 1)),
}


@pytest.fixture(scope="module")
def compiled():
    """name -> grad object on target "cpu", compiled lazily and shared by the tests below."""
    cache = {}

    def get(name):
        if name not in cache:
            f, _, argnums = CASES[name]
            cache[name] = fg.grad(f, argnums=argnums, target="cpu")
        return cache[name]
    return get


@pytest.mark.parametrize("name", sorted(CASES))
def test_cpu_matches_finite_differences_and_python(name, compiled):
    f, make, argnums = CASES[name]
    args = make()
    g = compiled(name)
    got = assert_grads(f, args, argnums, g=g)
    ref = fg.grad(f, argnums=argnums, target="python")(*args)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    again = g(*make())          # a second call with new values reuses the compiled function
    assert len(again) == len(argnums)


def test_cpu_float32(compiled):
    X = RNG.normal(size=(5, 4)).astype(np.float32)
    W1 = RNG.normal(size=(4, 6)).astype(np.float32)
    W2 = RNG.normal(size=(6, 3)).astype(np.float32)
    g = compiled("matrix_lecture")
    gX, gW1, gW2 = g(X, W1, W2)
    assert gW1.dtype == np.float32
    ref = g(X.astype(np.float64), W1.astype(np.float64), W2.astype(np.float64))
    for a, b in zip((gX, gW1, gW2), ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
