"""autograd's examples/black_box_svi.py, ported the way a user would: the same builder, with
NumPy in place of autograd.numpy (and the density's norm.logpdf written out). ``build(np)``
makes the objective with either module, so autograd runs the very same code."""
import numpy.random as npr


def build(np, logprob, D, num_samples):
    def unpack_params(params):
        # Variational dist is a diagonal Gaussian.
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    rs = npr.RandomState(0)

    def variational_objective(params, t):
        """Provides a stochastic estimate of the variational lower bound."""
        mean, log_std = unpack_params(params)
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
        return -lower_bound

    return variational_objective


def log_density_for(np):
    def norm_logpdf(x, mu, sigma):
        return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)

    def log_density(x, t):
        mu, log_sigma = x[:, 0], x[:, 1]
        sigma_density = norm_logpdf(log_sigma, 0, 1.35)
        mu_density = norm_logpdf(mu, 0, np.exp(log_sigma))
        return sigma_density + mu_density
    return log_density
