"""A numerically stable logsumexp, as in autograd's examples/define_gradient.py (own port;
the example gives it a hand-written gradient, a plain-NumPy user just writes the function)."""
import numpy as np

from . import Program


def logsumexp(x):
    max_x = np.max(x)
    return max_x + np.log(np.sum(np.exp(x - max_x)))


def example_func(y):
    z = y ** 2
    lse = logsumexp(z)
    return np.sum(lse)


def cases():
    return [Program("example", example_func, (np.array([0.3, -1.2, 2.0, 0.1]),))]
