"""Variational inference with a mixture of diagonal Gaussians, as in autograd's
examples/mixture_variational_inference.py (own port): component weights by softmax, the
entropy estimated by samples drawn inside the objective, logsumexp over components."""
import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from . import Program


def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def mixture_log_density(x, means, log_stds, log_weights):
    component_lls = [diag_gaussian_log_density(x, means[k], log_stds[k]) + log_weights[k]
                     for k in range(means.shape[0])]
    return logsumexp(np.array(component_lls), axis=0)


def target_log_density(x):
    return logsumexp(np.stack([norm.logpdf(x[:, 0], -1.0, 0.5) + norm.logpdf(x[:, 1], 0, 1),
                               norm.logpdf(x[:, 0], 1.5, 0.7) + norm.logpdf(x[:, 1], 1, 0.5)]),
                     axis=0)


def make_objective(rs, num_samples):
    def objective(params):
        means, log_stds, raw_weights = params
        log_weights = raw_weights - logsumexp(raw_weights)
        k = rs.randint(0, means.shape[0])
        samples = means[k] + np.exp(log_stds[k]) * rs.randn(num_samples, means.shape[1])
        return -np.mean(target_log_density(samples)
                        - mixture_log_density(samples, means, log_stds, log_weights))
    return objective


def cases():
    rs = np.random.RandomState(12)
    state = rs.get_state()
    p = np.random.RandomState(2)
    params = (p.randn(3, 2), p.randn(3, 2) * 0.1 - 0.5, p.randn(3) * 0.1)
    return [Program("objective", make_objective(rs, 5), (params,), reset=lambda: rs.set_state(state))]
