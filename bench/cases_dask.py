"""Benchmark cases: vectorize's per-call overhead (a generated gufunc against the fused kernel)
and a Dask run of the Black-Scholes Greeks on two local worker processes.

    vectorize_overhead  sigmoid-neuron gradients, N = 10: flatgrad vectorize (cpu, parallel,
                        with and without out=) against a hand @njit loop, and the same scalar
                        gradient as a NumPy gufunc (numba.guvectorize, cpu and parallel)
    vectorize_gufunc    the same contenders at N = 10^6
    dask_greeks         price + delta/vega/rho/theta of 10^7 options: in-memory
                        vectorize(target="parallel") against Dask arrays of 8 chunks on a
                        LocalCluster of 2 worker processes (1 thread each, target "cpu")

Run:  python bench/run.py --only vectorize_overhead --only dask_greeks --quick
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

import flatgrad as fg

from .cases_vectorize import WEIGHTS, best_time, data, hand_prange, hand_serial, neuron
from .harness import CaseResult, Config, Contender, Row, case, measure, skipped

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def gufunc(scalar, target: str):
    """``scalar`` (a compiled flatgrad gradient of five floats with five results) as a NumPy
    gufunc: NumPy broadcasts and loops, calling it once per element."""
    from numba import guvectorize
    sig = "void(" + ", ".join(["f8"] * 5 + ["f8[:]"] * 5) + ")"

    @guvectorize([sig], "(),(),(),(),()->(),(),(),(),()", target=target)
    def kernel(w0, x0, w1, x1, w2, g_w0, g_x0, g_w1, g_x1, g_w2):
        g_w0[0], g_x0[0], g_w1[0], g_x1[0], g_w2[0] = scalar(w0, x0, w1, x1, w2)
    return kernel


def overhead_case(n: int, cfg: Config) -> CaseResult:
    w0, w1, w2 = WEIGHTS
    x0, x1 = data(n)
    outs = tuple(np.empty(n) for _ in range(5))
    args = (w0, x0, w1, x1, w2)
    contenders = [Contender("hand @njit loop, out= (reference)",
                            lambda: (hand_serial(*args, *outs), outs)[1], (), reference=True),
                  Contender("hand @njit loop, allocating its outputs",
                            lambda: (hand_serial(*args, *(o := [np.empty(n) for _ in range(5)])), o)[1],
                            ()),
                  Contender("hand @njit prange loop, out=",
                            lambda: (hand_prange(*args, *outs), outs)[1], ())]
    for target in ("cpu", "parallel"):
        v = fg.vectorize(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), target)
        contenders += [Contender(f"flatgrad vectorize {target}", v, args),
                       Contender(f"flatgrad vectorize {target}, out=",
                                 lambda v=v: v(*args, out=outs), ())]
    scalar = v.kernel(np.float64, "sasas").fn.py_func.__globals__[v.name]
    for target in ("cpu", "parallel"):
        g = gufunc(scalar, target)
        contenders += [Contender(f"gufunc (numba.guvectorize) {target}", g, args),
                       Contender(f"gufunc (numba.guvectorize) {target}, out=",
                                 lambda g=g: g(*args, *outs), ())]
    return CaseResult(
        f"vectorize per-call overhead: sigmoid-neuron gradients, N = {n:,}",
        "Five gradients per sample (weights broadcast). The gufunc rows run flatgrad's own "
        "compiled scalar gradient inside a `numba.guvectorize` kernel with signature "
        "`(),(),(),(),()->(),(),(),(),()`, so NumPy does the broadcasting and the loop; "
        f"{os.cpu_count()} CPU(s).",
        measure(contenders, cfg, rtol=1e-14),
        targets="overhead at N = 10 recorded; the faster loop kept per target (docs/vectorize.md)")


@case("vectorize_overhead", group="vectorize")
def vectorize_overhead(cfg: Config) -> CaseResult:
    """vectorize per-call overhead at N = 10 vs a hand @njit loop and a NumPy gufunc."""
    return overhead_case(10, cfg)


@case("vectorize_gufunc", group="vectorize")
def vectorize_gufunc(cfg: Config) -> CaseResult:
    """The fused vectorize kernel vs a NumPy gufunc of the same scalar gradient, N = 10^6."""
    return overhead_case(1000 if cfg.smoke else 10**6, cfg)


# ---------------------------------------------------------------- Dask


@case("dask_greeks", group="dask")
def dask_greeks(cfg: Config) -> CaseResult:
    """Black-Scholes Greeks of 10^7 options: Dask on 2 local workers vs in-memory parallel."""
    n = 10**4 if cfg.smoke else 10**7
    chunks = n // 8
    repeats = 1 if cfg.smoke else (3 if cfg.quick else 5)
    title = f"Dask: Black-Scholes price and Greeks of {n:,} options on 2 local worker processes"
    try:
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError as e:
        return CaseResult(title, "", [skipped("dask", f"not installed ({e})")])
    sys.path.insert(0, str(EXAMPLES))
    try:
        from black_scholes_greeks import call_price
    finally:
        sys.path.pop(0)
    parallel = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 1, 2, 3)), "parallel")
    serial = fg.vectorize(fg.value_and_grad(call_price, argnums=(0, 1, 2, 3)), "cpu")
    rng = np.random.default_rng(0)
    S, sigma, r, T = (rng.uniform(50, 150, n), rng.uniform(0.1, 0.5, n),
                      rng.uniform(0.0, 0.05, n), rng.uniform(0.1, 2.0, n))
    parallel(S[:10], sigma[:10], r[:10], T[:10], 100.0)
    serial(S[:10], sigma[:10], r[:10], T[:10], 100.0)     # the workers read this from the disk cache
    rows = [Row("in-memory vectorize parallel (2 threads)",
                best_time(lambda: parallel(S, sigma, r, T, 100.0), repeats), reference=True)]
    del S, sigma, r, T
    t0 = time.perf_counter()
    # upload_file imports (or reloads, in place) the uploaded copy here too -- the scheduler
    # runs in this process -- and that copy is deleted with the cluster: it gets a module
    # object of its own, and this process's module is put back afterwards
    own = sys.modules.pop("black_scholes_greeks", None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        startup = time.perf_counter() - t0
        client.upload_file(str(EXAMPLES / "black_scholes_greeks.py"))   # call_price's module
        gen = da.random.default_rng(0)
        inputs = client.persist([gen.uniform(50, 150, n, chunks=chunks),
                                 gen.uniform(0.1, 0.5, n, chunks=chunks),
                                 gen.uniform(0.0, 0.05, n, chunks=chunks),
                                 gen.uniform(0.1, 2.0, n, chunks=chunks)])
        dask.compute(*[x.sum() for x in inputs])           # inputs made on the workers, kept there
        price, grads = serial(*inputs, 100.0)
        greeks = [price, *grads]
        t0 = time.perf_counter()
        dask.compute(*[g.sum() for g in greeks])           # first run: workers load the kernel
        first = time.perf_counter() - t0
        rows.append(Row("Dask, 2 workers × 1 thread, target cpu: Greeks reduced on the workers",
                        best_time(lambda: dask.compute(*[g.sum() for g in greeks]), repeats),
                        note=f"first run {first:.2f} s (workers load or compile the kernel)"))
        rows.append(Row("Dask, the same, 5 × 80 MB of Greeks gathered to the client",
                        best_time(lambda: client.gather(client.compute(greeks)), repeats)))
    sys.modules.pop("black_scholes_greeks", None)
    if own is not None:
        sys.modules["black_scholes_greeks"] = own
    return CaseResult(
        title,
        f"`vectorize(value_and_grad(call_price, argnums=(0,1,2,3)))` over Dask arrays of {n:,} "
        f"float64 in 8 chunks, made and persisted on a `LocalCluster(n_workers=2, "
        f"threads_per_worker=1)` (cluster start {startup:.1f} s, not timed), against the "
        f"in-memory call with `target=\"parallel\"`; {os.cpu_count()} CPU(s). Best of {repeats}.",
        rows, targets="the overhead of Dask against in-memory parallel recorded")
