"""A Bayesian neural network fitted by black-box variational inference, as in autograd's
examples/bayesian_neural_net.py (own port): the layer shapes are a list of tuples, the
weights a batch of samples drawn inside the objective."""
import numpy as np
from scipy.stats import norm

from . import Program

LAYER_SIZES = [1, 5, 1]


def make_nn_funs(layer_sizes, L2_reg, noise_variance):
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    num_weights = sum((m + 1) * n for m, n in shapes)

    def unpack_layers(weights):
        num_weight_sets = len(weights)
        for m, n in shapes:
            yield weights[:, :m * n].reshape((num_weight_sets, m, n)), \
                weights[:, m * n:m * n + n].reshape((num_weight_sets, 1, n))
            weights = weights[:, (m + 1) * n:]

    def predictions(weights, inputs):
        inputs = np.expand_dims(inputs, 0)
        for W, b in unpack_layers(weights):
            outputs = np.einsum("mnd,mdo->mno", inputs, W) + b
            inputs = np.tanh(outputs)
        return outputs

    def logprob(weights, inputs, targets):
        log_prior = -L2_reg * np.sum(weights ** 2, axis=1)
        preds = predictions(weights, inputs)
        log_lik = -np.sum((preds - targets) ** 2, axis=1)[:, 0] / noise_variance
        return log_prior + log_lik

    return num_weights, predictions, logprob


def make_objective(logprob, D, num_samples, rs, inputs, targets):
    def variational_objective(params, t):
        mean, log_std = params[:D], params[D:]
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        entropy = 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
        return -(entropy + np.mean(logprob(samples, inputs, targets)))
    return variational_objective


def cases():
    num_weights, predictions, logprob = make_nn_funs(LAYER_SIZES, 0.1, 0.01)
    inputs = np.linspace(-2, 2, 6).reshape((6, 1))
    targets = np.sin(inputs)
    rs = np.random.RandomState(11)
    state = rs.get_state()
    objective = make_objective(logprob, num_weights, 4, rs, inputs, targets)
    params = np.concatenate([np.random.RandomState(1).randn(num_weights) * 0.1,
                             -3.0 * np.ones(num_weights)])
    return [Program("variational_objective", objective, (params, 0),
                    reset=lambda: rs.set_state(state))]


WAITS_FOR = {}
