"""Functions for tests/forward/test_jacobian_auto.py (kept in a file: flatgrad reads source)."""
import numpy as np


def layer(x, W):
    return np.tanh(W @ x) + 0.5 * np.sum(x)


def square(x, W):
    return np.tanh(W @ x) + 0.5 * x


def pair(x, y):
    return np.sin(x) * y[0], np.sum(x * x) + y


def scalars_in(a, b, c):
    return a * b * c


def scalars_out(a):
    return a * a, np.sin(a), a + 1.0


def looped(x, W):
    y = W @ x
    for i in range(2):
        y = np.tanh(y) + x[i]
    return y


def shifted(x, W, c):
    return np.tanh(W @ x) + c


def chain(x):
    return np.sin(np.exp(x) * 2.0) / 3.0 - x


def left(x, W):
    return W @ np.tanh(x)


def both_sides(x, W):
    h = np.tanh(W @ x) * 2.0
    return W.T @ (h * h) - (-x) * np.cos(x)


def through_vector(x, w):
    return np.tanh(x) * (np.exp(x) @ w)
