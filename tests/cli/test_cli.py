"""The command line: show, --wrt, --ir, check --at, and clean error exits."""
import subprocess
import sys
from pathlib import Path

import pytest

from flatgrad.cli import main

ROOT = Path(__file__).resolve().parents[2]
NEURON = str(ROOT / "examples" / "sigmoid_neuron.py") + "::f"
CIRCUIT = str(ROOT / "examples" / "circuit.py") + "::f"
BAD = str(ROOT / "tests" / "errors" / "bad.py")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_o0_prints_the_lecture_listing(capsys):
    code, out, err = run(capsys, "show", NEURON, "-O0")
    assert code == 0 and not err
    lines = [ln.strip() for ln in out.splitlines()]
    for want in ["def f_grad(w0, x0, w1, x1, w2):", "s0 = w0 * x0", "L = sigmoid(s3)",
                 "grad_L = 1.0", "grad_s3 = grad_L * (1.0 - L) * L", "grad_x0 = grad_s0 * w0"]:
        assert want in lines, out
    assert not any(ln.startswith("# key:") for ln in lines)


def test_show_default_is_optimised_and_shorter(capsys):
    _, o0, _ = run(capsys, "show", NEURON, "-O0")
    code, o1, _ = run(capsys, "show", NEURON)
    assert code == 0
    assert len(o1.splitlines()) < len(o0.splitlines())
    assert "grad_L = 1.0" not in o1


def test_show_wrt_selects_parameters(capsys):
    code, out, _ = run(capsys, "show", CIRCUIT, "--wrt", "x,z")
    assert code == 0
    ret = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("return")]
    assert ret and "grad_x" in ret[-1] and "grad_z" in ret[-1] and "grad_y" not in ret[-1]


def test_show_wrt_unknown_parameter_exits_1(capsys):
    code, out, err = run(capsys, "show", CIRCUIT, "--wrt", "q")
    assert code == 1 and "q" in err and "Traceback" not in err


def test_show_ir(capsys):
    code, out, _ = run(capsys, "show", CIRCUIT, "--ir")
    assert code == 0
    assert out.startswith("func f_grad(%0(x): f64, %1(y): f64, %2(z): f64):")
    assert "# circuit.py:" in out


def test_check_at_reports_ok(capsys):
    code, out, _ = run(capsys, "check", CIRCUIT, "--at", "x=-2,y=5,z=-4")
    assert code == 0
    assert "= -12" in out
    assert out.count(" ok") == 3 and "MISMATCH" not in out


def test_check_missing_value_exits_1(capsys):
    code, _, err = run(capsys, "check", CIRCUIT, "--at", "x=-2,y=5")
    assert code == 1 and "z" in err


def test_compile_error_exits_1_with_message_and_no_traceback(capsys):
    code, out, err = run(capsys, "show", BAD + "::uses_try")
    assert code == 1
    assert "bad.py:" in err and "try" in err and "^" in err
    assert "Traceback" not in err and not out


def test_missing_file_exits_1(capsys):
    code, _, err = run(capsys, "show", "no/such/file.py::f")
    assert code == 1 and "no such file" in err


def test_missing_function_exits_1(capsys):
    code, _, err = run(capsys, "show", CIRCUIT[:-3] + "::nope")
    assert code == 1 and "nope" in err


def test_console_script_subprocess(tmp_path):
    env = {"FLATGRAD_CACHE_DIR": str(tmp_path), "PATH": "", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "flatgrad", "show", CIRCUIT, "-O0"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "q = x + y" in r.stdout
    r = subprocess.run([sys.executable, "-m", "flatgrad", "show", BAD + "::uses_try"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 1
    assert "try/except" in r.stderr and "Traceback" not in r.stderr


def test_show_with_types_prints_matrix_backprop(capsys):
    from flatgrad.cli import main
    from pathlib import Path
    ex = Path(__file__).resolve().parents[2] / "examples" / "svm_loss.py"
    code = main(["show", f"{ex}::svm_loss", "--types", "W=f64[:, :],X=f64[:, :],y=i64[:]"])
    out = capsys.readouterr().out
    assert code == 0 and "X.T @" in out and "grad_y" not in out   # ints get no gradient


def test_show_bad_types_is_a_user_error(capsys):
    from flatgrad.cli import main
    from pathlib import Path
    ex = Path(__file__).resolve().parents[2] / "examples" / "circuit.py"
    assert main(["show", f"{ex}::f", "--types", "x=f64[3]"]) == 1
    assert "--types" in capsys.readouterr().err


def test_show_hints_at_types_when_floats_do_not_fit(capsys, tmp_path):
    from flatgrad.cli import main
    src = tmp_path / "loops.py"
    src.write_text("def f(x, n):\n    s = 0.0\n    for i in range(n):\n        s += x * i\n    return s\n")
    assert main(["show", f"{src}::f"]) == 1
    assert "--types" in capsys.readouterr().err
    assert main(["show", f"{src}::f", "--types", "n=i64"]) == 0
    assert "grad_x" in capsys.readouterr().out
