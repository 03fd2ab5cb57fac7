"""A small smoke simulation optimised for its initial velocity, in the spirit of autograd's
examples/fluidsim/fluidsim.py (own port): a Jacobi pressure projection with np.roll, and
semi-Lagrangian advection by bilinear interpolation written with floor and integer index
arrays."""
import numpy as np

from . import Program

SIZE = 6


def project(vx, vy, iterations=6):
    h = 1.0 / SIZE
    div = -0.5 * h * (np.roll(vx, -1, axis=0) - np.roll(vx, 1, axis=0)
                      + np.roll(vy, -1, axis=1) - np.roll(vy, 1, axis=1))
    p = np.zeros((SIZE, SIZE))
    for k in range(iterations):
        p = (div + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0)
             + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1)) / 4.0
    vx = vx - 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
    vy = vy - 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
    return vx, vy


def advect(f, vx, vy):
    rows = np.arange(SIZE).reshape((SIZE, 1)) * np.ones((1, SIZE))
    cols = np.ones((SIZE, 1)) * np.arange(SIZE).reshape((1, SIZE))
    x = rows - vx
    y = cols - vy
    x0 = np.floor(x)
    y0 = np.floor(y)
    tx = x - x0
    ty = y - y0
    i0 = x0.astype(int) % SIZE
    j0 = y0.astype(int) % SIZE
    i1 = (i0 + 1) % SIZE
    j1 = (j0 + 1) % SIZE
    return ((1 - tx) * ((1 - ty) * f[i0, j0] + ty * f[i0, j1])
            + tx * ((1 - ty) * f[i1, j0] + ty * f[i1, j1]))


def simulate(vx, vy, smoke, steps):
    for t in range(steps):
        vx, vy = project(vx, vy)
        vx2 = advect(vx, vx, vy)
        vy = advect(vy, vx, vy)
        vx = vx2
        smoke = advect(smoke, vx, vy)
    return smoke


def distance_from_target(init_velocity, smoke, target):
    vx = init_velocity[0]
    vy = init_velocity[1]
    final = simulate(vx, vy, smoke, 3)
    return np.mean((final - target) ** 2)


def cases():
    rs = np.random.RandomState(18)
    smoke = rs.rand(SIZE, SIZE)
    target = np.roll(smoke, 1, axis=0)
    velocity = rs.randn(2, SIZE, SIZE) * 0.3
    return [Program("distance_from_target", distance_from_target, (velocity, smoke, target))]


WAITS_FOR = {}
