"""Shared test configuration: a private generated-code cache per test session; the cpu
target runs Numba from the first call (``FLATGRAD_TIER=cpu``), so that its tests test Numba's
code deterministically (tests/runtime/test_tiers.py tests ``auto``, the user's default)."""
import os

import pytest

os.environ.setdefault("FLATGRAD_TIER", "cpu")


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory):
    """Generated modules go to a fresh temp dir, never the user's cache."""
    old = os.environ.get("FLATGRAD_CACHE_DIR")
    os.environ["FLATGRAD_CACHE_DIR"] = str(tmp_path_factory.mktemp("flatgrad-cache"))
    yield
    if old is None:
        os.environ.pop("FLATGRAD_CACHE_DIR", None)
    else:
        os.environ["FLATGRAD_CACHE_DIR"] = old
