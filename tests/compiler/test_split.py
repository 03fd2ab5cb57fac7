"""Long generated Numba functions cut into parts (compiler/split.py): the parts compute what
the whole did. The oracle is the unsplit text run by Python, and for whole programs the python
target and central differences."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler import split as S

from ..helpers import fd_array

# A listing in the generated code's form: loop-carried names initialised before their loop, a
# tape written in place, a branch yielding into one name, a nested loop, a while loop with a
# break, an accumulation read after the loop.
LINES = """\
    a = x * 2.0
    b = a + 1.0
    tape = np.zeros(n)
    acc = 0.0
    for i in range(n):
        tape[i] = acc
        c = acc * 0.5
        d = c + b
        if d > 3.0:
            e = d - 1.0
        else:
            e = d + 1.0
        acc = acc + e * 0.1
        inner = 0.0
        for j in range(3):
            inner = inner + j * c
        acc = acc + inner
    k = 0
    while True:
        if not (k < 4):
            break
        acc = acc * 0.9
        k += 1
    total = 0.0
    for i_1 in range(n - 1, -1, -1):
        total = total + tape[i_1] * b
    out = np.empty(2)
    out[0] = total
    out[1] = acc
    y = out * a""".splitlines()


def _run(parts, *args):
    """Define the parts as plain Python functions (the first is the entry) and call it."""
    ns = {"np": np, S.CALL: lambda part, args: part(*args)}
    for p in parts:
        exec(f"def {p.name}({', '.join(p.params)}):\n" + "\n".join(p.lines)
             + f"\n    return {p.ret}\n", ns)
    return ns[parts[0].name](*args)


@pytest.mark.parametrize("most", [1, 2, 3, 5, 8, 13, 21])
def test_the_parts_compute_what_the_whole_did(most, monkeypatch):
    monkeypatch.setattr(S, "SMALLEST", 1)          # parts of a line or two: the most calls
    whole = S.split("f", ["x", "n"], LINES, "y, tape", [None] * len(LINES), most=10_000)
    assert len(whole) == 1 and whole[0].lines == LINES
    parts = S.split("f", ["x", "n"], LINES, "y, tape", list(range(len(LINES))), most=most)
    assert len(parts) > 1
    for n in (0, 1, 5):
        want = _run(whole, 0.7, n)
        got = _run(parts, 0.7, n)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    # every line's source location goes with it; the call of a part takes its first one
    moved = [loc for p in parts for loc in p.locs if loc is not None]
    assert set(moved) <= set(range(len(LINES)))
    # (a break left in a part outside its loop would not even define: exec checks that)


def test_a_short_function_is_left_alone_and_the_knob_is_read(monkeypatch):
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "none")
    assert S.limit() is None
    assert len(S.split("f", ["x", "n"], LINES, "y", [None] * len(LINES))) == 1
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "12")
    assert S.limit() == 12
    monkeypatch.delenv("FLATGRAD_SPLIT_LINES")
    assert S.limit() == S.LIMIT
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "-3")
    with pytest.raises(ValueError, match="FLATGRAD_SPLIT_LINES"):
        S.limit()


# A function in the wing's form: cold lines run once, a loop of 3 around cold lines and a hot
# 50-trip loop, then a while loop whose count is not known.
HEAT = """\
    a = x * 2.0
    b = a + 1.0
    c = b * a
    acc = 0.0
    for t in range(3):
        d = acc + c
        e = d * 0.5
        f = e - 1.0
        for k in range(49, -1, -1):
            g = f * 0.5
            h = g + d
            f = h - 0.25
            acc = acc + f
        acc = acc * 0.9
        m = acc + 1.0
        acc = m * 0.5
    z = acc + b
    w = z * 2.0
    y = w - a""".splitlines()


def test_runs_come_from_constant_trip_counts():
    import ast
    tree = ast.parse("def f(x, n):\n" + "\n".join(HEAT) + "\n    return y\n").body[0]
    assert S._runs(tree.body, 1) == 150
    loop = next(s for s in tree.body if isinstance(s, ast.For))
    assert S._trips(loop) == 3 and S._trips(loop.body[3]) == 50
    assert S._runs([tree.body[0]], 1) == 1 and S._runs([loop], 1) == 150
    for head in ("for k in range(n):", "while k < 3:", "for k in range(0, 9, 0):",
                 "for k in range(2.0):"):
        unknown = ast.parse(f"{head.strip()}\n    a = 1\n").body
        assert S._runs(unknown, 1) is None, head
    assert S._runs(ast.parse("for k in range(5, 0):\n    a = 1\n").body, 1) == 1


@pytest.mark.parametrize("most", [4, 7, 12])
def test_cold_and_hot_lines_go_to_parts_of_their_own(most, monkeypatch):
    """A part is cold when its lines run at least COLD times less often than the hottest
    line; runs are cut where heat changes; the parts still compute what the whole did."""
    monkeypatch.setattr(S, "SMALLEST", 1)
    parts = S.split("f", ["x"], HEAT, "y, acc", list(range(len(HEAT))), most=most)
    assert parts[0].runs == 150
    cold = [p for p in parts[1:] if p.cold]
    hot = [p for p in parts[1:] if not p.cold]
    assert cold and hot
    assert all(p.runs * S.COLD <= 150 for p in cold)
    assert all(p.runs is not None and p.runs * S.COLD > 150 for p in hot)
    assert all(any("for k in" in line or "g = f * 0.5" in line for line in p.lines) for p in hot)
    assert not any(any("g = f * 0.5" in line for line in p.lines) for p in cold)
    for x in (0.3, -1.7):
        want = _run(S.split("f", ["x"], HEAT, "y, acc", [None] * len(HEAT), most=10_000), x)
        assert _run(parts, x) == want
    # a loop of unknown count: nothing is known to be cold
    unknown = [line.replace("range(3)", "range(n)") for line in HEAT]
    parts = S.split("f", ["x", "n"], unknown, "y", [None] * len(HEAT), most=most)
    assert parts[0].runs is None and not any(p.cold for p in parts)


def smoke(v, steps):
    """A small simulation in the wing's style: np.roll sweeps in a loop, carried arrays."""
    p = np.zeros(v.shape)
    for k in range(steps):
        p = (v + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0)
             + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1)) / 4.0
        p = p * np.tanh(v) + 0.1 * np.roll(p, 1, axis=1) * v
    q = v - 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1))
    return np.sum(q * q) + np.sum(np.sin(p))


