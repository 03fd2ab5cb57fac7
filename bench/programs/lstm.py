"""An LSTM's log-likelihood over sequences, as in autograd's examples/lstm.py (own port)."""
import numpy as np
from scipy.special import logsumexp

from . import Program


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def lstm_predict(params, inputs):
    def update_lstm(input, hiddens, cells):
        change = np.tanh(concat_and_multiply(params["change"], input, hiddens))
        forget = sigmoid(concat_and_multiply(params["forget"], input, hiddens))
        ingate = sigmoid(concat_and_multiply(params["ingate"], input, hiddens))
        outgate = sigmoid(concat_and_multiply(params["outgate"], input, hiddens))
        cells = cells * forget + ingate * change
        hiddens = outgate * np.tanh(cells)
        return hiddens, cells

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    cells = np.repeat(params["init cells"], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens, cells = update_lstm(input, hiddens, cells)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def lstm_log_likelihood(params, inputs, targets):
    logprobs = lstm_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def cases():
    rs = np.random.RandomState(5)
    n_in, n_hid, n_out = 3, 4, 3
    params = {"init hiddens": rs.randn(1, n_hid) * 0.1, "init cells": rs.randn(1, n_hid) * 0.1,
              "predict": rs.randn(n_hid + 1, n_out) * 0.1}
    for gate in ("change", "forget", "ingate", "outgate"):
        params[gate] = rs.randn(n_in + n_hid + 1, n_hid) * 0.1
    inputs = np.eye(n_in)[rs.randint(0, n_in, (5, 2))]
    targets = np.eye(n_out)[rs.randint(0, n_out, (5, 2))]
    return [Program("log_likelihood", lstm_log_likelihood, (params, inputs, targets))]


WAITS_FOR = {"log_likelihood": "*args in helpers; lists grown in loops of data-dependent length; tuple + tuple"}
