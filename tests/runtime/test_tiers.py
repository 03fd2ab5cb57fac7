"""Tiers (runtime/tiers.py): the python tier answers at once, the cpu tier (Numba) is compiled
in the background where it pays and takes over; each result is exactly what the tier that
ran it computes. No timing is asserted anywhere."""
import subprocess
import sys
import threading

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.runtime import tiers

from . import tier_funcs as F

ARGS = (2.0, -1.0, -3.0, -2.0, -3.0)
NUMS = (0, 1, 2, 3, 4)
A1 = T.Array("float64", 1)
A2 = T.Array("float64", 2)


@pytest.fixture
def auto(monkeypatch):
    monkeypatch.setenv("FLATGRAD_TIER", "auto")


def _decide(fn, sig, values, argnums=0):
    g = fg.grad(fn, argnums=argnums, target="python")
    return tiers.decide(tiers.profile(g.build_ir(sig)), values)[0]


def test_the_tier_follows_the_program():
    big = [np.ones((300, 40)), np.ones((40, 1)), np.ones((100, 300))]
    small = [np.ones((3, 4)), np.ones((4, 1)), np.ones((2, 3))]
    assert _decide(F.neuron, (T.F64,) * 5, ARGS, NUMS) == "cpu"            # scalar code
    assert _decide(F.recurrence, (T.F64, T.F64), (0.5, 1.3)) == "cpu"       # a loop
    assert _decide(F.rosen, (A1,), (np.ones(10_000),)) == "cpu"              # a loop, indexing
    assert _decide(F.first_element, (A1,), (np.ones(10_000),)) == "cpu"      # element indexing
    assert _decide(F.mlp, (A2, A2, A2), big, (0, 1)) == "race"               # BLAS-bound arrays
    assert _decide(F.mlp, (A2, A2, A2), small, (0, 1)) == "cpu"              # per-op overhead


def test_profile_is_recorded_in_the_generated_module(auto, monkeypatch):
    jobs = []
    monkeypatch.setattr(tiers, "submit", jobs.append)       # no Numba here: see the slow tests
    g = fg.grad(F.mlp, argnums=(0, 1))
    W1, W2, X = np.ones((300, 40)), np.ones((40, 1)), np.ones((100, 300))
    g(W1, W2, X)
    assert g.tier == "python" and len(jobs) == 1           # Numba's tier asked for, to race
    head = g.source.splitlines()[0]
    assert head.startswith("# flatgrad tier: NumPy, while Numba compiles in the background.")
    assert "chose race" in head
    assert "__flatgrad_profile__" not in g.source
    want = fg.grad(F.mlp, argnums=(0, 1), target="python")(W1, W2, X)
    got = g(W1, W2, X)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)


def _raced(python_ms, cpu_ms):
    """A race fed these call times, alternating as the dispatcher does."""
    state = tiers.State((), "py", None, "race", "why")
    state.cpu = "cpu"
    times = {"python": list(python_ms), "cpu": list(cpu_ms)}
    while state.racing:
        tier = state.next_racer()
        state.record(tier, times[tier].pop(0) / 1e3)
    return state


def test_a_race_keeps_the_faster_tier_by_median_without_the_warm_up_call():
    n = tiers.RACE_CALLS + 1
    state = _raced([3.0] * n, [900.0] + [2.5] * tiers.RACE_CALLS)    # Numba's first call is slow
    assert state.decision == "cpu" and state.cpu == "cpu" and state.running() == "cpu"
    assert "Numba 2.5 ms, NumPy 3 ms" in state.why
    state = _raced([3.0, 3.0, 9.0] + [3.0] * (n - 3), [3.2] * n)   # one outlier: the median
    assert state.decision == "python" and state.cpu is None and state.running() == "python"
    assert not state.loaded and "# flatgrad tier: NumPy." in state.header()


def test_a_race_alternates_and_records_nothing_once_settled():
    state = tiers.State((), "py", None, "race", "why")
    assert not state.racing                         # Numba not loaded yet
    state.cpu = "cpu"
    order = []
    for _ in range(2 * (tiers.RACE_CALLS + 1)):
        order.append(state.next_racer())
        state.record(order[-1], 1e-3 if order[-1] == "cpu" else 2e-3)
    assert order[:4] == ["cpu", "python", "cpu", "python"]
    assert state.decision == "cpu" and not state.racing
    state.record("python", 1e-9)                    # after settling: ignored
    assert state.decision == "cpu" and len(state.times["python"]) == tiers.RACE_CALLS + 1


