"""User-style programs run on float32 data (tests/arrays/test_float32.py): a ReLU and a tanh
network, logistic regression, a max/min and norm mix, a loop over rows, a loop carrying an
adjoint (a convolution written with a float64 output buffer), a Cholesky factor of a matrix
shifted by a float64 identity, a mask from ``np.where`` with ``inf``, reductions along axes,
an int64 array meeting float32 values, a float32 cotangent of a float64 result pulled
back inside the program, the runtime's helpers (sigmoid, softplus,
gammaln) on float32 numbers."""
import numpy as np
import scipy.special

import flatgrad as fg
from flatgrad import sigmoid, softplus


def mlp_relu(W1, b1, W2, X, y):
    h = np.maximum(X @ W1 + b1, 0.0)
    s = h @ W2
    return np.mean((s[:, 0] - y) ** 2)


def mlp_tanh(W1, b1, W2, X, y):
    h = np.tanh(X @ W1 + b1)
    return 0.5 * np.sum((h @ W2 - y[:, None]) ** 2) / X.shape[0]


def logreg(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z)) + 1e-2 * np.dot(w, w)


def norms(x):
    return np.linalg.norm(x) + np.sum(np.abs(x)) + np.max(x) - np.min(x) ** 2


def sigmoid_rows(w, X):
    acc = 0.0
    for i in range(X.shape[0]):
        acc = acc + 1.0 / (1.0 + np.exp(-np.dot(X[i], w)))
    return acc


def conv_into_float64(w, x):
    n = x.shape[0] - w.shape[0] + 1
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.dot(w, x[i:i + w.shape[0]])
    return np.sum(np.tanh(out) ** 2)


def cholesky_shifted(A):
    S = A @ A.T + A.shape[0] * np.eye(A.shape[0])
    L = np.linalg.cholesky(S)
    return np.sum(np.log(np.diag(L))) + np.sum(L)


def axis_reductions(A):
    m = np.max(A, axis=0)
    s = np.mean(A, axis=1)
    return np.sum(m ** 2) + np.sum(s * s) + np.var(A) + np.sum(np.linalg.norm(A, axis=1))


def int_array_mix(x):
    idx = np.arange(x.shape[0])
    return np.sum(x * idx) + np.sum((x - idx) ** 2) + np.sum(x / (idx + 1))


def recurrence(W, x):
    h = x
    for t in range(3):
        h = np.tanh(W @ h)
    return np.sum(h ** 2)


def _scaled(a):
    return np.sin(a) * np.array([1.0, 2.0, 3.0])


def inner_vjp(x):
    _, back = fg.vjp(_scaled, x)
    return np.sum(back(x * x)[0])


def numbers(a, b):
    return a * b + np.sin(a) / (1 + b * b) + a ** 3


def scalar_helpers(x):
    p = np.prod(x)
    return np.tanh(sigmoid(p)) * softplus(p) + scipy.special.gammaln(2.0 + p * p)
