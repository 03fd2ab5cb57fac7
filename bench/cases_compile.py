"""First-call time: ``grad(f)`` in a new process with an empty cache (cold) and with the caches
a previous process filled (warm), for three programs: a scalar function, a scalar loop and an
MLP; and the steady state the default tier (``FLATGRAD_TIER=auto``) ends in.

Each first-call measurement is a fresh Python process running a small generated script that
times its own import and its first call, so nothing already imported or compiled in the bench
process leaks in. "Cold" gives each run empty ``FLATGRAD_CACHE_DIR`` and ``NUMBA_CACHE_DIR``
directories; "warm" re-runs the same script with the caches the last cold run filled (a
flatgrad run waits, after its timed call, until its background compilation is done, so that
the next process finds the caches filled and no worker competes for the CPU; a smoke run
does not wait, and the worker stops with its process).
"""
from __future__ import annotations

import functools
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

from . import peers
from .harness import CaseResult, Config, Contender, Row, case, failure_note, measure, skipped

# ---------------------------------------------------------------- the three programs
# The functions and hand-written gradients of the steady-state cases (their source text goes
# into each timed script); JAX's versions are written here.

def _src(fn) -> str:
    return textwrap.dedent(inspect.getsource(fn))


def _programs() -> dict:
    from . import cases_arrays as A
    from . import cases_loops as L
    from . import cases_scalar as S
    return {
        "scalar": dict(
            args=f"args = {SCALAR_ARGS!r}", values=SCALAR_ARGS,
            flatgrad="from flatgrad import sigmoid\n\n" + _src(S.neuron)
                     + "\ng = fg.grad(neuron, argnums=(0, 1, 2, 3, 4))\n",
            njit="import math\nfrom numba import njit\n\n" + _src(S.neuron_grad_py)
                 + "\ng = njit(cache=True)(neuron_grad_py)\n",
            jax=JAX_SCALAR, fn=S.neuron, argnums=(0, 1, 2, 3, 4)),
        "loop": dict(
            args=f"args = {LOOP_ARGS!r}", values=LOOP_ARGS,
            flatgrad="import math\n\n" + _src(L.recurrence) + "\ng = fg.grad(recurrence, argnums=(0, 1))\n",
            njit="import math\nfrom numba import njit\n\n" + _src(L.recurrence_grad_py)
                 + "\ng = njit(cache=True)(recurrence_grad_py)\n",
            jax=JAX_LOOP, fn=L.recurrence, argnums=(0, 1)),
        "mlp": dict(
            args=MLP_ARGS,
            flatgrad="from flatgrad import relu\n\n" + _src(A.mlp_loss)
                     + "\ng = fg.grad(mlp_loss, argnums=(0, 1, 2, 3))\n",
            njit="from numba import njit\n\n" + _src(A.mlp_grad_njit) + "\ng = mlp_grad_njit\n",
            jax=JAX_MLP, fn=A.mlp_loss, argnums=(0, 1, 2, 3)),
    }


SCALAR_ARGS = (2.0, -1.0, -3.0, -2.0, -3.0)
LOOP_ARGS = (0.5, 1.3)

JAX_SCALAR = '''
def f(w0, x0, w1, x1, w2):
    return jax.nn.sigmoid(w0 * x0 + w1 * x1 + w2)


g = jax.jit(jax.grad(f, argnums=(0, 1, 2, 3, 4)))
'''

JAX_LOOP = '''
def f(x, w):
    return jax.lax.fori_loop(0, 1000, lambda i, x: x + 0.01 * jax.numpy.sin(x) * w, x)


g = jax.jit(jax.grad(f, argnums=(0, 1)))
'''

JAX_MLP = '''
jnp = jax.numpy


def f(W1, b1, W2, b2, X, y, reg):
    N = X.shape[0]
    h1 = jax.nn.relu(X @ W1 + b1)
    logp = jax.nn.log_softmax(h1 @ W2 + b2, axis=1)
    return -jnp.sum(logp[jnp.arange(N), y]) / N + 0.5 * reg * (jnp.sum(W1 * W1) + jnp.sum(W2 * W2))


g = jax.jit(jax.grad(f, argnums=(0, 1, 2, 3)))
'''

