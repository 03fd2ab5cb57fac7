"""``gather``: ``x[rows, cols]`` with integer-array indices, a loop on Numba targets
(runtime/numba_ext.py), against NumPy's indexing; and gradients through it on both targets,
where repeated indices make the adjoint accumulate (np.add.at), against finite differences."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime import support

from .check import assert_grads, rand

pytestmark = pytest.mark.slow

RNG = np.random.default_rng(447)


@pytest.fixture(scope="module")
def jit_gather():
    from numba import njit

    import flatgrad.runtime.numba_ext  # noqa: F401  (the overload)
    return njit(lambda x, *idx: support.gather(x, *idx))


X2 = RNG.normal(size=(5, 4))
X3 = RNG.normal(size=(3, 4, 5))
INDICES = {
    "repeated": (X2, np.array([0, 4, 4, 1, 0, 4]), np.array([3, 0, 0, 2, 3, 0])),
    "negative": (X2, np.array([-1, -5, 2]), np.array([-4, 3, -1])),
    "length_one_repeats": (X2, np.array([2]), np.array([0, 1, 3, 3])),
    "integer_and_array": (X2, 3, np.array([1, 1, 0, -2])),
    "empty": (X2, np.array([], dtype=np.int64), np.array([], dtype=np.int64)),
    "three_axes": (X3, np.array([0, 2, 2]), np.array([3, 0, 1]), np.array([4, 4, -5])),
    "fewer_indices_than_axes": (X3, np.array([2, 0, 2])),          # Numba's own indexing
    "two_dimensional_index": (X2, np.array([[0, 1], [4, 4]]), np.array([[1, 1], [0, 3]])),
}


@pytest.mark.parametrize("name", sorted(INDICES))
def test_gather_is_numpys_indexing(name, jit_gather):
    x, *idx = INDICES[name]
    want = x[tuple(idx)]
    assert np.array_equal(support.gather(x, *idx), want)
    got = jit_gather(x, *idx)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(got, want)


@pytest.mark.parametrize("idx", [(np.array([0, 5]), np.array([1, 1])),
                                 (np.array([0, 1]), np.array([-5, 0])),
                                 (np.array([0, 1, 2]), np.array([0, 1]))],
                         ids=["row_past_end", "column_before_start", "lengths_differ"])
def test_gather_raises_indexerror_as_numpy(idx, jit_gather):
    with pytest.raises(IndexError):
        X2[idx]
    with pytest.raises(IndexError):
        jit_gather(X2, *idx)


def picked_squares(x, rows, cols, w):
    return np.sum(w * x[rows, cols] ** 2)


def picked_in_row(x, cols, w):
    return np.sum(w * np.sin(x[2, cols]))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_gradient_through_repeated_gathers(target):
    x = rand(5, 4)
    rows, cols = np.array([0, 4, 4, 1, 0, 4, -1]), np.array([3, 0, 0, 2, 3, 0, 0])
    w = rand(7)
    g = fg.grad(picked_squares, argnums=(0,), target=target)
    (gx,) = assert_grads(picked_squares, (x, rows, cols, w), (0,), g=g)
    want = np.zeros_like(x)
    np.add.at(want, (rows, cols), 2 * w * x[rows, cols])       # (4, 0) picked four times
    np.testing.assert_allclose(gx, want, rtol=1e-12)
    if target == "cpu":
        assert "gather(x, rows, cols)" in g.source
    g2 = fg.grad(picked_in_row, argnums=(0,), target=target)
    assert_grads(picked_in_row, (x, np.array([1, 1, 3, -1]), rand(4)), (0,), g=g2)
