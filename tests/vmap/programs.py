"""Per-example programs the vmap tests map (flatgrad reads their source from this file)."""
import numpy as np

import flatgrad as fg


def mlp_loss(params, x, y):
    """A two-layer MLP's squared error on one example (params: a dict)."""
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.sum((out - y) ** 2)


def linear_loss(W, x, y):
    r = np.tanh(x @ W) - y
    return 0.5 * np.sum(r * r)


def xent(W, x, label):
    """Cross-entropy of a softmax classifier at an integer label."""
    z = x @ W
    z = z - np.max(z)
    logp = z - np.log(np.sum(np.exp(z)))
    return -logp[label]


def affine(x, A, b):
    return A @ x + b


def two_results(x, y):
    return np.sin(x) * y, np.sum(x * x)


def scalar_poly(x, y):
    return x * x * y + 3.0 * x


def branchy(x, t):
    """An if on a per-example value, both arms safe."""
    s = np.sum(x)
    if s > t:
        out = x * 2.0
    else:
        out = x - 1.0
    return out


def branchy_unsafe(x, i):
    """An if on a per-example value whose arm indexes (may raise): the loop runs it."""
    if i >= 0:
        v = x[i]
    else:
        v = 0.0
    return v * x


def loop_fixed(x, W):
    """A recurrence with a trip count that does not depend on the example."""
    h = x
    for _ in range(3):
        h = np.tanh(W @ h)
    return h


def loop_ragged(x, n):
    """A trip count that differs between examples."""
    s = 0.0
    for i in range(n):
        s = s + x[i] * x[i]
    return s


def newton_sqrt(a):
    """A while loop whose trip count depends on the example."""
    x = a
    it = 0
    while abs(x * x - a) > 1e-12 and it < 100:
        x = 0.5 * (x + a / x)
        it += 1
    return x


def pair(x, y):
    return np.sum((x - y) ** 2)


def ensemble_loss(params, X, Y):
    pred = X @ params["w"] + params["b"]
    return np.mean((pred - Y) ** 2)


def act_loss(W, x, act):
    return np.sum(act(x @ W))


def unmapped_result(x, W):
    return x @ W, np.sum(W * W)


def decay(y, t, k):
    return -k * y


def ode_final(y0, k):
    """One ODE solve per example."""
    ys = fg.odeint(decay, y0, np.array([0.0, 0.5, 1.0]), k, rtol=1e-10, atol=1e-10)
    return np.sum(ys[-1])


def with_default(x, scale=2.0, k=3):
    """Parameters with defaults: vmap maps the arguments a call passes, as JAX does."""
    return np.sum(np.tanh(x) ** k) * scale
