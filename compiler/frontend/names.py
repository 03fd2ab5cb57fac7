"""What the names a function refers to mean: primitives, constants, modules.

Resolution is by object identity, so ``from math import exp``, ``import numpy as
np`` and ``np.exp`` all reach the same primitive. Which callables mean which primitive
is said in each primitive's stanza (``names=``, collected in ``primitives.CALLS``);
functions flatgrad exports (and primitives a user registers) carry a
``__flatgrad_prim__`` attribute naming theirs. Calls that need more than one primitive
have their own lowering in the call registry (:mod:`..library.registry`).
"""
from __future__ import annotations

import math

import numpy as np

from ..primitives import CALLS

CONSTANTS: dict[tuple[object, str], float] = {}
for _mod in (math, np):
    for _c in ("pi", "e", "inf", "nan", "tau"):
        if hasattr(_mod, _c):
            CONSTANTS[(_mod, _c)] = float(getattr(_mod, _c))

def prim_of(obj) -> str | None:
    """The primitive a callable stands for, if any."""
    try:
        hook = getattr(obj, "__flatgrad_prim__", None)
    except Exception:  # noqa: BLE001 - an object whose attribute lookup fails names none
        hook = None
    if isinstance(hook, str):
        return hook
    try:
        return CALLS.get(obj)
    except TypeError:      # unhashable
        return None
