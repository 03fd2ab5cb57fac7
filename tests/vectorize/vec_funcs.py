"""Scalar functions the vectorize tests map over arrays (a real file: flatgrad reads source)."""
import math

import numpy as np

from flatgrad import sigmoid, softplus


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def ncdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def call_price(S, K, T, r, sigma):
    """Black-Scholes call: branches of nothing, math.erf/log/exp/sqrt."""
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    return S * ncdf(d1) - K * math.exp(-r * T) * ncdf(d2)


def piecewise(x, y):
    """A branch and softplus: different code paths per element."""
    if x > y:
        z = x * x - y
    else:
        z = softplus(y - x) * 3.0
    return z + abs(x) * y


def polar(x, y):
    """Returns a tuple: vectorize gives a tuple of arrays."""
    return math.sqrt(x * x + y * y), math.atan2(y, x)


def power_loop(x):
    """A loop: its gradient keeps a tape (an array), fine on the CPU, not in a CUDA device function."""
    y = x
    for k in range(3):
        y = y * x + 1.0
    return y


def makes_array(x):
    return np.zeros(3) + x


def arange_scaled(x):
    return np.arange(3) * x


def sum_of_squares(v):
    return np.sum(v[1:] * v[1:])      # slicing needs an array: not a scalar function


def scale(v):
    return v * 2.0
