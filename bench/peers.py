"""Optional peer libraries: imported lazily, absent ones reported instead of raising."""
from __future__ import annotations

import importlib
import os
from functools import lru_cache

os.environ.setdefault("JAX_PLATFORMS", "cpu")


@lru_cache(maxsize=None)
def load(name: str):
    """The module ``name`` (``jax``, ``torch``, ``autograd``), or None if not installed."""
    try:
        mod = importlib.import_module(name)
    except Exception:
        return None
    if name == "jax":
        mod.config.update("jax_enable_x64", True)   # compare in float64 like everyone else
    return mod


def version(name: str) -> str | None:
    if load(name) is None:
        return None
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return getattr(load(name), "__version__", "?")


def missing_note(name: str) -> str:
    return f"skipped: {name} not installed (pip install '.[bench]')"
