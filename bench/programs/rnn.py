"""A character-level recurrent network's log-likelihood, as in autograd's examples/rnn.py
(own port): a helper with *args, hidden states appended to a list over the sequence."""
import numpy as np
from scipy.special import logsumexp

from . import Program


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params["change"], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def cases():
    rs = np.random.RandomState(4)
    n_in, n_hid, n_out = 4, 5, 4
    params = {"init hiddens": rs.randn(1, n_hid) * 0.1,
              "change": rs.randn(n_in + n_hid + 1, n_hid) * 0.1,
              "predict": rs.randn(n_hid + 1, n_out) * 0.1}
    inputs = np.eye(n_in)[rs.randint(0, n_in, (6, 3))]
    targets = np.eye(n_out)[rs.randint(0, n_out, (6, 3))]
    return [Program("log_likelihood", rnn_log_likelihood, (params, inputs, targets))]


WAITS_FOR = {"log_likelihood": "*args in helpers; lists grown in loops of data-dependent length; tuple + tuple"}
