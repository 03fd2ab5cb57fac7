"""Independent component analysis with Student-t sources, as in autograd's examples/ica.py
(own port): the joint log-probability of weights and latents, scipy.stats.t.logpdf for the
likelihood."""
import numpy as np
from scipy.stats import t

from . import Program


def make_ica_funs(observed_dimension, latent_dimension):
    def unpack(params):
        weights = np.reshape(params[:observed_dimension * latent_dimension],
                             (observed_dimension, latent_dimension))
        latents = np.reshape(params[observed_dimension * latent_dimension:],
                             (latent_dimension, -1))
        return weights, latents

    def logprob(params, data, noise_std):
        weights, latents = unpack(params)
        preds = np.dot(weights, latents)
        log_lik = np.sum(t.logpdf(preds, 2.4, data, noise_std))
        log_prior = np.sum(t.logpdf(latents, 2.4)) - 0.5 * np.sum(weights ** 2)
        return log_lik + log_prior

    return logprob


def cases():
    rs = np.random.RandomState(13)
    logprob = make_ica_funs(3, 2)
    data = rs.randn(3, 6)
    params = rs.randn(3 * 2 + 2 * 6) * 0.5
    return [Program("logprob", logprob, (params, data, 0.3))]
