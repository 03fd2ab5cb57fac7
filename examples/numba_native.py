"""A flatgrad gradient inside your own Numba code: a parallel relaxation loop, and
scipy.integrate.quad over a gradient passed as a C callback.

    python examples/numba_native.py
"""
import numba
import numpy as np
import scipy.integrate
from scipy import LowLevelCallable

import flatgrad as fg


def energy(p):
    """A particle in a double well with a little coupling between its coordinates."""
    return np.sum((p * p - 1.0) ** 2) + 0.1 * p[0] * p[1]


d_energy = fg.grad(energy)


@numba.njit(parallel=True)
def relax(P, steps, lr):
    """Gradient descent on every particle at once: each row of P is one particle."""
    for _ in range(steps):
        for i in numba.prange(P.shape[0]):
            P[i] -= lr * d_energy(P[i])
    return P


def potential(x):
    return x ** 4 / 4.0 - x ** 2


force = fg.grad(potential)


@numba.cfunc("float64(float64)")
def force_c(x):
    return -force(x)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    P = relax(rng.uniform(-2.0, 2.0, size=(10_000, 2)), 200, 0.05)
    print("minima found:", np.unique(np.round(P, 2), axis=0))
    # work done by the force from 0 to 1.5 = V(0) - V(1.5)
    work, err = scipy.integrate.quad(LowLevelCallable(force_c.ctypes), 0.0, 1.5)
    print(f"work {work:.6f} (exact {potential(0.0) - potential(1.5):.6f})")
