"""Fork at random moments while flatgrad compiles in the background; every child must answer.

    python -m tests.runtime.fork_storm --forks 200 --seed 1 [--unsafe]

The parent runs under ``FLATGRAD_TIER=auto``: it brings one function to the cpu tier (Numba)
and, between forks, starts the background compilation of new functions (flatgrad writes the
cpu module, a worker process compiles it with Numba, the background thread loads it here),
so that forks land in every stretch of that work. Each child, under a time limit:

* finds no lock held: flatgrad's, Numba's and llvmlite's, and the import system's module locks
  (a held one is what made a child hang);
* calls the function the parent compiled to Numba, and one whose switch to Numba was in flight;
* compiles a function new to every process (a closure constant of its own): on the python
  tier in most children; every ``--full-every``-th child under ``auto``, waiting for its own
  background compilation to reach Numba (a thread and worker of its own);

and checks every result against the derivative written out by hand. ``--unsafe`` turns the
fork hooks off (``runtime/forksafe.py``), to see what they prevent. Prints one JSON line:
forks, hangs, wrong, errors, seconds, and the first problems.
"""
from __future__ import annotations

import argparse
import importlib._bootstrap as bootstrap
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
import traceback

OK, WRONG, ERROR, HELD = 0, 3, 4, 5     # child exit codes


def held_locks() -> list[str]:
    """The locks a child finds held (by a thread of the parent's that does not exist here)."""
    from flatgrad.runtime import cache, forksafe, tiers
    locks = {"cache._lock": cache._lock, "tiers.compiling": tiers.compiling,
             "forksafe._gate": forksafe._gate}
    if "numba" in sys.modules:
        from numba.core.compiler_lock import global_compiler_lock
        locks["numba compiler lock"] = global_compiler_lock._lock
    if "llvmlite.binding.ffi" in sys.modules:
        locks["llvmlite lock"] = sys.modules["llvmlite.binding.ffi"].lib._lock._lock
    held = [name for name, lock in locks.items() if not _free(lock)]
    for name, ref in list(bootstrap._module_locks.items()):
        lock = ref()
        if lock is not None and getattr(lock, "count", 0):
            held.append(f"import lock of {name}")
    return held


def _free(lock) -> bool:
    if lock.acquire(timeout=2.0):
        lock.release()
        return True
    return False


