"""The differential fuzzer's fixed-seed CI budget (issue 9).

Random valid programs over the documented subset go through value_and_grad, grad, jvp,
vjp, jacobian (rev and fwd), hessian, -O0/-O1 and checkpointing, compared with plain Python
and an independent oracle (Richardson differences, autograd); random invalid programs must
raise a CompileError at the mutated line. Any wrong result or internal error fails the test;
its message names each failure class, its seeds and how to reproduce and shrink it:
``python -m tests.fuzz`` (docs/fuzzing.md).
"""
from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

from . import invalid as inv
from . import runner
from .gen import generate

N_PYTHON = 300          # valid programs on the python target
N_INVALID = 200         # invalid programs
N_CPU = 4               # valid programs on the cpu target (Numba compiles: ~10 s each)
SEED_PYTHON = 9_000_000
SEED_INVALID = 9_500_000
SEED_CPU = 9_800_000

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("fuzz_src"))


def _report(reports, what):
    classes = collections.defaultdict(list)
    rejected = collections.Counter()
    for rep in reports:
        for r in rep.results:
            if r.outcome in (runner.WRONG, runner.INTERNAL):
                classes[r.key].append((rep.seed, r.config, r.detail))
            elif r.outcome == runner.REJECTED:
                rejected[r.key] += 1
    lines = []
    for key, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        seeds = sorted({s for s, _, _ in items})
        s0, cfg, detail = items[0]
        lines.append(f"{key}: {len(items)} configs in {len(seeds)} programs, seeds "
                     f"{seeds[:6]}; e.g. {cfg} on seed {s0}: {detail.splitlines()[0][:200]}")
    if lines:
        lines.append(f"reproduce: python -m tests.fuzz.repro SEED  (or a campaign with "
                     f"shrinking: python -m tests.fuzz --n 300 --seed ...); {what}")
    return classes, rejected, "\n".join(lines)


def _check(reports, what):
    classes, rejected, text = _report(reports, what)
    n = len(reports)
    bad = sum(r.outcome in (runner.WRONG, runner.INTERNAL) for r in reports)
    # rejections of valid programs are findings too, but a few are acceptable
    n_rej = sum(r.outcome == runner.REJECTED for r in reports)
    assert n_rej <= max(3, 0.02 * n), f"{n_rej}/{n} valid programs rejected: {dict(rejected)}"
    if classes:
        pytest.fail(f"{bad}/{n} programs fail ({len(classes)} classes):\n{text}", pytrace=False)


def test_fuzz_valid_programs_python(workdir):
    warnings.filterwarnings("ignore")
    reports = [runner.run_seed(SEED_PYTHON + k, workdir, target="python")
               for k in range(N_PYTHON)]
    good = [r for r in reports if r.outcome != runner.GEN_BAD]
    # the generator must mostly produce programs the oracle can check
    assert len(good) >= 0.9 * N_PYTHON, collections.Counter(r.gen_bad for r in reports)
    assert sum(r.outcome == runner.OK for r in reports) + \
        sum(r.outcome in (runner.WRONG, runner.INTERNAL) for r in reports) >= 0.5 * N_PYTHON
    _check(good, "python target")


def test_fuzz_invalid_programs(workdir):
    warnings.filterwarnings("ignore")
    outs = collections.defaultdict(list)
    for k in range(N_INVALID):
        r = inv.run_invalid_seed(SEED_INVALID + k, workdir)
        if r is None:
            continue
        out, detail, text, kind, _ = r
        outs[out].append((SEED_INVALID + k, text.splitlines()[0], detail))
    assert len(outs["OK"]) >= 0.8 * N_INVALID, {k: len(v) for k, v in outs.items()}
    bad = {o: v for o, v in outs.items() if o in ("OTHER_EXC", "WRONG_LINE", "SILENT")}
    assert not bad, "\n".join(f"{o}: seed {s}: {t!r}: {d[:200]}" for o, v in bad.items()
                              for s, t, d in v[:10])


@pytest.mark.slow
def test_fuzz_valid_programs_cpu(workdir):
    warnings.filterwarnings("ignore")
    reports = [runner.run_seed(SEED_CPU + k, workdir, target="cpu") for k in range(N_CPU)]
    good = [r for r in reports if r.outcome != runner.GEN_BAD]
    _check(good, "cpu target")


N_CPU_TEXT = 40         # valid programs whose Numba module runs as plain Python
SEED_CPU_TEXT = 9_900_000

_CPU_TEXT = """
import json, sys, warnings
warnings.filterwarnings("ignore")
from tests.fuzz import runner
bad, counts = [], {}
for seed in range(%d, %d):
    rep = runner.run_seed(seed, sys.argv[1], target="cpu", full=True)
    counts[rep.outcome] = counts.get(rep.outcome, 0) + 1
    bad += [(seed, r.config, r.outcome, r.key, (r.detail or "")[:300]) for r in rep.results
            if r.outcome in (runner.WRONG, runner.INTERNAL)]
print(json.dumps({"bad": bad, "counts": counts}))
"""


