"""Indexing, gather, assignment into local arrays, loops over arrays, lecture losses."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import funcs as F
from .check import assert_grads, rand


def test_index_int():
    x = rand(5)
    (g,) = assert_grads(F.index_int, (x,), (0,))
    expected = np.zeros(5)
    expected[1], expected[2], expected[4] = x[2], x[1], 2 * x[4]
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_index_ij():
    assert_grads(F.index_ij, (rand(3, 3),), (0,))


def test_rows_and_columns():
    assert_grads(F.index_row_col, (rand(3, 4), rand(4)), (0,))


def test_slices_with_steps_and_negative_bounds():
    assert_grads(F.slice_steps, (rand(10), rand(10)), (0,))


def test_slice_negative_step():
    x = rand(10)
    (g,) = assert_grads(F.slice_negative_step, (x, rand(10)), (0,))
    assert np.count_nonzero(g) == 3


def test_slice_2d():
    assert_grads(F.slice_2d, (rand(4, 5), rand(2, 3)), (0,))


def test_gather_with_repeated_labels():
    scores = rand(6, 3)
    y = np.array([0, 2, 2, 1, 2, 0])
    (g,) = assert_grads(F.gather, (scores, y, rand(6)), (0,))
    assert np.count_nonzero(g) == 6


def test_gather_1d_repeated_indices_accumulate():
    x, w = rand(5), rand(4)
    idx = np.array([1, 3, 1, 1])
    (g,) = assert_grads(F.gather_1d, (x, idx, w), (0,))
    np.testing.assert_allclose(g[1], 2 * x[1] * (w[0] + w[2] + w[3]), rtol=1e-12)


def test_item_assignment_in_loop():
    assert_grads(F.item_assign, (rand(6),), (0,))


def test_item_overwrite_saves_old_value():
    assert_grads(F.item_overwrite, (rand(4),), (0,))


def test_slice_assignment():
    assert_grads(F.slice_assign, (rand(5), rand(2, 5)), (0,))


def _svm_data(N=8, D=5, C=4, seed=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(D, C)) * 0.5, rng.normal(size=(N, D)), rng.integers(0, C, N)


def svm_by_hand(W, X, y, reg):
    """Lecture 000's vectorised SVM gradient."""
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1.0)
    margins[np.arange(N), y] = 0
    mask = (margins > 0).astype(float)
    mask[np.arange(N), y] = -mask.sum(axis=1)
    return X.T @ mask / N + 2 * reg * W


def test_svm_loss_gather_and_scatter():
    W, X, y = _svm_data()
    y[:3] = 1                                       # repeated labels
    (gW,) = assert_grads(F.svm_loss, (W, X, y, 0.1), (0,))
    np.testing.assert_allclose(gW, svm_by_hand(W, X, y, 0.1), rtol=1e-10, atol=1e-12)


def test_softmax_two_layer_net_all_parameters():
    rng = np.random.default_rng(5)
    N, D, H, C = 7, 4, 6, 3
    args = (rng.normal(size=(D, H)), rng.normal(size=H) * 0.1, rng.normal(size=(H, C)),
            rng.normal(size=C) * 0.1, rng.normal(size=(N, D)), rng.integers(0, C, N), 0.05)
    assert_grads(F.softmax_ce, args, (0, 1, 2, 3, 4))


def test_matrix_lecture_003():
    rng = np.random.default_rng(1)
    X, W1, W2 = rng.normal(size=(5, 4)), rng.normal(size=(4, 6)), rng.normal(size=(6, 3))
    gX, gW1, gW2 = assert_grads(F.matrix_lecture, (X, W1, W2), (0, 1, 2))
    z1 = X @ W1
    h1 = np.maximum(z1, 0)
    dyhat = 2 * (h1 @ W2)
    dz1 = (dyhat @ W2.T) * (z1 > 0)
    np.testing.assert_allclose(gW2, h1.T @ dyhat, rtol=1e-12)
    np.testing.assert_allclose(gW1, X.T @ dz1, rtol=1e-12)


def test_rnn_loop():
    rng = np.random.default_rng(2)
    H, D, T = 4, 3, 5
    args = (rng.normal(size=(H, H)) * 0.5, rng.normal(size=(H, D)) * 0.5,
            rng.normal(size=(T, D)), rng.normal(size=H))
    assert_grads(F.rnn, args, (0, 1, 2, 3))


def test_conv1d_loops():
    assert_grads(F.conv1d, (rand(9), rand(3)), (0, 1))


def test_while_over_array():
    assert_grads(F.while_rescale, (rand(4, lo=0.5, hi=1.0),), (0,))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_branch_on_array_reduction(sign):
    assert_grads(F.branch_on_array, (sign * rand(4, lo=0.2, hi=1.0), rand(4)), (0,))


def test_float32_inputs():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 4)).astype(np.float32)
    W1 = rng.normal(size=(4, 6)).astype(np.float32)
    W2 = rng.normal(size=(6, 3)).astype(np.float32)
    g = fg.grad(F.matrix_lecture, argnums=(1, 2), target="python")
    gW1, gW2 = g(X, W1, W2)
    assert gW1.dtype == np.float32 and gW2.dtype == np.float32
    ref = g(X.astype(np.float64), W1.astype(np.float64), W2.astype(np.float64))
    np.testing.assert_allclose(gW1, ref[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gW2, ref[1], rtol=1e-4, atol=1e-4)
    assert_grads(F.matrix_lecture, (X, W1, W2), (1, 2), g=g, rtol=2e-2, atol=2e-2, eps=1e-3)




@pytest.mark.parametrize("f", [F.local_view_write,
                               F.alias_local,
                               F.copy_then_write, F.augmented_item, F.augmented_whole,
                               F.read_after_write], ids=lambda f: f.__name__)
def test_writes_into_local_arrays(f):
    x = np.array([0.3, -0.7, 1.1, 0.5])
    try:
        value, (g,) = fg.value_and_grad(f, argnums=(0,), target="python")(x)
    except CompileError:      # rejecting aliasing writes is an acceptable answer too
        return
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    assert_grads(f, (x,), (0,))
