"""A task runs each row chunk in blocks of rows (runtime/dask_rows.py, ``_Payload.run``):
the result is the same as one run on the chunk, the in-memory call's and the closed form,
for every additive form, whatever the cut: blocks that divide the chunk unevenly, a chunk
smaller than a block, blocks of one row, and terms that read no data (counted once).
Threaded scheduler (the tasks run in this process, so the runs can be counted), python
target."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime import dask_rows
from tests.rows import funcs as F
from tests.rows.test_rows import ADDITIVE, D, N, RNG, SN, W, XN, YN, assert_close, lazy

dask = pytest.importorskip("dask")


@pytest.fixture
def blocks(monkeypatch):
    """``blocks(rows)``: chunks run in blocks of at most ``rows`` rows (0: whole chunks), never
    larger (tiny blocks cost little beside the zero-row run: _recut would grow them); returns
    a list of the rows of each of the transform's runs."""
    runs = []
    once = dask_rows._Payload.once

    def counted(self, blks):
        runs.append(len(blks[0]))
        return once(self, blks)
    monkeypatch.setattr(dask_rows._Payload, "once", counted)

    def set_rows(rows, base_share=0):
        monkeypatch.setattr(dask_rows, "BLOCK_BYTES", 1 << 30 if rows else 0)
        monkeypatch.setattr(dask_rows, "BLOCK_ROWS", (rows, rows))
        monkeypatch.setattr(dask_rows, "BASE_SHARE", base_share)    # 0: blocks never grow
        runs.clear()
        return runs
    return set_rows


def test_cuts_are_even_and_cover_the_chunk():
    x = np.zeros((50, 3))
    assert dask_rows._cuts([x, x[:, 0].copy()], 7) == [0, 6, 12, 18, 25, 31, 37, 43, 50]
    assert dask_rows._cuts([x], 50) == [0, 50]            # a chunk no larger than a block
    assert dask_rows._cuts([x], 0) == [0, 50]             # blocks off
    assert dask_rows._cuts([x[:3]], 1) == [0, 1, 2, 3]
    assert dask_rows._cuts([np.asfortranarray(x)], 7) == [0, 50]   # rows would be strided
    assert dask_rows._cuts([x[::2]], 7) == [0, 25]


def test_block_rows_follow_the_row_width(monkeypatch):
    X, y = lazy(np.zeros((10, 20)), 5), lazy(np.zeros(10), 5)
    monkeypatch.setattr(dask_rows, "BLOCK_BYTES", 1 << 20)
    monkeypatch.setattr(dask_rows, "BLOCK_ROWS", (512, 8192))
    assert dask_rows._block_rows([X, y]) == (1 << 20) // (21 * 8)
    assert dask_rows._block_rows([y]) == 8192                     # narrow rows: the most
    assert dask_rows._block_rows([lazy(np.zeros((10, 10**4)), 5)]) == 512   # wide: the least
    monkeypatch.setattr(dask_rows, "BLOCK_BYTES", 0)
    assert dask_rows._block_rows([X, y]) == 0


@pytest.mark.parametrize("f, more", ADDITIVE, ids=[f.__name__ for f, _ in ADDITIVE])
def test_every_additive_form_is_the_same_in_blocks(f, more, blocks):
    """Chunks of 60, 60, 60, 23 rows in blocks of 7 (uneven), 1, 16 and 100 (a chunk smaller
    than a block): value and gradient equal the unblocked call's and the in-memory call's."""
    vg = fg.value_and_grad(f, target="python")
    X, y = lazy(XN, (60, 2)), lazy(YN, 47)
    extra = [lazy(SN, 101) for _ in more]
    want = vg(W, XN, YN, *[SN for _ in more])
    with dask.config.set(scheduler="threads"):
        blocks(0)
        whole = vg(W, X, y, *extra)
        for rows, runs in ((7, 3 * (9 + 1) + 4 + 1), (1, N + 4), (16, 3 * (4 + 1) + 2 + 1),
                           (100, 4)):
            counted = blocks(rows)
            got = vg(W, X, y, *extra)
            assert len(counted) == runs, (rows, sorted(counted))   # blocks + a zero-row run each
            assert max(counted) <= rows
            assert_close(got, want)
            assert_close(got, whole)


