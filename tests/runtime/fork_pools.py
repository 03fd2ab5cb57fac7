"""Process pools over flatgrad, started while the parent compiles in the background.

    python -m tests.runtime.fork_pools

Under ``FLATGRAD_TIER=auto``, with a background compilation in flight in the parent each
time a pool starts: ``multiprocessing.Pool`` with the ``fork``, ``forkserver`` and ``spawn``
contexts, ``concurrent.futures.ProcessPoolExecutor`` (fork, Linux's default before Python
3.14), and Dask's ``processes`` scheduler over ``fg.vectorize`` (with Dask's default context,
spawn, and with fork). Transforms and vectorize objects travel to the workers pickled (by
reference). Every result is checked against the derivative written out by hand. Prints one
JSON object: each pool's outcome, ``"ok"`` or what went wrong.
"""
from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import sys
import tempfile
import traceback

import numpy as np

from . import fork_funcs as F

N = 4            # tasks per pool


def task(g, x):
    """A worker's task: the gradient ``g`` (unpickled here) at ``x``, and a transform built
    here, of the same function."""
    import flatgrad as fg
    return g(x), fg.grad(F.energy)(x + 1.0)


def _check(results, xs) -> str:
    for (a, b), x in zip(results, xs):
        if not (np.allclose(a, F.d_energy(x), rtol=1e-12, atol=1e-14)
                and np.allclose(b, F.d_energy(x + 1.0), rtol=1e-12, atol=1e-14)):
            return f"wrong at x={x}: {a}, {b}"
    return "ok" if len(results) == len(xs) else f"{len(results)} results for {len(xs)} tasks"


def _in_flight(k: int) -> None:
    """Start the background compilation of a new function in this (the parent) process."""
    import flatgrad as fg
    fg.grad(F.fresh(4_000_000 + 100 * (os.getpid() % 1000) + k))(0.25)


def run(timeout: float = 120.0) -> dict:
    import flatgrad as fg
    g = fg.grad(F.energy)
    xs = [np.linspace(-1.0, 1.0, 5) * (i + 1) for i in range(N)]
    g(xs[0])
    g.wait(300)         # the workers load the cpu tier from the on-disk caches
    out = {}
    for k, method in enumerate(("fork", "forkserver", "spawn")):
        _in_flight(k)
        try:
            with multiprocessing.get_context(method).Pool(2) as pool:
                got = pool.starmap_async(task, [(g, x) for x in xs]).get(timeout)
            out[f"Pool({method})"] = _check(got, xs)
        except Exception:  # noqa: BLE001 - reported
            out[f"Pool({method})"] = traceback.format_exc()[-1500:]
    _in_flight(3)
    try:
        with concurrent.futures.ProcessPoolExecutor(2) as ex:
            futures = [ex.submit(task, g, x) for x in xs]
            got = [f.result(timeout) for f in futures]
        out["ProcessPoolExecutor"] = _check(got, xs)
    except Exception:  # noqa: BLE001
        out["ProcessPoolExecutor"] = traceback.format_exc()[-1500:]
    out.update(dask_processes())
    return out


def dask_processes() -> dict:
    """Dask's processes scheduler over fg.vectorize of a gradient, spawn and fork."""
    import dask
    import dask.array as da

    import flatgrad as fg
    vec = fg.vectorize(fg.grad(F.greek))
    s = np.linspace(0.1, 2.0, 24)
    want = F.d_greek_ds(s, 0.7)
    lazy = vec(da.from_array(s, chunks=6), 0.7)
    out = {}
    np.testing.assert_allclose(lazy.compute(scheduler="sync"), want, rtol=1e-12)  # warm caches
    for k, context in enumerate(("spawn", "fork")):
        _in_flight(10 + k)
        try:
            with dask.config.set({"multiprocessing.context": context}):
                got = lazy.compute(scheduler="processes", num_workers=2)
            out[f"dask processes ({context})"] = \
                "ok" if np.allclose(got, want, rtol=1e-12, atol=0) else f"wrong: {got}"
        except Exception:  # noqa: BLE001
            out[f"dask processes ({context})"] = traceback.format_exc()[-1500:]
    return out


def main() -> int:
    os.environ["FLATGRAD_TIER"] = "auto"
    os.environ.setdefault("FLATGRAD_CACHE_DIR", tempfile.mkdtemp(prefix="fork-pools-cache-"))
    out = run()
    print(json.dumps(out))
    return 0 if all(v == "ok" for v in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
