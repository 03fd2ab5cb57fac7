"""Shared test configuration: a private generated-code cache per test session; the cpu
target runs Numba from the first call (``FLATGRAD_TIER=cpu``), so that its tests test Numba's
code deterministically (tests/runtime/test_tiers.py tests ``auto``, the user's default).

No test writes to the user's cache: the cache directory (``FLATGRAD_CACHE_DIR``) and the
user cache root (``XDG_CACHE_HOME``, what flatgrad and Numba fall back to) point at temporary
directories from the moment this file is imported (before any test module is collected,
so compiles at import time are covered too), and every subprocess a test starts inherits
them. The session fails if it finds files of this checkout's tests new in the real
``~/.cache/flatgrad`` at its end (files from other programs writing there meanwhile are
told apart by the source path recorded in each generated module)."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("FLATGRAD_TIER", "cpu")

ROOT = Path(__file__).resolve().parent.parent


def _user_cache() -> Path:
    """The cache directory flatgrad uses when FLATGRAD_CACHE_DIR is not set (cache.cache_dir)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flatgrad"


def _entries(folder: Path) -> dict:
    """Each file under ``folder``: its modification time."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                out[path] = os.stat(path).st_mtime_ns
            except OSError:
                pass
    return out


def _ours(path: str) -> bool:
    """Whether a generated file was made from this checkout's code (its origin line)."""
    try:
        with open(path, errors="replace") as f:
            return str(ROOT) in f.read(4096)
    except OSError:
        return False


def _private(prefix: str) -> str:
    path, owner = tempfile.mkdtemp(prefix=prefix), os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(path, True))
    return path


USER_CACHE = _user_cache()
_BEFORE = _entries(USER_CACHE)
os.environ["FLATGRAD_CACHE_DIR"] = _private("flatgrad-test-cache-")
os.environ["XDG_CACHE_HOME"] = _private("flatgrad-test-xdg-")


def leaked() -> list[str]:
    """This checkout's files new (or rewritten) in the user's cache since the session began."""
    now = _entries(USER_CACHE)
    return sorted(p for p, t in now.items() if _BEFORE.get(p) != t and _ours(p))


def pytest_sessionfinish(session, exitstatus):
    found = leaked()
    if found:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        text = (f"this test session wrote {len(found)} file(s) into the user's cache "
                f"{USER_CACHE} (a test or a subprocess it started bypassed the session's "
                "temporary cache directory): " + ", ".join(found[:5]))
        if tr is not None:
            tr.write_line("ERROR: " + text, red=True)
        else:
            print("ERROR: " + text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
