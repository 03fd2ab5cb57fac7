"""Where users reach a callable: the names it goes by in ``math``, ``np``, ``np.linalg``,
``np.lib.stride_tricks``, ``np.polynomial.polynomial``, ``functools``, ``itertools``,
the builtins and SciPy's modules (``np.linalg.solve``, ``scipy.special.expit``,
``scipy.signal.convolve``), for the
README's list (:mod:`.listing`) and for errors naming a call (:mod:`.binding`)."""
from __future__ import annotations

import builtins
import functools
import itertools
import math

import numpy as np


def namespaces() -> list[tuple[str, object]]:
    """(prefix, module) for each namespace users reach functions in."""
    spaces = [("math", math), ("np", np), ("np.linalg", np.linalg),
              ("np.lib.stride_tricks", np.lib.stride_tricks),
              ("np.polynomial.polynomial", np.polynomial.polynomial), ("builtins", builtins),
              ("functools", functools), ("itertools", itertools)]
    try:
        import scipy.integrate
        import scipy.linalg
        import scipy.signal
        import scipy.special
        import scipy.stats
        spaces += [("scipy.integrate", scipy.integrate), ("scipy.linalg", scipy.linalg), ("scipy.signal", scipy.signal),
                   ("scipy.special", scipy.special), ("scipy.stats", scipy.stats)]
    except ImportError:       # pragma: no cover - scipy is a dependency
        pass
    return spaces


def names_of(obj, spaces) -> list[str]:
    """Every name ``obj`` goes by in the namespaces (``np.arccos`` and ``np.acos``); a
    method of a module's object by the object's names (``scipy.stats.norm.logpdf``)."""
    owner = getattr(obj, "__self__", None)
    if owner is not None and not isinstance(owner, type(math)) and hasattr(obj, "__name__"):
        return [f"{n}.{obj.__name__}" for n in names_of(owner, spaces)]
    out = []
    for prefix, module in spaces:
        for attr in dir(module):
            if attr.startswith("_"):
                continue
            try:
                if getattr(module, attr) is obj:
                    out.append(attr if prefix == "builtins" else f"{prefix}.{attr}")
            except Exception:  # noqa: BLE001 - a lazy attribute that fails to load
                continue
    return out
