"""`flatgrad export` (standalone modules, run with flatgrad blocked) and `flatgrad check` with
ints, arrays, defaults and errors that never show a traceback."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.cli import main

ROOT = Path(__file__).resolve().parents[2]
NEURON = str(ROOT / "examples" / "sigmoid_neuron.py") + "::f"
NET = str(ROOT / "examples" / "two_layer_net.py") + "::loss"

# imports the exported file with every flatgrad import failing, calls it, prints JSON
RUNNER = r'''
import importlib.util, json, sys
import numpy as np
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name == "flatgrad" or name.startswith("flatgrad."):
            raise ImportError("flatgrad is blocked in this test")
sys.meta_path.insert(0, Blocker())
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
args = [np.array(a) if isinstance(a, list) else a for a in json.loads(sys.argv[3])]
out = getattr(m, sys.argv[2])(*args)
assert not any(k.startswith("flatgrad") for k in sys.modules), "flatgrad was imported"
print(json.dumps([np.asarray(o).tolist() for o in out]))
'''


def run_blocked(tmp_path, path, name, args):
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    r = subprocess.run([sys.executable, str(runner), str(path), name, json.dumps(args)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def net_point():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 3)),
            rng.normal(size=3), rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0]), 0.01]


def test_export_neuron_runs_without_flatgrad(tmp_path, capsys):
    out = tmp_path / "neuron_grad.py"
    assert main(["export", NEURON, "-o", str(out)]) == 0
    text = out.read_text()
    assert not re.search(r"^\s*(import|from)\s+flatgrad", text, re.M)
    assert "def sigmoid(" in text and "def sum_to(" not in text    # only the helpers it uses
    got = run_blocked(tmp_path, out, "f_grad", [2.0, -1.0, -3.0, -2.0, -3.0])
    assert got == pytest.approx([-0.19661193, 0.39322387, -0.39322387, -0.58983580, 0.19661193])


def _matches_grad(tmp_path, out, rtol, atol):
    """The exported two-layer net's loss_grad, run with flatgrad blocked, against fg.grad."""
    args = net_point()
    got = run_blocked(tmp_path, out, "loss_grad", [a.tolist() if isinstance(a, np.ndarray) else a
                                                   for a in args])
    from examples.two_layer_net import loss
    want = fg.grad(loss, (0, 1, 2, 3), target="python")(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def test_export_two_layer_net_matches_grad(tmp_path, capsys):
    out = tmp_path / "net_grad.py"
    types = "W1=f64[:, :],b1=f64[:],W2=f64[:, :],b2=f64[:],X=f64[:, :],y=i64[:]"
    assert main(["export", NET, "--types", types, "--wrt", "W1,b1,W2,b2", "-o", str(out)]) == 0
    _matches_grad(tmp_path, out, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_export_cpu_target_compiles_with_numba_alone(tmp_path, capsys):
    out = tmp_path / "net_grad_cpu.py"
    types = "W1=f64[:, :],b1=f64[:],W2=f64[:, :],b2=f64[:],X=f64[:, :],y=i64[:]"
    assert main(["export", NET, "--types", types, "--wrt", "W1,b1,W2,b2", "--target", "cpu",
                 "-o", str(out)]) == 0
    assert "@njit" in out.read_text()
    _matches_grad(tmp_path, out, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_export_of_a_split_cpu_function_calls_its_parts_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FLATGRAD_SPLIT_LINES", "10")    # cut into parts (compiler/split.py)
    out = tmp_path / "net_grad_parts.py"
    types = "W1=f64[:, :],b1=f64[:],W2=f64[:, :],b2=f64[:],X=f64[:, :],y=i64[:]"
    assert main(["export", NET, "--types", types, "--wrt", "W1,b1,W2,b2", "--target", "cpu",
                 "-o", str(out)]) == 0
    text = out.read_text()
    assert "def loss_grad_part1(" in text and "call_part" not in text
    assert re.search(r"= loss_grad_part1\(\w", text)
    _matches_grad(tmp_path, out, rtol=1e-9, atol=1e-12)


def test_export_forward_mode_gives_the_directional_derivative(tmp_path, capsys):
    out = tmp_path / "neuron_jvp.py"
    assert main(["export", NEURON, "--mode", "fwd", "--wrt", "w0,x0", "-o", str(out)]) == 0
    x = [2.0, -1.0, -3.0, -2.0, -3.0]
    value, tangent = run_blocked(tmp_path, out, "f_jvp", x + [1.0, 0.5])
    from examples.sigmoid_neuron import f
    h = 1e-6
    up = f(2.0 + h, -1.0 + 0.5 * h, -3.0, -2.0, -3.0)
    down = f(2.0 - h, -1.0 - 0.5 * h, -3.0, -2.0, -3.0)
    assert value == pytest.approx(f(*x))
    assert tangent == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_export_errors_exit_1(tmp_path, capsys):
    assert main(["export", NEURON, "-o", str(tmp_path / "x.txt")]) == 1
    assert ".py" in capsys.readouterr().err
    assert main(["export", NEURON, "--wrt", "nope", "-o", str(tmp_path / "x.py")]) == 1
    assert "nope" in capsys.readouterr().err
    src = tmp_path / "arr.py"
    src.write_text("import numpy as np\ndef f(X, W):\n    return np.sum(X @ W)\n")
    assert main(["export", f"{src}::f", "-o", str(tmp_path / "x.py")]) == 1
    err = capsys.readouterr().err
    assert "--types" in err and "Traceback" not in err


# ------------------------------------------------------------------ check

USER = '''import numpy as np

def powsum(x: "f64[:]", n: "i64"):
    s = 0.0
    for i in range(n):
        s = s + np.sum(x ** 2) * i
    return s

def power(x, n=3):
    return x ** n

def unannotated(v, w):
    return np.sum(v * w)

def index(x: "f64[:]"):
    return np.log(x[10])

def wrong(x):
    return x * x
'''


@pytest.fixture
def user(tmp_path):
    src = tmp_path / "user.py"
    src.write_text(USER)
    return str(src)


def check(capsys, *argv):
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_check_ints_and_arrays(user, capsys):
    code, out, _ = check(capsys, f"{user}::powsum", "--at", "x=[0.1,0.2],n=3")
    assert code == 0 and "d/dx" in out and "ok" in out and "d/dn" not in out
    # n=3: x**2 summed with weights 0+1+2 -> 3*(0.01+0.04)
    assert "= 0.15" in out


def test_check_default_values_and_their_types(user, capsys):
    code, out, _ = check(capsys, f"{user}::power", "--at", "x=1.5")
    assert code == 0 and "n=3" in out and "6.75" in out
    code, out, _ = check(capsys, f"{user}::power", "--at", "x=1.5,n=2")
    assert code == 0 and "= 2.25" in out and "d/dn" not in out      # n stays an int


def test_check_array_from_npy_and_types(user, tmp_path, capsys):
    np.save(tmp_path / "v.npy", np.array([1.0, 2.0, 3.0]))
    code, out, _ = check(capsys, f"{user}::unannotated", "--at",
                         f"v=@{tmp_path / 'v.npy'},w=[0.5,0.25,2.0]")
    assert code == 0 and out.count(" ok") == 2 and "= 7" in out
    code, out, _ = check(capsys, f"{user}::unannotated", "--types", "v=f64[:],w=f64[:]",
                         "--at", "v=[1,2],w=[3,4]")
    assert code == 0 and out.count(" ok") == 2 and "= 11" in out


def test_check_detects_a_wrong_gradient(user, capsys, monkeypatch):
    # flatgrad's own gradient, corrupted: check must say MISMATCH and exit 1
    from flatgrad import api
    real = api.value_and_grad

    def corrupted(*a, **k):
        t = real(*a, **k)
        return lambda *args: (lambda r: (r[0], tuple(g * 1.01 for g in r[1])))(t(*args))
    monkeypatch.setattr(api, "value_and_grad", corrupted)
    code, out, _ = check(capsys, f"{user}::wrong", "--at", "x=1.5")
    assert code == 1 and "MISMATCH" in out


@pytest.mark.parametrize("at, words", [
    ("x=[0.1,0.2],n=2.5", ["n", "integer"]),
    ("x=[[0.5]],n=3", ["dimension"]),
    ("x=[0.1,0.2]", ["give a value", "n"]),
    ("x=@missing.npy,n=3", ["no such file"]),
    ("x=[0.1,0.2],n=three", ["not a number"]),
])
def test_check_bad_values(user, capsys, at, words):
    code, _, err = check(capsys, f"{user}::powsum", "--at", at)
    assert code == 1
    for w in words:
        assert w in err


def test_check_runtime_error_is_one_message(user, capsys):
    code, _, err = check(capsys, f"{user}::index", "--at", "x=[1.0,2.0]")
    assert code == 1 and "IndexError" in err and "user.py:16" in err


def test_check_import_error_is_one_message(tmp_path, capsys):
    src = tmp_path / "broken.py"
    src.write_text("import numpy as np\n\nx = 1 / 0\n\ndef f(x):\n    return x\n")
    code, _, err = check(capsys, f"{src}::f", "--at", "x=1")
    assert code == 1 and "ZeroDivisionError" in err and "broken.py:3" in err
    missing = tmp_path / "needs.py"
    missing.write_text("import no_such_module_xyz\n\ndef f(x):\n    return x\n")
    code, _, err = check(capsys, f"{missing}::f", "--at", "x=1")
    assert code == 1 and "no_such_module_xyz" in err


# ------------------------------------------------------------------ show's hint


def test_show_hint_only_where_float_typing_caused_the_error(tmp_path, capsys):
    src = tmp_path / "s.py"
    src.write_text("import numpy as np\n\ndef arr(X):\n    return np.sum(X[0, :] * X[1, :])\n\n"
                   "def tried(x):\n    try:\n        return x\n    except Exception:\n"
                   "        return x\n")
    assert main(["show", f"{src}::arr"]) == 1
    assert "--types" in capsys.readouterr().err
    assert main(["show", f"{src}::tried"]) == 1
    err = capsys.readouterr().err
    assert "try" in err and "--types" not in err and "as float" not in err
