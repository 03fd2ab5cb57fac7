"""Maximum likelihood of a negative binomial (r, p) with gammaln, as in autograd's
examples/negative_binomial_maxlike.py (own port; the example takes Newton steps with the
gradient of an unconstrained parameterisation)."""
import numpy as np
from scipy.special import expit, gammaln

from . import Program


def negbin_loglike(r, p, x):
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)


def negbin_loglike_unconstrained(params, data):
    # r > 0 through softplus, 0 < p < 1 through the logistic function
    r = np.log(1.0 + np.exp(params[0]))
    p = expit(params[1])
    return -np.mean(negbin_loglike(r, p, data))


def cases():
    data = np.array([0.0, 3.0, 1.0, 7.0, 2.0, 2.0, 11.0, 4.0, 0.0, 5.0])
    return [Program("unconstrained", negbin_loglike_unconstrained, (np.array([0.5, -0.3]), data)),
            Program("r_and_p", lambda r, p: np.sum(negbin_loglike(r, p, data)), (2.5, 0.4), (0, 1))]
