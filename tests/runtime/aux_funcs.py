"""Losses returning (value, aux), as JAX's has_aux takes them, and results nested in
containers."""
import numpy as np

import flatgrad as fg

RNG = np.random.default_rng(5)
X, Y = RNG.normal(size=(6, 3)), RNG.normal(size=6)


def loss(w, X, y):
    pred = X @ w
    err = pred - y
    return np.mean(err ** 2), {"pred": pred, "mae": np.mean(np.abs(err))}


def loss_tuple_aux(w, X, y):
    h = np.tanh(X @ w)
    return np.sum((h - y) ** 2), (h, np.max(h))


def outer(w):
    g, aux = fg.grad(loss, has_aux=True)(w, X, Y)
    return np.sum(g ** 2) + aux["mae"]


def nested(w, X, y):
    h = X @ w
    return {"loss": np.sum(h ** 2), "parts": (h, np.sum(w))}


def not_a_pair(w, X, y):
    return np.sum(w)


def act(x):
    return np.tanh(x) * x


def vecf(x):
    return np.sin(x) * x[0]


def two_results(x):
    return np.sin(x), np.sum(x ** 2)


def uses_peer_transforms(x):
    J = fg.jacfwd(vecf)(x)
    K = fg.jacrev(vecf)(x)
    e = fg.elementwise_grad(act)(x)
    return np.sum(J * K) + np.sum(e ** 2)
