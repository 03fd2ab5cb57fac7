import numpy as np
from numba import njit
@njit
def helper(x, w):
    return np.tanh(x * w)
@njit
def loss(x, w):
    return np.sum(helper(x, w) ** 2)
def withdef(x, beta=2.0, gamma=1.0):
    return beta * x * x + gamma