def test_closed_forms_in_blocks(blocks):
    """Against formulas, not flatgrad: the logistic loss and its gradient, a mean of squares,
    a constant and penalties counted once (affine_of_sums, weighted_sum), Hessian-vector
    products and the JVP of the gradient."""
    X, y, s = lazy(XN, 50), lazy(YN, 50), lazy(SN, 50)
    v = RNG.normal(size=D)
    z = XN @ W
    p = 1 / (1 + np.exp(-z))
    with dask.config.set(scheduler="threads"):
        for rows in (7, 13, 64):
            blocks(rows)
            val, g = fg.value_and_grad(F.logistic_nll, target="python")(W, X, y)
            np.testing.assert_allclose(
                val, np.mean(np.logaddexp(0, z) - YN * z) + 0.5 * W @ W, rtol=1e-12)
            np.testing.assert_allclose(g, XN.T @ (p - YN) / N + W, rtol=1e-11)
            hv = fg.hvp(F.logistic_nll, target="python")(W, X, y, v)
            np.testing.assert_allclose(hv, XN.T @ (p * (1 - p) * (XN @ v)) / N + v, rtol=1e-11)
            g2, hv2 = fg.jvp(fg.grad(F.logistic_nll, target="python"), (W, X, y),
                             (v, None, None), target="python")
            np.testing.assert_allclose(g2, g, rtol=1e-12)
            np.testing.assert_allclose(hv2, hv, rtol=1e-11)
            r = XN @ W - YN
            np.testing.assert_allclose(fg.grad(F.least_squares_mean, target="python")(W, X, y),
                                       2 * XN.T @ r / N, rtol=1e-11)
            val, g = fg.value_and_grad(F.weighted_sum, target="python")(W, X, y, s)
            np.testing.assert_allclose(val, np.sum(SN * r * r) + np.sum(W ** 4), rtol=1e-12)
            np.testing.assert_allclose(g, 2 * XN.T @ (SN * r) + 4 * W ** 3, rtol=1e-11)
            a, b = np.sum(XN @ W), np.sum(YN * z)
            val, g = fg.value_and_grad(F.affine_of_sums, target="python")(W, X, y)
            np.testing.assert_allclose(val, 3 * a - b / 2 + np.sum(W) * a + 7.0, rtol=1e-12)
            np.testing.assert_allclose(
                g, 3 * XN.sum(0) - XN.T @ YN / 2 + a + np.sum(W) * XN.sum(0), rtol=1e-11)


def test_pytree_parameters_and_a_loop_over_rows_in_blocks(blocks):
    params = {"W1": RNG.normal(size=(D, 5)), "b1": RNG.normal(size=5),
              "W2": RNG.normal(size=(5, 1)), "b2": np.array([0.1])}
    X, y = lazy(XN, 70), lazy(YN, 70)
    with dask.config.set(scheduler="threads"):
        blocks(9)
        vg = fg.value_and_grad(F.mlp, target="python")
        assert_close(vg(params, X, y), vg(params, XN, YN))
        h = fg.hvp(F.per_row_loop, target="python")
        v = RNG.normal(size=D)
        assert_close(h(W, X, y, v), h(W, XN, YN, v))


def test_chunks_that_are_not_c_contiguous_run_whole(blocks):
    """Fortran-ordered chunks: a block of their rows would be a strided array (for Numba, a
    new type to compile); they run whole, with the same result."""
    X = lazy(np.asfortranarray(XN), 50).map_blocks(np.asfortranarray, dtype=float)
    y = lazy(YN, 50)
    vg = fg.value_and_grad(F.logistic_nll, target="python")
    with dask.config.set(scheduler="threads"):
        counted = blocks(7)
        assert_close(vg(W, X, y), vg(W, XN, YN))
    assert sorted(counted) == [3, 50, 50, 50, 50]


def test_blocks_grow_where_the_part_without_data_is_costly():
    """_recut: blocks after the first grow by how much the zero-row run costs beside a
    block's rows; a model whose prior on the parameters is expensive runs a chunk in fewer
    blocks, with the same result (the closed form)."""
    assert dask_rows.BASE_SHARE == 4
    cuts = [0, 6, 12, 18, 25, 31, 37, 43, 50]
    assert dask_rows._recut(cuts, 1.0, 0.1) == cuts[1:]           # base 1/9 of a block: kept
    assert dask_rows._recut(cuts, 1.0, 0.3) == [6, 17, 28, 39, 50]  # 4 x 0.3 / 0.7: 2x larger
    assert dask_rows._recut(cuts, 1.0, 0.7) == [6, 50]              # 10x: the rest in one
    assert dask_rows._recut([0, 6, 9], 1.0, 0.9) == [6, 9]


def costly_prior(w, X, y):
    prior = 0.0
    for j in range(3000):
        prior += np.sin(w[0] + j * 1e-3)
    return np.mean((X @ w - y) ** 2) + prior


def test_a_costly_prior_runs_in_fewer_blocks(blocks):
    X, y = lazy(XN, 50), lazy(YN, 50)
    vg = fg.value_and_grad(costly_prior, target="python")
    with dask.config.set(scheduler="threads"):
        counted = blocks(7, base_share=4)
        val, g = vg(W, X, y)
    r = XN @ W - YN
    angles = W[0] + np.arange(3000) * 1e-3
    np.testing.assert_allclose(val, np.mean(r * r) + np.sum(np.sin(angles)), rtol=1e-12)
    want = 2 * XN.T @ r / N
    want[0] += np.sum(np.cos(angles))
    np.testing.assert_allclose(g, want, rtol=1e-11)
    # 4 chunks of 50 rows and one of 3: without growing, 4 x (8 + 1) + 1 runs
    assert len(counted) <= 4 * 4 + 1, sorted(counted)
