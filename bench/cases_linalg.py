"""Linear algebra: a Gaussian-process negative log marginal likelihood through a Cholesky
factorisation, n = 200, gradient w.r.t. the three kernel hyperparameters.

The reference is the textbook gradient written by hand in NumPy (Rasmussen & Williams,
eq. 5.9: dNLL/dtheta = 1/2 tr((K^-1 - alpha alpha^T) dK/dtheta)). flatgrad differentiates
the loss as written, in two forms: np.linalg.cholesky with np.linalg.solve(L, ...) (which
flatgrad turns into triangular solves, L being a Cholesky factor), and np.linalg.cholesky with
scipy.linalg.solve_triangular.
"""
from __future__ import annotations

import math
import time

import numpy as np
import scipy.linalg

import flatgrad as fg

from . import peers
from .harness import CaseResult, Config, Contender, Row, case, fmt_time, measure, skipped

LOG_2PI = math.log(2.0 * math.pi)


def gp_kernel(log_ell, log_sf2, log_sn2, X):
    """The squared-exponential kernel matrix plus noise."""
    sq = np.sum(X * X, axis=1)
    D2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    return (np.exp(log_sf2) * np.exp(-0.5 * D2 / np.exp(2.0 * log_ell))
            + np.exp(log_sn2) * np.eye(X.shape[0]))


def gp_nll(log_ell, log_sf2, log_sn2, X, y):
    """-log p(y | X) for a squared-exponential kernel plus noise."""
    n = X.shape[0]
    L = np.linalg.cholesky(gp_kernel(log_ell, log_sf2, log_sn2, X))
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * (y @ alpha) + np.sum(np.log(np.diag(L))) + 0.5 * n * LOG_2PI


def gp_nll_tri(log_ell, log_sf2, log_sn2, X, y):
    """The same NLL written with scipy.linalg.solve_triangular."""
    n = X.shape[0]
    L = np.linalg.cholesky(gp_kernel(log_ell, log_sf2, log_sn2, X))
    v = scipy.linalg.solve_triangular(L, y, lower=True)
    return 0.5 * (v @ v) + np.sum(np.log(np.diag(L))) + 0.5 * n * LOG_2PI


def gp_nll_grad_numpy(log_ell, log_sf2, log_sn2, X, y):
    n = X.shape[0]
    sq = np.sum(X * X, axis=1)
    D2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    ell2, sf2, sn2 = math.exp(2.0 * log_ell), math.exp(log_sf2), math.exp(log_sn2)
    E = sf2 * np.exp(-0.5 * D2 / ell2)
    K = E + sn2 * np.eye(n)
    c = scipy.linalg.cho_factor(K, lower=True)
    alpha = scipy.linalg.cho_solve(c, y)
    W = 0.5 * (scipy.linalg.cho_solve(c, np.eye(n)) - np.outer(alpha, alpha))
    return (np.sum(W * (E * D2 / ell2)), np.sum(W * E), sn2 * np.trace(W))


def _args(smoke: bool):
    n = 12 if smoke else 200
    rng = np.random.default_rng(3)
    X = rng.uniform(-3.0, 3.0, size=(n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.normal(size=n)
    return (math.log(1.2), math.log(0.8), math.log(0.05), X, y)


@case("linalg_gp", group="linalg")
def linalg_gp(cfg: Config) -> CaseResult:
    """Gaussian-process NLL (Cholesky), n = 200: gradient w.r.t. 3 hyperparameters."""
    args = _args(cfg.smoke)
    nums = (0, 1, 2)
    notes = []
    contenders = [Contender("hand-written NumPy/SciPy (R&W eq. 5.9)", gp_nll_grad_numpy, args,
                            reference=True)]
    for fn, form in ((gp_nll, "solve(L, .)"), (gp_nll_tri, "solve_triangular")):
        for target, label in (("python", "python, NumPy"), ("cpu", "cpu, Numba")):
            t0 = time.perf_counter()
            g = fg.grad(fn, argnums=nums, target=target)
            g(*args)
            contenders.append(Contender(f"flatgrad grad ({label}; {form})", g, args,
                                        note=f"first call {time.perf_counter() - t0:.2f} s"))
    extra: list = []
    jax = peers.load("jax")
    if jax is None:
        extra.append(skipped("JAX jit(grad)", peers.missing_note("jax")))
    else:
        jnp = jax.numpy
        from jax.scipy.linalg import solve_triangular

        def jloss(log_ell, log_sf2, log_sn2, X, y):
            n = X.shape[0]
            sq = jnp.sum(X * X, axis=1)
            D2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
            K = jnp.exp(log_sf2) * jnp.exp(-0.5 * D2 / jnp.exp(2.0 * log_ell)) + jnp.exp(log_sn2) * jnp.eye(n)
            L = jnp.linalg.cholesky(K)
            alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
            return 0.5 * (y @ alpha) + jnp.sum(jnp.log(jnp.diag(L))) + 0.5 * n * LOG_2PI
        jg = jax.jit(jax.grad(jloss, argnums=nums))
        jargs = tuple(jnp.asarray(a) for a in args)
        extra.append(Contender("JAX jit(grad)", lambda *a: jax.block_until_ready(jg(*a)), jargs,
                               note=f"jax {jax.__version__}, x64, solve_triangular",
                               to_numpy=lambda r: [np.asarray(v) for v in r]))
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-6)
    rows += [r for r in extra if isinstance(r, Row)]
    fwd = measure([Contender("forward", gp_nll, args, reference=True)], cfg)[0].seconds
    for r in rows:
        if r.seconds:
            r.extra["grad / forward"] = f"{r.seconds / fwd:.2f}"
    notes.append(f"forward pass alone (flatgrad's source run as NumPy): {fmt_time(fwd)}")
    notes.append("flatgrad solves with triangular solves throughout (its Cholesky adjoint, "
                 "and np.linalg.solve of the Cholesky factor written by the user), as the "
                 "hand-written code and JAX do; under Numba they call BLAS trsm, and the "
                 "adjoint's L^T g is a triangular product (trmm), where JAX does a full matmul")
    return CaseResult(
        f"Linear algebra: Gaussian-process NLL through Cholesky, n = {args[3].shape[0]}",
        "`grad(gp_nll, argnums=(0, 1, 2))` w.r.t. log lengthscale, log variance, log noise; "
        "squared-exponential kernel, X 200×2; float64.",
        rows, targets="flatgrad ≈ hand-written gradient", notes=notes,
        extra_columns=["grad / forward"])
