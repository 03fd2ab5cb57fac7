"""The corpus of real programs (bench/programs: our own ports of autograd's examples) on the
python target, against autograd on the same programs (central differences where autograd
fails or differs). A wrong gradient or a crash fails; a clean rejection is counted and
reported -- but only where the program says which feature it waits for: a program that
runs today must keep running."""
import pytest

from bench import programs

MODULES = {m.__name__.rsplit(".", 1)[1]: m for m in programs.modules()}


@pytest.fixture(scope="module")
def clone():
    return programs.AutogradClone()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_program(name, clone, monkeypatch, tmp_path):
    monkeypatch.setenv("FLATGRAD_CACHE_DIR", str(tmp_path / "cache"))
    mod = MODULES[name]
    waits = getattr(mod, "WAITS_FOR", {})
    for p in mod.cases():
        cls, detail = programs.judge(p, clone)
        assert cls not in ("wrong", "crash", "no-oracle"), f"{name}:{p.name}: {cls}: {detail}"
        if cls == "rejected":
            assert p.name in waits, (f"{name}:{p.name} is rejected ({detail}) but does not say "
                                     "which feature it waits for")


def test_every_waiting_case_exists():
    for name, mod in MODULES.items():
        names = {p.name for p in mod.cases()}
        assert set(getattr(mod, "WAITS_FOR", {})) <= names, name


def test_report_counts_programs():
    rep = programs.Report([programs.Result("a", "x", "correct"), programs.Result("a", "y", "rejected"),
                           programs.Result("b", "x", "correct")])
    assert rep.programs() == {"a": "rejected", "b": "correct"}
    assert rep.text().startswith("real programs (own ports of autograd examples): 1/2 programs")
