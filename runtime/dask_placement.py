"""Where the row chunks of a Dask call are held on a ``distributed`` cluster.

``runtime/dask_rows.py`` runs data that is already in the workers' memory (``X.persist()``)
as one task per worker thread, placed on the worker that holds its chunks, instead of one
task per chunk. This module says which chunks go together: each chunk to the worker that
holds most of its blocks' bytes, a worker's chunks dealt out to its threads.

Asking the scheduler (``who_has``, ``ncores``) is a round trip. It is made once per set of
chunks and client before the first call on them; later calls use the answer remembered
and ask again in the background, on the client's event loop while the call runs, for the
next one. A chunk placed by an old answer (the data was moved: ``rebalance``, a worker
lost) is still computed, by that worker fetching its blocks, or by another worker when
that one is gone (``allow_other_workers``); it costs a transfer, never a wrong result.
"""
from __future__ import annotations

import weakref

KEEP = 8        # sets of chunks remembered per client (the data of a few fits at once)
SMALL = 1 / 8   # a chunk goes where it is held, but for blocks of at most this fraction
_KNOWN: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def groups(client, chunks: list, arrays: list):
    """``chunks`` (chunk k's block keys, one per array) as ``[(worker, [k, ...]), ...]``,
    one group per thread of the worker that holds them; None when a block is not in the
    cluster's memory (data the call computes: Dask makes it as workers are ready)."""
    if not all(_held(a) for a in arrays):
        return None
    keys = tuple(chunks)
    known = _KNOWN.setdefault(client, {})
    where = known.get(keys)
    if where is None:
        where = client.sync(_ask, client, keys)
        if where is None:
            return None
        _remember(known, keys, where)
    else:
        client.loop.add_callback(_refresh, client, keys, known)
    return _grouped(chunks, arrays, *where)


def _held(a) -> bool:
    """Every block of the Dask array ``a`` is a finished future (in a worker's memory)."""
    from distributed import Future
    graph = a.__dask_graph__()
    if len(graph) != a.npartitions:
        return False
    return all(isinstance(v, Future) and v.status == "finished" for v in graph.values())


async def _ask(client, keys: tuple):
    """``(who_has, nthreads)`` from the scheduler; None when a block is held nowhere."""
    flat = [k for chunk in keys for k in chunk]
    who_has = await client.scheduler.who_has(keys=flat)
    if any(not who_has.get(k) for k in flat):
        return None
    return who_has, await client.scheduler.ncores()


async def _refresh(client, keys: tuple, known: dict):
    """Ask again, in the background, for the next call (the data may have moved)."""
    try:
        where = await _ask(client, keys)
    except Exception:       # noqa: BLE001 -- the client is closing: the old answer stays
        return
    if where is None:
        known.pop(keys, None)
    else:
        _remember(known, keys, where)


def _remember(known: dict, keys: tuple, where: tuple) -> None:
    """``where`` for ``keys``, the most recent of at most ``KEEP`` answers."""
    known.pop(keys, None)
    known[keys] = where
    while len(known) > KEEP:
        known.pop(next(iter(known)))


def _grouped(chunks: list, arrays: list, who_has: dict, nthreads: dict) -> list:
    """Each chunk to a worker that holds it, or all of it but a small block (``y``'s beside
    ``X``'s: fetched in milliseconds, against a chunk's seconds of work), choosing the least
    loaded of those; the chunks with the fewest choices first, the largest first among them.
    Each worker's chunks are then dealt out to its threads. Data held unevenly (a worker's
    threads with more than a chunk's bytes of work beyond another's) is evened out: a chunk
    of the busiest goes to the least busy as a task of its own there, which runs once the
    worker has fetched its blocks, while its other tasks run. Dask's memory manager then
    keeps one of the two copies; where it keeps the new one, the next calls find the data
    even."""
    sizes = [_row_bytes(a) for a in arrays]
    total = [sum(s[k] for s in sizes) for k in range(len(chunks))]
    choices = []
    for k, blocks in enumerate(chunks):
        held: dict = {}
        for key, size in zip(blocks, sizes):
            for w in who_has[key]:
                held[w] = held.get(w, 0) + size[k]
        most = max(held.values())
        choices.append([w for w, b in held.items() if b >= most - total[k] * SMALL])
    load: dict = {}
    mine: dict = {}
    for k in sorted(range(len(chunks)), key=lambda k: (len(choices[k]), -total[k])):
        w = min(choices[k], key=lambda w: (load.get(w, 0) + total[k]) / nthreads.get(w, 1))
        load[w] = load.get(w, 0) + total[k]
        mine.setdefault(w, []).append(k)
    moved = _evened(mine, total, {w: n for w, n in nthreads.items() if n > 0})
    out = []
    for w, ks in mine.items():
        ks.sort()
        m = max(1, min(nthreads.get(w, 1), len(ks)))
        out += [(w, ks[i::m]) for i in range(m) if ks[i::m]]
    return out + moved


def _evened(mine: dict, total: list, nthreads: dict) -> list:
    """Move a chunk from the busiest worker (the most work on one of its threads) to the
    least busy while that shortens the busiest one's work and leaves the other's shorter;
    ``mine`` is updated, the moved chunks returned as ``[(worker, [k]), ...]``."""
    moved: list = []
    extra: dict = {}             # worker -> the chunks moved to it

    def busy(w, ks):
        m = max(1, min(nthreads.get(w, 1), len(ks)))
        return max(sum(total[k] for k in sorted(ks)[i::m]) for i in range(m)) if ks else 0
    workers = sorted(set(nthreads) | set(mine))
    while len(workers) > 1:
        work = {w: mine.get(w, []) + extra.get(w, []) for w in workers}
        hi = max(workers, key=lambda w: busy(w, work[w]))
        lo = min(workers, key=lambda w: busy(w, work[w]))
        if not mine.get(hi):
            break
        k = min(mine[hi], key=lambda k: total[k])
        before = busy(hi, work[hi])
        if busy(hi, [c for c in work[hi] if c != k]) >= before or \
                busy(lo, work[lo] + [k]) >= before:
            break
        mine[hi].remove(k)
        extra.setdefault(lo, []).append(k)
        moved.append((lo, [k]))
    return moved


def _row_bytes(a) -> list:
    """The bytes of each row block of the Dask array ``a`` (its other axes one block)."""
    per_row = a.dtype.itemsize
    for s in a.shape[1:]:
        per_row *= s
    return [r * per_row for r in a.chunks[0]]
