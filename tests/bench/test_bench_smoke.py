"""Run every bench case once at tiny sizes so the suite cannot silently rot.

No timing is asserted: only that each case produces a table, that the reference
ran, and that no contender computed a wrong gradient.
"""
import pytest

from bench import report
from bench.harness import Config
from bench.run import load_cases

CASES = sorted(load_cases())


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_case_runs(name, tmp_path, monkeypatch):
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(tmp_path / "cache"))
    spec = load_cases()[name]
    cfg = Config(quick=True, smoke=True)
    res = spec.fn(cfg)
    assert res.rows
    assert res.reference() is not None, [r.note for r in res.rows]
    assert not [r.name for r in res.rows if "WRONG" in r.note]
    assert res.title in report.markdown([(spec, res)], "pytest", cfg)
