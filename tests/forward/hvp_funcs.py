"""Array losses for Hessian-vector products (the compiler reads their source)."""
import numpy as np


def softmax_loss(S):
    S = S - np.max(S, axis=1, keepdims=True)
    p = np.exp(S)
    p = p / np.sum(p, axis=1, keepdims=True)
    return np.sum(np.log(p[:, 0]))


def gather_cube(S, y):
    N = S.shape[0]
    return np.sum(S[np.arange(N), y] ** 3)


def mlp(W1, b1, W2, X, y, reg):
    h = np.maximum(X @ W1 + b1, 0.0)
    scores = h @ W2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    p = np.exp(scores)
    p = p / np.sum(p, axis=1, keepdims=True)
    N = X.shape[0]
    return -np.mean(np.log(p[np.arange(N), y])) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def masked_layer(W, b, x):
    z = W @ x + b
    return z * (z > 0.0) / (1.0 + b * b)


def tree_loss(params, X):
    W, b = params["W"], params["b"]
    return np.sum(np.tanh(X @ W + b) ** 2)
