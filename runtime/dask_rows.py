"""Transforms of sums over rows, with the data in Dask arrays: one task per row chunk.

``fg.grad(nll)(w, X, y)`` with ``X`` and ``y`` Dask arrays (the data; never differentiated)
runs where the data lives. The compiler first proves ``nll`` additive over the rows of the
Dask arguments (``compiler/rows.py``: a sum or mean over rows of row-wise terms, plus terms
that do not read the data) and builds the function one chunk runs, whose last parameter is
the total row count (``np.mean`` and ``X.shape[0]`` still mean the whole data's). Then:

* the Dask arguments are aligned: rows cut as the first one's, every other axis in one
  chunk (``rechunk``), so that chunk ``k`` of every argument holds the same rows;
* the transform runs on each chunk's NumPy blocks and returns its results (parameter-sized:
  the value and the gradient of the chunk's part). What a chunk needs besides its blocks
  (the transform, which pickles by reference so a worker rebuilds it once,
  ``runtime/pickling.py``, and the parameters) travels inside each task when the parameters
  are small, so a worker needs nothing from another one before it starts; large parameters
  are one value in the graph, fetched by each worker once per call;
* data that is not yet in the cluster's memory (read or generated lazily) runs as one task
  per chunk, and the chunks' results are summed in a tree of tasks (16 at a time): Dask
  then makes each chunk as a worker is ready for it and drops it after its task. Data held
  in the workers' memory (``X.persist()``, what an optimizer's calls read again and again)
  runs as one task per worker thread, placed where its chunks are, that loops over them
  and sums as it goes: what the cluster does per call is then what it has to (a pass over
  its chunks and one sum), without a task, a scheduler round trip and a wake-up of the
  worker per chunk;
* a task runs its chunk in blocks of a few thousand rows (``BLOCK_BYTES`` of data), adding
  up their results: the sum is additive over any split of the rows, not only Dask's, and
  a block's temporaries (a vector per row-wise value, ``X @ w``, ``np.logaddexp(0, z)``, and
  their adjoints) are then tens of KiB, reused from the heap and in cache, where a chunk's
  are MiBs each, fresh pages for every call (``mmap``; a Dask nanny's
  ``MALLOC_TRIM_THRESHOLD_`` returns them to the system at once);
* the client receives one parameter-sized result;
* the terms that do not read the data were counted once per chunk: the client subtracts
  ``K - 1`` times the transform on zero rows (where every sum over rows is 0), computed
  while the cluster works when the scheduler is a ``distributed.Client``.

The graph is written out directly (one layer of plain tasks, keys named once per call),
not through ``dask.delayed``, which hashes or draws a random name for every task it makes.
It runs on Dask's current scheduler: a ``distributed.Client``'s if one is active, else the
threaded one (``dask.config.set(scheduler="processes")`` works too). Each call computes one
graph, so a chunk of ``X`` is computed once per call; ``X.persist()`` keeps it in the
workers' memory across the calls of an optimizer (your choice: see docs/dask.md).
"""
from __future__ import annotations

import itertools
import math
import os
import time
import weakref

import numpy as np

from ..compiler.steps import Step
from ..compiler.tree import flatten, unflatten
from . import dask_placement as placement
from .dask_map import is_dask

SPLIT_EVERY = 16         # results summed per task of the tree
INLINE_BYTES = 1 << 16   # parameters up to this size travel inside each task
BLOCK_BYTES = 1 << 20    # a chunk runs in blocks of rows of about this many bytes of data
BLOCK_ROWS = (512, 8192)  # ... and of at least / at most this many rows (0 bytes: no blocks)
BASE_SHARE = 4           # larger blocks where the part that reads no data costs > 1/4 of one
_CHUNKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LAST: list = [None]     # the last call's result future (see _hold)
_CALLS = itertools.count()
_PROCESS = os.urandom(6).hex()   # with the process id and the counter: a graph's name, new
                                 # for every call (of every process a fork makes, too)


class DaskData(Exception):
    """Raised by argument classification at a Dask array: the call goes to :func:`call`."""


def chunk_transform(t, positions: tuple):
    """The transform ``t`` as one row chunk computes it (cached per transform and positions)."""
    per = _CHUNKED.setdefault(t, {})
    tc = per.get(positions)
    if tc is None:
        tc = per[positions] = t.restacked((Step("rows", positions),) + t.steps,
                                          t.suffix + "_rows", ("rows",) + t.extra)
    return tc


