"""Functions calling scipy.integrate.odeint as SciPy's users write them, for
tests/library/test_scipy_odeint.py (module level: flatgrad reads their source)."""
import numpy as np
from scipy.integrate import odeint
import scipy.integrate


def dynamics(state, time, W1, b1, W2, b2):
    return np.dot(np.tanh(np.dot(state, W1) + b1), W2) + b2


def loss_args_tuple(W1, b1, W2, b2, y0, t, target):
    """autograd's ode_net: the parameters passed as SciPy's ``args=``."""
    pred = odeint(dynamics, y0, t, args=(W1, b1, W2, b2))
    return np.mean((pred - target) ** 2)


def nested(state, time, params):
    W1, b1, W2, b2 = params
    return dynamics(state, time, W1, b1, W2, b2)


def loss_positional_args(W1, b1, W2, b2, y0, t, target):
    """``args`` given positionally, one tuple holding a tuple, tolerances and LSODA's own
    tuning (``hmax=0``, ``mxstep=0``: SciPy's "no bound" and "default"; ``h0``, ``mxordn``:
    nothing to tune in flatgrad's solver)."""
    pred = scipy.integrate.odeint(nested, y0, t, ((W1, b1, W2, b2),), rtol=1e-10, atol=1e-10,
                                  hmax=0.0, mxstep=0, h0=0.0, mxordn=12)
    return np.sum(np.sin(pred) * target)


def decay(y, t, k):
    return -k * y


def scalar_state(k, t):
    """A number as y0: SciPy integrates one state, the result shaped (len(t), 1)."""
    ys = odeint(decay, 2.0, t, args=(k,), rtol=1e-11, atol=1e-11)
    return ys[-1, 0] + 0.0 * ys.shape[1]


def list_state(k, t):
    """A list as y0; ``tfirst=True`` calls ``func(t, y, ...)``."""
    ys = odeint(lambda s, y, k: -k * y, [1.0, 3.0], t, args=(k,), tfirst=True,
                rtol=1e-11, atol=1e-11)
    return np.sum(ys[-1] * np.array([1.0, 2.0]))


def full_output(k, t):
    ys, info = odeint(decay, np.ones(2), t, args=(k,), full_output=True)
    return np.sum(ys)


def full_output_false(k, t):
    return np.sum(odeint(decay, np.ones(2), t, args=(k,), full_output=0))


def critical_times(k, t):
    return np.sum(odeint(decay, np.ones(2), t, args=(k,), tcrit=[0.5]))


def lotka_volterra(state, t, a, b):
    x, y = state                      # unpacked: its length is y0's
    return np.array([a * x - b * x * y, -y + 0.5 * x * y])


def unpacking_state(a, b, y0):
    return np.sum(odeint(lotka_volterra, y0, np.linspace(0.0, 2.0, 5), args=(a, b),
                         rtol=1e-10, atol=1e-10))


def unpacking_literal_state(a, b):
    return np.sum(odeint(lotka_volterra, [1.0, 0.5], np.linspace(0.0, 2.0, 5), args=(a, b),
                         rtol=1e-10, atol=1e-10))
