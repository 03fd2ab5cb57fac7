"""A Gaussian mixture model's log marginal likelihood, as in autograd's examples/gmm.py
(own port): per-cluster multivariate normal log-densities gathered in a list, combined with
logsumexp; covariances from their square-root factors."""
import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn

from . import Program


def log_normalize(x):
    return x - logsumexp(x)


def log_marginal_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(log_normalize(params["log proportions"]),
                                              params["means"], params["lower triangles"]):
        cov = np.dot(cov_sqrt.T, cov_sqrt) + 0.1 * np.eye(2)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def log_marginal_likelihood_k3(params, data):
    # the same model written with the number of clusters spelled out
    log_props = log_normalize(params["log proportions"])
    lls = []
    for k in range(3):
        cov_sqrt = params["lower triangles"][k]
        cov = np.dot(cov_sqrt.T, cov_sqrt) + 0.1 * np.eye(2)
        lls.append(log_props[k] + mvn.logpdf(data, params["means"][k], cov))
    return np.sum(logsumexp(np.vstack(lls), axis=0))


def cases():
    rs = np.random.RandomState(6)
    params = {"log proportions": rs.randn(3) * 0.1, "means": rs.randn(3, 2),
              "lower triangles": np.tril(rs.randn(3, 2, 2)) * 0.5 + np.eye(2)}
    data = rs.randn(10, 2)
    return [Program("log_marginal_likelihood", log_marginal_likelihood, (params, data)),
            Program("log_marginal_likelihood_k3", log_marginal_likelihood_k3, (params, data))]


WAITS_FOR: dict = {}
