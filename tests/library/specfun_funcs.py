"""Functions of SciPy's binom, comb, factorial, poch, zeta and complete elliptic integrals
(compiler/library/specfun.py), written as users write them."""
import numpy as np
import scipy.special as sc
from scipy.special import binom, comb, ellipe, ellipk, factorial, poch, zeta


def binom_both(n, k):                  # n > k > -1
    return np.sum(binom(n, k) * n)


def binom_number_k(n):
    return np.sum(sc.binom(n, 2.5)) + sc.binom(7.5, 3)


def comb_plain(n, k):
    return np.sum(comb(n, k) + comb(N=n, k=k, exact=False))


def comb_outside(n, k):                # k > n, N < 0, k < 0 give 0 (and gradient 0)
    return np.sum(comb(n, k) * n) + np.sum(comb(-n, k)) + np.sum(comb(n, -k))


def comb_repetition(n, k):
    return np.sum(comb(n, k, repetition=True)) + np.sum(comb(n, 0.0 * k, repetition=True))


def comb_exact(n):
    return comb(5, 2, exact=True) * n


def factorial_mixed(x):                # some x < 0: 0 there
    return np.sum(factorial(x) * x) + factorial(3.5) + np.sum(sc.factorial(x, exact=False))


def factorial_exact(x):
    return factorial(4, exact=True) * x


def poch_both(z, m):
    return np.sum(poch(z, m) + z * poch(z, 2.0))


def hurwitz(q):
    return np.sum(zeta(3.0, q) + zeta(2.5, q=q) * q + sc.zeta(4, q + 1.0))


def hurwitz_x(x, q):
    return np.sum(zeta(x, q))


def riemann_x(x):
    return np.sum(zeta(x))


def riemann_value(x):                  # no gradient needed in the exponent: a constant
    return np.sum(x * zeta(3.0) + x * zeta(0.5) + sc.zetac(2.0) * x)


def elliptic(m):                       # m < 1, some near 0 and negative
    return np.sum(ellipk(m) * ellipe(m) + ellipk(m) ** 2 + m * ellipe(m))


def ellipkm1_of(p):                    # 0 < p
    return np.sum(sc.ellipkm1(p) * p)


def k_sum(m):
    return np.sum(ellipk(m))


def e_sum(m):
    return np.sum(ellipe(m))
