"""sin(x) by its Taylor series, stopping when the terms are small (a data-dependent
break), as in autograd's examples/sinusoid.py (own port)."""
import numpy as np

from . import Program


def taylor_sine(x):
    term = x
    total = term
    for i in range(1000):
        term = -term * x ** 2 / ((2 * i + 3) * (2 * i + 2))
        total = total + term
        if np.abs(term) < 0.2:
            break
    return total


def cases():
    return [Program("at_1.3", taylor_sine, (1.3,)), Program("at_-4.2", taylor_sine, (-4.2,))]
