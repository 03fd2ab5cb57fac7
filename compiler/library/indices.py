"""Index helpers users' programs call: ``np.argwhere``, ``np.unravel_index``, ``np.ix_``;
the small arithmetic ones ``np.vdot``, ``np.ldexp`` and ``math.isclose``; and ``itertools``'
``product``/``combinations``/``permutations`` over sequences known while compiling (the
tuples a comprehension or loop then runs over, written out), each as the NumPy or Python
code it means.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import types as T
from ..ir import Const
from .registry import lowers


@lowers(np.argwhere, takes="a")
def _argwhere(lowerer, node, args):
    """The indices of the nonzero elements, one row each: ``np.nonzero``'s arrays stacked."""
    a = lowerer.atom(args["a"])
    if not T.is_array(a.type):
        raise lowerer.err(args["a"], "np.argwhere: the argument must be an array here")
    return lowerer.lower_text("np.stack(np.nonzero(a), axis=-1)", node, a=a)


@lowers(np.vdot, takes="a b")
def _vdot(lowerer, node, args):
    """The dot product of the flattened arrays (real: no conjugate to take)."""
    return lowerer.lower_text("np.dot(np.ravel(a), np.ravel(b))", node,
                              a=lowerer.atom(args["a"]), b=lowerer.atom(args["b"]))


@lowers(np.ldexp, takes="x1 x2")
def _ldexp(lowerer, node, args):
    """``x1 * 2**x2``: exact, as NumPy's (a power of two scales without rounding)."""
    return lowerer.lower_text("x1 * np.power(2.0, x2)", node, x1=lowerer.atom(args["x1"]),
                              x2=lowerer.atom(args["x2"]))


@lowers(math.isclose, signature="a, b, *, rel_tol=1e-09, abs_tol=0.0")
def _isclose(lowerer, node, args):
    """Python's test: ``|a - b| <= max(rel_tol * max(|a|, |b|), abs_tol)``."""
    values = {k: lowerer.atom(args[k]) for k in ("a", "b")}
    values["rel"] = lowerer.atom(args["rel_tol"]) if "rel_tol" in args else Const(1e-9, T.F64)
    values["tol"] = lowerer.atom(args["abs_tol"]) if "abs_tol" in args else Const(0.0, T.F64)
    return lowerer.lower_text("abs(a - b) <= max(rel * max(abs(a), abs(b)), tol)", node,
                              **values)


@lowers(np.unravel_index, takes="indices shape order")
def _unravel_index(lowerer, node, args):
    """A flat index (or array of them) as a tuple of indices into ``shape`` (C order, or
    Fortran's with ``order='F'``)."""
    shape = lowerer.expr(args["shape"])
    shape = shape if isinstance(shape, tuple) else (shape,)
    order = "C"
    if "order" in args:
        order = getattr(lowerer.expr(args["order"]), "obj", None)
        if order not in ("C", "F"):
            raise lowerer.err(args["order"], "np.unravel_index: order is 'C' or 'F'")
    dims = {f"d{k}": d for k, d in enumerate(shape)}
    axes = list(range(len(shape)))
    lines, out = [], []
    for k in axes:
        inner = axes[k + 1:] if order == "C" else axes[:k]
        stride = " * ".join(f"d{j}" for j in inner) or "1"
        lines.append(f"i{k} = (idx // ({stride})) % d{k}")
        out.append(f"i{k}")
    lines.append("(" + ", ".join(out) + ",)")
    return lowerer.lower_text("\n".join(lines), node, idx=lowerer.atom(args["indices"]), **dims)


@lowers(np.ix_, signature="*args")
def _ix(lowerer, node, args):
    """Open meshes: the k-th sequence shaped to run along axis k of ``len(args)`` axes (a
    boolean one by its nonzero positions)."""
    seqs = [lowerer.expr(a) for a in args.rest]
    n = len(seqs)
    out = []
    for k, (seq, where) in enumerate(zip(seqs, args.rest)):
        shape = ", ".join("-1" if j == k else "1" for j in range(n))
        arr = lowerer.lower_text("np.asarray(s)", where, s=seq)
        if getattr(arr.type, "ndim", 0) != 1:
            raise lowerer.err(where, "np.ix_ takes 1-D sequences")
        if arr.type.dtype == "bool":
            arr = lowerer.lower_text("np.nonzero(s)[0]", where, s=arr)
        out.append(lowerer.lower_text(f"np.reshape(s, ({shape},))", where, s=arr))
    return tuple(out)


def _static_items(lowerer, node, what: str) -> tuple:
    items = lowerer.comprehensions.constant_items(node)    # (range(3) too)
    if not isinstance(items, tuple):
        raise lowerer.err(node, f"itertools.{what} runs over tuples, lists or ranges known "
                          "while compiling here", "Write nested for loops over range(...).")
    return items


@lowers(itertools.product, signature="*iterables, repeat=1")
def _product(lowerer, node, args):
    """The tuples of the Cartesian product, written out (the sequences known while
    compiling; their items may be values computed at run time)."""
    seqs = [_static_items(lowerer, a, "product") for a in args.rest]
    repeat = lowerer.const_int(args["repeat"]) if "repeat" in args else 1
    return tuple(itertools.product(*seqs, repeat=repeat))


@lowers(itertools.combinations, signature="iterable, r")
def _combinations(lowerer, node, args):
    items = _static_items(lowerer, args["iterable"], "combinations")
    return tuple(itertools.combinations(items, lowerer.const_int(args["r"])))


@lowers(itertools.permutations, signature="iterable, r=None")
def _permutations(lowerer, node, args):
    items = _static_items(lowerer, args["iterable"], "permutations")
    r = lowerer.const_int(args["r"]) if "r" in args else None
    return tuple(itertools.permutations(items, r))
