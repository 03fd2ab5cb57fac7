"""The array examples: golden matrix backprop, the SVM example, and training the two-layer net."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler.types import Array

from .check import assert_grads

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


matrix_example = _load("matrix_example")
svm_example = _load("svm_loss")
two_layer = _load("two_layer_net")

M2 = Array("float64", 2)


def test_golden_matrix_backprop_is_textbook():
    """Lecture 003: the emitted backward pass is h1.T @ ..., X.T @ ...; no Jacobian is formed."""
    src = fg.source(matrix_example.loss, argnums=(1, 2), types=(M2, M2, M2))
    body = src[src.index("def loss_grad"):]
    assert "grad_W2 = h1.T @ grad_yhat" in body
    assert "grad_W1 = X.T @ grad_z1" in body
    assert "grad_h1 = grad_yhat @ W2.T" in body
    for jacobian_sign in ("kron", "eye", "outer", "einsum", "diag", "tensordot"):
        assert jacobian_sign not in body
    assert "grad_X" not in body                     # X is not differentiated


def test_cli_show_matrix_example():
    out = subprocess.run([sys.executable, "-m", "flatgrad", "show",
                          str(EXAMPLES / "matrix_example.py") + "::loss", "--wrt", "W1,W2"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "h1.T @" in out.stdout and "X.T @" in out.stdout


@pytest.mark.parametrize("script", ["matrix_example.py", "svm_loss.py"])
def test_example_scripts_print_code_and_pass_their_check(script, tmp_path):
    out = subprocess.run([sys.executable, str(EXAMPLES / script)], capture_output=True,
                         text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "def " in out.stdout and "_grad(" in out.stdout
    assert "check OK" in out.stdout and "FAILED" not in out.stdout


def test_svm_example_gradient():
    rng = np.random.default_rng(7)
    W, X, y = rng.normal(size=(5, 3)) * 0.1, rng.normal(size=(9, 5)), rng.integers(0, 3, 9)
    assert_grads(svm_example.svm_loss, (W, X, y, 0.2), (0, 1))


def test_two_layer_loss_gradient():
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(4, 5)), rng.normal(size=5) * 0.1, rng.normal(size=(5, 3)),
            rng.normal(size=3) * 0.1, rng.normal(size=(6, 4)), rng.integers(0, 3, 6), 1e-2)
    assert_grads(two_layer.loss, args, (0, 1, 2, 3))


def test_spiral_fallback_trains():
    data = two_layer.make_spiral(points=60)
    res = two_layer.train(data, hidden=32, epochs=8, batch=32, lr=0.1, reg=1e-3,
                          target="python", verbose=False)
    losses = [h[0] for h in res["history"]]
    assert res["dataset"] == "spiral"
    assert losses[-1] < 0.8 * losses[0], losses
    assert res["history"][-1][1] > 1.0 / 3 + 0.1    # better than chance on the training set


@pytest.mark.slow
def test_digits_reach_95_percent():
    pytest.importorskip("sklearn", reason="scikit-learn is the 'examples' extra; digits need it")
    data = two_layer.load_digits_split()
    res = two_layer.train(data, target="python", verbose=False)
    assert res["dataset"] == "digits"
    assert res["test_acc"] >= 0.95, res["history"]
