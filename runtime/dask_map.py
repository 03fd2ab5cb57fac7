"""``vectorize`` over Dask arrays: the same kernel, chunk by chunk, lazily.

A call with at least one Dask array among its arguments builds a graph and computes
nothing: one ``blockwise`` task per output chunk calls the :class:`~.vectorize.Vectorized`
object on the NumPy chunks (so every target's kernel and broadcasting rules apply per
chunk), and, when the function has several results, one ``getitem`` task per result and
chunk picks its array out of the chunk's tuple. NumPy arrays and scalars mix with Dask
arrays: arrays are aligned to the Dask arguments' chunks (``blockwise`` unifies chunks as
Dask does everywhere), scalars go into the tasks as constants. The results are Dask
arrays nested as the NumPy call nests its arrays.

Tasks hold the Vectorized object itself, which pickles by reference
(``runtime/pickling.py``): a worker process rebuilds it and compiles once, or reads the
kernel from the on-disk cache. Dask is imported here only, when a Dask array is seen.
"""
from __future__ import annotations

import math
import operator
from functools import partial

import numpy as np

from ..compiler.tree import flatten, unflatten
from .batch import broadcast_shape, compute_dtype, shapes_of


def is_dask(value) -> bool:
    """A Dask collection (checked without importing Dask)."""
    return type(value).__module__.startswith("dask.")


def call(vec, args, out):
    """``vec(*args)`` with some arguments Dask arrays: Dask arrays, nothing computed."""
    import dask.array as da
    if out is not None:
        raise TypeError("vectorize: out= is not supported with Dask arrays (the results are "
                        "lazy Dask arrays); store them with dask.array.store or .compute()")
    for name, a in zip(vec.params, args):
        if is_dask(a) and not isinstance(a, da.Array):
            raise TypeError(f"vectorize: argument '{name}' is a {type(a).__name__}; "
                            "of Dask collections, vectorize maps Dask arrays")
        if isinstance(a, da.Array) and any(math.isnan(s) for s in a.shape):
            raise ValueError(f"vectorize: argument '{name}' has unknown chunk sizes; call "
                             "its .compute_chunk_sizes() first")
    dtype = compute_dtype(args)
    shape = broadcast_shape(vec.params, shapes_of(args))
    dtypes, structure = vec.layout(dtype)
    nd = len(shape)
    pairs = []
    for a in args:
        if isinstance(a, (list, tuple)):
            a = np.asarray(a)
        k = np.ndim(a)
        # scalars (and 0-d NumPy values) go into every task as they are; arrays by index
        pairs += [a, None] if k == 0 and not is_dask(a) else [a, tuple(range(nd - k, nd))]
    meta = [np.empty((0,) * nd, dtype=d) for d in dtypes]
    several = len(dtypes) > 1
    mapped = da.blockwise(partial(_chunk, vec, several), tuple(range(nd)), *pairs,
                          token=vec.__name__, meta=tuple(meta) if several else meta[0])
    if not several:
        return unflatten(structure, [mapped])
    outs = [mapped.map_blocks(operator.getitem, k, meta=m, token=f"{vec.__name__}-{k}")
            for k, m in enumerate(meta)]
    return unflatten(structure, outs)


def _chunk(vec, several: bool, *blocks):
    """One task: the kernel on NumPy chunks; several results as a flat tuple of arrays."""
    results = flatten(vec(*blocks))[0]
    return tuple(results) if several else results[0]