def relax(v):
    """The wing's shape: cold lines around a 40-trip sweep, which runs 40 times as often."""
    w = np.tanh(v) * v + 0.5 * np.roll(v, 1, axis=0)
    p = w * 0.25
    for k in range(40):
        p = (w + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=1)) / 3.0
        p = p * 0.9 + 0.1 * np.sin(p)
    q = v - 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) * w
    return np.sum(q * q) + np.sum(np.cos(p) * w)


@pytest.mark.slow
@pytest.mark.parametrize("f, steps, shows", [
    (smoke, 3, "@opt_level(2)\n@njit"),               # a loop of unknown count: parts at -O2
    (relax, None, "@opt_level(1)\n@njit"),            # cold lines at -O1 around a hot sweep
])
def test_a_split_program_compiles_and_matches_the_python_target_and_differences(
        f, steps, shows, monkeypatch, tmp_path):
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "10")
    v = np.random.default_rng(3).normal(size=(4, 5))
    extra = () if steps is None else (steps,)
    g = fg.grad(f, target="cpu")
    got = g(v, *extra)
    assert f"def {f.__name__}_grad_part1(" in g.source and shows in g.source
    assert f"call_part({f.__name__}_grad_part1, " in g.source
    want = fg.grad(f, target="python")(v, *extra)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert np.allclose(got, fd_array(lambda x: f(x, *extra), v), rtol=1e-5, atol=1e-7)


LOAD_AGAIN = r'''
import json, sys
import numpy as np
import flatgrad as fg
from tests.compiler.test_split import smoke
v = np.random.default_rng(3).normal(size=(4, 5))
got = fg.grad(smoke, target="cpu")(v, 3)
hits = misses = 0
for name, m in list(sys.modules.items()):
    if name.startswith("flatgrad_generated.smoke_grad"):
        for d in vars(m).values():
            if hasattr(d, "stats"):
                hits += sum(d.stats.cache_hits.values())
                misses += sum(d.stats.cache_misses.values())
print(json.dumps({"got": got.tolist(), "hits": hits, "misses": misses}))
'''


@pytest.mark.slow
def test_a_fresh_process_loads_the_entry_and_its_parts_from_the_caches(monkeypatch, tmp_path):
    """The entry calls its parts by symbols that a cached entry's loaders define again
    (runtime/numba_parts.py): a second process compiles nothing and computes the same."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, FLATGRAD_CACHE_DIR=str(tmp_path), FLATGRAD_SPLIT_LINES="10",
               FLATGRAD_TIER="cpu", PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", LOAD_AGAIN], cwd=root, env=env,
                             capture_output=True, text=True, timeout=900)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    second = runs[1]
    first = runs[0]
    assert first["hits"] + first["misses"] >= 2      # (compiled here or by the tier's worker)
    assert second["misses"] == 0 and second["hits"] >= 2    # all loaded from the cache
    v = np.random.default_rng(3).normal(size=(4, 5))
    want = fg.grad(smoke, target="python")(v, 3)
    for r in runs:
        np.testing.assert_allclose(r["got"], want, rtol=1e-12, atol=1e-12)


def test_an_exported_module_has_no_cold_part_decorator(monkeypatch):
    """Export writes plain calls of the parts (Numba's own level for all): no ``@opt_level``,
    no import of it, and the text is valid Python."""
    import ast

    from flatgrad.compiler import types as T
    from flatgrad.export import standalone
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "10")
    text = fg.grad(relax, target="cpu").build_source((T.parse("f64[:, :]"),))
    assert "@opt_level(1)" in text
    out = standalone(text, "cpu", name="relax_grad", what="gradient", func="relax",
                     origin="tests", params="v", returns="grad_v")
    assert "opt_level" not in out and "call_part" not in out
    ast.parse(out)
