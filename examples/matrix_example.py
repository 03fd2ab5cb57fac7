"""The two-layer ReLU network of lecture 003 with a squared-norm loss.

    z1 = X W1,  h1 = ReLU(z1),  yhat = h1 W2,  L = ||yhat||^2

Run it to see the textbook matrix backward pass flatgrad generates (no Jacobian is
ever formed: grad_W2 = h1.T @ grad_yhat, grad_W1 = X.T @ grad_z1) and a check of the
gradients against central finite differences:
    python examples/matrix_example.py
"""
import numpy as np

from flatgrad import relu


def loss(X: "f64[:, :]", W1: "f64[:, :]", W2: "f64[:, :]"):
    z1 = X @ W1
    h1 = relu(z1)
    yhat = h1 @ W2
    L = np.sum(yhat ** 2)
    return L


if __name__ == "__main__":
    import flatgrad as fg
    from flatgrad.runtime.gradcheck import compare, numeric_grad

    # the annotations tell `flatgrad show` and `.source` the argument types
    print(fg.source(loss, argnums=(1, 2)))
    rng = np.random.default_rng(0)
    X, W1, W2 = rng.normal(size=(8, 5)), rng.normal(size=(5, 6)), rng.normal(size=(6, 3))
    grads = fg.grad(loss, argnums=(1, 2))(X, W1, W2)
    for name, i, g in zip(("W1", "W2"), (1, 2), grads):
        err = compare(g, numeric_grad(loss, [X, W1, W2], i), rtol=1e-5, atol=1e-7)
        print(f"dL/d{name}: shape {g.shape}, finite-difference check "
              f"{'OK' if err <= 1 else 'FAILED'} (scaled error {err:.2g})")
