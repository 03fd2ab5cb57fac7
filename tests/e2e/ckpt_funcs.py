"""Loops for the checkpointing tests (the compiler reads their source)."""
import math

import numpy as np


def recurrence(x, w):
    for i in range(1000):
        x = x + 0.01 * math.sin(x) * w
    return x


def two_carried(x, y, n):
    for i in range(2, n, 3):
        x, y = y * math.cos(x), x + 0.1 * y * i
    return x * y


def nested(x, y):
    s = 0.0
    for i in range(7):
        for j in range(i):
            s += math.sin(x * (i + j)) * y
    return s


def array_state(h0, W):
    h = h0
    for t in range(25):
        h = np.tanh(W @ h)
    return np.sum(h * h)


def with_break(x):
    s = 0.0
    for i in range(50):
        if s > 3.0:
            break
        s = s + x * math.cos(s)
    return s
