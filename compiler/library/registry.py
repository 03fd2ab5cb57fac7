"""The registry of lowerings: Python callable -> the function that lowers a call to it."""
from __future__ import annotations

from typing import Callable

LOWERINGS: dict[object, Callable] = {}
METHODS: dict[str, Callable] = {}      # array method name -> lowering(lw, x, node, kwargs)


def lowers(*fns) -> Callable:
    """Register the decorated function as the lowering of calls to each of ``fns``."""
    def register(lowering: Callable) -> Callable:
        for fn in fns:
            LOWERINGS[fn] = lowering
        return lowering
    return register


def lowers_method(*names) -> Callable:
    """Register the decorated ``lowering(lw, x, node, kwargs)`` as the lowering of the array
    methods ``names`` (``x.squeeze(0)``), for methods the frontend does not lower itself."""
    def register(lowering: Callable) -> Callable:
        for name in names:
            METHODS[name] = lowering
        return lowering
    return register


# Python objects whose attributes a function may read (``norm.logpdf`` of scipy.stats'
# ``norm``), by type: ``reader(lw, obj, node)`` gives the attribute's value for ``node``.
ATTRIBUTES: dict[type, Callable] = {}
# calls to instances of these types (a frozen distribution's method): ``lowering(lw, fn,
# node, kwargs)``, for callables made while lowering, which no table can list beforehand
CALLABLE_TYPES: dict[type, Callable] = {}


def attribute_reader(obj) -> Callable | None:
    """The function reading attributes of ``obj``, if flatgrad reads any."""
    for cls in type(obj).__mro__:
        reader = ATTRIBUTES.get(cls)
        if reader is not None:
            return reader
    return None


def lowering_of(fn) -> Callable | None:
    """How a call to ``fn`` lowers: ``lowering(lw, node, kwargs)``, or None."""
    try:
        lowering = LOWERINGS.get(fn)
    except TypeError:                       # unhashable
        lowering = None
    if lowering is not None:
        return lowering
    by_type = CALLABLE_TYPES.get(type(fn))
    if by_type is None:
        return None
    return lambda lw, node, kwargs: by_type(lw, fn, node, kwargs)
