"""Sliding windows: ``np.lib.stride_tricks.sliding_window_view``, the way NumPy users write a
convolution, a moving average or im2col without a loop.

NumPy returns a strided view; flatgrad computes the same values as one gather, ``x[i_0, ...,
i_{n-1}]`` with an index array per axis of ``x`` that broadcasts to the view's shape: the
window's start along each axis of the result, plus, for each windowed axis, the position
inside the window along that window's trailing axis. The gather's reverse pass is the
scatter-add NumPy users would write by hand (each element's gradient summed over every window
it falls in); forward mode and vmap come with the gather.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from .registry import lowers


def _ints(lowerer, node, what: str) -> tuple:
    """A window shape or an axis list: one integer or a tuple of them. Sizes may be known only
    at run time (``k.shape``); their number is known while compiling."""
    v = lowerer.expr(node)
    items = v if isinstance(v, tuple) else (v,)
    for item in items:
        if not (hasattr(item, "type") and isinstance(item.type, T.Scalar)
                and item.type.dtype == "int64"):
            raise lowerer.err(node, f"sliding_window_view: {what} must be an integer or a tuple "
                              "of integers")
    return items


@lowers(np.lib.stride_tricks.sliding_window_view, takes="x window_shape axis subok writeable")
def _sliding_window_view(lowerer, node, args):
    x = lowerer.atom(args["x"])
    if not T.is_array(x.type):
        raise lowerer.err(args["x"], "sliding_window_view: x must be an array")
    n = x.type.ndim
    if "writeable" in args and lowerer.const_bool(args["writeable"]):
        raise lowerer.err(args["writeable"], "sliding_window_view: writeable=True is not "
                          "supported (flatgrad's windows are copies)",
                          "Leave it out and build the result you want from the windows.")
    window = _ints(lowerer, args["window_shape"], "window_shape")
    axes = tuple(range(n))
    if "axis" in args:
        given = _ints(lowerer, args["axis"], "axis")
        if not all(isinstance(a, Const) for a in given):
            raise lowerer.err(args["axis"], "sliding_window_view: the axes must be known "
                              "while compiling")
        axes = tuple(a.value for a in given)
    if len(axes) != len(window):
        raise lowerer.err(node, f"sliding_window_view: {len(window)} window sizes for "
                          f"{len(axes)} axes", "Give one size per axis (every axis of x when "
                          "axis is not given).")
    for a in axes:
        if not -n <= a < n:
            raise lowerer.err(args.get("axis", node), f"sliding_window_view: axis {a} is out "
                              f"of range for a {n}-D array")
    axes = tuple(a % n for a in axes)
    rank = n + len(window)
    values = {"x": x, **{f"w{k}": w for k, w in enumerate(window)}}
    lines = []
    for d in range(n):
        shrink = "".join(f" - (w{k} - 1)" for k, a in enumerate(axes) if a == d)
        lines.append(f"i{d} = np.arange(x.shape[{d}]{shrink}).reshape({_at(d, rank)})")
        for k, a in enumerate(axes):
            if a == d:
                lines.append(f"i{d} = i{d} + np.arange(w{k}).reshape({_at(n + k, rank)})")
    lines.append(f"x[{', '.join(f'i{d}' for d in range(n))}]")
    return lowerer.lower_text("\n".join(lines), node, **values)


def _at(position: int, rank: int) -> str:
    """A reshape to ``rank`` axes, all of length 1 but ``position``: ``(1, -1, 1)``."""
    return "(" + ", ".join("-1" if i == position else "1" for i in range(rank)) + ",)"
