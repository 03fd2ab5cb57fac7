"""A multilayer perceptron classifier trained on minibatches, as in autograd's
examples/neural_net.py (own port): parameters are a list of (weights, biases) pairs,
log-softmax outputs, a Gaussian prior, minibatches picked with a slice object."""
import numpy as np
from scipy.special import logsumexp

from . import Program

BATCH = 4


def init_random_params(scale, layer_sizes, rs):
    return [(scale * rs.randn(m, n), scale * rs.randn(n))
            for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    return sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def batch_indices(it):
    idx = it % 3
    return slice(idx * BATCH, (idx + 1) * BATCH)


def make_objective(images, labels):
    def objective(params, it):
        idx = batch_indices(it)
        return -log_posterior(params, images[idx], labels[idx], 0.1)
    return objective


def cases():
    rs = np.random.RandomState(1)
    params = init_random_params(0.3, [5, 4, 3], rs)
    images = rs.randn(12, 5)
    labels = np.eye(3)[rs.randint(0, 3, 12)]
    return [Program("log_posterior", log_posterior, (params, images, labels, 0.1)),
            Program("minibatch_objective", make_objective(images, labels), (params, 1))]


WAITS_FOR: dict = {}
