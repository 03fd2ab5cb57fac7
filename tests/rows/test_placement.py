"""Which row chunks go together in one task per worker thread (runtime/dask_placement.py):
each chunk to a worker that holds its bytes, the least loaded of them, threads dealt their
share; None where the data is held too unevenly for tasks that stay where it is."""
import pytest

da = pytest.importorskip("dask.array")

from flatgrad.runtime.dask_placement import _grouped  # noqa: E402
from flatgrad.runtime.dask_rows import _row_keys  # noqa: E402

A, B, C = "tcp://a", "tcp://b", "tcp://c"


def data(k=6, rows=100, cols=20):
    """X (rows x cols) and y in ``k`` chunks; the keys of each chunk's blocks."""
    X = da.zeros((k * rows, cols), chunks=(rows, cols))
    y = da.zeros(k * rows, chunks=rows)
    return list(zip(_row_keys(X), _row_keys(y))), [X, y]


def flat(groups):
    return sorted(k for _, ks in groups for k in ks)


def test_each_chunk_runs_where_it_is_held_and_once():
    chunks, arrays = data()
    who = {kx: [A if i % 2 else B] for i, (kx, _) in enumerate(chunks)}
    who.update({ky: [A if i % 2 else B] for i, (_, ky) in enumerate(chunks)})
    groups = _grouped(chunks, arrays, who, {A: 1, B: 1})
    assert flat(groups) == list(range(6))
    assert dict(groups) == {A: [1, 3, 5], B: [0, 2, 4]}


def test_a_small_block_elsewhere_and_replicas_leave_room_to_balance():
    # every X chunk on A and B (replicas), every y chunk on A only: y's blocks are small,
    # so half the chunks go to B, which fetches their y
    chunks, arrays = data()
    who = {kx: [A, B] for kx, _ in chunks}
    who.update({ky: [A] for _, ky in chunks})
    groups = _grouped(chunks, arrays, who, {A: 1, B: 1})
    assert flat(groups) == list(range(6))
    assert sorted(len(ks) for _, ks in groups) == [3, 3]


def test_a_large_block_elsewhere_is_not_fetched():
    # X's chunks on A, y's on B: each chunk goes where its X is
    chunks, arrays = data(k=2)
    who = {kx: [A] for kx, _ in chunks}
    who.update({ky: [B] for _, ky in chunks})
    assert _grouped(chunks, arrays, who, {A: 2}) == [(A, [0]), (A, [1])]


def test_threads_share_their_workers_chunks():
    chunks, arrays = data(k=7)
    who = {key: [A if i < 4 else B] for i, keys in enumerate(chunks) for key in keys}
    groups = _grouped(chunks, arrays, who, {A: 2, B: 3})
    assert flat(groups) == list(range(7))
    assert sorted(ks for w, ks in groups if w == A) == [[0, 2], [1, 3]]
    assert sorted(ks for w, ks in groups if w == B) == [[4], [5], [6]]


def test_data_held_unevenly_is_evened_out_by_moving_chunks():
    chunks, arrays = data()
    who = {key: [A if i < 4 else B] for i, keys in enumerate(chunks) for key in keys}
    groups = _grouped(chunks, arrays, who, {A: 1, B: 1})          # 4 against 2
    assert flat(groups) == list(range(6))
    assert [(w, len(ks)) for w, ks in groups] == [(A, 3), (B, 2), (B, 1)]
    assert groups[-1][1][0] < 4          # the moved chunk is one of A's, a task of its own
    who = {key: [A if i < 3 else B] for i, keys in enumerate(chunks) for key in keys}
    groups = _grouped(chunks, arrays, who, {A: 1, B: 1, C: 1})    # C holds none
    assert flat(groups) == list(range(6))
    per = {}
    for w, ks in groups:
        per[w] = per.get(w, 0) + len(ks)
    assert per == {A: 2, B: 2, C: 2}
    groups = _grouped(chunks, arrays, who, {A: 1, B: 1})          # even: nothing moves
    assert sorted(len(ks) for _, ks in groups) == [3, 3] and len(groups) == 2