def call(t, args: tuple):
    """``t(*args)`` with some of ``args`` Dask arrays: NumPy results, computed on Dask."""
    args = t._bind(tuple(args))
    n = len(t.params) - len(t.extra)
    positions = tuple(i for i, a in enumerate(args) if is_dask(a))
    if not positions:
        raise TypeError(f"'{t.__name__}': Dask arrays are taken as whole arguments (the data), "
                        "not inside containers")
    arrays, rows = _aligned(t, args, positions, n)
    tc = chunk_transform(t, positions)
    params = tuple(None if i in positions else a for i, a in enumerate(args))
    job = _Job(_Payload(tc, params, positions, n, rows, _block_rows(arrays)), arrays)
    client = _client()
    if client is None:
        import dask
        from dask.delayed import Delayed
        out = job.per_chunk()
        (summed,) = dask.compute(Delayed(out, job.graph(), layer=job.name))
        base = _empty_run(tc, args, positions, n, rows)
    else:
        groups = placement.groups(client, job.chunks, arrays)
        out = job.per_chunk() if groups is None else job.per_worker(groups)
        future = client.get(job.graph(), out, sync=False)   # the cluster starts; meanwhile ...
        _hold(future if groups is not None else None)
        base = _empty_run(tc, args, positions, n, rows)
        summed = future.result()
    # the part that reads no data was counted once per chunk: keep it once
    base, tree = flatten(base)
    k = len(job.chunks)
    return unflatten(tree, [_like(b, s - (k - 1) * b) for s, b in zip(summed, base)])


class _Payload:
    """What every task needs besides its blocks: the chunk's transform, the parameters (None
    at the data's positions), where the blocks go, the total row count and the rows per
    block. An object, not a tuple, so that Dask passes it to the task as it is (a tuple that
    starts with a callable would be a task, one that holds a key a reference)."""

    __slots__ = ("tc", "params", "positions", "n", "rows", "block")

    def __init__(self, tc, params: tuple, positions: tuple, n: int, rows: int, block: int):
        self.tc, self.params, self.positions, self.n, self.rows = tc, params, positions, n, rows
        self.block = block

    def __reduce__(self):
        return _Payload, (self.tc, self.params, self.positions, self.n, self.rows, self.block)

    def nbytes(self) -> int:
        """The parameters' array bytes (what decides whether they travel in every task)."""
        return sum(getattr(leaf, "nbytes", 8) for leaf in flatten(self.params)[0])

    def run(self, blocks):
        """The transform on one chunk's blocks, in blocks of rows; its results as a flat list.

        Each block's result holds once the part that reads no data (a penalty on the
        parameters), which the zero-row run gives: blocks after the first add their result
        less that part, so the chunk's result is what one run on the chunk would give (the
        client counts that part once per chunk), up to rounding. That part is computed in
        every block: where it costs much beside a block's rows (an expensive prior), the
        rest of the chunk runs in larger blocks (:func:`_recut`)."""
        cuts = _cuts(blocks, self.block)
        if len(cuts) == 2:
            return self.once(blocks)
        t0 = time.thread_time()             # CPU time: a preemption is not the model's cost
        total = self.once([blk[:cuts[1]] for blk in blocks])
        t1 = time.thread_time()
        base = self.once([blk[:0] for blk in blocks])
        cuts = _recut(cuts, t1 - t0, time.thread_time() - t1)
        for start, stop in zip(cuts, cuts[1:]):
            part = self.once([blk[start:stop] for blk in blocks])
            total = [t + (p - b) for t, p, b in zip(total, part, base)]
        return total

    def once(self, blocks):
        """The transform on the rows ``blocks`` hold (one per Dask argument); flat results."""
        args = list(self.params)
        for i, blk in zip(self.positions, blocks):
            args[i] = blk
        return flatten(_run(self.tc, args, self.n, self.rows))[0]


