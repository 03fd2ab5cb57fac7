"""What a call's arguments are to the compiler: each argument classified (float / int / bool
scalars, arrays by dtype and ndim, containers leaf by leaf, objects, slices, random
generators, Dask arrays) into the :class:`Signature` a transform compiles for, and the
value the compiled code takes for it."""
from __future__ import annotations

import numpy as np

from ..compiler import types as T
from ..compiler.frontend.source import params_of
from ..compiler.tree import LEAF, TreeDef, named_node
from ..compiler.objects import array_leaves, holds_objects, is_namedtuple
from ..compiler.values import is_static
from . import cache, draws
from .dask_map import is_dask
from .dask_rows import DaskData

_SCALARS = {float: T.F64, int: T.I64, bool: T.BOOL, np.float64: T.F64, np.float32: T.F32,
            np.int64: T.I64, np.int32: T.I64, np.bool_: T.BOOL}


class Signature(tuple):
    """The IR types of one call's arguments."""


def is_tree(value) -> bool:
    """Whether an argument is a container of arguments (a *pytree*, as JAX calls it): a tuple
    or dict always; a list when it holds arrays or containers (a list of numbers, or of lists
    of numbers, is one array, as NumPy reads it)."""
    if isinstance(value, (tuple, dict)):
        return True
    return isinstance(value, list) and any(isinstance(v, (np.ndarray, tuple, dict)) or is_tree(v)
                                           for v in value)


def classify_tree(name: str, value, differentiable: bool):
    """(:class:`~flatgrad.compiler.types.Tree`, its leaves converted, True) for a container
    argument; each leaf is classified as an argument of its own, named by its path
    (``params['W']``) in errors."""
    found: list = []

    def walk(path: str, v) -> TreeDef:
        if draws.kind_of(v) is not None:
            raise TypeError(f"argument '{path}' is a random generator inside a container; "
                            "pass it as an argument of its own")
        if not is_tree(v):
            found.append(classify(path, v, differentiable))
            return LEAF
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise TypeError(f"argument '{path}' is a dict with keys that are not strings; "
                                "flatgrad takes dicts keyed by strings")
            keys = tuple(sorted(v))
            return TreeDef("dict", tuple(walk(f"{path}[{k!r}]", v[k]) for k in keys), keys)
        kind = "tuple" if isinstance(v, tuple) else "list"
        children = tuple(walk(f"{path}[{i}]", x) for i, x in enumerate(v))
        if kind == "tuple" and is_namedtuple(v):   # read as p.W; its gradient has its class
            return named_node(v, children)
        return TreeDef(kind, children)

    tree = walk(name, value)
    return T.Tree(tree, tuple(t for t, _, _ in found)), [v for _, v, _ in found], True


def _classify_objects(name: str, value, differentiable: bool):
    """(Static with the arrays' types as leaves, the arrays, True) for an argument holding
    user objects."""
    if differentiable:
        raise TypeError(f"argument '{name}' holds {type(value).__name__} objects, which flatgrad "
                        "reads as static data without a gradient; leave it out of argnums and "
                        "pass the parameters to differentiate as arrays")
    arrays = [classify(name, a, False)[:2] for _, a in array_leaves(value)]
    return T.Static(cache.value_key(value), value, tuple(t for t, _ in arrays)), \
        [a for _, a in arrays], True


def _classify_slice(name: str, value: slice, differentiable: bool):
    """A slice argument (``X[idx]``): its integer bounds are int parameters of the compiled
    code, which is keyed on which of them are None (so each batch reuses one compilation)."""
    parts = (value.start, value.stop, value.step)
    if differentiable or not all(p is None or isinstance(p, (int, np.integer))
                                 and not isinstance(p, (bool, np.bool_)) for p in parts):
        raise TypeError(f"argument '{name}' is a slice; flatgrad takes slices of integers (or "
                        "None), without a gradient")
    key = "slice(" + ", ".join("None" if p is None else "int" for p in parts) + ")"
    ints = [int(p) for p in parts if p is not None]
    return T.Static(key, value, (T.I64,) * len(ints)), ints, True