MLP_ARGS = '''
rng = np.random.default_rng(0)
N, D, H, C = 256, 784, 128, 10
args = (rng.normal(size=(D, H)) * np.sqrt(2.0 / D), rng.normal(size=H) * 0.01,
        rng.normal(size=(H, C)) * np.sqrt(1.0 / H), rng.normal(size=C) * 0.01,
        rng.normal(size=(N, D)), rng.integers(0, C, N), 1e-3)
'''

PROGRAMS = ("scalar", "loop", "mlp")
TITLES = {"scalar": "scalar: sigmoid neuron, 5 arguments",
          "loop": "loop: 1000-step scalar recurrence",
          "mlp": "MLP: softmax CE + L2, X (256, 784), W1 (784, 128)"}

# ---------------------------------------------------------------- one process, timed

SCRIPT = '''
import json, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
import numpy as np
{args}
t2 = time.perf_counter()
{defs}
r = g(*args)
{block}
t3 = time.perf_counter()
print("BENCH-RESULT " + json.dumps({{"import": t1 - t0, "first": t3 - t2, "tier": {tier}}}))
{after}
'''

IMPORTS = {
    "flatgrad": "import flatgrad as fg",
    "njit": "import numba",
    "jax": "import os; os.environ.setdefault('JAX_PLATFORMS', 'cpu')\nimport jax\n"
           "jax.config.update('jax_enable_x64', True)",
}


def _script(directory: Path, program: str, kind: str, wait: bool = True) -> Path:
    lib = "flatgrad" if kind.startswith("flatgrad") else kind
    text = SCRIPT.format(
        imports=IMPORTS[lib], args=textwrap.dedent(_programs()[program]["args"]),
        defs=textwrap.dedent(_programs()[program][lib]),
        block="jax.block_until_ready(r)" if lib == "jax" else "",
        tier="g.tier" if lib == "flatgrad" else "None",
        # after the timed call: wait for the background compilation (the caches then hold the
        # tier this program ends in), and time how long the switch took
        after=("t4 = time.perf_counter(); g.wait(); "
               "print('BENCH-SWITCH ' + json.dumps({'switch': time.perf_counter() - t2, "
               "'tier': g.tier}))") if lib == "flatgrad" and wait else "")
    path = directory / f"first_call_{program}_{kind}.py"
    path.write_text(text)
    return path


