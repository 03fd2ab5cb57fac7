import numpy as np


def neuron(w0, x0, w1, x1, w2):
    return 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))


def weighted(x, w):
    return np.sum(x * w)


def annotated(X: "f64[:, :]", v: "f64[:]"):
    return np.sum((X @ v) ** 2)
