"""A generative adversarial network's two objectives on a minibatch, as in autograd's
examples/generative_adversarial_net.py (own port): tanh nets, noise drawn inside the
objective, the batch picked with a slice object."""
import numpy as np

from . import Program


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def logsigmoid(x):
    return x - np.logaddexp(0, x)


def make_objective(data, rs, batch_size, noise_dim):
    def gan_objective(gen_params, dsc_params, it):
        idx = slice((it % 2) * batch_size, (it % 2 + 1) * batch_size)
        real = data[idx]
        noise = rs.randn(batch_size, noise_dim)
        fake = neural_net_predict(gen_params, noise)
        logprobs_fake = logsigmoid(neural_net_predict(dsc_params, fake))
        logprobs_real = logsigmoid(neural_net_predict(dsc_params, real))
        return np.mean(logprobs_real) - np.mean(logprobs_fake)
    return gan_objective


def cases():
    rs = np.random.RandomState(19)
    gen = [(rs.randn(2, 4) * 0.3, np.zeros(4)), (rs.randn(4, 3) * 0.3, np.zeros(3))]
    dsc = [(rs.randn(3, 4) * 0.3, np.zeros(4)), (rs.randn(4, 1) * 0.3, np.zeros(1))]
    data = rs.randn(8, 3)
    noise = np.random.RandomState(4)
    state = noise.get_state()
    return [Program("gan_objective", make_objective(data, noise, 4, 2), (gen, dsc, 1), (0, 1),
                    reset=lambda: noise.set_state(state))]


WAITS_FOR: dict = {}
