"""A two-layer deep Gaussian process with inducing points, as in autograd's
examples/deep_gaussian_process.py (own port): each layer's GP predicts from its inducing
points; the objective adds the inducing values' multivariate normal log-densities and the
data's likelihood under the composed prediction."""
import numpy as np
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm

from . import Program


def rbf_covariance(log_scales, x, xp):
    output_scale = np.exp(log_scales[0])
    lengthscales = np.exp(log_scales[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


def gp_layer(log_scales, x_inducing, y_inducing, x):
    k_ii = rbf_covariance(log_scales, x_inducing, x_inducing) + 1e-4 * np.eye(x_inducing.shape[0])
    k_ix = rbf_covariance(log_scales, x_inducing, x)
    return np.dot(np.linalg.solve(k_ii, k_ix).T, y_inducing)


def objective(params, x, y):
    s1, z1, u1, s2, z2, u2 = params
    hidden = gp_layer(s1, z1, u1, x)
    pred = gp_layer(s2, z2, u2, np.reshape(hidden, (-1, 1)))
    k1 = rbf_covariance(s1, z1, z1) + 1e-4 * np.eye(z1.shape[0])
    k2 = rbf_covariance(s2, z2, z2) + 1e-4 * np.eye(z2.shape[0])
    prior = mvn.logpdf(u1, np.zeros(z1.shape[0]), k1) + mvn.logpdf(u2, np.zeros(z2.shape[0]), k2)
    return -(prior + np.sum(norm.logpdf(y, pred, 0.1)))


def cases():
    rs = np.random.RandomState(15)
    x = np.linspace(-2, 2, 7).reshape((7, 1))
    y = np.sign(x[:, 0]) * 0.8
    params = (np.array([0.0, 0.2]), np.linspace(-2, 2, 4).reshape((4, 1)), rs.randn(4) * 0.5,
              np.array([0.0, -0.3]), np.linspace(-1, 1, 3).reshape((3, 1)), rs.randn(3) * 0.5)
    return [Program("objective", objective, (params, x, y))]