def _run(script: Path, where: Path, tier: str | None) -> dict:
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(where / "fg-cache"),
               NUMBA_CACHE_DIR=str(where / "numba-cache"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("FLATGRAD_TIER", None)
    if tier is not None:
        env["FLATGRAD_TIER"] = tier
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         timeout=900)
    result: dict = {}
    for line in out.stdout.splitlines():
        for tag in ("BENCH-RESULT ", "BENCH-SWITCH "):
            if line.startswith(tag):
                data = json.loads(line[len(tag):])
                if tag == "BENCH-SWITCH ":
                    data = {"switch": data["switch"], "final": data["tier"]}
                result.update(data)
    if "first" not in result:
        raise RuntimeError(f"{script.name} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
    return result


def _series(program: str, kind: str, runs: int, warm: bool, base: Path,
            wait: bool = True) -> list[dict]:
    """``runs`` fresh processes. Cold: each from empty caches in its own directory under
    ``base``. Warm: from the caches the last cold run of the same kind filled (a flatgrad
    process waits for its background compilation before it exits, unless not ``wait``), or
    filled by one untimed run first when there was none."""
    tier = {"flatgrad": None, "flatgrad-cpu": "cpu"}.get(kind)
    filled = base / f"{kind}.filled"               # names the directory a cold run filled
    results = []
    if not warm:
        for i in range(runs):
            where = base / f"{kind}-cold{i}"
            where.mkdir(parents=True)
            results.append(_run(_script(where, program, kind, wait), where, tier))
            filled.write_text(str(where))
        return results
    where = Path(filled.read_text()) if filled.exists() else base / f"{kind}-warm"
    where.mkdir(parents=True, exist_ok=True)
    fill = not filled.exists()
    for i in range(runs + int(fill)):
        result = _run(_script(where, program, kind, wait), where, tier)
        if fill and i == 0:
            continue                               # this run fills the caches
        results.append(result)
    return results


def _row(name: str, program: str, kind: str, runs: int, warm: bool, base: Path,
         reference: bool = False, note: str = "", wait: bool = True) -> Row:
    try:
        results = _series(program, kind, runs, warm, base, wait)
    except Exception as e:  # noqa: BLE001 - reported in the table
        return Row(name, None, failure_note(e))
    med = lambda k: statistics.median(r[k] for r in results)   # noqa: E731
    extra = {"import": f"{med('import'):.3f} s", "program": program}
    if results[0].get("tier"):
        extra["tier of the first call"] = results[0]["tier"]
    if "switch" in results[0]:
        final = results[0]["final"]
        extra["steady tier (after)"] = f"{final} ({med('switch'):.2f} s)" if final != \
            results[0]["tier"] else final
    return Row(name, med("first"), note, reference=reference, extra=extra)


def _first_call_case(program: str):
    t = TITLES[program]

    def run(cfg: Config) -> CaseResult:
        runs = 1 if (cfg.quick or cfg.smoke) else 3
        warm_runs = 1 if cfg.smoke else (5 if cfg.quick else 7)   # warm starts: cheap, noisy
        with tempfile.TemporaryDirectory(prefix="flatgrad-bench-") as tmp:
            # (a smoke run checks that it runs: the background compile is not waited for)
            row = functools.partial(_row, program=program, base=Path(tmp), wait=not cfg.smoke)
            rows = [
                row("flatgrad (auto, the default), cold", kind="flatgrad", runs=runs,
                    warm=False, note="goal ≤ 1 s"),
                row("flatgrad (auto, the default), warm", kind="flatgrad", runs=warm_runs,
                    warm=True, note="goal ≤ 1.1× hand @njit warm"),
                row("flatgrad FLATGRAD_TIER=cpu, cold", kind="flatgrad-cpu", runs=runs, warm=False),
                row("flatgrad FLATGRAD_TIER=cpu, warm", kind="flatgrad-cpu", runs=warm_runs,
                    warm=True),
                row("hand @njit(cache=True), cold", kind="njit", runs=runs, warm=False),
                row("hand @njit(cache=True), warm", kind="njit", runs=warm_runs, warm=True,
                    reference=True),
            ]
            if peers.version("jax") is None:
                rows.append(Row("JAX jit(grad), first call", None, peers.missing_note("jax")))
            else:
                rows.append(row("JAX jit(grad), first call", kind="jax", runs=runs, warm=False,
                                note="no persistent compilation cache configured"))
        return CaseResult(
            f"First call, {t}: cold and warm cache, new process each",
            f"Median of {runs} fresh processes cold, {warm_runs} warm. *first call* is measured "
            "from just after the import and the data (`import flatgrad` / `import numba` / `import jax`; NumPy "
            "arrays) to the first result, and includes defining and building the transform "
            "(`fg.grad(...)`); the import is reported separately. *cold*: empty flatgrad and "
            "Numba cache directories; *warm*: the caches the (last) cold process filled (a "
            "flatgrad process waits, after its timed call, for its background compilation). *steady "
            "tier (after)*: the tier the calls end in, and when the switch to it was complete, "
            "counted from the same start.",
            rows, targets="first call ≤ 1 s cold; warm ≤ 1.1× hand @njit(cache=True) warm",
            unit_label="first call",
            extra_columns=["import", "tier of the first call", "steady tier (after)"])

    run.__doc__ = f"First-call time, cold and warm cache, new process: {t}."
    return run


for _program in PROGRAMS:
    case(f"first_call_{_program}", group="compile")(_first_call_case(_program))


# ---------------------------------------------------------------- steady state of auto

def _steady_programs(smoke: bool):
    ns: dict = {}
    data = textwrap.dedent(MLP_ARGS)                   # the MLP's data, as the scripts make it
    if smoke:
        data = data.replace("256, 784, 128, 10", "8, 12, 6, 10")
    exec(data, {"np": np}, ns)
    progs = _programs()
    return [(name, progs[name]["fn"], progs[name]["argnums"],
             progs[name].get("values", ns["args"]))
            for name in PROGRAMS]


def _with_tier(tier: str, make, args):
    """A transform whose signature was first called under ``FLATGRAD_TIER=tier`` (the tier is
    chosen at a signature's first call), its background work done and a race settled."""
    import flatgrad as fg  # noqa: F401
    from flatgrad.runtime import tiers
    old = os.environ.get("FLATGRAD_TIER")
    os.environ["FLATGRAD_TIER"] = tier
    try:
        g = make()
        g(*args)
        g.wait()
        for _ in range(4 * (tiers.RACE_CALLS + 1)):      # the race's timed calls
            if g.tier != "race":
                break
            g(*args)
    finally:
        if old is None:
            os.environ.pop("FLATGRAD_TIER", None)
        else:
            os.environ["FLATGRAD_TIER"] = old
    return g


def _steady_case(index: int):
    def run(cfg: Config) -> CaseResult:
        import flatgrad as fg
        name, fn, nums, args = _steady_programs(cfg.smoke)[index]
        make = lambda: fg.grad(fn, argnums=nums)   # noqa: E731
        gs = {t: _with_tier(t, make, args) for t in ("auto", "cpu", "python")}
        rows = measure([Contender(f"FLATGRAD_TIER={t}", g, args, reference=(t == "cpu"),
                                  note=f"runs the {g.tier} tier" if t == "auto" else "")
                        for t, g in gs.items()], cfg)
        res = CaseResult(
            f"Tiers, {TITLES[name]}: the steady state of FLATGRAD_TIER=auto and of each tier",
            "The transform's signature first called under the tier named (auto: after its "
            "switch, `g.wait()`), then timed as the other steady-state cases are.",
            rows, targets="auto within 1.05× the better tier")
        by = {r.name.split("=", 1)[1]: r.seconds for r in rows}
        if all(by.values()):
            res.notes.append(f"auto / the better tier = "
                             f"{by['auto'] / min(by['cpu'], by['python']):.2f} "
                             f"(auto runs the {gs['auto'].tier} tier)")
        return res

    run.__doc__ = "Steady state of FLATGRAD_TIER=auto against each tier forced: " + \
        TITLES[PROGRAMS[index]] + "."
    return run


for _i, _program in enumerate(PROGRAMS):
    case(f"tiers_{_program}", group="tiers")(_steady_case(_i))


# ---------------------------------------------------------------- compile time of real programs

PROGRAM_SCRIPT = '''
import json, os, sys, time, warnings
sys.path.insert(0, {root!r})
import numpy as np
import flatgrad as fg
from bench.programs import {module} as M
p = M.cases()[0]
g = fg.grad(p.fn, argnums=p.argnums, target="cpu")
if p.reset:
    p.reset()
t0, c0 = time.perf_counter(), time.process_time()
with warnings.catch_warnings(), np.errstate(all="ignore"):
    warnings.simplefilter("ignore")
    g(*p.args)
t1, c1 = time.perf_counter(), time.process_time()
src = g.source.split("__flatgrad_lines__")[0].splitlines()
lines = sum(1 for x in src if x.startswith("    "))
print("BENCH-RESULT " + json.dumps({{"wall": t1 - t0, "cpu": c1 - c0, "lines": lines,
                                    "functions": sum(1 for x in src if x.startswith("@njit(")),
                                    "load": os.getloadavg()[0]}}))
'''


def _program_lines(module) -> int | None:
    """Lines of the cpu target's generated functions for a program's first case (None if
    flatgrad rejects it), without compiling anything."""
    import flatgrad as fg
    p = module.cases()[0]
    try:
        g = fg.grad(p.fn, argnums=p.argnums, target="cpu")
        sig = g.signature(p.args)[0]
        src = g.build_source(sig).split("__flatgrad_lines__")[0].splitlines()
    except Exception:  # noqa: BLE001 - rejected programs are not in the corpus
        return None
    return sum(1 for x in src if x.startswith("    "))


def _compile_program(name: str, where: Path, timeout: float, env_extra: dict) -> dict:
    """A fresh process, empty caches, ``FLATGRAD_TIER=cpu``: the first call of the program's
    gradient, timed (wall and CPU), or ``{"over": timeout}`` if it had not answered by then."""
    root = str(Path(__file__).resolve().parent.parent)
    script = where / f"compile_{name}.py"
    script.write_text(PROGRAM_SCRIPT.format(root=root, module=name))
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(where / f"fg-{name}"), FLATGRAD_TIER="cpu",
               NUMBA_CACHE_DIR=str(where / f"numba-{name}"), PYTHONDONTWRITEBYTECODE="1",
               **env_extra)
    try:
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"over": timeout, "load": os.getloadavg()[0]}
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    raise RuntimeError(f"{name} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")


