"""Expected improvement of a Gaussian process surrogate, maximised by gradient, as in
autograd's examples/bayesian_optimization.py (own port): the GP predictive mean and
variance, then norm.cdf and norm.pdf of the standardised improvement."""
import numpy as np
from scipy.stats import norm

from . import Program


def rbf(x, xp, lengthscale=0.7):
    d = np.expand_dims(x, 1) - np.expand_dims(xp, 0)
    return np.exp(-0.5 * np.sum(d ** 2, axis=2) / lengthscale ** 2)


def make_acquisition(x_train, y_train, noise=1e-3):
    def predict(xstar):
        k_xx = rbf(x_train, x_train) + noise * np.eye(x_train.shape[0])
        k_xs = rbf(x_train, xstar)
        alpha = np.linalg.solve(k_xx, k_xs)
        mean = np.dot(alpha.T, y_train)
        var = 1.0 - np.sum(k_xs * alpha, axis=0)
        return mean, var

    def expected_improvement(xstar):
        best = np.min(y_train)
        mean, var = predict(xstar)
        std = np.sqrt(np.maximum(var, 1e-9))
        z = (best - mean) / std
        return np.sum(std * (z * norm.cdf(z) + norm.pdf(z)))

    def log_expected_improvement(xstar):
        best = np.min(y_train)
        mean, var = predict(xstar)
        std = np.sqrt(var + 1e-9)
        z = (best - mean) / std
        return np.sum(norm.logcdf(z) + np.log(std))

    return expected_improvement, log_expected_improvement


def cases():
    rs = np.random.RandomState(14)
    x_train = rs.uniform(-2, 2, (6, 1))
    y_train = np.sin(3 * x_train[:, 0]) + 0.1 * x_train[:, 0] ** 2
    ei, log_ei = make_acquisition(x_train, y_train)
    xstar = np.array([[0.3], [-1.1], [1.7]])
    return [Program("expected_improvement", ei, (xstar,)),
            Program("log_expected_improvement", log_ei, (xstar,))]

