"""Functions for test_special_written.py: SciPy's entr, rel_entr, kl_div, huber, pseudo_huber,
boxcox, boxcox1p (written as NumPy code in compiler/library/composite.py)."""
import numpy as np
from scipy import special


def entr(x):
    return special.entr(x)


def rel_entr(x):
    return special.rel_entr(x, 0.5) + special.rel_entr(0.0 * x, x)


def kl_div(x):
    return special.kl_div(x, 0.3) + special.kl_div(0.0 * x, x)


def huber(x):
    return special.huber(0.5, x) + special.huber(-1.0, x)


def pseudo_huber(x):
    return special.pseudo_huber(0.5, x) + special.pseudo_huber(0.0, x)


def boxcox(x):
    return special.boxcox(np.abs(x) + 0.5, 0.5) + special.boxcox(np.abs(x) + 0.5, 1e-20)


def boxcox1p(x):
    return special.boxcox1p(np.abs(x), -2.0) + special.boxcox1p(np.abs(x), 0.0)


EDGES = [entr, rel_entr, kl_div, huber, pseudo_huber, boxcox, boxcox1p]


def smooth(x):
    """Every function at points inside its domain, summed with weights."""
    p = x / np.sum(x)
    w = np.arange(1.0, x.shape[0] + 1.0)
    return (np.sum(w * special.entr(p)) + np.sum(w * special.rel_entr(p, x)) + np.sum(special.kl_div(x, p) * w)
            + np.sum(special.huber(0.4, x - 0.8) * w) + np.sum(special.pseudo_huber(x[0], x - 0.8) * w)
            + np.sum(special.boxcox(x, x[1]) * w) + np.sum(special.boxcox1p(x, 0.7) * w)
            + np.sum(special.log1p(x) + special.expm1(x) + special.cbrt(x) + special.exp2(x)))