@case("compile_programs", group="compile")
def compile_programs(cfg: Config) -> CaseResult:
    """Compile time per generated line, FLATGRAD_TIER=cpu, cold, on the real programs."""
    from bench import programs
    from flatgrad.runtime import tiers
    budget = tiers.budget() or 3600.0
    sizes = {}
    for mod in programs.modules():
        n = _program_lines(mod)
        if n is not None:
            sizes[mod.__name__.rsplit(".", 1)[1]] = n
    # the large programs (all of them in a full run); a smoke run compiles the smallest only
    order = sorted(sizes, key=sizes.get)
    chosen = order[:1] if cfg.smoke else [n for n in order if sizes[n] >= 100 or n == "wing"] \
        if cfg.quick else order
    rows = []
    with tempfile.TemporaryDirectory(prefix="flatgrad-bench-") as tmp:
        runs = [(n, {}, "") for n in chosen]
        if not cfg.smoke and "wing" in chosen:    # the same program as one function: the before
            runs.append(("wing", {"FLATGRAD_SPLIT_LINES": "none"}, " (not split)"))
        for name, env, label in runs:
            try:
                r = _compile_program(name, Path(tmp), budget, env)
            except Exception as e:  # noqa: BLE001 - reported in the table
                rows.append(Row(name + label, None, failure_note(e)))
                continue
            if "over" in r:
                rows.append(Row(name + label, None,
                                f"not done after {r['over']:.0f} s (the compile budget)",
                                extra={"generated lines": str(sizes[name]),
                                       "load": f"{r['load']:.1f}"}))
                continue
            smallest = name == order[0] and not label     # Numba's fixed cost per process
            rows.append(Row(name + label, r["wall"], reference=smallest,
                            note="the smallest program: Numba's fixed cost" if smallest else "",
                            extra={
                "generated lines": str(r["lines"]), "functions": str(r["functions"]),
                "CPU s": f"{r['cpu']:.1f}", "ms per line (CPU)": f"{1e3 * r['cpu'] / r['lines']:.1f}",
                "load": f"{r['load']:.1f}"}))
    res = CaseResult(
        "Compile time of real programs (bench/programs, autograd's examples), FLATGRAD_TIER=cpu, cold",
        "Each program's gradient first called in a new process with empty flatgrad and Numba "
        "caches under FLATGRAD_TIER=cpu: wall time of the first call (flatgrad's pipeline and "
        "Numba's compile), its CPU time, and the CPU time per generated line. A compile not "
        "done within the background worker's budget (FLATGRAD_COMPILE_BUDGET) is stopped. "
        "*load*: the 1-minute load average when it ended (compiles are CPU-bound).",
        rows, targets="wing ≤ 60 s cold; no program past the compile budget",
        unit_label="first call",
        extra_columns=["generated lines", "functions", "CPU s", "ms per line (CPU)", "load"])
    res.notes.append(f"compile budget: {budget:g} s; programs flatgrad compiles: {len(sizes)}, "
                     f"timed here: {len(chosen)}")
    return res
