"""Transforms of sums over rows, with the data in Dask arrays: one task per row chunk.

``fg.grad(nll)(w, X, y)`` with ``X`` and ``y`` Dask arrays (the data; never differentiated)
runs where the data lives. The compiler first proves ``nll`` additive over the rows of the
Dask arguments (``compiler/rows.py``: a sum or mean over rows of row-wise terms, plus terms
that do not read the data) and builds the function one chunk runs, whose last parameter is
the total row count (``np.mean`` and ``X.shape[0]`` still mean the whole data's). Then:

* the Dask arguments are aligned: rows cut as the first one's, every other axis in one
  chunk (``rechunk``), so that chunk ``k`` of every argument holds the same rows;
* one task per chunk runs the transform on the chunk's NumPy blocks and returns its results
  (parameter-sized: the value and the gradient of the chunk's part). The transform (which
  pickles by reference: a worker rebuilds it once, ``runtime/pickling.py``) and the
  parameters travel inside each chunk's task when they are small, so a worker needs nothing
  from another one before it starts; large parameters are one value in the graph, fetched
  by each worker once per call;
* the chunks' results are summed in a tree of tasks on the cluster (16 at a time), and the
  client receives one parameter-sized result;
* the terms that do not read the data were counted once per chunk: the client subtracts
  ``K - 1`` times the transform on zero rows (where every sum over rows is 0), computed
  while the cluster works when the scheduler is a ``distributed.Client``.

The graph runs on Dask's current scheduler: a ``distributed.Client``'s if one is active,
else the threaded one (``dask.config.set(scheduler="processes")`` works too). Each call
builds and computes one graph, so a chunk of ``X`` is computed once per call; ``X.persist()``
keeps it in the workers' memory across the calls of an optimizer (your choice: see
docs/dask.md).
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from ..compiler.steps import Step
from ..compiler.tree import flatten, unflatten
from .dask_map import is_dask

SPLIT_EVERY = 16      # chunks' results summed per task of the tree
INLINE_BYTES = 1 << 16   # parameters up to this size travel inside each chunk's task
_CHUNKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


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
    blocks, rows = _aligned(t, args, positions, n)
    tc = chunk_transform(t, positions)
    params = tuple(None if i in positions else a for i, a in enumerate(args))
    total = graph(_Payload(tc, params), positions, n, rows, blocks)
    client = _client()
    if client is not None:
        future = client.compute(total)      # the cluster starts; the client meanwhile ...
        base = _empty_run(tc, args, positions, n, rows)
        summed = future.result()
    else:
        import dask
        (summed,) = dask.compute(total)
        base = _empty_run(tc, args, positions, n, rows)
    # the part that reads no data was counted once per chunk: keep it once
    base, tree = flatten(base)
    k = len(blocks[0])
    return unflatten(tree, [_like(b, s - (k - 1) * b) for s, b in zip(summed, base)])


def graph(payload, positions: tuple, n: int, rows: int, blocks: list):
    """The call as one Dask ``Delayed``: a task per row chunk, then a tree of sums."""
    import dask
    # keys new per call (pure=False: no hashing of the data or the parameters)
    shipped = payload if payload.nbytes() <= INLINE_BYTES else \
        dask.delayed(payload, traverse=False)
    parts = [dask.delayed(_chunk, pure=False)(shipped, positions, n, rows, *bs)
             for bs in zip(*blocks)]
    while len(parts) > 1:
        parts = [dask.delayed(_add, pure=False)(*parts[k:k + SPLIT_EVERY])
                 for k in range(0, len(parts), SPLIT_EVERY)]
    return parts[0]


class _Payload:
    """What every chunk's task needs besides its blocks: the chunk's transform and the
    parameters (None at the data's positions). An object, not a tuple, so that Dask passes
    it to the task as it is (a tuple that starts with a callable would be a task)."""

    __slots__ = ("tc", "params")

    def __init__(self, tc, params: tuple):
        self.tc, self.params = tc, params

    def __reduce__(self):
        return _Payload, (self.tc, self.params)

    def nbytes(self) -> int:
        """The parameters' array bytes (what decides whether they travel in every task)."""
        return sum(getattr(leaf, "nbytes", 8) for leaf in flatten(self.params)[0])


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
    """Each Dask argument's row chunks, as delayed NumPy blocks (the same rows in block ``k``
    of every argument), and the total row count; errors name the argument."""
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
    rows = args[first].shape[0]
    cuts = args[first].chunks[0]
    blocks = []
    for i in positions:
        a = args[i].rechunk({0: cuts, **{j: -1 for j in range(1, args[i].ndim)}})
        blocks.append(list(a.to_delayed(optimize_graph=False).ravel()))
    return blocks, int(rows)


def _run(tc, args, n: int, rows: int):
    return tc(*args[:n], rows, *args[n:])


def _chunk(payload, positions, n, rows, *blocks):
    """One task: the transform on one row chunk; its results as a flat tuple."""
    tc, args = payload.tc, list(payload.params)
    for i, blk in zip(positions, blocks):
        args[i] = blk
    return tuple(flatten(_run(tc, args, n, rows))[0])


def _add(*parts):
    """The chunks' results, summed leaf by leaf."""
    return tuple(sum(leaves[1:], leaves[0]) for leaves in zip(*parts))


def _like(base, value):
    """``value`` as the type the transform returns for ``base`` (a Python float stays one)."""
    return type(base)(value) if isinstance(base, (float, int)) and not isinstance(base, bool) \
        else value
