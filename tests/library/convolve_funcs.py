"""1-D convolutions as users write them: kernels, modes, the shorter one first."""
import numpy as np
import scipy.signal
k3 = np.array([0.25, 0.5, 0.25])

def f_full(x):
    return np.sum(np.convolve(x, k3) ** 2 * np.arange(7))

def f_valid(x):
    return np.sum(np.convolve(x, x[:2] * 2, mode="valid") ** 2)

def f_same(x):
    return np.sum(np.convolve(np.sin(x), k3, "same") * x)

def f_short_first(x):
    return np.sum(np.convolve(x[:2], x, mode="valid") ** 3) + np.sum(np.convolve(x[:2], x, "same") ** 2)

def f_scipy(x):
    return np.sum(scipy.signal.convolve(x, k3, mode="valid") ** 2) + np.sum(scipy.signal.convolve(x, x))
FUNCS = [f_full, f_valid, f_same, f_short_first, f_scipy]


def two_d(x):
    return np.sum(np.convolve(np.outer(x, x), np.ones((2, 2))))


def bad_mode(x):
    return np.sum(np.convolve(x, x, mode="circular"))
