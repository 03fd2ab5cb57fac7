"""Functions compiled by tests/library/test_stats_families.py (scipy.stats families of
compiler/library/stats_families.py)."""
from __future__ import annotations

import numpy as np
import scipy.stats as st
from scipy.stats import binom, expon, multinomial


def expon_binom_row(x, loc, scale):
    return np.sum(expon.logpdf(x, loc, scale) + binom.logpmf(np.floor(x), 6.0, 0.3))


def frozen_forms(x, a, scale):
    return np.sum(st.lognorm(a, scale=scale).logpdf(x) + st.expon(a, scale).logcdf(x)
                  + st.nbinom(2.0 + a, 0.4).logpmf(np.floor(x)) + st.skewnorm(a).pdf(x)
                  + st.laplace(loc=a).sf(x) + st.geom(0.2 + a).logsf(np.floor(x)))


def multinomial_logpmf(x, p):
    return multinomial.logpmf(x, 6, p)


def multinomial_rows(x, p):
    return st.multinomial(6.0, p).pmf(x)


def binom_in_n(n, p):
    return np.sum(binom.logpmf(np.array([1.0, 2.0]), n, p))


def nbinom_cdf_n(n, p):
    return np.sum(st.nbinom.cdf(np.array([1.0, 2.0]), n, p))


def invgamma_cdf_a(x, a):
    return np.sum(st.invgamma(a).cdf(x))


def rayleigh(x):
    return np.sum(st.rayleigh.logpdf(x))


def truncnorm_frozen(x):
    return np.sum(st.truncnorm(-1.0, 1.0).pdf(x))


def gamma_ppf(q):
    return np.sum(st.gamma.ppf(q, 2.0))


def norm_moment_frozen(q):
    return np.sum(st.norm(0.0, 2.0).moment(q))


def cpu_continuous(x, loc, scale, c, w):
    y = x * x + 0.2
    return np.sum(w * (st.expon.logpdf(x, loc, scale) + st.laplace.logcdf(x, loc, scale)
                       + st.cauchy.sf(x, loc, scale) + st.logistic.logpdf(x, loc, scale)
                       + st.uniform.cdf(x, loc, scale + 2.0) + st.halfnorm.logsf(y, scale=scale)
                       + st.lognorm.logpdf(y, c, scale=scale) + st.invgamma.sf(y, 2.2, scale=scale)
                       + st.weibull_min.logcdf(y, c, scale=scale) + st.gumbel_r.pdf(x, loc, scale)
                       + st.pareto.logpdf(y + 1.0, c) + st.halfcauchy.cdf(y, scale=scale)
                       + st.gompertz.logpdf(y, c) + st.vonmises.logpdf(x, c, loc)
                       + st.skewnorm.logpdf(x, c - 1.0, loc, scale)))


def cpu_discrete(k, p, n):
    return np.sum(st.binom.logpmf(k, 9.0, p) + st.binom.logcdf(k, 9.0, p)
                  + st.bernoulli.pmf(k, p) + st.bernoulli.sf(k, p) + st.nbinom.logpmf(k, n, p)
                  + st.nbinom.logsf(k, 2.5, p) + st.geom.logpmf(k, p) + st.geom.cdf(k, p)) \
        + multinomial.logpmf(np.array([2.0, 1.0, 0.0]), 3, np.array([p, 0.5, 0.5 - p]))
