"""call_part (runtime/numba_parts.py): the entry of a split function calls a part's compiled code
without linking the part's LLVM module in again, in this process and from Numba's cache."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from . import parts_funcs as F

pytestmark = pytest.mark.slow        # every test compiles with Numba

X, Y = np.linspace(-1.0, 1.0, 5), np.arange(5.0)


def test_the_entry_computes_what_ordinary_calls_do():
    for trips in (0, 1, 4):
        got, want = F.entry(X, Y, 2, trips), F.plain_entry(X, Y, 2, trips)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-15)
        assert got[1] == pytest.approx(want[1], rel=1e-15)
    c, total = X, 0.0
    for _ in range(3):                       # NumPy, step by step
        prev = c
        c = np.sin(prev) * 2.0 + Y
        total += c.sum() + prev[2]
    got = F.entry(X, Y, 2, 3)
    np.testing.assert_allclose(got[0], c, rtol=1e-14)
    assert got[1] == pytest.approx(total, rel=1e-14)


def test_a_parts_index_error_reaches_the_caller():
    with pytest.raises(IndexError):
        F.entry(X, Y, 9, 2)


def test_the_part_is_not_linked_into_the_entry():
    entry, plain = njit(F.entry.py_func), njit(F.plain_entry.py_func)   # (not from the cache)
    entry(X, Y, 1, 1)
    plain(X, Y, 1, 1)
    text = entry.inspect_llvm(entry.signatures[0])
    declared = [line for line in text.splitlines() if "flatgrad.part." in line]
    assert any(line.startswith("declare") for line in declared)
    assert not any(line.startswith("define") for line in declared)
    def defines_part(llvm):
        return any(line.startswith("define") and "step_part" in line for line in llvm.splitlines())
    assert not defines_part(text)                                # no copy of the part's code,
    assert defines_part(plain.inspect_llvm(plain.signatures[0]))  # as linking does


def test_loaded_from_numbas_cache_in_fresh_processes(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    here = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(here), env.get("PYTHONPATH", "")])
    runs = [subprocess.run([sys.executable, "-m", "tests.runtime.parts_funcs"], cwd=here, env=env,
                           capture_output=True, text=True, timeout=600) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    first, second = (r.stdout.splitlines() for r in runs)
    want = F.plain_entry(X, Y, 2, 3)
    for out in (first, second):
        np.testing.assert_allclose(eval(out[0]), want[0], rtol=1e-15)
        assert float(out[1]) == pytest.approx(want[1], rel=1e-15)
        assert out[4].startswith("IndexError")
    assert (first[2], first[3]) == ("0", "0")            # compiled, then
    assert int(second[2]) >= 1 and int(second[3]) >= 1   # both loaded from the cache


def test_a_cold_part_compiles_at_o1_and_computes_the_same():
    """``@opt_level(1)``: the part compiles with LLVM -O1 (Numba's level seen while it
    compiles), the other part and the entry at Numba's own, which is restored after."""
    from numba.core import config, event

    from flatgrad.runtime.numba_parts import call_part, opt_level

    @opt_level(1)
    @njit
    def cold(a, b):
        return (np.sin(a) * 2.0 + b,)

    @njit
    def hot(a, b):
        return (np.sin(a) * 2.0 + b,)

    @njit
    def entry(a, b):
        c, = call_part(cold, (a, b))
        d, = call_part(hot, (a, b))
        return c, d

    seen, own = {}, int(config.OPT)

    class Levels(event.Listener):
        def on_start(self, ev):
            seen.setdefault(ev.data["dispatcher"].py_func.__name__, int(config.OPT))

        def on_end(self, ev):
            pass

    with event.install_listener("numba:compile", Levels()):
        c, d = entry(X, Y)
    assert seen["cold"] == min(1, own) and seen["hot"] == own and seen["entry"] == own
    assert int(config.OPT) == own
    np.testing.assert_array_equal(c, np.sin(X) * 2.0 + Y)
    np.testing.assert_array_equal(c, d)
