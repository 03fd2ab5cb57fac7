"""NumPy and SciPy functions beyond the core table, one module per group.

Each module holds, for its group of functions, their primitive stanzas (``defprim``, as
in :mod:`..primitives`) and their lowering from a call: a function registered with
``@lowers(np.concatenate)`` that builds the function's ops, called as
``lowering(lowerer, node, args)`` with the Lowerer ``lowerer`` (``lowerer.atom``, ``lowerer.op``,
``lowerer.err``, ``lowerer.const_int`` ...), the ``ast.Call`` node and its arguments bound to the
function's signature by the one binder (:mod:`.binding`): ``args["axis"]``.
Nothing about a function is kept elsewhere.
"""
from __future__ import annotations

from ..primitives import PRIMS
from .registry import LOWERINGS, lowers

from . import groups  # noqa: E402,F401  (registers every group's stanzas and lowerings)

# Every primitive flatgrad itself defines (users may register more at run time).
BUILTIN = frozenset(PRIMS)

__all__ = ["BUILTIN", "LOWERINGS", "lowers"]
