"""flatgrad show --dump-after PASS and --time-passes: the pass pipeline, inspectable."""
from pathlib import Path

from flatgrad.cli import main

ROOT = Path(__file__).resolve().parents[2]
CIRCUIT = str(ROOT / "examples" / "circuit.py") + "::f"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dump_after_prints_the_ir_after_each_run_of_the_pass(capsys):
    code, out, err = run(capsys, "show", CIRCUIT, "--dump-after", "rev,dce")
    assert code == 0, err
    assert "# IR after pass 'rev' (run 1)" in out and "# IR after pass 'dce' (run 1)" in out
    after_rev = out.split("# IR after pass 'rev' (run 1)")[1].split("# IR after pass")[0]
    assert "func f_grad(" in after_rev and "copy 1.0" in after_rev    # the seed, before -O1
    after_dce = out.split("# IR after pass 'dce' (run 1)")[1].split("# IR after pass")[0]
    assert "copy 1.0" not in after_dce
    assert out.rstrip().endswith("return (grad_x, grad_y, grad_z)")   # then the code


def test_dump_after_a_pass_that_did_not_run_says_so(capsys):
    code, out, err = run(capsys, "show", CIRCUIT, "-O0", "--dump-after", "dce")
    assert code == 0
    assert "pass 'dce' did not run" in err and "# IR after" not in out


def test_dump_after_an_unknown_pass_lists_the_passes(capsys):
    code, out, err = run(capsys, "show", CIRCUIT, "--dump-after", "nope")
    assert code == 1
    assert "no pass named 'nope'" in err and "copy-propagation" in err and "rev" in err


def test_time_passes_prints_a_table_to_stderr(capsys):
    code, out, err = run(capsys, "show", CIRCUIT, "--time-passes")
    assert code == 0 and "def f_grad(" in out
    rows = {ln.split()[0]: ln for ln in err.splitlines() if ln.strip()}
    for name in ("pass", "rev", "expand_custom", "simplify", "dce", "total"):
        assert name in rows, err
    assert rows["rev"].split()[3] == "1"          # runs
