"""The Gaussian process latent variable model, as in autograd's examples/gplvm.py (own
port): each observed dimension is a GP draw over shared latent points; the objective is the
sum of the columns' marginal likelihoods plus a Gaussian prior on the latents."""
import numpy as np
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm

from . import Program

N, D_LATENT, D_OBS = 6, 2, 3


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


def gplvm_objective(params, data):
    kernel_params = params[:D_LATENT + 1]
    noise = np.exp(params[D_LATENT + 1]) + 1e-3
    latents = np.reshape(params[D_LATENT + 2:], (N, D_LATENT))
    cov = rbf_covariance(kernel_params, latents, latents) + noise * np.eye(N)
    total = 0.0
    for j in range(D_OBS):
        total = total + mvn.logpdf(data[:, j], np.zeros(N), cov)
    prior = np.sum(norm.logpdf(latents))
    return -(total + prior)


def cases():
    rs = np.random.RandomState(16)
    data = rs.randn(N, D_OBS)
    params = np.concatenate([np.array([0.1, 0.0, 0.2, -1.0]), rs.randn(N * D_LATENT) * 0.5])
    return [Program("objective", gplvm_objective, (params, data))]
