"""Train a two-layer ReLU network (softmax cross-entropy + L2) with flatgrad's gradients.

The loss is ordinary NumPy; ``flatgrad.value_and_grad`` turns it into one compiled
function returning the loss and the four parameter gradients, and plain SGD with
momentum does the rest. Data: scikit-learn's bundled handwritten digits (8x8 images,
10 classes) when scikit-learn is installed (``pip install '.[examples]'``), otherwise
a three-arm spiral generated here.

    python examples/two_layer_net.py            # prints loss/accuracy per epoch
    python examples/two_layer_net.py --spiral   # force the fallback data set
"""
from __future__ import annotations

import sys
import time

import numpy as np

from flatgrad import relu


def loss(W1, b1, W2, b2, X, y, reg):
    N = X.shape[0]
    h1 = relu(X @ W1 + b1)
    scores = h1 @ W2 + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    data_loss = -np.sum(log_probs[np.arange(N), y]) / N
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return data_loss + reg_loss


def predict(params, X):
    W1, b1, W2, b2 = params
    return np.argmax(np.maximum(X @ W1 + b1, 0.0) @ W2 + b2, axis=1)


def load_digits_split(seed=0):
    """(X_train, y_train, X_test, y_test, name), or None without scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(y))
    X, y = X[perm], y[perm]
    n_test = len(y) // 5
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test], "digits"


def make_spiral(points=200, classes=3, seed=0):
    """The three-arm spiral of the lecture notes: (X_train, y_train, X_test, y_test, name)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((points * classes, 2))
    y = np.zeros(points * classes, dtype=np.int64)
    for c in range(classes):
        r = np.linspace(0.0, 1.0, points)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, points) + rng.normal(size=points) * 0.2
        X[c * points:(c + 1) * points] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[c * points:(c + 1) * points] = c
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    n_test = len(y) // 5
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test], "spiral"


def train(data, hidden=64, epochs=20, batch=64, lr=0.2, momentum=0.9, reg=1e-4, seed=0,
          target="cpu", verbose=True):
    """SGD with momentum; returns a dict with the parameters, per-epoch history and timings."""
    Xtr, ytr, Xte, yte, name = data
    rng = np.random.default_rng(seed)
    D, C = Xtr.shape[1], int(ytr.max()) + 1
    params = [rng.normal(size=(D, hidden)) * np.sqrt(2.0 / D), np.zeros(hidden),
              rng.normal(size=(hidden, C)) * np.sqrt(1.0 / hidden), np.zeros(C)]
    velocity = [np.zeros_like(p) for p in params]
    import flatgrad as fg
    step = fg.value_and_grad(loss, argnums=(0, 1, 2, 3), target=target)
    t0 = time.perf_counter()
    step(*params, Xtr[:batch], ytr[:batch], reg)                  # compile once, up front
    compile_s = time.perf_counter() - t0
    history = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(len(ytr))
        total = 0.0
        for start in range(0, len(ytr), batch):
            idx = order[start:start + batch]
            value, grads = step(*params, Xtr[idx], ytr[idx], reg)
            total += value * len(idx)
            for p, v, g in zip(params, velocity, grads):
                v *= momentum
                v -= lr * g
                p += v
        train_acc = float(np.mean(predict(params, Xtr) == ytr))
        test_acc = float(np.mean(predict(params, Xte) == yte))
        history.append((total / len(ytr), train_acc, test_acc))
        if verbose:
            print(f"epoch {epoch + 1:3d}  loss {total / len(ytr):.4f}  "
                  f"train acc {train_acc:.3f}  test acc {test_acc:.3f}")
    return {"params": params, "history": history, "dataset": name, "compile_s": compile_s,
            "train_s": time.perf_counter() - t0, "test_acc": history[-1][2]}


def save_curve(history, path="two_layer_net_loss.png"):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(history) + 1), [h[0] for h in history], marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("two-layer net, flatgrad gradients")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv):
    data = None if "--spiral" in argv else load_digits_split()
    if data is None:
        print("scikit-learn not available (or --spiral): using the spiral data set")
        data = make_spiral()
        result = train(data, hidden=100, epochs=60, batch=32, lr=0.1, reg=1e-3)
    else:
        result = train(data)
    print(f"data set {result['dataset']}: final test accuracy {result['test_acc']:.3f} after "
          f"{len(result['history'])} epochs; compile {result['compile_s']:.2f} s, "
          f"training {result['train_s']:.2f} s")
    path = save_curve(result["history"])
    if path:
        print(f"loss curve saved to {path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
