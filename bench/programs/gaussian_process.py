"""Gaussian process regression: the marginal likelihood of a squared-exponential kernel's
hyperparameters, as in autograd's examples/gaussian_process.py (own port)."""
import numpy as np
from scipy.stats import multivariate_normal as mvn

from . import Program


def unpack_kernel_params(params):
    mean = params[0]
    cov_params = params[2:]
    noise_scale = np.exp(params[1]) + 0.0001
    return mean, cov_params, noise_scale


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


def log_marginal_likelihood(params, x, y):
    mean, cov_params, noise_scale = unpack_kernel_params(params)
    cov_y_y = rbf_covariance(cov_params, x, x) + noise_scale * np.eye(len(y))
    prior_mean = mean * np.ones(len(y))
    return mvn.logpdf(y, prior_mean, cov_y_y)


def predict(params, x, y, xstar):
    mean, cov_params, noise_scale = unpack_kernel_params(params)
    cov_f_f = rbf_covariance(cov_params, xstar, xstar)
    cov_y_f = rbf_covariance(cov_params, x, xstar)
    cov_y_y = rbf_covariance(cov_params, x, x) + noise_scale * np.eye(len(y))
    pred_mean = mean + np.dot(np.linalg.solve(cov_y_y, cov_y_f).T, y - mean)
    pred_cov = cov_f_f - np.dot(np.linalg.solve(cov_y_y, cov_y_f).T, cov_y_f)
    return pred_mean, pred_cov


def predictive_objective(params, x, y, xstar):
    pred_mean, pred_cov = predict(params, x, y, xstar)
    return np.sum(pred_mean) + np.sum(np.diag(pred_cov))


def cases():
    rs = np.random.RandomState(3)
    x = np.linspace(-2, 2, 8).reshape((8, 1))
    y = np.sin(2 * x[:, 0]) + rs.randn(8) * 0.1
    params = np.array([0.1, -1.0, 0.2, -0.3])
    xstar = np.linspace(-1, 1, 3).reshape((3, 1))
    return [Program("log_marginal_likelihood", log_marginal_likelihood, (params, x, y)),
            Program("predictive", predictive_objective, (params, x, y, xstar))]