def test_fuzz_numba_module_text_without_jit(tmp_path):
    """The cpu target's own code (fused expressions, Numba spellings of scatters and
    reductions, in-place sums) on full-size programs in every configuration, run by plain
    Python under NUMBA_DISABLE_JIT=1: what the Numba module computes, without the minutes of
    compiling it (the slow test below compiles a few for real)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "FLATGRAD_TIER": "cpu",
           "FLATGRAD_CACHE_DIR": str(tmp_path / "cache")}
    code = _CPU_TEXT % (SEED_CPU_TEXT, SEED_CPU_TEXT + N_CPU_TEXT)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["counts"].get("OK", 0) >= 0.8 * N_CPU_TEXT, res["counts"]
    assert not res["bad"], "\n".join(map(str, res["bad"][:10])) + \
        "\nreproduce: NUMBA_DISABLE_JIT=1 python -m tests.fuzz.repro SEED --cpu"


# ----------------------------------------------------------------------- the tool itself
class _Planted:
    """flatgrad with a planted bug: every gradient of value_and_grad is 1% off."""

    def __init__(self):
        import flatgrad
        self._fg = flatgrad
        self.CompileError = flatgrad.CompileError

    def value_and_grad(self, *a, **kw):
        inner = self._fg.value_and_grad(*a, **kw)

        def call(*args):
            v, g = inner(*args)
            return v, tuple(gi * 1.01 for gi in g)
        return call


def test_oracle_catches_a_planted_bug_and_shrinks_it(workdir):
    warnings.filterwarnings("ignore")
    fg = _Planted()
    cfg = runner.Config("vg")
    for seed in range(SEED_PYTHON, SEED_PYTHON + 40):
        prog = generate(seed)
        if prog.main.ret_shape != ():
            continue
        rep = runner.evaluate(prog, [cfg], workdir, fg=fg)
        if rep.results and rep.results[0].outcome == runner.WRONG:
            break
    else:
        pytest.fail("a 1% gradient error went unnoticed in 40 programs")
    key = rep.results[0].key
    from .gen import random_args
    small, _ = runner.shrink(prog, cfg, key, workdir, random_args(prog, seed), budget_s=30,
                             fg=fg)
    assert runner.size(small) < runner.size(prog)
    assert runner.evaluate(small, [cfg], workdir, fg=fg).results[0].key == key


class _Float64Gradients(_Planted):
    """flatgrad with a planted float32 bug: gradients of float32 arguments come back float64."""

    def value_and_grad(self, *a, **kw):
        inner = self._fg.value_and_grad(*a, **kw)

        def call(*args):
            v, g = inner(*args)
            return v, tuple(np.asarray(gi, dtype=np.float64) for gi in g)
        return call


def test_the_float32_configuration_checks_values_and_dtypes(workdir):
    """``vg32`` runs a program on its arrays rounded to float32: flatgrad's own gradients
    pass (or are skipped where float32 cannot be checked), a float64 gradient is caught."""
    warnings.filterwarnings("ignore")
    import flatgrad
    cfg = runner.Config("vg32")
    outcomes, caught = [], False
    for seed in range(SEED_PYTHON, SEED_PYTHON + 30):
        prog = generate(seed)
        if prog.main.ret_shape != () or not any(len(s) for s in prog.arg_shapes):
            continue
        rep = runner.evaluate(prog, [cfg], workdir, fg=flatgrad)
        if rep.results:
            outcomes.append(rep.results[0].outcome)
            bad = runner.evaluate(prog, [cfg], workdir, fg=_Float64Gradients()).results[0]
            caught |= bad.outcome == runner.WRONG and "dtype float64" in bad.detail
    assert outcomes.count(runner.OK) >= 5, outcomes
    assert set(outcomes) <= {runner.OK, runner.SKIP}, outcomes
    assert caught


def test_invalid_mutation_is_caught_at_its_line(workdir):
    prog = generate(SEED_INVALID)
    bad, text, kind = inv.mutate(prog, 3)
    src, marks = bad.render()
    assert len(marks) == 1 and text.splitlines()[0].strip() in src.splitlines()[marks[0] - 1]
    assert np.isfinite(len(src))


DEAD_SRC = '''
def f(x, y):
    v1 = 1.5
    v2 = v1 * 2.0
    w = x[0]
    if v2 > -1.25:
        a = x * 2.0
    else:
        t = np.random.rand()
    if w > 0.0:
        u = np.random.rand()
    return a
'''


def test_dead_branch_classifier_folds_locals_bound_to_constants():
    """The invalid-program classifier calls an arm dead when its condition is made of literals
    or of locals bound once to constants (flatgrad folds both); never when a name depends on an
    argument or is bound twice."""
    lines = DEAD_SRC.split("\n")
    at = {text: k + 1 for k, ln in enumerate(lines) for text in ("t = ", "u = ") if text in ln}
    assert inv._in_dead_branch(DEAD_SRC, at["t = "])
    assert not inv._in_dead_branch(DEAD_SRC, at["u = "])
    twice = DEAD_SRC.replace("    w = x[0]", "    w = x[0]\n    v1 = x[1]")
    assert not inv._in_dead_branch(twice, at["t = "] + 1)


JUMP_SRC = '''
def f(x):
    for i in range(3):
        x = x + 1.0
        if 2.0 > 0.0:
            break
        t = np.random.rand()
    for i in range(3):
        if 2.0 < 0.0:
            continue
        u = np.random.rand()
    for i in range(3):
        if x[0] > 0.0:
            break
        v = np.random.rand()
    return x
'''


def test_dead_branch_classifier_sees_code_after_a_jump():
    """Statements after a break (or continue, return) that a literal condition always takes
    never run (campaign 332, seed 332500341: SILENT after ``if 2.0 > 0.0: break``); after a
    jump that the literal condition never takes, or one on an argument, they do."""
    lines = JUMP_SRC.split("\n")
    at = {text: k + 1 for k, ln in enumerate(lines) for text in ("t = ", "u = ", "v = ")
          if text in ln}
    assert inv._in_dead_branch(JUMP_SRC, at["t = "])
    assert not inv._in_dead_branch(JUMP_SRC, at["u = "])
    assert not inv._in_dead_branch(JUMP_SRC, at["v = "])
