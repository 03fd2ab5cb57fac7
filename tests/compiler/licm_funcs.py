import math

import numpy as np


def invariant_matvec(x, W, n):
    s = 0.0
    for i in range(n):
        s += np.sum(np.tanh(W @ x)) * i
    return s


def unsafe_log(x, n):
    s = 0.0
    for i in range(n):
        s += math.log(x) * i
    return s


def carried_array(x, n):
    y = np.zeros(3)
    for i in range(n):
        y[i % 3] = np.sum(y) + x
    return np.sum(y)
