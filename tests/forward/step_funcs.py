"""Functions for the step-stack tests (the compiler reads their source)."""
import math

import numpy as np


def recurrence(x, w):
    for i in range(200):
        x = x + 0.01 * math.sin(x) * w
    return x


def two(x, y):
    return x * y, x + math.sin(y)


def poly(x, y):
    return x * x * y + 3.0 * y


def uses_value_and_grad(x, y):
    v, (gx, gy) = VG(x, y)
    return v + gx * gy


def VG(x, y):          # replaced by the test module with fg.value_and_grad(poly, (0, 1))
    return x, (x, y)


def while_power(x):
    y = x
    k = 0
    while k < 3:
        y = y * x
        k += 1
    return y


def rnn_loss(w, xs):
    h = np.zeros(2)
    for t in range(xs.shape[0]):
        h = np.tanh(w * h + xs[t])
    return np.sum(h * h)


_rnn_grad = None


def rnn_grad_norm(w, xs):
    g = _rnn_grad(w, xs)
    return g * g


def pick(x, n):
    return x[n] * 2.0


def halves(x):
    return np.split(x * x, 2)
