"""The registry of lowerings: Python callable -> the function that lowers a call to it."""
from __future__ import annotations

from typing import Callable

LOWERINGS: dict[object, Callable] = {}


def lowers(*fns) -> Callable:
    """Register the decorated function as the lowering of calls to each of ``fns``."""
    def register(lowering: Callable) -> Callable:
        for fn in fns:
            LOWERINGS[fn] = lowering
        return lowering
    return register
