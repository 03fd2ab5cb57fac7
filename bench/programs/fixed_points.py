"""A square root as the fixed point of Newton's iteration, differentiated through the loop
(autograd's examples/fixed_points.py uses its fixed_point combinator; a plain-NumPy user
iterates until the step is small)."""
import numpy as np

from . import Program


def newton_sqrt(a, tol=1e-12):
    x = 1.0
    while True:
        x_new = 0.5 * (x + a / x)
        if np.abs(x_new - x) < tol:
            return x_new
        x = x_new


def distance_to_target(a):
    return (newton_sqrt(a) - 3.1) ** 2


def cases():
    return [Program("sqrt", newton_sqrt, (2.0,)), Program("distance", distance_to_target, (7.3,))]
