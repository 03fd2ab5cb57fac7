"""What a transform has compiled, and what it has learnt about its calls.

:class:`~.dispatch.Transformed` dispatches on this state and keeps it apart from the
transform itself (what to compile: the function, its steps, its target), as Numba keeps
a dispatcher's overloads apart from its compiler. When the code must be compiled again
(an array the function reads from its module changed dtype or ndim) the transform takes a
new :class:`Compiled`: one assignment forgets everything, never a reset field by field.
"""
from __future__ import annotations


class Compiled:
    """One transform's compiled code and call caches (guarded by the transform's lock)."""

    def __init__(self):
        self.by_signature: dict = {}    # Signature -> the compiled callable
        self.by_types: dict = {}        # exact Python argument types (all scalars) -> compiled:
                                        # calls that need no classifying
        self.first_called: set = set()  # signatures whose first call went through (NumPy code)
        self.specialised: set = set()   # (compiled, argument layouts) Numba has a
                                        # specialisation for (no typeof needed)
        self.tiers: dict = {}           # signature -> tiers.State (FLATGRAD_TIER=auto/python)
        self.python_twin = None         # the target="python" transform compiling the python tier
        self.fingerprint = None         # cache.fingerprint of the function, once computed
