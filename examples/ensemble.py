"""Eight models trained at once: ``vmap`` over the parameters (and the L2 strength).

Each model is a small MLP on the handwritten digits; ``flatgrad.vmap(value_and_grad(loss),
in_axes=(0, None, None, 0))`` maps the loss and its gradient over a stack of eight
parameter sets and eight regularisation strengths, with the data shared: one compiled call
per step trains all eight (the batch method turns ``X @ W1`` into one batched product).
The ensemble averages the eight models' probabilities. Data: scikit-learn's digits when
installed, otherwise synthetic clusters.

    python examples/ensemble.py     # each model 96-99%, the ensemble 98.3% (seed 0)
"""
from __future__ import annotations

import numpy as np

import flatgrad as fg

from dp_sgd import data                       # the same digits split

MODELS = 8


def loss(params, X, y, reg):
    """Mean cross-entropy of one model on the batch, plus its L2 penalty."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    s = h @ params["W2"] + params["b2"]
    s = s - np.max(s, axis=1, keepdims=True)
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    picked = np.sum(logp * (y[:, None] == np.arange(10)), axis=1)
    return -np.mean(picked) + reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))


train_all = fg.vmap(fg.value_and_grad(loss), in_axes=(0, None, None, 0), target="python")


def probabilities(params, X):
    """Each model's class probabilities, shape (models, examples, classes)."""
    h = np.tanh(np.einsum("nd,mdh->mnh", X, params["W1"]) + params["b1"][:, None])
    s = np.einsum("mnh,mhc->mnc", h, params["W2"]) + params["b2"][:, None]
    e = np.exp(s - s.max(axis=2, keepdims=True))
    return e / e.sum(axis=2, keepdims=True)


def main(epochs=40, batch=128, lr=0.5, seed=0):
    rng = np.random.default_rng(seed)
    Xtr, ytr, Xte, yte = data(rng)
    params = {"W1": rng.normal(size=(MODELS, 64, 32)) / 8.0, "b1": np.zeros((MODELS, 32)),
              "W2": rng.normal(size=(MODELS, 32, 10)) / np.sqrt(32),
              "b2": np.zeros((MODELS, 10))}
    reg = np.geomspace(1e-5, 1e-2, MODELS)               # one L2 strength per model
    for epoch in range(epochs):
        order = rng.permutation(len(ytr))
        for i in range(0, len(ytr) - batch + 1, batch):
            idx = order[i:i + batch]
            losses, grads = train_all(params, Xtr[idx], ytr[idx], reg)
            params = {k: params[k] - lr * grads[k] for k in params}
        if epoch % 10 == 9:
            print(f"epoch {epoch + 1:3d}  losses {np.array2string(losses, precision=3)}")
    p = probabilities(params, Xte)
    each = (np.argmax(p, axis=2) == yte).mean(axis=1)
    together = float(np.mean(np.argmax(p.mean(axis=0), axis=1) == yte))
    print("test accuracy per model:", np.array2string(each, precision=3))
    print(f"ensemble test accuracy: {together:.3f}")
    return each, together


if __name__ == "__main__":
    main()
