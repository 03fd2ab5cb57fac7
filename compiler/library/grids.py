"""Coordinate grids: ``np.meshgrid`` and ``np.indices``.

Both are spelled with primitives that exist, as the NumPy code they mean: grid ``k`` is
the ``k``-th vector reshaped to vary along its own axis, then broadcast to the grid's shape
(``broadcast_to``, whose adjoint sums back over the other axes, so the gradient with respect
to a vector adds up every grid point it reached). ``meshgrid``'s ``indexing="xy"`` (the
default, Cartesian) swaps the first two axes, ``"ij"`` keeps them in order; ``sparse=True``
leaves out the broadcast. ``np.indices(dims)`` is the same grid of ``np.arange(d)`` s, stacked.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from .registry import lowers


def _static(lowerer, args, name, default):
    """An argument known while compiling (a string or a bool)."""
    if name not in args:
        return default
    v = lowerer.expr(args[name])
    return v.value if isinstance(v, Const) else getattr(v, "obj", v)


def _grid_text(names, axes, sparse) -> str:
    """Text of a tuple of grids: ``names[k]`` varies along ``axes[k]``; the grid's extent
    along axis ``a`` is the length of the vector varying along it."""
    n = len(names)
    along = {a: k for k, a in enumerate(axes)}
    full = ", ".join(f"len({names[along[a]]})" for a in range(n))
    grids = []
    for k, name in enumerate(names):
        shape = ", ".join("-1" if a == axes[k] else "1" for a in range(n))
        grid = f"np.reshape({name}, ({shape},))"
        grids.append(grid if sparse else f"np.broadcast_to({grid}, ({full},))")
    return "(" + ", ".join(grids) + ",)"


@lowers(np.meshgrid)
def _meshgrid(lowerer, node, args):
    indexing = _static(lowerer, args, "indexing", "xy")
    sparse = _static(lowerer, args, "sparse", False)
    if indexing not in ("xy", "ij"):
        raise lowerer.err(node, "np.meshgrid: indexing must be 'xy' or 'ij'")
    if not isinstance(sparse, bool):
        raise lowerer.err(node, "np.meshgrid: sparse must be True or False")
    xs = []
    for a in args.rest:
        x = lowerer.atom(a)
        if not T.is_array(x.type) or x.type.ndim != 1:   # NumPy flattens each input
            x = lowerer.lower_text("np.ravel(np.asarray(x))", a, x=x) if T.is_array(x.type) \
                else lowerer.lower_text("np.reshape(np.asarray(x), (1,))", a, x=x)
        xs.append(x)
    if not xs:
        return ()
    axes = list(range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        axes[0], axes[1] = 1, 0
    names = [f"x{k}" for k in range(len(xs))]
    return lowerer.lower_text(_grid_text(names, axes, sparse), node, **dict(zip(names, xs)))


@lowers(np.indices)
def _indices(lowerer, node, args):
    dims_node = args["dimensions"]
    dims = lowerer.expr(dims_node)
    if not isinstance(dims, tuple) or not dims:
        raise lowerer.err(node, "np.indices needs the dimensions as a tuple of integers",
                     "Write np.indices((n, m)).")
    dims = tuple(lowerer.as_atom(d, dims_node) for d in dims)
    if not all(isinstance(d.type, T.Scalar) and d.type.dtype == "int64" for d in dims):
        raise lowerer.err(dims_node, "np.indices: the dimensions must be integers")
    dtype_node = args["dtype"]
    dtype = lowerer.dtype_of(dtype_node, node) if dtype_node is not None else "int64"
    sparse = _static(lowerer, args, "sparse", False)
    names = [f"d{k}" for k in range(len(dims))]
    ranges = [f"np.arange({d})" for d in names]
    grid = _grid_text([f"r{k}" for k in range(len(dims))], list(range(len(dims))), sparse)
    text = "\n".join(f"r{k} = {r}" for k, r in enumerate(ranges)) + "\n" + \
        (grid if sparse else f"np.stack({grid})")
    out = lowerer.lower_text(text, node, **dict(zip(names, dims)))
    if dtype == "int64":
        return out
    if isinstance(out, tuple):
        return tuple(lowerer.cast(o, T.with_dtype(o.type, dtype), node) for o in out)
    return lowerer.cast(out, T.with_dtype(out.type, dtype), node)
