"""Black-box stochastic variational inference with the reparameterisation trick, as in
autograd's examples/black_box_svi.py (own port): a diagonal Gaussian's samples are drawn
inside the objective from a generator the objective closes over."""
import numpy as np
from scipy.stats import norm

from . import Program


def log_density(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


def black_box_variational_inference(logprob, D, num_samples, rs):
    def unpack_params(params):
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    def variational_objective(params, t):
        mean, log_std = unpack_params(params)
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
        return -lower_bound

    return variational_objective


def cases():
    rs = np.random.RandomState(0)
    state = rs.get_state()
    objective = black_box_variational_inference(log_density, 2, 6, rs)
    return [Program("variational_objective", objective,
                    (np.array([-1.0, -1.0, -5.0, -5.0]), 0), reset=lambda: rs.set_state(state))]


WAITS_FOR: dict = {}