class _Job:
    """One call's graph: a layer of plain Dask tasks (the chunks' or the workers', then the
    sums) under a name new for the call, so that no result of an earlier call is taken for
    one of its own, over the Dask arguments' graphs."""

    def __init__(self, payload: _Payload, arrays: list):
        self.arrays = arrays
        self.name = f"flatgrad-rows-{_PROCESS}-{os.getpid()}-{next(_CALLS)}"
        self.layer: dict = {}
        self.placed: dict = {}       # worker address -> the keys of the tasks placed there
        if payload.nbytes() <= INLINE_BYTES:
            self.payload = payload
        else:                        # one value of the graph, fetched once by each worker
            self.payload = (self.name, "payload")
            self.layer[self.payload] = payload
        # chunk k's block keys, one per Dask argument
        self.chunks = list(zip(*[_row_keys(a) for a in arrays]))

    def per_chunk(self):
        """A task per chunk, then a tree of sums; the root's key."""
        return self._summed([self._task(("chunk", k), _chunk, keys)
                             for k, keys in enumerate(self.chunks)])

    def per_worker(self, groups: list):
        """A task per ``(worker, chunk numbers)`` of ``groups``, placed on that worker (or
        another one if it is gone), then a tree of sums; the root's key."""
        parts = []
        for j, (worker, ks) in enumerate(groups):
            parts.append(self._task(("worker", j), _chunks,
                                    [key for k in ks for key in self.chunks[k]]))
            self.placed.setdefault(worker, []).append(parts[-1])
        return self._summed(parts)

    def graph(self):
        """The call's ``HighLevelGraph`` over the Dask arguments' graphs: its layer, and a
        layer per worker for the tasks placed there (annotated with the worker), between
        the arguments (and a large payload's value) and the sums."""
        from dask.highlevelgraph import HighLevelGraph, MaterializedLayer
        hlg = HighLevelGraph.from_collections(self.name, self.layer, dependencies=self.arrays)
        if not self.placed:
            return hlg
        layers, deps = dict(hlg.layers), dict(hlg.dependencies)
        inputs = set(deps[self.name])
        if isinstance(self.payload, tuple):
            name = f"{self.name}-payload"
            layers[name] = MaterializedLayer({self.payload: self.layer.pop(self.payload)})
            deps[name] = set()
            inputs.add(name)
        placed = set()
        for i, (worker, keys) in enumerate(self.placed.items()):
            name = f"{self.name}-on-{i}"
            layers[name] = MaterializedLayer({k: self.layer.pop(k) for k in keys},
                                             annotations={"workers": [worker],
                                                          "allow_other_workers": True})
            deps[name] = inputs
            placed.add(name)
        layers[self.name] = MaterializedLayer(self.layer)
        deps[self.name] = inputs | placed
        return HighLevelGraph(layers, deps)

    def _task(self, what: tuple, fn, blocks: list):
        key = (self.name, *what)
        self.layer[key] = (fn, self.payload, *blocks)
        return key

    def _summed(self, parts: list):
        """``parts`` summed in a tree of tasks, ``SPLIT_EVERY`` at a time; the root's key."""
        level = 0
        while len(parts) > 1:
            level += 1
            parts = [self._sum(level, j, parts[k:k + SPLIT_EVERY])
                     for j, k in enumerate(range(0, len(parts), SPLIT_EVERY))]
        return parts[0]

    def _sum(self, level: int, j: int, parts: list):
        key = (self.name, "sum", level, j)
        self.layer[key] = (_add, *parts)
        return key


def _row_keys(a) -> list:
    """The keys of a Dask array's blocks along its rows (its other axes are one block)."""
    keys = []
    for k in a.__dask_keys__():
        while isinstance(k, list):
            k = k[0]
        keys.append(k)
    return keys


def _hold(future) -> None:
    """Keep ``future`` (the call's result) until the next call has sent its graph, and let
    the previous call's go now. A client sends the scheduler at most one batch of messages
    per 10 ms; released when the call returns, a result's release would be that batch, and
    the next call's graph, sent a moment later by an optimizer, would wait for the next.
    One slot for all clients: what it keeps alive is one small result and its client. Only
    a call on data held in the workers' memory (an optimizer's, made again and again) keeps
    its result; a call whose graph computes its data lets that graph go when it returns."""
    _LAST[0] = future


def _client():
    """The ``distributed.Client`` that Dask's current scheduler belongs to, else None."""
    import sys
    if "distributed" not in sys.modules:
        return None
    from dask.base import get_scheduler
    from distributed import Client
    owner = getattr(get_scheduler(), "__self__", None)
    return owner if isinstance(owner, Client) else None


def _empty_run(tc, args, positions, n: int, rows: int):
    """The transform on zero rows of data: the part of every chunk's result that reads none."""
    empty = list(args)
    for i in positions:
        empty[i] = np.empty((0,) + args[i].shape[1:], dtype=args[i].dtype)
    return _run(tc, empty, n, rows)


