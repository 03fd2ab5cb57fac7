"""An LSTM's per-step log-likelihood of one-hot sequences, in the spirit of autograd's
examples/lstm.py (own port): four gates from one *args helper, the cell and hidden state
carried as a pair, the steps' log-probabilities gathered in a growing list."""
import numpy as np
from scipy.special import logsumexp

from . import Program


def logistic(z):
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def affine(weights, *pieces):
    joined = np.hstack(pieces + (np.ones((pieces[0].shape[0], 1)),))
    return np.dot(joined, weights)


def lstm_cell(params, x_t, hidden, cell):
    candidate = np.tanh(affine(params["cand"], x_t, hidden))
    keep = logistic(affine(params["keep"], x_t, hidden))
    write = logistic(affine(params["write"], x_t, hidden))
    show = logistic(affine(params["show"], x_t, hidden))
    cell = keep * cell + write * candidate
    return show * np.tanh(cell), cell


def step_logprobs(params, seqs):
    n = seqs.shape[1]
    hidden = np.repeat(params["h0"], n, axis=0)
    cell = np.repeat(params["c0"], n, axis=0)
    scores = affine(params["out"], hidden)
    steps = [scores - logsumexp(scores, axis=1, keepdims=True)]
    for x_t in seqs:
        hidden, cell = lstm_cell(params, x_t, hidden, cell)
        scores = affine(params["out"], hidden)
        steps.append(scores - logsumexp(scores, axis=1, keepdims=True))
    return steps


def mean_log_likelihood(params, seqs, labels):
    steps = step_logprobs(params, seqs)
    total = 0.0
    for t, lab in enumerate(labels):
        total = total + np.sum(steps[t] * lab)
    return total / (seqs.shape[0] * seqs.shape[1])


def cases():
    rs = np.random.RandomState(5)
    n_in, n_hid, n_out = 3, 4, 3
    params = {"h0": rs.randn(1, n_hid) * 0.1, "c0": rs.randn(1, n_hid) * 0.1,
              "out": rs.randn(n_hid + 1, n_out) * 0.1}
    for gate in ("cand", "keep", "write", "show"):
        params[gate] = rs.randn(n_in + n_hid + 1, n_hid) * 0.1
    seqs = np.eye(n_in)[rs.randint(0, n_in, (5, 2))]
    labels = np.eye(n_out)[rs.randint(0, n_out, (5, 2))]
    return [Program("log_likelihood", mean_log_likelihood, (params, seqs, labels))]
