"""Functions calling scipy.integrate.solve_ivp as SciPy's users write them, for
tests/library/test_solve_ivp.py (module level: flatgrad reads their source)."""
import numpy as np
from scipy.integrate import solve_ivp
import scipy.integrate


def lotka(t, y, a, b):
    return np.array([a * y[0] - b * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]])


def at_times(a, b, y0):
    sol = solve_ivp(lotka, (0.0, 3.0), y0, t_eval=np.linspace(0.0, 3.0, 7), args=(a, b))
    return np.sum(sol.y ** 2)


def at_steps(a, b, y0):
    """No t_eval: the states at SciPy's own steps (their number known at run time)."""
    sol = solve_ivp(lotka, [0.0, 3.0], y0, args=(a, b), rtol=1e-6)
    return np.sum(sol.y[:, -1]) + np.sum(np.sin(sol.t)) + np.sum(sol.y[0] * sol.t)


def backwards_rk23(a, b, y0):
    sol = solve_ivp(lambda t, y: -a * y * np.sin(t) + b, (2.0, 0.5), y0,
                    t_eval=[2.0, 1.5, 0.5], method="RK23")
    return np.sum(sol.y)


def options(a, b, y0):
    sol = scipy.integrate.solve_ivp(fun=lambda t, y: lotka(t, y, a, b), t_span=(0.0, 1.0),
                                    y0=y0, method=scipy.integrate.RK45, t_eval=[1.0],
                                    rtol=1e-5, atol=1e-8, max_step=0.1, first_step=0.01)
    return sol.y[0, 0] * sol.y[1, 0] + float(sol.success) + sol.status


def decay(k, y0):
    sol = solve_ivp(lambda t, y: -k * y, [0.0, 2.0], y0, t_eval=[0.5, 1.0, 2.0],
                    rtol=1e-10, atol=1e-12)
    return np.sum(sol.y)


def list_state(k, t1):
    sol = solve_ivp(lambda t, y: [-k * y[0] * t], (0.0, t1), [1.0])
    return sol.y[0, -1]


def time_span_and_eval(t0, t1, te):
    sol = solve_ivp(lambda t, y: np.cos(t) * y, (t0, t1), np.array([1.0, 2.0]), t_eval=te)
    return np.sum(sol.y * np.arange(1.0, sol.y.size + 1).reshape(sol.y.shape))


def radau(k, y0):
    return np.sum(solve_ivp(lambda t, y: -k * y, (0.0, 1.0), y0, method="Radau").y)


def events(k, y0):
    return np.sum(solve_ivp(lambda t, y: -k * y, (0.0, 1.0), y0, events=lambda t, y: y[0]).y)


def dense(k, y0):
    return np.sum(solve_ivp(lambda t, y: -k * y, (0.0, 1.0), y0, dense_output=True).y)


def unknown_option(k, y0):
    return np.sum(solve_ivp(lambda t, y: -k * y, (0.0, 1.0), y0, min_step=0.1).y)


def matrix_state(k, y0):
    return np.sum(solve_ivp(lambda t, y: -k * y, (0.0, 1.0), np.outer(y0, y0)).y)


def pendulum(t, y, p):
    theta, omega = y                  # unpacked: each state has y0's length
    return [omega, -p["g"] / p["L"] * np.sin(theta) - p["b"] * omega]


def pendulum_loss(g, L, b):
    sol = solve_ivp(pendulum, (0, 5), [0.5, 0.0], t_eval=np.linspace(0, 5, 11),
                    args=({"g": g, "L": L, "b": b},), method="RK45", dense_output=False,
                    vectorized=False)
    return np.mean(sol.y.T[:, 0] ** 2)
