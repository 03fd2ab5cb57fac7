"""Differentially private SGD on the handwritten digits: per-example gradients by vmap.

DP-SGD (Abadi et al., 2016) clips *each example's* gradient to norm C, sums the clipped
gradients, adds Gaussian noise of standard deviation sigma * C and takes the step. The
per-example gradients are ``flatgrad.vmap(flatgrad.grad(loss), in_axes=(None, 0, 0))``:
the loss of one example, its gradient, mapped over the batch. flatgrad batches the
gradient code (``x @ W1`` is one matrix product for the batch, each weight gradient one
einsum); ``.source`` shows it. Data: scikit-learn's digits (8x8 images, 10 classes) when
scikit-learn is installed, otherwise synthetic clusters.

    python examples/dp_sgd.py     # 97.2% test accuracy on the digits (seed 0, sigma 1, C 1)
    python examples/dp_sgd.py --source    # the batched per-example gradient code
"""
from __future__ import annotations

import sys

import numpy as np

import flatgrad as fg


def loss(params, x, y):
    """Cross-entropy of one example ``x`` (a flat image) with label ``y``."""
    h = np.tanh(x @ params["W1"] + params["b1"])
    s = h @ params["W2"] + params["b2"]
    s = s - np.max(s)
    logp = s - np.log(np.sum(np.exp(s)))
    return -logp[y]


per_example = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0), target="python")


def data(rng):
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        X, y = d.data / 16.0, d.target
    except ImportError:                     # ten Gaussian clusters in 64 dimensions
        centers = rng.normal(size=(10, 64))
        y = rng.integers(0, 10, 1800)
        X = centers[y] + 0.8 * rng.normal(size=(1800, 64))
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    cut = int(0.8 * len(y))
    return X[:cut], y[:cut], X[cut:], y[cut:]


def accuracy(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return float(np.mean(np.argmax(h @ params["W2"] + params["b2"], axis=1) == y))


def dp_step(params, X, y, rng, lr, clip, sigma):
    """One DP-SGD step: clip each example's gradient to norm ``clip``, add noise, average."""
    g = per_example(params, X, y)                       # each leaf: (batch, *shape)
    norms = np.sqrt(sum(np.sum(v.reshape(len(y), -1) ** 2, axis=1) for v in g.values()))
    scale = np.minimum(1.0, clip / np.maximum(norms, 1e-12))
    for k, v in g.items():
        clipped = np.tensordot(scale, v, axes=1)        # sum of the clipped gradients
        noisy = clipped + sigma * clip * rng.normal(size=clipped.shape)
        params[k] = params[k] - lr * noisy / len(y)


def main(epochs=30, batch=64, lr=0.5, clip=1.0, sigma=1.0, seed=0):
    rng = np.random.default_rng(seed)
    Xtr, ytr, Xte, yte = data(rng)
    params = {"W1": rng.normal(size=(64, 32)) / 8.0, "b1": np.zeros(32),
              "W2": rng.normal(size=(32, 10)) / np.sqrt(32), "b2": np.zeros(10)}
    for epoch in range(epochs):
        order = rng.permutation(len(ytr))
        for i in range(0, len(ytr) - batch + 1, batch):
            idx = order[i:i + batch]
            dp_step(params, Xtr[idx], ytr[idx], rng, lr, clip, sigma)
        if epoch % 5 == 4 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  train acc {accuracy(params, Xtr, ytr):.3f}  "
                  f"test acc {accuracy(params, Xte, yte):.3f}")
    return accuracy(params, Xte, yte)


if __name__ == "__main__":
    if "--source" in sys.argv:
        main(epochs=1)
        print(per_example.source)
    else:
        main()
