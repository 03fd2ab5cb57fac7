"""Comprehensions, generator expressions and lists grown by append, as users write them
(tests/library/test_forms.py)."""
import numpy as np


def sum_squares(x):
    return sum(x[i] ** 2 for i in range(3))


def sum_dynamic(x):
    return sum(x[i] ** 2 * i for i in range(x.shape[0]) if i != 1)


def sum_rows(X):
    return sum(np.sum(np.tanh(r)) for r in X)


def sum_enumerate(X, w):
    return sum(w[i] * np.sum(r ** 2) for i, r in enumerate(X))


def list_comp(x):
    return np.sum(np.array([x[i] * x[(i + 1) % 3] for i in range(3)]) ** 2)


def nested_comp(x):
    M = np.array([[x[i] * x[j] for j in range(3)] for i in range(3)])
    return np.sum(np.sin(M))


def comp_filter(x):
    return np.sum(np.stack([x * k for k in range(5) if k % 2 == 0]))


def comp_shadow(x):
    i = 2.0
    s = sum(x[i] for i in range(3))
    return s * i


def comp_tuple(t, x):
    return sum(v * x ** 2 for v in t)


def append_loop(X):
    rows = []
    for i in range(3):
        rows.append(np.tanh(X[i]) * (i + 1))
    return np.sum(np.stack(rows) ** 2) + sum(rows)[0]


def append_straight(x):
    parts = []
    parts.append(x * 2.0)
    parts.append(np.exp(x))
    return np.sum(np.concatenate(parts))


def append_nested(x):
    out = []
    for i in range(2):
        for j in range(2):
            out.append(x[i] * x[j])
    return sum(out)


def append_dynamic(X):
    rows = []
    for r in X:
        rows.append(r * 2.0)
    return np.sum(np.stack(rows))


def sum_of_arrays_dynamic(X):
    return np.sum(sum(X[i] * (i + 1) for i in range(X.shape[0])))


def comp_dynamic(X):
    return np.sum(np.array([np.sum(r) * r[0] for r in X]))


def comp_two_fors_dynamic(X):
    return np.sum(np.array([np.sum(r * q) for r in X for q in X]))


def grow(x):
    acc = np.zeros(0)
    for i in range(3):
        acc = np.concatenate([acc, x * i])
    return np.sum(acc ** 2)


def grow_while(x):
    acc = np.zeros(1)
    k = 0
    while k < 3:
        acc = np.append(acc, x * k)
        k += 1
    return np.sum(acc ** 2)
