"""The ODE solver behind ``flatgrad.odeint``, written once in the subset flatgrad compiles.

These functions run two ways: called from Python they are a NumPy solver (``odeint``
outside a compiled function), and lowered by flatgrad (``compiler/ode.py``) they
become the compiled forward solve and the adjoint solve, with ``rhs`` (and ``aug``) standing
for the user's dynamics inlined at each call. The state is a 1-D float64 array.

The method is Dormand and Prince's explicit Runge--Kutta 5(4) pair (DOPRI5, as SciPy's
``RK45``): the fifth-order solution is kept, the embedded fourth-order one estimates the
error, and the step is accepted when the RMS of ``err_i / (atol + rtol * max(|y_i|, |y_new_i|))``
is at most 1; the next step is ``h * clip(0.9 * err**(-1/5), 0.2, 10)``. Steps are cut to
land exactly on every output time, so no interpolation is involved. A solve that needs more
than ``mxstep`` steps between two output times gives NaN from there on.
"""
from __future__ import annotations

import numpy as np


def dopri_step(rhs, y, f, t, h):
    """One DOPRI5 step of signed size ``h`` from ``(t, y)`` with ``f = rhs(y, t)``: the new
    state, ``rhs`` there (the next step's first stage), and the error estimate."""
    k2 = rhs(y + h * (0.2 * f), t + 0.2 * h)
    k3 = rhs(y + h * (0.075 * f + 0.225 * k2), t + 0.3 * h)
    k4 = rhs(y + h * (44.0 / 45.0 * f - 56.0 / 15.0 * k2 + 32.0 / 9.0 * k3), t + 0.8 * h)
    k5 = rhs(y + h * (19372.0 / 6561.0 * f - 25360.0 / 2187.0 * k2 + 64448.0 / 6561.0 * k3
                      - 212.0 / 729.0 * k4), t + 8.0 / 9.0 * h)
    k6 = rhs(y + h * (9017.0 / 3168.0 * f - 355.0 / 33.0 * k2 + 46732.0 / 5247.0 * k3
                      + 49.0 / 176.0 * k4 - 5103.0 / 18656.0 * k5), t + h)
    y_new = y + h * (35.0 / 384.0 * f + 500.0 / 1113.0 * k3 + 125.0 / 192.0 * k4
                     - 2187.0 / 6784.0 * k5 + 11.0 / 84.0 * k6)
    f_new = rhs(y_new, t + h)
    # fifth- minus fourth-order weights
    err = h * (71.0 / 57600.0 * f - 71.0 / 16695.0 * k3 + 71.0 / 1920.0 * k4
               - 17253.0 / 339200.0 * k5 + 22.0 / 525.0 * k6 - 1.0 / 40.0 * f_new)
    return y_new, f_new, err


def rms(x):
    """The root mean square of the entries of 1-D ``x`` (0 for an empty one)."""
    return np.sqrt(np.sum(x * x) / max(x.shape[0], 1))


def initial_step(rhs, y, f, t, direction, rtol, atol):
    """A first step size from the state's and the derivative's scales (Hairer, Norsett and
    Wanner, Solving ODEs I, II.4), as SciPy's solvers choose it."""
    scale = atol + rtol * np.abs(y)
    d0 = rms(y / scale)
    d1 = rms(f / scale)
    h0 = 1e-6
    if d0 >= 1e-5 and d1 >= 1e-5:
        h0 = 0.01 * d0 / d1
    f1 = rhs(y + direction * h0 * f, t + direction * h0)
    d2 = rms((f1 - f) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3)
    if max(d1, d2) > 1e-15:
        h1 = (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, h1)


def advance(rhs, y, f, t, t_end, h, rtol, atol, mxstep, hmax):
    """Integrate from ``(t, y)`` to ``t_end`` (either direction) with adaptive steps, the last
    one cut to land on ``t_end``. Returns the state there, ``rhs`` there, and the step size
    to try next; a state of NaN when ``mxstep`` steps did not reach ``t_end``."""
    direction = 1.0
    if t_end < t:
        direction = -1.0
    steps = 0
    while (t_end - t) * direction > 0.0 and steps < mxstep:
        left = abs(t_end - t)
        step = min(h, left, hmax)
        last = step >= left
        y_new, f_new, e = dopri_step(rhs, y, f, t, direction * step)
        err = rms(e / (atol + rtol * np.maximum(np.abs(y), np.abs(y_new))))
        if err <= 1.0:
            y = y_new
            f = f_new
            if last:
                t = t_end
            else:
                t = t + direction * step
            factor = 10.0
            if err > 0.0:
                factor = min(max(0.9 * err ** -0.2, 0.2), 10.0)
        elif err > 1.0:
            factor = max(0.9 * err ** -0.2, 0.2)
        else:                  # not a number: shrink until the step underflows
            factor = 0.2
        h = step * factor
        steps += 1
        if h <= 2.2e-16 * abs(t) or h == 0.0:    # no progress is possible: give up as below
            steps = mxstep
    if (t_end - t) * direction > 0.0:
        y = y * np.nan
    return y, f, h


