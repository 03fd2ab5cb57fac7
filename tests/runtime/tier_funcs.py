import numpy as np


def neuron(w0, x0, w1, x1, w2):
    return 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))


def recurrence(x, w):
    for i in range(50):
        x = x + 0.01 * np.sin(x) * w
    return x


def rosen(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def first_element(x):
    return x[0] * x[1]


def mlp(W1, W2, X):
    H = np.tanh(X @ W1)
    return np.sum((H @ W2) ** 2)


def budget_loop(x):
    """Compiled by no other test (test_tiers's compile budget: nothing cached anywhere)."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += (x[i + 1] - x[i]) ** 2 * x[i]
    return s
