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


def picked_sum1(x, i):
    return 3.0 * np.sum(x[i]) + np.sum(x * x)


def picked_sum2(x, i, j):
    return 3.0 * np.sum(x[i, j]) + np.sum(x * x)


def picked_sum3(x, i, j, k):
    return 3.0 * np.sum(x[i, j, k]) + np.sum(x * x)


def nll(W, X, y):
    s = X @ W
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(logp[np.arange(X.shape[0]), y]) / X.shape[0]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("name", sorted(set(INDICES) - {"two_dimensional_index"}))
def test_the_adjoint_of_a_summed_gather_scatters_a_number(name, target):
    """``sum(x[rows, cols])``'s adjoint scatters the number itself (optimize._scatter_a_number):
    no gather read for its shape, no array of copies; repeated, negative, broadcast and
    multi-dimensional indices all as finite differences say. (A length-1 index array against
    a longer one: Numba's scatter once looped over the first array's length only.)"""
    x, *idx = INDICES[name]
    f = (picked_sum1, picked_sum2, picked_sum3)[len(idx) - 1]
    g = fg.grad(f, argnums=(0,), target=target)
    (gx,) = assert_grads(f, (x, *idx), (0,), g=g)
    want = 2 * x
    np.add.at(want, tuple(idx), 3.0)
    np.testing.assert_allclose(gx, want, rtol=1e-12)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_the_nll_gradient_reads_no_gather(target):
    W, X = rand(4, 3), rand(6, 4)
    y = np.array([0, 2, 2, 1, 0, 2])
    g = fg.grad(nll, target=target)
    assert_grads(nll, (W, X, y), (0,), g=fg.grad(nll, argnums=(0,), target=target))
    g(W, X, y)
    body = g.source.split("def nll_grad", 1)[1]
    assert "gather(" not in body and "logp[" not in body and "np.full" not in body, body
    # with the value asked for too, the gather stays (it makes the value)
    v, gv = fg.value_and_grad(nll, target=target)(W, X, y)
    assert v == pytest.approx(nll(W, X, y), rel=1e-12)
    np.testing.assert_allclose(gv, g(W, X, y), rtol=1e-12)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_scatter_of_items_through_a_broadcast_index(target):
    """The adjoint of ``w * x[rows, cols] ** 2`` with a length-1 ``rows`` (broadcast against
    ``cols``): each item scattered, the repeated column accumulated."""
    x, w = rand(5, 4), rand(4)
    rows, cols = np.array([2]), np.array([0, 1, 3, 3])
    (gx,) = assert_grads(picked_squares, (x, rows, cols, w), (0,),
                         g=fg.grad(picked_squares, argnums=(0,), target=target))
    want = np.zeros_like(x)
    np.add.at(want, (rows, cols), 2 * w * x[rows, cols])
    np.testing.assert_allclose(gx, want, rtol=1e-12)
