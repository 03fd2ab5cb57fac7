"""One-dimensional boolean masks on one axis of a larger array (X[y == k], M[:, keep]), as
NumPy reads them: the positions where the mask is true."""
import numpy as np

RNG = np.random.default_rng(2)
X = RNG.normal(size=(6, 3))
Y = np.array([0, 1, 1, 0, 2, 1])


def class_rows(w):
    Z = X * w
    return np.sum(Z[Y == 1] ** 2) + np.mean(Z[Y == 0], axis=0) @ w


def kept_columns(w):
    M = np.outer(w, w + 1.0)
    keep = np.array([True, False, True])
    return np.sum(M[:, keep] ** 2) + np.sum(M[keep, 1])


def kmeans_cost(w):
    C = np.stack([w, 2 * w, -w])
    total = 0.0
    for k in range(3):
        total = total + np.sum((X[Y == k] - C[k]) ** 2)
    return total


def written_rows(w):
    Z = np.outer(w, np.arange(1.0, 5.0))
    Z[np.array([True, False, True])] = 0.5
    return np.sum(Z * w[1])


FUNCS = [class_rows, kept_columns, kmeans_cost, written_rows]


def two_d_mask_on_three_d(w):
    T = np.ones((2, 2, 3)) * w
    return np.sum(T[np.ones((2, 2), dtype=bool)])
