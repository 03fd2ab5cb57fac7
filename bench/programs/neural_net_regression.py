"""Bayesian-style neural net regression with a Gaussian likelihood (scipy.stats.norm), as
in autograd's examples/neural_net_regression.py (own port): all weights in one flat vector,
unpacked layer by layer."""
import numpy as np
from scipy.stats import norm

from . import Program

LAYER_SIZES = ((1, 6), (6, 6), (6, 1))


def unpack_layers(weights, inputs):
    offset = 0
    outputs = inputs
    for m, n in LAYER_SIZES:
        W = np.reshape(weights[offset:offset + m * n], (m, n))
        offset = offset + m * n
        b = weights[offset:offset + n]
        offset = offset + n
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def log_posterior(weights, inputs, targets, noise_scale=0.1, weight_scale=1.0):
    log_prior = np.sum(norm.logpdf(weights, 0, weight_scale))
    preds = unpack_layers(weights, inputs)
    log_lik = np.sum(norm.logpdf(preds, targets, noise_scale))
    return log_prior + log_lik


def cases():
    rs = np.random.RandomState(2)
    n_weights = sum(m * n + n for m, n in LAYER_SIZES)
    inputs = np.linspace(-3, 3, 10).reshape((10, 1))
    targets = np.cos(inputs) + rs.randn(10, 1) * 0.1
    return [Program("log_posterior", log_posterior, (rs.randn(n_weights) * 0.5, inputs, targets))]


WAITS_FOR: dict = {}
