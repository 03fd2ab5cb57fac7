"""A flatgrad gradient called from the user's own ``@njit`` code (issue 12).

Numba types the transform at the call site and calls flatgrad's generated function
directly, so the loop below should cost what the same loop costs with the gradient
written by hand as an ``@njit`` function (which LLVM inlines): the ratio is the price of
going through flatgrad, with no Python in between.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

import flatgrad as fg

from .harness import CaseResult, Config, Contender, case, measure


def potential(x):
    return x ** 4 / 4.0 - x ** 2 + 0.1 * np.sin(3.0 * x)


def energy(p):
    return np.sum((p * p - 1.0) ** 2) + 0.1 * p[0] * p[1]


d_potential = fg.grad(potential)
d_energy = fg.grad(energy)


@njit(cache=True)
def d_potential_hand(x):
    return x ** 3 - 2.0 * x + 0.3 * np.cos(3.0 * x)


@njit(cache=True)
def d_energy_hand(p):
    g = 4.0 * p * (p * p - 1.0)
    g[0] += 0.1 * p[1]
    g[1] += 0.1 * p[0]
    return g


def _descent(grad, parallel: bool):
    """Gradient steps on each entry (a scalar, or a row) of a copy of the array, in a user's
    @njit function; ``parallel``: over the entries with prange."""
    @njit(parallel=parallel)
    def run(xs, steps, lr):
        x = xs.copy()
        for _ in range(steps):
            for i in prange(x.shape[0]):
                x[i] -= lr * grad(x[i])
        return x
    return run


def _sizes(cfg: Config):
    n = 1_000 if cfg.smoke else 100_000
    return n, (2 if cfg.smoke else 10), np.random.default_rng(0)


TARGET = "≤ 1.1× the hand-written gradient called in the same loop"


def _embedded(cfg: Config, hand, flat, parallel: bool, x, title: str, what: str) -> CaseResult:
    steps = _sizes(cfg)[1]
    rows = measure([
        Contender("hand-written @njit gradient", _descent(hand, parallel), (x, steps, 0.01),
                  reference=True),
        Contender("flatgrad grad called from @njit" + ("(parallel=True)" if parallel else ""),
                  _descent(flat, parallel), (x, steps, 0.01)),
    ], cfg)
    return CaseResult(title, f"{what}, {steps} sweeps, in a user's `@njit` function; `g` is "
                      "flatgrad's `fg.grad` or the same derivative written by hand.",
                      rows, targets=TARGET)


@case("njit_loop", group="embedding")
def njit_loop(cfg: Config) -> CaseResult:
    """A scalar gradient inside a user's @njit loop: flatgrad's vs the same written by hand."""
    n, _, rng = _sizes(cfg)
    return _embedded(cfg, d_potential_hand, d_potential, False, rng.uniform(-2.0, 2.0, n),
                     "A scalar gradient inside the user's own @njit loop",
                     f"`x[i] -= lr * g(x[i])` over {n} scalars (`g = fg.grad(potential)`)")


@case("njit_prange", group="embedding")
def njit_prange(cfg: Config) -> CaseResult:
    """An array gradient inside a user's @njit(parallel=True) prange loop."""
    n, _, rng = _sizes(cfg)
    return _embedded(cfg, d_energy_hand, d_energy, True, rng.uniform(-2.0, 2.0, (n // 10, 2)),
                     "An array gradient inside the user's own prange loop",
                     f"`Q[i] -= lr * g(Q[i])` over {n // 10} 2-vectors under `prange` "
                     "(`g = fg.grad(energy)`; both allocate the result)")