def test_forced_python_tier(monkeypatch):
    monkeypatch.setenv("FLATGRAD_TIER", "python")
    g = fg.grad(F.neuron, argnums=NUMS)
    got = g(*ARGS)
    assert g.tier == "python" and g.wait(0)
    assert got == fg.grad(F.neuron, argnums=NUMS, target="python")(*ARGS)
    assert "FLATGRAD_TIER=python" in g.source.splitlines()[0]


def test_a_bad_tier_is_named(monkeypatch):
    monkeypatch.setenv("FLATGRAD_TIER", "gpu")
    with pytest.raises(ValueError, match="FLATGRAD_TIER"):
        fg.grad(F.neuron, argnums=NUMS)(*ARGS)


def test_import_and_python_tier_do_not_load_numba(tmp_path):
    script = tmp_path / "square.py"
    script.write_text("import sys\nimport flatgrad as fg\n\n\ndef f(x):\n    return x * x\n\n\n"
                      "assert fg.grad(f)(3.0) == 6.0\nprint('numba' in sys.modules)\n")
    env = {"FLATGRAD_TIER": "python", "FLATGRAD_CACHE_DIR": str(tmp_path), "PATH": "",
           "PYTHONPATH": ":".join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                         cwd=str(tmp_path), timeout=120)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.slow
def test_describe_is_numbas_typeof():
    from numba import typeof
    X = np.arange(12.0).reshape(3, 4)
    ro = X.copy()
    ro.flags.writeable = False
    for v in (1.5, 3, True, np.float32(2), np.int32(4), np.float64(1), X, X.T, X[:, ::2],
              X.astype(np.float32), np.arange(3), ro, np.zeros(3, bool)):
        assert tiers.numba_type(tiers.describe(v)) == typeof(v), v


@pytest.mark.slow
def test_auto_races_the_tiers_on_large_arrays_and_keeps_one(auto, monkeypatch):
    g = fg.grad(F.mlp, argnums=(0, 1))
    rng = np.random.default_rng(1)
    W1, W2, X = rng.normal(size=(300, 40)) * 0.1, rng.normal(size=(40, 1)), rng.normal(size=(100, 300))
    python = fg.grad(F.mlp, argnums=(0, 1), target="python")(W1, W2, X)
    g(W1, W2, X)
    assert g.wait(300)
    results, seen = [], set()
    for _ in range(2 * (tiers.RACE_CALLS + 1) + 2):
        seen.add(g.tier)
        results.append(g(W1, W2, X))
    assert "race" in seen and g.tier in ("cpu", "python")
    head = g.source.splitlines()[0]
    assert f"timed over {tiers.RACE_CALLS} calls each" in head
    monkeypatch.setenv("FLATGRAD_TIER", "cpu")            # the Numba tier's own answer
    cpu = fg.grad(F.mlp, argnums=(0, 1), target="cpu")(W1, W2, X)
    assert not all(np.array_equal(a, b) for a, b in zip(cpu, python))    # tiers tell apart
    tiers_hit = set()
    for r in results:      # every result is exactly one tier's, and both tiers ran
        if all(np.array_equal(a, b) for a, b in zip(r, python)):
            tiers_hit.add("python")
        else:
            assert all(np.array_equal(a, b) for a, b in zip(r, cpu))
            tiers_hit.add("cpu")
    assert tiers_hit == {"cpu", "python"}
    last = g(W1, W2, X)
    want = cpu if g.tier == "cpu" else python
    assert all(np.array_equal(a, b) for a, b in zip(last, want))


@pytest.mark.slow
def test_auto_switches_to_numba_when_ready(auto):
    g = fg.grad(F.neuron, argnums=NUMS)
    first = g(*ARGS)
    python = fg.grad(F.neuron, argnums=NUMS, target="python")(*ARGS)
    if g.tier == "python":                  # (the cpu tier may already be cached on disk)
        assert first == python
        assert "Numba compiles in the background" in g.source.splitlines()[0] or g.wait(0)
    assert g.wait(120)
    assert g.tier == "cpu"
    assert g.source.splitlines()[0].startswith("# flatgrad tier: Numba.")
    assert "@njit" in g.source
    cpu = g(*ARGS)
    assert type(cpu[0]) is float          # Numba's result, not NumPy's float64
    assert g._hot_dispatcher is not None and type(g).__call__ is g._hot_dispatcher   # straight into Numba
    assert g(2, -1, -3, -2, -3) == cpu   # ints take the classifying path, same code


