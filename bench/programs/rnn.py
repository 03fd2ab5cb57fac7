"""A recurrent network's per-step log-likelihood of one-hot sequences, in the spirit of
autograd's examples/rnn.py (own port): a helper that multiplies any number of state pieces
(*args, joined with a bias column by tuple concatenation), and the log-probabilities of
each step gathered in a list grown over the sequence."""
import numpy as np
from scipy.special import logsumexp

from . import Program


def affine(weights, *pieces):
    rows = pieces[0].shape[0]
    joined = np.hstack(pieces + (np.ones((rows, 1)),))
    return np.dot(joined, weights)


def log_softmax_rows(scores):
    return scores - logsumexp(scores, axis=1, keepdims=True)


def step_logprobs(params, seqs):
    state = np.repeat(params["h0"], seqs.shape[1], axis=0)
    steps = [log_softmax_rows(affine(params["out"], state))]
    for x_t in seqs:
        state = np.tanh(affine(params["rec"], x_t, state))
        steps.append(log_softmax_rows(affine(params["out"], state)))
    return steps


def mean_log_likelihood(params, seqs, labels):
    steps = step_logprobs(params, seqs)
    n_steps, n_seqs, _ = seqs.shape
    total = 0.0
    for t in range(n_steps):
        total += np.sum(steps[t] * labels[t])
    return total / (n_steps * n_seqs)


def cases():
    rs = np.random.RandomState(4)
    n_in, n_hid, n_out = 4, 5, 4
    params = {"h0": rs.randn(1, n_hid) * 0.1,
              "rec": rs.randn(n_in + n_hid + 1, n_hid) * 0.1,
              "out": rs.randn(n_hid + 1, n_out) * 0.1}
    seqs = np.eye(n_in)[rs.randint(0, n_in, (6, 3))]
    labels = np.eye(n_out)[rs.randint(0, n_out, (6, 3))]
    return [Program("log_likelihood", mean_log_likelihood, (params, seqs, labels))]