_ARRAYS: dict = {}     # (dtype, ndim, differentiable) -> the IR type of an array taken as it is


def classify(name: str, value, differentiable: bool):
    """(IR type, converted value, needs conversion) for one argument, or a clear error.
    A container argument (:func:`is_tree`) gives a Tree type and the list of its leaves."""
    if type(value) is np.ndarray:
        t = _ARRAYS.get((value.dtype, value.ndim, differentiable))
        if t is not None:                # the common case, without str(dtype) and friends
            return t, value, False
    generator = draws.classify(name, value, differentiable)
    if generator is not None:       # a random generator: drawn from before the compiled code
        return generator
    if isinstance(value, slice):
        return _classify_slice(name, value, differentiable)
    if holds_objects(value):
        # objects describing a model: static, keyed on all they hold; their arrays are
        # passed to the compiled code at each call (compiler/objects.py)
        return _classify_objects(name, value, differentiable)
    if is_static(value):
        # a function (act=np.tanh), None or a string: fixed when compiling, as JAX's static
        # arguments; a value of its own in the cache key
        if differentiable:
            raise TypeError(f"argument '{name}' is a {type(value).__name__}, which has no "
                            "gradient; leave it out of argnums")
        return T.Static(cache.value_key(value), value), None, True
    if is_tree(value):
        return classify_tree(name, value, differentiable)
    t = _SCALARS.get(type(value))
    if t is not None:
        if differentiable and not T.is_float(t):
            if t == T.BOOL:
                raise TypeError(f"argument '{name}' is a bool, which has no gradient; "
                                "pass a float or leave it out of argnums")
            return T.F64, float(value), True
        return t, value, False
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float if differentiable else None)
        except ValueError:
            raise ValueError(f"argument '{name}' is a ragged nested sequence; "
                             "pass a rectangular array") from None
        t, value, _ = classify(name, value, differentiable)
        return t, value, True
    if isinstance(value, np.ndarray):
        if not value.dtype.isnative:
            # big-endian data (from a file, a network buffer): the same numbers in native order
            value = value.astype(value.dtype.newbyteorder("="))
            return classify(name, value, differentiable)[0], value, True
        kind = value.dtype.kind
        if kind == "f" and value.dtype.itemsize in (4, 8):
            t = _ARRAYS[(value.dtype, value.ndim, differentiable)] = T.Array(str(value.dtype),
                                                                             value.ndim)
            return t, value, False
        if differentiable:
            if kind in "iub":
                return classify(name, value.astype(np.float64), True)[0], value.astype(np.float64), True
            raise TypeError(f"argument '{name}' has dtype {value.dtype}; gradients need float32 "
                            "or float64 arrays")
        if kind in "iub":
            t = _ARRAYS[(value.dtype, value.ndim, False)] = T.Array(
                "bool" if kind == "b" else "int64", value.ndim)
            return t, value, False
        raise TypeError(f"argument '{name}' has unsupported dtype {value.dtype}")
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return classify(name, value.item(), differentiable)
    if is_dask(value):
        raise DaskData(name)      # data in row chunks: the call runs on Dask (dask_rows.py)
    raise TypeError(f"argument '{name}' has unsupported type {type(value).__name__}; "
                    "flatgrad takes floats, ints, bools and NumPy arrays")


def default_signature(fn, overrides: dict | None = None) -> Signature:
    """Types for ``fn``'s parameters from ``overrides``, its annotations, else float scalars."""
    notes = getattr(fn, "__annotations__", {}) or {}
    types = []
    for name in params_of(fn):
        t = (overrides or {}).get(name) or T.from_annotation(notes.get(name))
        types.append(t or T.F64)
    return Signature(types)
