"""Functions taking containers of parameters (tuples, lists, dicts), written as users of
JAX and autograd write them; tests/runtime/test_pytrees.py differentiates them. Each
has an autograd twin (``A`` namespace below): autograd differentiates containers too."""
import numpy as np


def mlp(params, x, y):
    W1, b1, W2, b2 = params
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def layers(params, x):
    """A list of (W, b) pairs, looped over."""
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def dense(p, x):
    return np.sum((x @ p["W"] + p["b"]) ** 2) + p["scale"] * np.sum(x)


def nested(p, x):
    """A dict holding a tuple and a dict; a helper gets a sub-container."""
    a, b = p["pair"]
    return _inner(p["inner"], x) * a + np.sum(b * x[0])


def _inner(q, x):
    return np.sum(np.sin(x @ q["w"])) + q["c"] ** 2


def items_loop(p, x):
    acc = 0.0
    for name, v in p.items():
        acc = acc + np.sum(v * x)
    n = len(p)
    for v in p.values():
        acc = acc + np.sum(v ** 2) / n
    for k in p:
        acc = acc + p[k][0]
    return acc


def indexed(t, x):
    return t[0] * x + t[-1] ** 2 * np.sum(t[1])


def two_trees(p, q):
    return np.sum(p[0] * q["a"]) + p[1] * q["b"]


def returns_pair(p, x):
    return np.sum(p["w"] * x), p["c"] * x[0]


def bad_key(p, x):
    return p["missing"] * x


def with_activation(x, w, act=np.tanh):
    """A function-valued parameter with a default (autograd's corpus has them)."""
    return np.sum(act(x * w))


def with_reducer(a, _r=np.sum):
    return _r(a ** 2)


def with_mode(x, mode=None):
    if mode is None:
        return np.sum(x ** 2)
    return np.sum(np.abs(x))


def softsign(v):
    return v / (1.0 + np.abs(v))
