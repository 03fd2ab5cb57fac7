"""np.gradient as users call it: 1-D and 2-D, spacings, axes, edge orders."""
import numpy as np


def f_g1(x):
    return np.sum(np.gradient(x) ** 2 * np.arange(5))

def f_g1dx(x):
    return np.sum(np.gradient(x ** 2, 0.5) * np.arange(5))

def f_g2order(x):
    return np.sum(np.gradient(np.sin(x), edge_order=2) ** 2)

def f_g2d(x):
    M = np.outer(x, x[:3])
    gy, gx = np.gradient(M)
    return np.sum(gy ** 2) + np.sum(gx * M)

def f_g2d_axis(x):
    M = np.outer(x, x[:3])
    return np.sum(np.gradient(M, axis=1) ** 2) + np.sum(np.gradient(M, 2.0, axis=0) * M)

def f_g2d_spacings(x):
    M = np.outer(x, x[:4])
    a, b = np.gradient(M, 0.5, 2.0, edge_order=2)
    return np.sum(a * b)
FUNCS = [f_g1, f_g1dx, f_g2order, f_g2d, f_g2d_axis, f_g2d_spacings]


def coordinates(x):
    return np.sum(np.gradient(x, np.arange(5.0)))