@pytest.mark.slow
def test_auto_loop_with_arrays_switches_and_keeps_errors(auto):
    g = fg.grad(F.rosen)
    x = np.linspace(-1, 1, 50)
    want_py = fg.grad(F.rosen, target="python")(x)
    got = g(x)
    if g.tier == "python":
        assert np.array_equal(got, want_py)
    assert g.wait(120) and g.tier == "cpu"
    assert np.allclose(g(x), want_py)
    # another layout: the python tier answers it while Numba compiles that one too
    xs = np.linspace(-1, 1, 100)[::2]
    assert np.allclose(g(xs), fg.grad(F.rosen, target="python")(xs))
    assert g.wait(120)
    assert np.allclose(g(xs), want_py * 0 + fg.grad(F.rosen, target="python")(xs))
    h = fg.grad(F.first_element)
    with pytest.raises(IndexError, match="first_element at .*tier_funcs.py:"):
        h(np.ones(1))


@pytest.mark.slow
def test_the_switch_is_thread_safe(auto):
    g = fg.grad(F.recurrence, argnums=(0, 1))
    python = fg.grad(F.recurrence, argnums=(0, 1), target="python")(0.5, 1.3)
    results, errors = [g(0.5, 1.3)], []      # the first call starts the background work

    def worker():
        try:
            for _ in range(300):
                results.append(g(0.5, 1.3))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    assert g.wait(120)
    for t in threads:
        t.join()
    assert not errors
    cpu = g(0.5, 1.3)
    assert g.tier == "cpu"
    assert results[0] == python or g.wait(0)
    assert all(r == python or r == cpu for r in results)


@pytest.mark.slow
def test_the_worker_is_stopped_when_the_process_exits(tmp_path):
    """A background compile still running at exit is not left behind (it would compete with
    whatever runs next)."""
    import os
    import time
    script = tmp_path / "leave.py"
    script.write_text(
        "import os, sys\n"
        "os.environ['FLATGRAD_TIER'] = 'auto'\n"
        f"sys.path.insert(0, {os.path.dirname(F.__file__)!r})\n"
        "import numpy as np, flatgrad as fg, tier_funcs as F\n"
        "from flatgrad.runtime import tiers\n"
        "g = fg.grad(F.mlp, argnums=(0, 1))\n"
        "g(np.ones((300, 40)), np.ones((40, 1)), np.ones((100, 300)))\n"
        "for _ in range(100):\n"
        "    if tiers._service.proc is not None:\n"
        "        break\n"
        "    time = __import__('time'); time.sleep(0.05)\n"
        "print(tiers._service.proc.pid)\n")
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                         timeout=120)
    pid = int(out.stdout.split()[-1])
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the worker process {pid} outlived its parent")


def test_the_compile_budget_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("FLATGRAD_COMPILE_BUDGET", raising=False)
    assert tiers.budget() == tiers.DEFAULT_BUDGET
    for text, want in (("2.5", 2.5), ("none", None), ("inf", None), ("0", None)):
        monkeypatch.setenv("FLATGRAD_COMPILE_BUDGET", text)
        assert tiers.budget() == want
    for bad in ("soon", "-1"):
        monkeypatch.setenv("FLATGRAD_COMPILE_BUDGET", bad)
        with pytest.raises(ValueError, match="FLATGRAD_COMPILE_BUDGET"):
            tiers.budget()


def test_a_compile_over_budget_is_abandoned_and_the_python_tier_stays(auto, monkeypatch,
                                                                      tmp_path):
    """A budget too small for any compile (the worker cannot even import Numba in it): the
    worker is killed, the python tier keeps answering and says why; a later transform of the
    same code does not spend the budget again, a larger budget does."""
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FLATGRAD_COMPILE_BUDGET", "0.05")
    tiers._service._stop()          # a fresh worker: not one that compiled anything before
    x = np.linspace(-1, 1, 20)
    want = fg.grad(F.budget_loop, target="python")(x)
    g = fg.grad(F.budget_loop)
    assert np.array_equal(g(x), want)
    assert g.wait(120)
    assert g.tier == "python" and tiers._service.proc is None     # the worker was killed
    head = g.source.splitlines()[0]
    assert "compile abandoned after its budget of 0.05 s (FLATGRAD_COMPILE_BUDGET)" in head
    assert np.array_equal(g(x), want)
    assert list(tmp_path.rglob("*.numba-abandoned"))

    spawned = []        # (no Numba compile here: a compile asked for is refused)
    monkeypatch.setattr(tiers._Service, "_remote",
                        lambda self, *a: spawned.append(a) or "not compiled in this test")
    h = fg.grad(F.budget_loop)                      # the same module: abandoned at once, no worker
    assert np.array_equal(h(x), want) and h.wait(120)
    assert not spawned and "budget of 0.05 s" in h.source.splitlines()[0]
    monkeypatch.setenv("FLATGRAD_COMPILE_BUDGET", "60")
    k = fg.grad(F.budget_loop)                      # a larger budget tries again
    k(x)
    assert k.wait(120) and spawned and "not compiled in this test" in k.source.splitlines()[0]
