"""Fork safety (runtime/forksafe.py): a process forked at any moment of flatgrad's background
work starts clean. Every scenario runs in a fresh interpreter (``FLATGRAD_TIER=auto``, this
session's cache directory) that forks, with a time limit on each child; the scenarios are in
``fork_storm.py`` and ``fork_pools.py`` (runnable by hand with larger numbers)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def scenario(module: str, *args: str, timeout: float = 300) -> dict:
    """Run ``python -m tests.runtime.<module> args`` and return the JSON it prints last."""
    env = dict(os.environ, FLATGRAD_TIER="auto", PYTHONWARNINGS="ignore")
    out = subprocess.run([sys.executable, "-m", f"tests.runtime.{module}", *args], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=timeout)
    lines = out.stdout.strip().splitlines()
    assert lines, f"no result (exit {out.returncode}):\n{out.stderr[-3000:]}"
    return json.loads(lines[-1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fork_inside_a_background_step_hangs_without_the_hooks_only():
    """Forked exactly while the background thread holds the cache's lock: without the hooks
    the child's first compile waits forever (what users met); with them the fork waits for
    the step; and were it not to wait, the child's re-created locks suffice."""
    assert scenario("fork_storm", "--blocked", "unsafe", "safe", "reset") == \
        {"unsafe": "hang", "safe": "ok", "reset": "ok"}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_an_abandoned_switch_is_compiled_by_the_child():
    """Forked while the parent's worker compiles a function for Numba: the child answers
    from the python tier, then compiles the cpu tier with a worker of its own."""
    assert scenario("fork_storm", "--abandoned") == {"abandoned": "ok"}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_two_hundred_forks_at_random_moments_of_background_compiles():
    r = scenario("fork_storm", "--forks", "200", "--seed", str(os.getpid() % 1000),
                 "--full-every", "100", "--timeout", "120", timeout=900)
    assert (r["hangs"], r["wrong"], r["errors"], r["held"]) == (0, 0, 0, 0), r["problems"]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_process_pools_fork_forkserver_spawn_executor_and_dask():
    r = scenario("fork_pools", timeout=900)
    assert r == {k: "ok" for k in r} and len(r) == 6, r


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie nobody reaped counts as exited)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_the_worker_ends_when_its_owner_dies_without_stopping_it():
    """A process that dies without running its exit functions (os._exit in a multiprocessing
    child, a signal) cannot stop its tier worker; the worker notices and ends (here its
    stdin stays open, so only that can end it)."""
    import time
    r, w = os.pipe()
    owner = ("import subprocess, sys, os\n"
             "code = 'import sys; sys.path[:0] = %r; from flatgrad.runtime.tiers import "
             "worker_main; worker_main(%d)' % (sys.path, os.getpid())\n"
             f"p = subprocess.Popen([sys.executable, '-c', code], stdin={r}, "
             "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "print(p.pid, flush=True)\n"
             "os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", owner], pass_fds=(r,), capture_output=True,
                         text=True, timeout=120)
    os.close(r)
    try:
        pid = int(out.stdout.split()[0])
        deadline = time.monotonic() + 120
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(pid), "the worker outlived its owner"
    finally:
        os.close(w)
