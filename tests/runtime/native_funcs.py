"""Transforms called from user Numba code (module level, as users write them)."""
import numba
import numpy as np
from numba import njit, prange

import flatgrad as fg


def energy(x, w):
    return np.sum(np.tanh(x * w) ** 2)


d_energy = fg.grad(energy, argnums=(0, 1))
vg_energy = fg.value_and_grad(energy, argnums=1)


@njit
def loop_user(x, w, n):
    acc = 0.0
    for i in range(n):
        gx, gw = d_energy(x, w + i)
        v, g = vg_energy(x, w)
        acc += gw + gx[0] + v + g
    return acc


@njit(parallel=True)
def prange_user(x, ws):
    out = np.empty(ws.size)
    for i in prange(ws.size):
        out[i] = d_energy(x, ws[i])[1]
    return out


def cube(x):
    return x * x * x


d_cube = fg.grad(cube)


@numba.cfunc("float64(float64)")
def d_cube_c(x):
    return d_cube(x)


python_target = fg.grad(cube, target="python")


@njit
def calls_python_target(x):
    return python_target(x)


@njit
def passes_an_int(x):
    return d_cube(3)
