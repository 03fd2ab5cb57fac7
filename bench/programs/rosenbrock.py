"""The Rosenbrock function minimised with its gradient, as in autograd's
examples/rosenbrock.py (own port)."""
import numpy as np

from . import Program


def rosenbrock(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def rosenbrock_nd(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def cases():
    return [Program("2d", rosenbrock, (np.array([-1.2, 1.0]),)),
            Program("nd", rosenbrock_nd, (np.array([-1.2, 1.0, 0.5, 2.0, -0.3]),))]
