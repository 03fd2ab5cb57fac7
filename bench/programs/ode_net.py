"""A neural ODE fitted to a trajectory, as in autograd's examples/ode_net.py (own port):
the dynamics are a small tanh network, integrated by scipy.integrate.odeint."""
import numpy as np
from scipy.integrate import odeint

from . import Program


def nn_dynamics(state, time, params):
    W1, b1, W2, b2 = params
    hidden = np.tanh(np.dot(state, W1) + b1)
    return np.dot(hidden, W2) + b2


def ode_pred(params, y0, t):
    return odeint(nn_dynamics, y0, t, args=(params,))


def l2_loss(params, y0, t, target):
    return np.mean((ode_pred(params, y0, t) - target) ** 2)


def euler_pred(params, y0, dt, steps):
    # the same model with a fixed-step integrator written out
    y = y0
    total = 0.0
    for k in range(steps):
        y = y + dt * nn_dynamics(y, k * dt, params)
        total = total + np.sum(y ** 2)
    return total


def cases():
    rs = np.random.RandomState(8)
    params = (rs.randn(2, 5) * 0.3, rs.randn(5) * 0.1, rs.randn(5, 2) * 0.3, rs.randn(2) * 0.1)
    y0 = np.array([1.0, 0.0])
    t = np.linspace(0.0, 1.0, 5)
    target = np.stack([np.cos(t), np.sin(t)], axis=1)
    return [Program("odeint_loss", l2_loss, (params, y0, t, target)),
            Program("euler", euler_pred, (params, y0, 0.05, 10))]


WAITS_FOR: dict = {}
