"""A variational autoencoder's minibatch lower bound, as in autograd's
examples/variational_autoencoder.py (own port): relu encoder and decoder, a
reparameterised Gaussian latent drawn inside the objective, Bernoulli likelihood."""
import numpy as np

from . import Program


def relu(x):
    return np.maximum(0, x)


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = relu(outputs)
    return outputs


def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(-0.5 * (x - mu) ** 2 / np.exp(2 * log_std) - log_std - 0.5 * np.log(2 * np.pi),
                  axis=-1)


def unpack_gaussian_params(params):
    D = np.shape(params)[-1] // 2
    return params[:, :D], params[:, D:]


def bernoulli_log_density(targets, unnormalized_logprobs):
    label_probabilities = -np.logaddexp(0, -unnormalized_logprobs * (targets * 2 - 1))
    return np.sum(label_probabilities, axis=-1)


def make_objective(images, rs, batch_size):
    def vae_lower_bound(params, it):
        gen_params, rec_params = params
        idx = slice((it % 2) * batch_size, (it % 2 + 1) * batch_size)
        data = images[idx]
        q_means, q_log_stds = unpack_gaussian_params(neural_net_predict(rec_params, data))
        latents = q_means + np.exp(q_log_stds) * rs.randn(*q_means.shape)
        q_latents = diag_gaussian_log_density(latents, q_means, q_log_stds)
        p_latents = diag_gaussian_log_density(latents, 0, 0)
        logits = neural_net_predict(gen_params, latents)
        p_images = bernoulli_log_density(data, logits)
        return -np.mean(p_images + p_latents - q_latents)
    return vae_lower_bound


def cases():
    rs = np.random.RandomState(10)
    rec = [(rs.randn(6, 5) * 0.3, np.zeros(5)), (rs.randn(5, 4) * 0.3, np.zeros(4))]
    gen = [(rs.randn(2, 5) * 0.3, np.zeros(5)), (rs.randn(5, 6) * 0.3, np.zeros(6))]
    images = (rs.rand(8, 6) > 0.5).astype(float)
    draws = np.random.RandomState(0)
    state = draws.get_state()
    return [Program("lower_bound", make_objective(images, draws, 4), ((gen, rec), 1),
                    reset=lambda: draws.set_state(state))]


WAITS_FOR: dict = {}
