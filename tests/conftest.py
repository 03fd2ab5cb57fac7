"""Shared test configuration: a private generated-code cache per test session."""
import os

import pytest


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
