"""Wing shape optimisation in a smoke simulation, as in autograd's examples/fluidsim/wing.py
(own port; the one edit: a 20 x 30 grid and 3 time steps instead of 40 x 60 and 20, with the
occlusion's window scaled with the grid, and no plotting): Stam's stable fluids with an
occlusion mask, a 50-trip Gauss-Seidel pressure projection written with np.roll, and
semi-Lagrangian advection by integer-array gathers. The objective, minus lift over drag, is
differentiated with respect to the wing's shape (the occlusion's logits)."""
import numpy as np

from . import Program

ROWS, COLS = 20, 30
STEPS = 3


def occlude(f, occlusion):
    return f * (1 - occlusion)


def make_continuous(f, occlusion):
    """Fill occluded cells with the average of their open neighbours."""
    open_ = 1 - occlusion
    num = (np.roll(f, 1, axis=0) * np.roll(open_, 1, axis=0)
           + np.roll(f, -1, axis=0) * np.roll(open_, -1, axis=0)
           + np.roll(f, 1, axis=1) * np.roll(open_, 1, axis=1)
           + np.roll(f, -1, axis=1) * np.roll(open_, -1, axis=1))
    den = (np.roll(open_, 1, axis=0) + np.roll(open_, -1, axis=0)
           + np.roll(open_, 1, axis=1) + np.roll(open_, -1, axis=1))
    return f * open_ + (1 - open_) * num / (den + 0.001)


def project(vx, vy, occlusion):
    """Make the velocity field nearly divergence-free: 50 Gauss-Seidel sweeps on the pressure."""
    p = np.zeros(vx.shape)
    div = -0.5 * (np.roll(vx, -1, axis=1) - np.roll(vx, 1, axis=1)
                  + np.roll(vy, -1, axis=0) - np.roll(vy, 1, axis=0))
    div = make_continuous(div, occlusion)
    for k in range(50):
        p = (div + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1)
             + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0)) / 4.0
        p = make_continuous(p, occlusion)
    vx = vx - 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1))
    vy = vy - 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0))
    return occlude(vx, occlusion), occlude(vy, occlusion)


def advect(f, vx, vy):
    """Carry f along the velocity: each cell reads the bilinear mix of the four cells around
    the point it came from (wrapping at the edges)."""
    rows, cols = f.shape
    cell_xs, cell_ys = np.meshgrid(np.arange(cols), np.arange(rows))
    center_xs = (cell_xs - vx).ravel()
    center_ys = (cell_ys - vy).ravel()
    left = np.floor(center_ys).astype(int)
    top = np.floor(center_xs).astype(int)
    rw = center_ys - left
    bw = center_xs - top
    left = np.mod(left, rows)
    right = np.mod(left + 1, rows)
    top = np.mod(top, cols)
    bottom = np.mod(top + 1, cols)
    flat = ((1 - rw) * ((1 - bw) * f[left, top] + bw * f[left, bottom])
            + rw * ((1 - bw) * f[right, top] + bw * f[right, bottom]))
    return np.reshape(flat, (rows, cols))


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def simulate(vx, vy, steps, occlusion):
    occlusion = sigmoid(occlusion)
    mask = np.zeros((ROWS, COLS))
    mask[5:15, 5:15] = 1.0                # where the wing may be
    occlusion = occlusion * mask
    red = np.zeros((ROWS, COLS))
    red[ROWS // 4:ROWS // 2] = 1
    blue = np.zeros((ROWS, COLS))
    blue[ROWS // 2:3 * ROWS // 4] = 1
    vx, vy = project(vx, vy, occlusion)
    for t in range(steps):
        vx_new = advect(vx, vx, vy)
        vy_new = advect(vy, vx, vy)
        vx, vy = project(vx_new, vy_new, occlusion)
        red = occlude(advect(red, vx, vy), occlusion)
        blue = occlude(advect(blue, vx, vy), occlusion)
    return vx, vy


def objective(params, init_vx, init_vy):
    """Minus lift over drag of the wing whose shape ``params`` gives."""
    occlusion = np.reshape(params, (ROWS, COLS))
    vx, vy = simulate(init_vx, init_vy, STEPS, occlusion)
    drag = np.mean(init_vx - vx)
    lift = np.mean(vy - init_vy)
    return -lift / drag


def cases():
    init_vx = np.ones((ROWS, COLS))
    init_vy = np.zeros((ROWS, COLS))
    shape = -np.ones((ROWS, COLS))
    shape[7:13, 7:13] = 0.0
    return [Program("objective", objective, (shape.ravel(), init_vx, init_vy))]


WAITS_FOR: dict = {}
