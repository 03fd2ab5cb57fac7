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


def _nll_sum(w, X, y):
    """dask-glm's logistic objective (a sum over rows, L2 with lambda = 1 on every coefficient;
    the intercept is the last), which dask-ml's LogisticRegression(C=1) minimizes."""
    z = X @ w[:-1] + w[-1]
    return np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(w * w)


def _fit(vg, args, size, maxiter):
    from scipy.optimize import minimize
    t0 = time.perf_counter()
    res = minimize(vg, np.zeros(size), args=args, jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-4, "maxiter": maxiter})
    return time.perf_counter() - t0, res


def _own_chunks(run, keys, dask_worker=None):
    """On a worker (``client.run``): ``run`` (a chunk's blocks -> its results) called directly
    on each aligned chunk this worker holds, no Dask task around it; the seconds of each call."""
    held = [[dask_worker.data[k] for k in ks] for ks in keys
            if all(k in dask_worker.data for k in ks)]
    seconds = []
    for blocks in held:
        t0 = time.perf_counter()
        run(blocks)
        seconds.append(time.perf_counter() - t0)
    return seconds


def _interleaved(contenders: dict, repeats: int) -> dict:
    """Each contender's times over ``repeats`` rounds, one call of each per round (the load
    of a shared machine then weighs on them alike)."""
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def _memory_note(client, vg, X, y, d: int) -> str:
    """One call on the data generated lazily (nothing persisted): the workers' peak memory
    and what the client was sent, from the cluster's own records (bench/dask_memory.py)."""
    from . import dask_memory
    dask_memory.install(client)
    _, peaks, sent = dask_memory.measure(client, lambda: vg(np.full(d + 1, 0.01), X, y))
    chunk = X.chunks[0][0] * (X.shape[1] + 1) * X.dtype.itemsize     # rows of X and y
    held = ", ".join(f"{b / 2**20:.0f} MiB ({b / chunk:.1f} chunks of X and y)"
                     for b, _ in peaks.values())
    return (f"Memory, one call on X, y generated lazily ({X.nbytes / 2**20:.0f} MiB, "
            f"{X.numblocks[0]} chunks, not persisted): peak held per worker {held}; the "
            f"client was sent {len(sent)} result(s) of {', '.join(map(str, sent))} bytes.")


def _placement(client, X) -> dict:
    """How many chunks of ``X`` each worker holds."""
    count: dict = {}
    for holders in client.who_has(X).values():
        for h in holders:
            count[h] = count.get(h, 0) + 1
    return count


