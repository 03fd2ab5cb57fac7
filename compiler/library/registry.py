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
