"""Functions for test_composite.py: np.cov, np.corrcoef, np.ptp, np.average, np.logspace, multi_dot,
math.fsum/prod, np.fmod, np.searchsorted/np.digitize, np.triu_indices/np.tril_indices."""
import math

import numpy as np

def fmod_(x):
    return np.sum(np.fmod(x * 3.1, 0.7) + np.fmod(-x * 2.3, x[::-1] + 0.4)) + math.fmod(x[0] * 5, 0.9)
def cov1(x):
    return np.cov(x) + np.cov(x, ddof=0) * 2 + np.cov(x, bias=True)
def cov2(x):
    M = np.stack([x, x ** 2, np.sin(x)])
    return np.sum(np.cov(M) * np.arange(9.0).reshape(3, 3)) + np.sum(np.cov(M.T, rowvar=False))
def cov_xy(x):
    return np.sum(np.cov(x, x ** 2) * np.array([[1.0, 2.0], [3.0, 4.0]]))
def corr(x):
    M = np.stack([x, x ** 2, np.sin(x)])
    return np.sum(np.corrcoef(M) * np.arange(9.0).reshape(3, 3)) + np.corrcoef(x, np.cos(x))[0, 1]
def ptp_(x):
    M = x.reshape(2, 2)
    return np.ptp(x) + np.sum(np.ptp(M, axis=0)) + np.sum(np.ptp(M, axis=1, keepdims=True) * 2)
def logspace_(x):
    return np.sum(x * np.logspace(0, 1, 4)) + np.sum(np.logspace(x[0], x[1], 5, base=2.0)) + np.sum(np.logspace(0.0, x[2], 4, endpoint=False))
def multidot(x):
    M = x.reshape(2, 2)
    return np.sum(np.linalg.multi_dot([M, M.T, M])) + np.linalg.multi_dot([x[:2], M, x[2:]])
def mathf(x):
    return math.fsum([x[0], x[1], 2.0]) + math.prod([x[0], x[2]]) + math.prod((x[1], x[3]), start=2.0)
def search(x):
    e = np.array([0.0, 0.5, 1.0])
    i = np.searchsorted(e, x[0])
    j = np.digitize(x[1], e)
    k = np.searchsorted(e, x, side="right")
    l = np.digitize(x, e, right=True)
    return x[i] * 2 + x[j] + np.sum(x * k) + np.sum(x * l)
def triu_idx(x):
    M = np.outer(x, x)
    iu = np.triu_indices(4, 1)
    il = np.tril_indices(x.shape[0], -1, 4)
    return np.sum(M[iu]) + np.sum(M[il] ** 2) + np.sum(M[np.triu_indices(4)])

def avg_plain(x):
    M = x.reshape(2, 2)
    return np.average(x) + np.sum(np.average(M, axis=0)) + np.sum(np.average(M, axis=1, keepdims=True) ** 2)
def avg_w(x):
    M = x.reshape(2, 2)
    return (np.average(x, weights=np.arange(1.0, 5.0)) + np.sum(np.average(M, axis=1, weights=x[:2] ** 2))
            + np.sum(np.average(M, weights=M ** 2, axis=0)))
def avg_ret(x):
    a, s = np.average(x, weights=x ** 2, returned=True)
    b, c = np.average(x.reshape(2, 2), axis=0, returned=True)
    return a * s + np.sum(b * c)
def avg_scalar_w(x):
    return np.average(x, weights=x)

def select_(x):
    return np.sum(np.select([x > 1.0, x > 0.5], [x * 2, x ** 2], default=x[0]) * np.arange(4.0))
def select_nodefault(x):
    return np.sum(np.select([x < 0.5, x >= 1.0], [np.sin(x), x[1] * 3.0]) ** 2)


FUNCS = [fmod_, cov1, cov2, cov_xy, corr, ptp_, logspace_, multidot, mathf, search, triu_idx,
         avg_plain, avg_w, avg_ret, avg_scalar_w, select_, select_nodefault]


def cov_of_one_row(x):
    return np.sum(np.cov(x.reshape(1, -1)))


def avg_zero_weights(x):
    return np.average(x, weights=x * 0.0)
