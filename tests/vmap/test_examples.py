"""The vmap examples: DP-SGD's per-example gradients and the ensemble's stacked training."""
import importlib.util
import sys
from pathlib import Path

import numpy as np

import flatgrad as fg

from .oracle import assert_close, loop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    sys.path.insert(0, str(EXAMPLES))          # ensemble.py imports dp_sgd's data
    try:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(EXAMPLES))


def test_dp_sgd_per_example_gradients_and_training():
    dp = _load("dp_sgd")
    rng = np.random.default_rng(0)
    Xtr, ytr, Xte, yte = dp.data(rng)
    params = {"W1": rng.normal(size=(64, 32)) / 8.0, "b1": np.zeros(32),
              "W2": rng.normal(size=(32, 10)) / np.sqrt(32), "b2": np.zeros(10)}
    X, y = Xtr[:16], ytr[:16]
    want = loop(fg.grad(dp.loss, target="python"), (params, X, y), (None, 0, 0))
    assert_close(dp.per_example(params, X, y), want)
    assert "np.einsum('ni,nj->nij'" in dp.per_example.source
    assert dp.main(epochs=4) > 0.8                 # noisy, clipped, and still learning


def test_ensemble_trains_eight_models_at_once():
    ens = _load("ensemble")
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(8, 64, 32)) / 8.0, "b1": rng.normal(size=(8, 32)),
              "W2": rng.normal(size=(8, 32, 10)), "b2": np.zeros((8, 10))}
    X, y, reg = rng.normal(size=(20, 64)), rng.integers(0, 10, 20), np.geomspace(1e-4, 1e-1, 8)
    want = loop(fg.value_and_grad(ens.loss, target="python"), (params, X, y, reg),
                (0, None, None, 0))
    assert_close(ens.train_all(params, X, y, reg), want)
