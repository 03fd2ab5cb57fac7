"""What ``fg.vmap`` returns: a :class:`~.dispatch.Transformed` whose last step is a vmap.

The compiled code does the work (``compiler/vmap.py``); this class only checks a call's
arguments against ``in_axes`` first, so that mapped axes of different lengths are a
``ValueError`` naming the arguments (the compiled code checks the lengths too, without the
names, for calls that come through another transform or compiled code).
"""
from __future__ import annotations

import numpy as np

from ..compiler import vmap as V
from .dispatch import Transformed, is_tree


class VMapped(Transformed):
    """A vmap of a function or of a transform of one; see ``flatgrad.vmap``."""

    def __call__(self, *args, **kwargs):
        step = self.steps[-1]
        sizes = mapped_sizes(step, self.params, args)
        lengths = {s for _, s in sizes}
        if step.axis_size is not None:
            lengths.add(step.axis_size)
        if len(lengths) > 1:
            listing = "; ".join(f"'{name}' has {size}" for name, size in sizes)
            extra = f" (axis_size={step.axis_size})" if step.axis_size is not None else ""
            raise ValueError(f"vmap got arguments of different sizes along their mapped axes"
                             f"{extra}: {listing}")
        return Transformed.__call__(self, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<flatgrad vmap of {self.fn.__name__} target={self.target}>"


def mapped_sizes(step, names, args) -> list:
    """``(path, length of its mapped axis)`` for every mapped leaf of ``args``. Axes out
    of range and specs that do not match the arguments are left to the compiler, which
    reports them with the types."""
    try:
        specs = V.arg_specs(step.in_axes, step.nargs)
    except ValueError:
        return []
    out: list = []
    for i, (spec, a) in enumerate(zip(specs, args)):
        _walk(names[i] if i < len(names) else f"argument {i}", a, spec, out)
    return out


def _walk(path: str, value, spec, out: list) -> None:
    if V.is_axis(spec):
        if spec is None:
            return
        for p, leaf in _leaves(path, value):
            shape = np.shape(leaf)
            if -len(shape) <= spec < len(shape):
                out.append((p, shape[spec]))
        return
    if isinstance(value, dict) and spec[0] == "dict":
        for k, s in zip(spec[1], spec[2]):
            if k in value:
                _walk(f"{path}[{k!r}]", value[k], s, out)
    elif isinstance(value, (tuple, list)) and spec[0] != "dict":
        for j, (v, s) in enumerate(zip(value, V.children(spec))):
            _walk(f"{path}[{j}]", v, s, out)


def _leaves(path: str, value):
    if not is_tree(value):
        if isinstance(value, (np.ndarray, list, tuple, float, int, np.generic)):
            yield path, value
        return
    items = sorted(value.items()) if isinstance(value, dict) else enumerate(value)
    for k, v in items:
        yield from _leaves(f"{path}[{k!r}]", v)
