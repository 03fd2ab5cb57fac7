"""A random-program campaign that forks one child per program: no child may hang.

    python -m tests.fuzz.forked --n 5000 --seed 7

Harnesses that fork a child per program (to survive a crash, to bound its time) are where
flatgrad's fork hazard was met: a child forked while the parent's background compilation
held a lock waited forever. Here the parent runs under ``FLATGRAD_TIER=auto`` and keeps
its background thread busy: whenever it is idle, the parent runs the next program itself on
the cpu target (answered by the python tier while a worker compiles the Numba tier, which
the background thread then loads). Each child runs one program in its configurations
(``runner.run_seed``) and reports its outcome through a pipe; a child that has not reported
within ``--timeout`` seconds is killed and counted as a hang, one that dies without
reporting as a crash. Prints one JSON line: programs, hangs, crashes, the outcomes (as the
campaign counts them), the parent's own programs and the time taken.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import select
import signal
import sys
import tempfile
import time
import warnings

from . import runner


def _child(seed: int, workdir: str, cpu_frac: float, write_fd: int) -> None:
    """Run program ``seed``, write its outcome and failing configurations, and exit."""
    code = 1
    try:
        rep = runner.run_seed(seed, workdir, cpu_frac=cpu_frac)
        bad = [(r.config, r.outcome, r.key) for r in rep.results
               if r.outcome in (runner.WRONG, runner.INTERNAL)]
        os.write(write_fd, json.dumps({"outcome": rep.outcome, "bad": bad}).encode())
        code = 0
    except BaseException as e:  # noqa: BLE001 - the harness's own failure, reported
        os.write(write_fd, json.dumps({"outcome": "HARNESS", "bad": [repr(e)[:300]]}).encode())
    finally:
        os._exit(code)


class _Running:
    """The children running now: their pipes, deadlines and what they have said so far."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.children: dict[int, tuple[int, int, float, bytearray]] = {}   # fd -> pid, seed...

    def start(self, seed: int, workdir: str, cpu_frac: float) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(seed, workdir, cpu_frac, w)
        os.close(w)
        self.children[r] = (pid, seed, time.monotonic() + self.timeout, bytearray())

    def finished(self, block: bool):
        """``(seed, report)`` of each child done (at least one if ``block``): its report as a
        dict, "HANG" if it passed its deadline (it is killed), "CRASH" if it exited without
        reporting."""
        done = []
        while self.children:
            fds = list(self.children)
            ready, _, _ = select.select(fds, [], [], 0.2 if block else 0)
            now = time.monotonic()
            for fd in fds:
                pid, seed, deadline, data = self.children[fd]
                if fd in ready:
                    chunk = os.read(fd, 65536)
                    if chunk:
                        data += chunk
                        continue
                    os.waitpid(pid, 0)          # every writer closed: the child is done
                    report = json.loads(bytes(data)) if data else "CRASH"
                elif now > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    report = "HANG"
                else:
                    continue
                os.close(fd)
                del self.children[fd]
                done.append((seed, report))
            if done or not block:
                break
        return done


def campaign(n: int, seed: int, *, timeout: float = 60.0, cpu_frac: float = 0.0,
             jobs: int = 1, progress: bool = False) -> dict:
    from flatgrad.runtime import tiers
    workdir = tempfile.mkdtemp(prefix="fuzz-forked-")
    base = seed * 1_000_000 + 700_000
    counts: collections.Counter = collections.Counter()
    problems, parent_runs, finished = [], 0, 0
    running = _Running(timeout)
    t0 = time.perf_counter()

    def note(done) -> None:
        nonlocal finished
        for s, got in done:
            finished += 1
            if isinstance(got, str):
                counts[got] += 1
                problems.append(f"seed {s}: {got}")
            else:
                counts[got["outcome"]] += 1
                if got["bad"] or got["outcome"] == "HARNESS":
                    problems.append(f"seed {s}: {got['outcome']} {got['bad'][:3]}")
            if progress and finished % 500 == 0:
                print(f"  {finished}/{n} programs, {counts['HANG']} hangs, "
                      f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    for k in range(n):
        if tiers.wait(timeout=0):
            # the background thread is idle: give it a program's Numba tiers to compile
            parent_runs += 1
            rep = runner.run_seed(base + 500_000 + k, workdir, target="cpu")
            if rep.outcome in (runner.WRONG, runner.INTERNAL):
                problems.append(f"parent, seed {base + 500_000 + k}: {rep.outcome}")
        while len(running.children) >= jobs:
            note(running.finished(block=True))
        running.start(base + k, workdir, cpu_frac)
        note(running.finished(block=False))
    while running.children:
        note(running.finished(block=True))
    return {"programs": n, "hangs": counts.pop("HANG", 0), "crashes": counts.pop("CRASH", 0),
            "outcomes": dict(counts), "parent_programs": parent_runs,
            "problems": problems[:20], "seconds": round(time.perf_counter() - t0, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.forked", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=5000, help="programs, one forked child each")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a child may take")
    p.add_argument("--cpu-frac", type=float, default=0.0,
                   help="share of the children's programs on the cpu target")
    p.add_argument("--jobs", type=int, default=1, help="children running at once")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    os.environ["FLATGRAD_TIER"] = "auto"
    os.environ.setdefault("FLATGRAD_CACHE_DIR", tempfile.mkdtemp(prefix="fuzz-forked-cache-"))
    r = campaign(a.n, a.seed, timeout=a.timeout, cpu_frac=a.cpu_frac, jobs=a.jobs,
                 progress=True)
    print(json.dumps(r))
    bad = r["hangs"] or r["crashes"] or any(o in r["outcomes"] for o in
                                            (runner.WRONG, runner.INTERNAL, "HARNESS"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
