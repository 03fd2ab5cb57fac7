"""The fork-per-program campaign (tests/fuzz/forked.py) at CI size: a child forked per
random program while the parent compiles in the background; none may hang or crash."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_per_program_never_hangs():
    out = subprocess.run([sys.executable, "-m", "tests.fuzz.forked", "--n", "100", "--seed",
                          "3", "--jobs", "2", "--timeout", "120"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"))
    lines = out.stdout.strip().splitlines()
    assert lines, out.stderr[-3000:]
    r = json.loads(lines[-1])
    assert r["programs"] == 100 and r["hangs"] == 0 and r["crashes"] == 0, r
    assert set(r["outcomes"]) <= {"OK", "REJECTED", "ORACLE_SKIP", "KINK", "GEN_BAD"}, r
    assert r["outcomes"].get("OK", 0) >= 80, r
    assert r["parent_programs"] >= 1, r       # the parent did compile in the background