def solve(rhs, y0, t, rtol, atol, mxstep, hmax):
    """The states at the times ``t`` (monotone) of ``dy/dt = rhs(y, t)``, ``y(t[0]) = y0``: an
    array ``(len(t), len(y0))`` whose first row is ``y0``."""
    m = t.shape[0]
    ys = np.zeros((m, y0.shape[0]))
    ys[0] = y0
    y = y0
    f = rhs(y, t[0])
    h = 0.0
    if m > 1:
        direction = 1.0
        if t[m - 1] < t[0]:
            direction = -1.0
        h = initial_step(rhs, y, f, t[0], direction, rtol, atol)
    for i in range(1, m):
        y, f, h = advance(rhs, y, f, t[i - 1], t[i], h, rtol, atol, mxstep, hmax)
        ys[i] = y
    return ys


def adjoint(rhs, aug, ys, t, g, q, rtol, atol, mxstep, hmax):
    """The adjoint solve: the gradients of ``sum(g * ys)`` for ``ys = solve(rhs, ys[0], t)``.

    Between output times the augmented state ``z = [y, a, q]`` runs backwards from ``t[i]`` to
    ``t[i-1]`` under ``aug(z, t) = [f, -a df/dy, -a df/dparams]``, starting each time from the
    stored ``ys[i]`` (not the state the backward run reached) and adding ``g[i-1]`` to ``a``
    on arrival, so memory does not grow with the number of steps. Returns one flat array:
    ``[d/dy0 (n), d/dt (len(t)), d/dparams (len(q))]``. The gradient with respect to ``t[i]``,
    ``i >= 1``, is ``g[i] . f(ys[i], t[i])``; with respect to ``t[0]`` it is ``-a . f(y0, t[0])``
    with ``a`` the adjoint just after ``t[0]`` (``ys[0] = y0`` does not move with ``t[0]``).
    """
    m = t.shape[0]
    n = ys.shape[1]
    t_bar = np.zeros(m)
    a = g[m - 1]
    for k in range(m - 1):
        i = m - 1 - k
        t_bar[i] = np.sum(rhs(ys[i], t[i]) * g[i])
        z = np.concatenate((ys[i], a, q))
        fz = aug(z, t[i])
        direction = 1.0
        if t[i - 1] < t[i]:
            direction = -1.0
        h = initial_step(aug, z, fz, t[i], direction, rtol, atol)
        z, fz, h = advance(aug, z, fz, t[i], t[i - 1], h, rtol, atol, mxstep, hmax)
        a = z[n:2 * n] + g[i - 1]
        q = z[2 * n:]
    t_bar[0] = -np.sum(rhs(ys[0], t[0]) * (a - g[0]))
    return np.concatenate((a, t_bar, q))


def tangent_solve(rhs, tan, ys, dy0, t, dt, rtol, atol, mxstep, hmax):
    """The tangents of ``ys = solve(rhs, y0, t)`` for tangents ``dy0``, ``dt`` (one per time)
    and the parameters' (inside ``tan``): ``[y, y']`` is solved between output times from
    the stored ``ys[i]``. A time ``t[i]`` moved by ``dt[i]`` moves ``ys[i]`` by
    ``f(ys[i], t[i]) dt[i]``; ``t[0]`` moved by ``dt[0]`` starts the solve at
    ``y0 - f(y0, t[0]) dt[0]`` in first order, so ``y'`` starts at ``dy0 - f(y0, t[0]) dt[0]``."""
    m = t.shape[0]
    n = ys.shape[1]
    out = np.zeros((m, n))
    d = dy0 - rhs(ys[0], t[0]) * dt[0]
    out[0] = dy0
    for i in range(1, m):
        z = np.concatenate((ys[i - 1], d))
        fz = tan(z, t[i - 1])
        direction = 1.0
        if t[i] < t[i - 1]:
            direction = -1.0
        h = initial_step(tan, z, fz, t[i - 1], direction, rtol, atol)
        z, fz, h = advance(tan, z, fz, t[i - 1], t[i], h, rtol, atol, mxstep, hmax)
        d = z[n:]
        out[i] = d + rhs(ys[i], t[i]) * dt[i]
    return out