def _aligned(t, args, positions, n) -> tuple:
    """The Dask arguments rechunked so that block ``k`` of each holds the same rows (and all
    of every other axis), and the total row count; errors name the argument."""
    import dask.array as da
    first = None
    for i in positions:
        name, a = t.params[i], args[i]
        if i >= n:
            raise TypeError(f"argument '{name}' is a Dask array; only the function's own "
                            "data arguments may be (not tangents or cotangents)")
        if not isinstance(a, da.Array):
            raise TypeError(f"argument '{name}' is a {type(a).__name__}; of Dask collections, "
                            "flatgrad's transforms take Dask arrays (the data, in row chunks)")
        if i in t.floats:
            raise TypeError(f"argument '{name}' is a Dask array and is differentiated "
                            "(argnums); Dask arrays are for data arguments, whose gradient "
                            "is not asked for")
        if a.ndim == 0 or any(math.isnan(s) for s in a.shape):
            raise ValueError(f"argument '{name}' must be a Dask array with rows and known "
                             "chunk sizes (.compute_chunk_sizes() first)")
        if first is not None and a.shape[0] != args[first].shape[0]:
            raise ValueError(f"arguments '{t.params[first]}' and '{name}' have "
                             f"{args[first].shape[0]} and {a.shape[0]} rows; the Dask "
                             "arguments must have the same rows")
        first = i if first is None else first
    cuts = args[first].chunks[0]
    arrays = [args[i].rechunk({0: cuts, **{j: -1 for j in range(1, args[i].ndim)}})
              for i in positions]
    return arrays, int(args[first].shape[0])


def _block_rows(arrays: list) -> int:
    """Rows per block of a chunk: about ``BLOCK_BYTES`` of the Dask arguments' rows, within
    ``BLOCK_ROWS`` (a block of few rows costs a call per few rows; one of many rows makes
    temporaries of 8 bytes a row over the 128 KiB from which ``malloc`` maps fresh pages);
    0 (whole chunks) when ``BLOCK_BYTES`` is 0."""
    if BLOCK_BYTES <= 0:
        return 0
    width = sum(a.dtype.itemsize * math.prod(a.shape[1:]) for a in arrays)
    low, high = BLOCK_ROWS
    return max(low, min(high, BLOCK_BYTES // max(width, 1)))


def _cuts(blocks, most: int) -> list:
    """Where a chunk's rows are cut into blocks of at most ``most`` rows, as even as may be
    (``[0, ..., rows]``); one block when ``most`` is 0 or the chunk's blocks are not all
    C-contiguous NumPy arrays (rows of another layout would be new argument types)."""
    rows = len(blocks[0])
    if most <= 0 or rows <= most or not all(
            isinstance(b, np.ndarray) and b.flags.c_contiguous for b in blocks):
        return [0, rows]
    k = -(-rows // most)
    return [rows * j // k for j in range(k + 1)]


def _recut(cuts: list, first: float, base: float) -> list:
    """The cuts of a chunk's rows after its first block (``cuts[1]`` on), given the seconds
    the first block and the zero-row run took: the blocks as cut, or larger ones where the
    part that reads no data (``base``, run in every block) costs more than a quarter of a
    block's rows (``first - base``)."""
    rows, most = cuts[-1], cuts[2] - cuts[1]
    grow = math.ceil(BASE_SHARE * base / max(first - base, 1e-9))
    if grow <= 1:
        return cuts[1:]
    k = -(-(rows - cuts[1]) // (most * grow))
    return [cuts[1] + (rows - cuts[1]) * j // k for j in range(k + 1)]


def _run(tc, args, n: int, rows: int):
    return tc(*args[:n], rows, *args[n:])


def _chunk(payload, *blocks):
    """One task: the transform on one row chunk; its results as a flat tuple."""
    return tuple(payload.run(blocks))


def _chunks(payload, *blocks):
    """One task: the transform on several row chunks (their blocks in a row, chunk by
    chunk), summed as they are computed."""
    m = len(payload.positions)
    total = None
    for k in range(0, len(blocks), m):
        part = payload.run(blocks[k:k + m])
        total = part if total is None else _add(total, part)
    return tuple(total)


def _add(*parts):
    """The chunks' results, summed leaf by leaf."""
    return tuple(sum(leaves[1:], leaves[0]) for leaves in zip(*parts))


def _like(base, value):
    """``value`` as the type the transform returns for ``base`` (a Python float stays one)."""
    return type(base)(value) if isinstance(base, (float, int)) and not isinstance(base, bool) \
        else value
