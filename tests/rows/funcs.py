"""Models over data in rows, for tests/rows: additive ones (sums and means over rows of
row-wise terms) and ones that are not, each non-additive line marked ``# breaks``."""
import numpy as np

from flatgrad import sigmoid


# ---- additive: the data enter through sums (or means) over rows

def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) / X.shape[0] + 0.5 * np.sum(w * w)


def least_squares_mean(w, X, y):
    return np.mean((X @ w - y) ** 2)


def weighted_sum(w, X, y, s):
    r = X @ w - y
    return np.sum(s * r * r) + np.sum(w ** 4)


def column_means(w, X, y):
    return np.mean(X, axis=0) @ w + np.sum(y) / len(y) * np.sum(w)


def hand_normal_equations(w, X, y):
    g = X.T @ (X @ w - y)           # a sum over rows of per-row outer products
    return np.sum(g * w) + 0.5 * np.sum((y @ X) * w)


def mlp(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out[:, 0] - y) ** 2) + 1e-3 * np.sum(params["W1"] ** 2)


def per_row_loop(w, X, y):
    total = 0.0
    for i in range(X.shape[0]):
        z = X[i] @ w
        if y[i] > 0.5:
            total += np.logaddexp(0.0, -z)
        else:
            total = total + np.logaddexp(0.0, z)
    return total / X.shape[0] + np.sum(w * w)


def generator_sum(w, X, y):
    return sum((X[i] @ w - y[i]) ** 2 for i in range(len(X))) + 1.0


def branch_on_parameter(w, X, y, act=np.tanh, reg=None):
    loss = np.sum(act(X @ w) * y)
    if reg is None:
        return loss
    return loss + reg * np.sum(w * w)


def affine_of_sums(w, X, y):
    a = np.sum(X @ w)
    b = np.sum(y * (X @ w))
    return 3.0 * a - b / 2.0 + np.sum(w) * a + 7.0


def columns(w, X, y):
    return np.sum(X[:, 0] * w[0] + X[:, 1:] @ w[1:]) + np.sum(X[:, 2] ** 2) * w[2]


# ---- not additive: each raises at the line marked "# breaks"

def centred(w, X, y):
    Xc = X - np.mean(X, axis=0)     # breaks
    return np.sum((Xc @ w - y) ** 2)


def log_of_sum(w, X, y):
    s = np.sum(np.exp(X @ w))
    return np.log(s)                # breaks


def max_over_rows(w, X, y):
    return np.max(X @ w - y)        # breaks


def product_of_sums(w, X, y):
    return np.sum(X @ w) * np.sum(y)    # breaks


def gram_inverse(w, X, y):
    G = X.T @ X
    return np.sum(np.linalg.inv(G) @ w)     # breaks


def recurrence_over_rows(w, X, y):
    h = 0.0
    for i in range(X.shape[0]):
        h = 0.5 * h + X[i] @ w      # breaks
    return h


def next_row(w, X, y):
    total = 0.0
    for i in range(X.shape[0] - 1):
        total += (X[i + 1] - X[i]) @ w     # breaks
    return total


def numpy_rows(w, X, y, c):
    return np.sum(c * (X @ w - y))      # breaks


def weighted_mean(w, X, y, s):
    return np.sum(s * (X @ w - y) ** 2) / np.sum(s)     # breaks


def sorted_rows(w, X, y):
    return np.sum(np.sort(X @ w)[:3])       # breaks


def mlp_like_dict(params, X, y):
    return np.mean((X @ params["w"] - y) ** 2) + np.sum(params["unused"] ** 2)