def child(k: int, settled, inflight, full: bool, report: str) -> int:
    """What one forked child checks; its exit code."""
    import flatgrad as fg

    from . import fork_funcs as F
    held = held_locks()
    if held:     # said first: the calls below may hang on them
        _write(report, f"child {k}: held at fork: {', '.join(held)}")
    problems = []

    def check(what, got, want):
        if not math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12):
            problems.append(f"child {k}: {what} = {got!r}, want {want!r}")

    x, y = 0.1 + 0.01 * (k % 50), 1.5
    check("settled", settled(x, y), F.d_settled(x, y))
    check("inflight", inflight(x, 2.0 * y), F.d_settled_dy(x, 2.0 * y))
    if full:
        g = fg.grad(F.fresh(k))
        check("fresh (auto)", g(x), F.d_fresh(k, x))
        if not g.wait(120):
            problems.append(f"child {k}: its own background compilation did not finish")
        elif g.tier != "cpu":
            problems.append(f"child {k}: fresh runs on tier {g.tier!r}: {g.source[:300]}")
        check("fresh (Numba)", g(x), F.d_fresh(k, x))
    else:
        check("fresh (python)", fg.grad(F.fresh(k), target="python")(x), F.d_fresh(k, x))
    if problems:
        _write(report, "\n".join(problems))
        return WRONG
    return HELD if held else OK


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def storm(forks: int, seed: int, *, gap: float = 0.05, timeout: float = 60.0,
          full_every: int = 50, every: int = 40, parallel: int = 4, unsafe: bool = False) -> dict:
    """Fork ``forks`` children at random moments (up to ``gap`` s apart) during background
    compiles; the summary of what they did."""
    import flatgrad as fg
    from flatgrad.runtime import forksafe

    from . import fork_funcs as F
    forksafe._active = not unsafe
    rng = random.Random(seed)
    out = tempfile.mkdtemp(prefix="fork-storm-")
    t0 = time.perf_counter()
    settled = fg.grad(F.settled)
    settled(0.5, 1.0)
    settled.wait(300)                    # on Numba before the first fork
    inflight = fg.grad(F.settled, argnums=1)   # a second transform, its switch left in flight
    running: dict[int, tuple[int, float]] = {}
    result = {"forks": forks, "hangs": 0, "wrong": 0, "errors": 0, "held": 0, "problems": []}
    kinds = {WRONG: "wrong", ERROR: "errors", HELD: "held"}

    def reap(block: bool) -> None:
        while running:
            now = time.perf_counter()
            for pid, (k, started) in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                path = os.path.join(out, f"{k}.txt")
                said = open(path).read()[:2000] if os.path.exists(path) else ""
                if not done and now - started > timeout:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    result["hangs"] += 1
                    result["problems"].append(f"child {k} hung (killed after {timeout:g} s) {said}")
                elif done:
                    code = os.waitstatus_to_exitcode(status)
                    if code != OK:
                        result[kinds.get(code, "errors")] += 1
                        result["problems"].append(said or f"child {k}: exit {code}")
                else:
                    continue
                del running[pid]
            if not block and len(running) < parallel:
                return
            time.sleep(0.01)

    for k in range(forks):
        if k % every == 0:
            # a new function for the background thread: its cpu module written, compiled
            # by the worker, loaded here; the forks that follow land in every stretch of it
            fg.grad(F.fresh(1_000_000 + seed * 1000 + k))(0.3)
            inflight(0.2 + k * 1e-3, 1.0)
        time.sleep(rng.uniform(0.0, gap))
        reap(block=False)
        pid = os.fork()
        if pid == 0:
            code = ERROR
            try:
                code = child(k, settled, inflight, full_every and k % full_every == full_every - 1,
                             os.path.join(out, f"{k}.txt"))
            except BaseException:  # noqa: BLE001 - reported through the file
                _write(os.path.join(out, f"{k}.txt"), traceback.format_exc())
            finally:
                os._exit(code)
        running[pid] = (k, time.perf_counter())
    reap(block=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["problems"] = result["problems"][:10]
    return result


def blocked_step(mode: str, hold: float = 0.5, timeout: float = 10.0) -> str:
    """Fork exactly while flatgrad's background thread holds the cache's lock (a job whose
    module takes ``hold`` s to write); ``"ok"`` if the child then compiles a new function
    within ``timeout`` s, ``"hang"`` if not. ``mode``: ``"safe"`` (the hooks as they are: the
    fork waits for the step), ``"unsafe"`` (no hooks: the child inherits the lock held) or
    ``"reset"`` (the fork does not wait: only the child's re-created locks save it)."""
    import threading

    import flatgrad as fg
    from flatgrad.runtime import cache, forksafe, tiers

    from . import fork_funcs as F
    forksafe._active = mode != "unsafe"
    forksafe.GATE_TIMEOUT = 0.0 if mode == "reset" else 60.0
    entered, release = threading.Event(), threading.Event()

    def build():
        entered.set()
        release.wait()
        return "x = 1\n"

    def prepare():       # as a transform's job writes its cpu module: under the cache's lock
        cache.ensure_module(f"blocked{mode}{os.getpid()}", "blocked", build)
        return None      # (no worker needed)

    owner = object()
    tiers.submit(tiers.Job(owner, prepare, lambda: None, lambda message: None))
    entered.wait()
    threading.Timer(hold, release.set).start()
    pid = os.fork()
    if pid == 0:
        code = ERROR
        try:
            k = 2_000_000 + os.getpid()
            got = fg.grad(F.fresh(k), target="python")(0.5)
            code = OK if math.isclose(got, F.d_fresh(k, 0.5), rel_tol=1e-12) else WRONG
        finally:
            os._exit(code)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            tiers.wait(owner)
            return "ok" if os.waitstatus_to_exitcode(status) == OK else "wrong"
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    tiers.wait(owner)
    return "hang"


def abandoned(timeout: float = 120.0) -> str:
    """Fork while the parent's switch of a function to Numba is in flight (its worker still
    compiling); the child must answer from the python tier, then compile the cpu tier itself.
    ``"ok"`` or what went wrong."""
    import threading

    import flatgrad as fg
    from flatgrad.runtime import tiers

    from . import fork_funcs as F
    parent, inside, hold = os.getpid(), threading.Event(), threading.Event()
    remote = tiers._Service._remote

    def held_remote(self, *args):
        if os.getpid() == parent:      # the parent's worker is "still compiling" at the fork
            inside.set()
            hold.wait()
        return remote(self, *args)

    tiers._Service._remote = held_remote
    k, x = 3_000_000 + parent, 0.4
    g = fg.grad(F.fresh(k))
    g(x)
    inside.wait()
    pid = os.fork()
    if pid == 0:
        code = ERROR
        try:
            first, tier = g(x), g.tier
            waited = g.wait(timeout)
            again = g(x)
            good = all(math.isclose(v, F.d_fresh(k, x), rel_tol=1e-12) for v in (first, again))
            code = OK if good and tier == "python" and waited and g.tier == "cpu" else WRONG
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    hold.set()
    if os.waitstatus_to_exitcode(status) != OK:
        return f"child: exit {os.waitstatus_to_exitcode(status)}"
    g.wait(timeout)
    return "ok" if g.tier == "cpu" and math.isclose(g(x), F.d_fresh(k, x)) else "parent wrong"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.runtime.fork_storm", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--forks", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gap", type=float, default=0.05, help="most seconds between forks")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a child may take")
    p.add_argument("--full-every", type=int, default=50,
                   help="every n-th child waits for its own Numba compile (0: none)")
    p.add_argument("--unsafe", action="store_true", help="turn the fork hooks off")
    p.add_argument("--blocked", nargs="+", choices=("safe", "unsafe", "reset"),
                   help="fork while the background thread holds the cache lock, in these "
                        "modes; print each outcome (ok, hang, wrong)")
    p.add_argument("--abandoned", action="store_true",
                   help="fork while a switch to Numba is in flight; the child compiles itself")
    a = p.parse_args(argv)
    os.environ["FLATGRAD_TIER"] = "auto"
    os.environ.setdefault("FLATGRAD_CACHE_DIR", tempfile.mkdtemp(prefix="fork-storm-cache-"))
    if a.abandoned:
        print(json.dumps({"abandoned": abandoned(a.timeout)}))
        return 0
    if a.blocked:
        # a hang is forever: a short wait shows it; the others get time to finish
        print(json.dumps({m: blocked_step(m, timeout=3.0 if m == "unsafe" else a.timeout)
                          for m in a.blocked}))
        return 0
    r = storm(a.forks, a.seed, gap=a.gap, timeout=a.timeout, full_every=a.full_every,
              unsafe=a.unsafe)
    print(json.dumps(r))
    return 1 if r["hangs"] or r["wrong"] or r["errors"] or r["held"] else 0


if __name__ == "__main__":
    sys.exit(main())
