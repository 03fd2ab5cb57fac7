"""Functions of SciPy's C-computed special functions (compiler/library/bessel.py), at
points inside each one's domain."""
import numpy as np
import scipy.special as sc
from scipy.special import erfinv, iv, j0


def inverses(x):                      # x in (0, 1)
    return np.sum(erfinv(2 * x - 1) ** 2) + np.sum(sc.erfcinv(x)) + np.sum(sc.ndtri(x) * x)


def gammas(x):                        # x > 0
    return np.sum(sc.gamma(x + 0.5)) + np.sum(sc.rgamma(x + 1.0) * x)


def order_zero_one(x):
    return np.sum(j0(x) * sc.j1(x)) + np.sum(sc.y0(x + 0.5) + sc.y1(x + 0.5) ** 2) \
        + np.sum(sc.i0(x) - sc.i1(x) * x) + np.sum(sc.k0(x + 0.5) * sc.k1(x + 0.5))


def scaled(x):
    return np.sum(sc.i0e(x) + sc.i1e(-x)) + np.sum(sc.k0e(x + 0.5) - sc.k1e(x + 0.5) ** 2)


def any_order(x):
    return np.sum(sc.jv(1.5, x) + sc.yv(2.5, x + 0.5) + iv(0.5, x) * sc.ive(1.0, x)) \
        + np.sum(sc.kv(2.0, x + 0.5) + sc.kve(0.5, x + 0.5)) + np.sum(sc.jn(2, x) + sc.yn(1, x + 1.0))


def von_mises_nll(mu, kappa, data):
    """The von Mises distribution's negative log-likelihood: I0 in its normaliser."""
    return -np.sum(kappa * np.cos(data - mu) - np.log(2 * np.pi * sc.i0(kappa)))


def mixed(x):
    return np.sum(j0(x) * sc.j1(x)) + np.sum(iv(0.5, x) * sc.ive(1.0, x)) \
        + np.sum(erfinv(2 * x - 1) ** 2) + np.sum(sc.gamma(x + 0.5))


def order_gradient(v, x):
    return sc.jv(v, x)


FUNCS = [inverses, gammas, order_zero_one, scaled, any_order]
