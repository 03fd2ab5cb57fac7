"""The multiclass SVM loss of lecture 000 with L2 regularisation, vectorised.

Run it to see the flat backward pass flatgrad generates for the gather
``scores[np.arange(N), y]`` (a scatter-add in the backward pass) and a check against
central finite differences:
    python examples/svm_loss.py
"""
import numpy as np


def svm_loss(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + 1.0)
    margins[np.arange(N), y] = 0
    data_loss = np.sum(margins) / N
    reg_loss = reg * np.sum(W * W)
    loss = data_loss + reg_loss
    return loss


if __name__ == "__main__":
    import flatgrad as fg
    from flatgrad.compiler.types import I64, F64, Array
    from flatgrad.runtime.gradcheck import compare, numeric_grad

    types = (Array("float64", 2), Array("float64", 2), Array("int64", 1), F64)
    print(fg.source(svm_loss, argnums=0, types=types))
    rng = np.random.default_rng(0)
    N, D, C = 10, 6, 4
    W, X, y = rng.normal(size=(D, C)) * 0.1, rng.normal(size=(N, D)), rng.integers(0, C, N)
    value, dW = fg.value_and_grad(svm_loss)(W, X, y, 0.1)
    err = compare(dW, numeric_grad(svm_loss, [W, X, y, 0.1], 0), rtol=1e-5, atol=1e-7)
    print(f"loss = {value:.4f}; dL/dW shape {dW.shape}, finite-difference check "
          f"{'OK' if err <= 1 else 'FAILED'} (scaled error {err:.2g})")
