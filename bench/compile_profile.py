"""Where a cold cpu-target compile spends its time: one program's gradient compiled in a fresh
process with empty ``FLATGRAD_CACHE_DIR`` and ``NUMBA_CACHE_DIR``, timed in CPU seconds (the
machine is shared; wall time says more about the load than about the compile), with Numba's
own account of it: each function Numba compiled (the generated function, its parts, every
helper and NumPy overload it instantiated), its CPU time without the functions it compiled in
turn, and the time spent holding the LLVM lock.

    python -m bench.compile_profile mlp [--top 25] [--njit]     the MLP gradient (or hand @njit)
    python -m bench.compile_profile wing                        the wing objective (minutes)
    python -m bench.compile_profile make_continuous             the wing's np.roll stencil alone
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

PROGRAMS = ("mlp", "wing", "make_continuous")


def _case(name: str, njit: bool):
    """The function to call and its arguments (a compiled gradient, or the hand @njit one)."""
    import numpy as np

    import flatgrad as fg
    if name == "mlp":
        from . import cases_arrays as A
        args = A._mlp_args(smoke=False)
        if njit:
            return A.mlp_grad_njit, args
        return fg.grad(A.mlp_loss, argnums=(0, 1, 2, 3), target="cpu"), args
    from .programs import wing
    if name == "wing":
        p = wing.cases()[0]
        return fg.grad(p.fn, argnums=p.argnums, target="cpu"), p.args
    rng = np.random.default_rng(0)
    f, occlusion = rng.normal(size=(wing.ROWS, wing.COLS)), rng.uniform(size=(wing.ROWS, wing.COLS))

    def loss(f, occlusion):
        return np.sum(wing.make_continuous(f, occlusion) ** 2)
    return fg.grad(loss, argnums=(0, 1), target="cpu"), (f, occlusion)


def _child(name: str, top: int, njit: bool) -> None:
    """Compile and call once in this (fresh) process, recording Numba's compile events."""
    from numba.core import event

    stack, own, total, calls = [], {}, {}, {}
    lock = [0.0]

    class Compiles(event.Listener):
        def on_start(self, ev):
            d = ev.data
            name = getattr(d["dispatcher"], "__name__", str(d["dispatcher"]))
            stack.append([f"{name}({', '.join(str(a) for a in d['args'])})", time.process_time(), 0.0])

        def on_end(self, ev):
            key, t0, inner = stack.pop()
            dt = time.process_time() - t0
            total[key] = total.get(key, 0.0) + dt
            own[key] = own.get(key, 0.0) + dt - inner
            calls[key] = calls.get(key, 0) + 1
            if stack:
                stack[-1][2] += dt

    class Lock(event.Listener):
        def on_start(self, ev):
            self.t0 = time.process_time()

        def on_end(self, ev):
            lock[0] += time.process_time() - self.t0

    t0 = time.process_time()
    g, args = _case(name, njit)
    event.register("numba:compile", Compiles())
    event.register("numba:llvm_lock", Lock())
    t1, w1 = time.process_time(), time.perf_counter()
    g(*args)
    t2, w2 = time.process_time(), time.perf_counter()
    print(f"{name}{' (hand @njit)' if njit else ''}: first call {t2 - t1:.2f} s CPU "
          f"({w2 - w1:.1f} s wall), imports {t1 - t0:.2f} s CPU, LLVM lock held {lock[0]:.2f} s CPU; "
          f"load {os.getloadavg()[0]:.1f}")
    source = getattr(g, "source", "")
    if source:
        print(f"  {source.count(chr(10))} generated lines")
    print("  own s  total s  n  function compiled (own: without what it compiled in turn)")
    for key, t in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {t:5.2f}  {total[key]:7.2f}  {calls[key]}  {key[:120]}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("program", choices=PROGRAMS)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--njit", action="store_true", help="the hand-written @njit gradient (mlp)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        _child(a.program, a.top, a.njit)
        return
    with tempfile.TemporaryDirectory() as where:
        env = dict(os.environ, FLATGRAD_CACHE_DIR=os.path.join(where, "fg"), FLATGRAD_TIER="cpu",
                   NUMBA_CACHE_DIR=os.path.join(where, "nb"), PYTHONDONTWRITEBYTECODE="1")
        cmd = [sys.executable, "-m", "bench.compile_profile", a.program, "--child",
               "--top", str(a.top)] + (["--njit"] if a.njit else [])
        subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()
