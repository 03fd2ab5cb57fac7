"""A hidden Markov model's log-likelihood by the forward algorithm in log space, as in
autograd's examples/hmm_em.py (own port; the example's E-step is the gradient of this
function in the log-parameters)."""
import numpy as np
from scipy.special import logsumexp

from . import Program


def log_likelihood(log_pi, log_A, log_B, obs):
    log_alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, len(obs)):
        log_alpha = logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, obs[t]]
    return logsumexp(log_alpha)


def normalized_log_likelihood(params, obs):
    # unnormalised parameters, normalised row by row in log space
    pi, A, B = params
    log_pi = pi - logsumexp(pi)
    log_A = A - logsumexp(A, axis=1, keepdims=True)
    log_B = B - logsumexp(B, axis=1, keepdims=True)
    return log_likelihood(log_pi, log_A, log_B, obs)


def cases():
    rs = np.random.RandomState(7)
    params = (rs.randn(3), rs.randn(3, 3), rs.randn(3, 4))
    obs = rs.randint(0, 4, 12)
    return [Program("normalized", normalized_log_likelihood, (params, obs)),
            Program("log_space", log_likelihood, (params[0], params[1], params[2], obs), (0, 1, 2))]
