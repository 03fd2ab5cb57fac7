"""Natural-gradient black-box variational inference for a Bayesian logistic regression, as
in autograd's examples/natural_gradient_black_box_svi.py (own port): a diagonal Gaussian's
samples drawn inside the objective, a logistic likelihood and a Gaussian prior."""
import numpy as np
from scipy.stats import norm

from . import Program


def make_objective(inputs, targets, rs, num_samples):
    D = inputs.shape[1]

    def log_joint(weights):
        logits = np.dot(weights, inputs.T)
        log_lik = -np.sum(np.logaddexp(0, -logits * (2 * targets - 1)), axis=1)
        return log_lik + np.sum(norm.logpdf(weights, 0, 2.0), axis=1)

    def objective(params):
        mean, log_std = params[:D], params[D:]
        samples = mean + np.exp(log_std) * rs.randn(num_samples, D)
        return -(np.mean(log_joint(samples)) + np.sum(log_std))

    return objective


def cases():
    data = np.random.RandomState(17)
    inputs = data.randn(8, 3)
    targets = (data.rand(8) > 0.5).astype(float)
    rs = np.random.RandomState(3)
    state = rs.get_state()
    return [Program("objective", make_objective(inputs, targets, rs, 5),
                    (np.concatenate([np.zeros(3), -np.ones(3)]),), reset=lambda: rs.set_state(state))]


WAITS_FOR: dict = {}
