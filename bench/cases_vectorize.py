"""Benchmark case: per-sample gradient of the sigmoid neuron over N samples.

f(w0, x0, w1, x1, w2) = sigmoid(w0*x0 + w1*x1 + w2), with the weights shared and the
inputs x0, x1 one per sample; each contender returns the five gradients for every
sample as five arrays of length N, written into preallocated outputs:

    flatgrad cpu       vectorize(grad(f, argnums=(0,1,2,3,4)), target="cpu")
    flatgrad parallel  the same with target="parallel"
    hand serial        a hand-written @njit loop with the derivative written out
    hand prange        the same loop with prange, parallel=True
    jax                jax.jit(jax.vmap(jax.grad(f, argnums=(0,1,2,3,4)), in_axes=...)),
                       when jax is installed (float64 enabled)

Run:  python bench/cases_vectorize.py [N] [repeats]
:func:`run` returns the rows for a harness; :func:`table` formats them.
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np
from numba import njit, prange

import flatgrad as fg
from flatgrad import sigmoid

N = 10**6
WEIGHTS = (2.0, -3.0, -3.0)          # w0, w1, w2: the lecture's neuron


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


@njit(cache=True)
def hand_serial(w0, x0, w1, x1, w2, g_w0, g_x0, g_w1, g_x1, g_w2):
    for i in range(x0.shape[0]):
        s = 1.0 / (1.0 + math.exp(-(w0 * x0[i] + w1 * x1[i] + w2)))
        d = (1.0 - s) * s
        g_w0[i] = d * x0[i]
        g_x0[i] = d * w0
        g_w1[i] = d * x1[i]
        g_x1[i] = d * w1
        g_w2[i] = d


@njit(cache=True, parallel=True)
def hand_prange(w0, x0, w1, x1, w2, g_w0, g_x0, g_w1, g_x1, g_w2):
    for i in prange(x0.shape[0]):
        s = 1.0 / (1.0 + math.exp(-(w0 * x0[i] + w1 * x1[i] + w2)))
        d = (1.0 - s) * s
        g_w0[i] = d * x0[i]
        g_x0[i] = d * w0
        g_w1[i] = d * x1[i]
        g_x1[i] = d * w1
        g_w2[i] = d


def data(n: int = N, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), rng.standard_normal(n)


def contenders(n: int = N) -> dict:
    """name -> zero-argument callable computing the five per-sample gradients."""
    w0, w1, w2 = WEIGHTS
    x0, x1 = data(n)
    outs = tuple(np.empty(n) for _ in range(5))
    cases = {}
    for target in ("cpu", "parallel"):
        v = fg.vectorize(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), target=target)
        cases[f"flatgrad {target}"] = (lambda v=v: v(w0, x0, w1, x1, w2, out=outs))
    cases["hand serial"] = lambda: (hand_serial(w0, x0, w1, x1, w2, *outs), outs)[1]
    cases["hand prange"] = lambda: (hand_prange(w0, x0, w1, x1, w2, *outs), outs)[1]
    jax_case = _jax_case(w0, x0, w1, x1, w2)
    if jax_case is not None:
        cases["jax jit(vmap(grad))"] = jax_case
    return cases


def _jax_case(w0, x0, w1, x1, w2):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(w0, x0, w1, x1, w2):
        return jax.nn.sigmoid(w0 * x0 + w1 * x1 + w2)

    g = jax.jit(jax.vmap(jax.grad(f, argnums=(0, 1, 2, 3, 4)), in_axes=(None, 0, None, 0, None)))
    args = (w0, jnp.asarray(x0), w1, jnp.asarray(x1), w2)
    return lambda: [np.asarray(a) for a in jax.block_until_ready(g(*args))]


def best_time(fn, repeats: int = 7) -> float:
    fn()                                   # compile and warm up
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(n: int = N, repeats: int = 7) -> list[dict]:
    """One row per contender: seconds (median of ``repeats`` round-robin rounds, each call after
    a warm-up call), ns per sample, ratio to hand serial, and the largest relative difference
    of its gradients from hand serial's."""
    cases = contenders(n)
    ref = [o.copy() for o in cases["hand serial"]()]
    rows = []
    for name, fn in cases.items():
        got = fn()
        err = max(float(np.max(np.abs(g - r) / np.maximum(np.abs(r), 1e-300))) for g, r in zip(got, ref))
        rows.append({"case": name, "n": n, "times": [], "max_rel_err": err})
    for _ in range(repeats):            # round-robin, so a burst of load hits every contender alike
        for row, fn in zip(rows, cases.values()):
            fn()
            t0 = time.perf_counter()
            fn()
            row["times"].append(time.perf_counter() - t0)
    for r in rows:
        r["seconds"] = float(np.median(r.pop("times")))
    base = next(r["seconds"] for r in rows if r["case"] == "hand serial")
    for r in rows:
        r["ns_per_sample"] = 1e9 * r["seconds"] / n
        r["vs_hand_serial"] = r["seconds"] / base
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"per-sample gradient of the sigmoid neuron, N = {rows[0]['n']:,}, "
             f"{os.cpu_count()} CPU(s), numba threads = {_threads()}",
             f"{'case':<22} {'ms':>9} {'ns/sample':>10} {'vs hand serial':>15} {'max rel err':>12}"]
    for r in rows:
        lines.append(f"{r['case']:<22} {1e3 * r['seconds']:>9.3f} {r['ns_per_sample']:>10.2f} "
                     f"{r['vs_hand_serial']:>14.2f}x {r['max_rel_err']:>12.1e}")
    return "\n".join(lines)


def _threads() -> int:
    import numba
    return numba.get_num_threads()


if __name__ == "__main__":
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else N
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    print(table(run(n, reps)))


# ---------------------------------------------------------------- harness registration
# Importing ``bench.cases_vectorize`` from bench/run.py registers the case below.

try:
    from .harness import CaseResult, Config, Row, case
except ImportError:          # run as a script: python bench/cases_vectorize.py
    case = None

if case is not None:
    @case("vectorize_neuron", group="vectorize")
    def vectorize_neuron(cfg: "Config") -> "CaseResult":
        """Per-sample gradient of the sigmoid neuron, N = 10^6 (serial, prange, JAX)."""
        n = 1000 if cfg.smoke else N
        rows = run(n, repeats=3 if cfg.smoke else 41)
        out = []
        for r in rows:
            note = f"max rel err {r['max_rel_err']:.1e} vs hand serial; {r['ns_per_sample']:.2f} ns/sample"
            out.append(Row(r["case"], r["seconds"], note=note, reference=r["case"] == "hand serial"))
        return CaseResult(
            f"Batched: per-sample gradient of the sigmoid neuron, N = {n:,}",
            "`vectorize(grad(f, argnums=(0,1,2,3,4)))` over x0, x1 (weights shared), writing five "
            f"preallocated outputs; {os.cpu_count()} CPU(s), numba threads = {_threads()}. "
            "Median of round-robin rounds (each contender once per round, so load hits all alike).",
            out, targets="flatgrad cpu ≤ 1.2× hand serial (goal ≤ 1.0×); flatgrad parallel "
                         "≤ 1.05× hand prange")