@case("dask_fit", group="dask")
def dask_fit(cfg: Config) -> CaseResult:
    """Logistic regression on 10^7 x 20 Dask rows: flatgrad's gradient of the sum over row
    chunks on 2 local workers vs the in-memory call and dask-ml's LogisticRegression."""
    n, d = (2 * 10**4, 20) if cfg.smoke else (10**7, 20)
    chunk = n // 10
    repeats = 1 if cfg.smoke else (5 if cfg.quick else 9)
    title = f"Dask: logistic regression on {n:,} x {d} rows in {n // chunk} chunks, 2 local workers"
    try:
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster, wait
    except ImportError as e:
        return CaseResult(title, "", [skipped("dask", f"not installed ({e})")])
    from flatgrad.runtime import dask_rows
    vg = fg.value_and_grad(_nll_sum, target="python" if cfg.smoke else "cpu")
    rows, notes = [], []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        gen = da.random.default_rng(0)
        X = gen.normal(size=(n, d), chunks=(chunk, d))
        y = (X @ np.linspace(-1, 1, d) + gen.logistic(size=n, chunks=chunk) > 0).astype(float)
        notes.append(_memory_note(client, vg, X, y, d))
        X, y = dask.persist(X, y)
        wait([X, y])
        before = sorted(_placement(client, X).values())
        client.rebalance([X, y])        # the chunks as evenly spread as the data allow
        held = sorted(_placement(client, X).values())
        Xn, yn = dask.compute(X, y)
        w = np.full(d + 1, 0.01)
        # warm-up: the workers load the chunk's code, and under FLATGRAD_TIER=auto settle
        # their tier (a large-array program races NumPy against Numba for its first calls)
        for _ in range(2 if cfg.smoke else 24):
            vg(w, X, y)
            vg(w, Xn, yn)
        # the floors: what a task runs (the chunk in blocks of rows), and one call per chunk
        payload = dask_rows._Payload(dask_rows.chunk_transform(vg, (1, 2)), (w, None, None),
                                     (1, 2), 3, n, dask_rows._block_rows([X, y]))
        whole = dask_rows._Payload(payload.tc, payload.params, (1, 2), 3, n, 0)
        keys = [(kx, ky) for (kx,), ky in zip(X.__dask_keys__(), y.__dask_keys__())]
        own: dict = {"blocks": [], "whole": []}

        def floor(p, name):
            own[name].append(max(map(sum, client.run(_own_chunks, p.run, keys).values())))

        def unblocked():
            dask_rows.BLOCK_BYTES, was = 0, dask_rows.BLOCK_BYTES
            try:
                vg(w, X, y)
            finally:
                dask_rows.BLOCK_BYTES = was
        times = _interleaved({"in-memory": lambda: vg(w, Xn, yn), "dask": lambda: vg(w, X, y),
                              "floor": lambda: floor(payload, "blocks"),
                              "dask, whole chunks": unblocked,
                              "floor, whole chunks": lambda: floor(whole, "whole")}, repeats)
        in_memory = min(times["in-memory"])
        rows.append(Row("flatgrad value_and_grad, in memory, one process (reference)", in_memory,
                        reference=True))
        rows.append(Row("flatgrad value_and_grad, Dask rows on 2 workers", min(times["dask"]),
                        note=f"goal: <= 1.2 x in-memory / 2 = {in_memory * 0.6 * 1e3:.0f} ms; "
                             f"chunks of {chunk:,} rows run in blocks of {payload.block:,}"))
        rows.append(Row("floor: what a task runs (the chunk code on blocks of rows, summed) "
                        "called directly on each worker's chunks, both workers at once "
                        "(client.run), no Dask task", min(times["floor"]),
                        note=f"chunks per worker {held} (persisted {before}, then rebalanced); "
                             f"busiest worker's own compute {min(own['blocks']) * 1e3:.0f} ms"))
        rows.append(Row("Dask rows, each chunk in one call (blocks off: BLOCK_BYTES = 0)",
                        min(times["dask, whole chunks"])))
        rows.append(Row("floor, each chunk in one call", min(times["floor, whole chunks"]),
                        note=f"busiest worker's own compute {min(own['whole']) * 1e3:.0f} ms"))
        notes.append("Per-call rows: the best of "
                     f"{repeats} rounds, one call of each contender per round (interleaved); "
                     "medians: " + ", ".join(f"{k} {np.median(v) * 1e3:.0f} ms"
                                             for k, v in times.items())
                     + "; median over rounds of Dask / in-memory in the same round: "
                     f"{np.median(np.divide(times['dask'], times['in-memory'])):.2f}")
        maxiter = 2 if cfg.smoke else 100
        seconds, res = _fit(vg, (X, y), d + 1, maxiter)
        rows.append(Row("fit, flatgrad + scipy L-BFGS-B on the Dask rows", seconds,
                        note=f"loss {res.fun:.10g}, {res.nfev} calls"))
        try:
            from dask_ml.linear_model import LogisticRegression
        except ImportError as e:
            rows.append(skipped("fit, dask-ml LogisticRegression(solver='lbfgs')",
                                f"not installed ({e})"))
        else:
            t0 = time.perf_counter()
            lr = LogisticRegression(solver="lbfgs", C=1.0, tol=1e-4, max_iter=maxiter).fit(X, y)
            seconds = time.perf_counter() - t0
            coef = np.append(np.ravel(lr.coef_), lr.intercept_)
            theirs = float(vg(coef, Xn, yn)[0])
            rows.append(Row("fit, dask-ml LogisticRegression(solver='lbfgs', C=1)", seconds,
                            note=f"loss {theirs:.10g} (flatgrad's {res.fun:.10g}: relative "
                                 f"difference {abs(theirs - res.fun) / abs(res.fun):.1e})"))
    return CaseResult(
        title,
        "`scipy.optimize.minimize(fg.value_and_grad(nll), w0, args=(X, y), jac=True, "
        "method='L-BFGS-B')` with X, y Dask arrays persisted on a `LocalCluster(n_workers=2, "
        "threads_per_worker=1)`; nll is dask-glm's objective (sum of logistic losses + "
        f"0.5 |w|^2). Per-call rows are the best of {repeats}; fits run once. "
        f"{os.cpu_count()} CPU(s).", rows, notes=notes,
        targets="per call <= 1.2 x (in-memory / workers); fit time <= dask-ml's; losses agree")
