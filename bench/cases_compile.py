"""First-call time: compiling ``grad(f)`` with an empty cache, and loading it from a warm one.

Each measurement is a fresh Python process running a small generated script that
times its own import and its first call, so nothing already imported or compiled
in the bench process leaks in. "Cold" gives each run an empty ``FLATGRAD_CACHE_DIR``
(and, for the hand-written reference, a fresh directory for Numba's own cache);
"warm" re-runs the same script file, so both on-disk caches are already filled.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from . import peers
from .harness import CaseResult, Config, Row, case, failure_note

NEURON = '''
from flatgrad import sigmoid


def f(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)
'''

NEURON_NJIT = '''
import math
from numba import njit


@njit(cache=True)
def f_grad(w0, x0, w1, x1, w2):
    L = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    d = (1.0 - L) * L
    return (d * x0, d * w0, d * x1, d * w1, d)
'''

NEURON_JAX = '''
def f(w0, x0, w1, x1, w2):
    return jax.nn.sigmoid(w0 * x0 + w1 * x1 + w2)
'''

SCRIPT = '''
import json, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{defs}
{make}
r = {call}
{block}
t2 = time.perf_counter()
print("BENCH-RESULT " + json.dumps({{"import": t1 - t0, "first": t2 - t1}}))
'''

ARGS = "2.0, -1.0, -3.0, -2.0, -3.0"

# name -> (import block, definitions, make the callable, how to wait for the result)
SCRIPTS = {
    "flatgrad": ("import flatgrad as fg", NEURON,
                 "g = fg.grad(f, argnums=(0, 1, 2, 3, 4))", ""),
    "njit": ("import numba", NEURON_NJIT, "g = f_grad", ""),
    "jax": ("import os; os.environ.setdefault('JAX_PLATFORMS', 'cpu')\nimport jax\n"
            "jax.config.update('jax_enable_x64', True)", NEURON_JAX,
            "g = jax.jit(jax.grad(f, argnums=(0, 1, 2, 3, 4)))", "jax.block_until_ready(r)"),
}


def _write_script(directory: Path, kind: str) -> Path:
    imports, defs, make, block = SCRIPTS[kind]
    text = SCRIPT.format(imports=imports, defs=textwrap.dedent(defs), make=make,
                         call=f"g({ARGS})", block=block)
    path = directory / f"first_call_{kind}.py"
    path.write_text(text)
    return path


def _run(script: Path, cache: Path) -> dict:
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NUMBA_CACHE_DIR", None)          # Numba caches next to the script: fresh per dir
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         timeout=300)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    raise RuntimeError(f"{script.name} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")


def _series(kind: str, runs: int, warm: bool) -> tuple[float, float]:
    """Median (import, first call) seconds over ``runs`` processes."""
    imports, firsts = [], []
    with tempfile.TemporaryDirectory(prefix="flatgrad-bench-") as tmp:
        tmp = Path(tmp)
        for i in range(runs + int(warm)):
            where = tmp if warm else tmp / f"run{i}"
            where.mkdir(exist_ok=True)
            script = _write_script(where, kind)
            result = _run(script, where / "cache")
            if warm and i == 0:
                continue                       # this run fills the caches
            imports.append(result["import"])
            firsts.append(result["first"])
    return statistics.median(imports), statistics.median(firsts)


def _row(name: str, kind: str, runs: int, warm: bool, reference: bool = False, note: str = "") -> Row:
    try:
        imp, first = _series(kind, runs, warm)
    except Exception as e:
        return Row(name, None, failure_note(e))
    return Row(name, first, note, reference=reference, extra={"import": f"{imp:.3f} s"})


@case("first_call", group="compile")
def first_call(cfg: Config) -> CaseResult:
    """First-call time of grad(sigmoid neuron) in a new process: cold cache and warm cache."""
    runs = 1 if (cfg.quick or cfg.smoke) else 3
    rows = [
        _row("flatgrad grad, cold cache (compile)", "flatgrad", runs, warm=False,
             note="target ≤ 2 s"),
        _row("flatgrad grad, warm cache (new process)", "flatgrad", runs, warm=True,
             note="target ≤ 0.3 s"),
        _row("hand-written @njit(cache=True), cold", "njit", runs, warm=False, reference=True),
        _row("hand-written @njit(cache=True), warm", "njit", runs, warm=True),
    ]
    if peers.version("jax") is None:
        rows.append(Row("JAX jit(grad), first call", None, peers.missing_note("jax")))
    else:
        rows.append(_row("JAX jit(grad), first call", "jax", runs, warm=False,
                         note="no persistent compilation cache configured"))
    return CaseResult(
        "First call: compile (cold cache) and load (warm cache), new process each",
        f"Median of {runs} fresh processes. *first call* is measured from just after the import "
        "(`import flatgrad` / `import numba` / `import jax`) to the first result, and includes "
        "building the transform (`fg.grad(...)`); the import is reported separately.",
        rows, targets="cold ≤ 2 s; warm ≤ 0.3 s", unit_label="first call",
        extra_columns=["import"])
