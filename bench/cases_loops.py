"""Loops: a long scalar recurrence (tape of 1000 steps) and an element-wise Rosenbrock loop.

These measure the generated code rather than dispatch: the reference is the same
gradient written by hand under ``@numba.njit`` the way a person would (a forward
loop recording a tape, a backward loop reading it in reverse).
"""
from __future__ import annotations

import math
import os

import numpy as np
from numba import njit

import flatgrad as fg

from . import peers
from .harness import CaseResult, Config, Contender, Row, case, measure, skipped

STEPS = 1000


# ---------------------------------------------------------------- recurrence

def recurrence(x, w):
    for i in range(1000):
        x = x + 0.01 * math.sin(x) * w
    return x


def recurrence_grad_py(x, w):
    """d(final x)/d(x, w), hand-written with a tape."""
    tape = np.empty(1000)
    for i in range(1000):
        tape[i] = x
        x = x + 0.01 * math.sin(x) * w
    gx, gw = 1.0, 0.0
    for i in range(999, -1, -1):
        xi = tape[i]
        gw += gx * 0.01 * math.sin(xi)
        gx = gx * (1.0 + 0.01 * w * math.cos(xi))
    return gx, gw


recurrence_grad_njit = njit(cache=True)(recurrence_grad_py)


def _recurrence_peers(args) -> list:
    out = []
    jax = peers.load("jax")
    if jax is None:
        out.append(skipped("JAX jit(grad), lax.fori_loop", peers.missing_note("jax")))
    else:
        jnp = jax.numpy

        def jf(x, w):
            return jax.lax.fori_loop(0, STEPS, lambda i, x: x + 0.01 * jnp.sin(x) * w, x)
        jg = jax.jit(jax.grad(jf, argnums=(0, 1)))
        out.append(Contender("JAX jit(grad), lax.fori_loop", lambda *a: jax.block_until_ready(jg(*a)),
                             args, note=f"jax {jax.__version__}, x64",
                             to_numpy=lambda r: [float(v) for v in r]))
    torch = peers.load("torch")
    if torch is None:
        out.append(skipped("PyTorch eager autograd", peers.missing_note("torch")))
    else:
        leaves = tuple(torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in args)

        def torch_grad(x0, w):
            x = x0
            for _ in range(STEPS):
                x = x + 0.01 * torch.sin(x) * w
            return torch.autograd.grad(x, (x0, w))
        out.append(Contender("PyTorch eager autograd", torch_grad, leaves,
                             note=f"torch {torch.__version__}, 0-d float64 tensors",
                             to_numpy=lambda r: [float(v) for v in r]))
    ag = peers.load("autograd")
    if ag is None:
        out.append(skipped("autograd", peers.missing_note("autograd")))
    else:
        anp = __import__("autograd.numpy").numpy

        def af(x, w):
            for _ in range(STEPS):
                x = x + 0.01 * anp.sin(x) * w
            return x
        dx, dw = ag.grad(af, 0), ag.grad(af, 1)
        out.append(Contender("autograd", lambda x, w: (dx(x, w), dw(x, w)), args,
                             note="two grad calls (argnum 0, then 1): autograd takes one argnum"))
    return out


@case("loop_recurrence", group="loops")
def loop_recurrence(cfg: Config) -> CaseResult:
    """1000 steps of ``x = x + 0.01*sin(x)*w``; gradient w.r.t. x and w."""
    args = (0.5, 1.3)
    g = fg.grad(recurrence, argnums=(0, 1))
    contenders = [
        Contender("hand-written @njit with tape", recurrence_grad_njit, args, reference=True),
        Contender("flatgrad grad (cpu)", g, args),
        Contender("hand-written plain Python with tape", recurrence_grad_py, args),
    ]
    extra = _recurrence_peers(args)
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-9)
    rows += [r for r in extra if isinstance(r, Row)]
    return CaseResult(
        "Loop: 1000-step recurrence",
        "`for i in range(1000): x = x + 0.01*sin(x)*w`, `grad(f, argnums=(0, 1))` at x=0.5, w=1.3.",
        rows, targets="flatgrad ≤ 1.3× hand-written @njit with tape (goal 1.1×)")


# ---------------------------------------------------------------- Rosenbrock

def rosenbrock(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


@njit(cache=True)
def rosenbrock_grad_njit(x):
    """The gradient of the element loop, hand-written (each term touches x[i] and x[i+1])."""
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i] ** 2
        g[i] += -400.0 * d * x[i] - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * d
    return g


def rosenbrock_grad_numpy(x):
    """The same gradient, vectorised NumPy by hand."""
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * d * x[:-1] - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def _rosenbrock_peers(x) -> list:
    out = []
    jax = peers.load("jax")
    if jax is None:
        out.append(skipped("JAX jit(grad), vectorised", peers.missing_note("jax")))
    else:
        jnp = jax.numpy
        jg = jax.jit(jax.grad(lambda x: jnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)))
        out.append(Contender("JAX jit(grad), vectorised", lambda a: jax.block_until_ready(jg(a)),
                             (jnp.asarray(x),), note="jnp slices: an element loop would be unrolled",
                             to_numpy=np.asarray))
    torch = peers.load("torch")
    if torch is None:
        out.append(skipped("PyTorch eager autograd, vectorised", peers.missing_note("torch")))
    else:
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)

        def torch_grad(x):
            s = torch.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
            return torch.autograd.grad(s, x)[0]
        out.append(Contender("PyTorch eager autograd, vectorised", torch_grad, (xt,),
                             note="tensor slices", to_numpy=lambda r: r.detach().numpy()))
    ag = peers.load("autograd")
    if ag is None:
        out.append(skipped("autograd, vectorised", peers.missing_note("autograd")))
    else:
        anp = __import__("autograd.numpy").numpy
        gf = ag.grad(lambda x: anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
        out.append(Contender("autograd, vectorised", gf, (x,), note="array slices"))
    return out


def _unchecked(transform, *args):
    """``transform`` compiled with FLATGRAD_BOUNDSCHECK=0 (what the bounds checks cost)."""
    old = os.environ.get("FLATGRAD_BOUNDSCHECK")
    os.environ["FLATGRAD_BOUNDSCHECK"] = "0"
    try:
        transform(*args)
    finally:
        if old is None:
            del os.environ["FLATGRAD_BOUNDSCHECK"]
        else:
            os.environ["FLATGRAD_BOUNDSCHECK"] = old
    return transform


@case("loop_rosenbrock", group="loops")
def loop_rosenbrock(cfg: Config) -> CaseResult:
    """Rosenbrock sum as an explicit element loop over x[i], x[i+1]; n = 10^4."""
    n = 16 if cfg.smoke else 10_000
    x = np.random.default_rng(0).uniform(-2.0, 2.0, n)
    contenders = [
        Contender("hand-written @njit element loop (no bounds checks)", rosenbrock_grad_njit, (x,),
                  reference=True),
        Contender("flatgrad grad (cpu), element loop, checks on", fg.grad(rosenbrock), (x,),
                  note="indices proven in range: no checks left (compiler/ranges.py)"),
        Contender("flatgrad grad (cpu), bounds checks off", _unchecked(fg.grad(rosenbrock), x),
                  (x,)),
        Contender("hand-written NumPy, vectorised", rosenbrock_grad_numpy, (x,)),
    ]
    extra = _rosenbrock_peers(x)
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-9)
    rows += [r for r in extra if isinstance(r, Row)]
    return CaseResult(
        f"Loop: Rosenbrock element loop, n = {n}",
        "`for i in range(n-1): s += 100*(x[i+1]-x[i]**2)**2 + (1-x[i])**2`, gradient w.r.t. x. "
        "Peers are given the vectorised (slice) form, which is how one writes it for them.",
        rows, targets="flatgrad with checks on <= 1.05x the hand-written @njit loop (issue 24)")


# ---------------------------------------------------------------- checkpointing

LONG = 10**6


def long_recurrence(x, w):
    for i in range(1000000):
        x = x + 1e-6 * math.sin(x) * w
    return x


def _tape_bytes(source: str, n: int) -> int:
    """Bytes of the tapes a generated gradient allocates (from its np.empty lines)."""
    import re
    total = 0
    for m in re.finditer(r"np\.empty\((\d+), dtype=np\.float64\)", source):
        total += 8 * int(m.group(1))
    return total


@case("loop_checkpoint", group="loops")
def loop_checkpoint(cfg: Config) -> CaseResult:
    """T = 10^6 steps: full tape vs checkpointing (state every ~sqrt(T) steps)."""
    args = (0.5, 1.3)
    full = fg.grad(long_recurrence, argnums=(0, 1))
    ck = fg.grad(long_recurrence, argnums=(0, 1), checkpoint=True)
    rows = measure([Contender("flatgrad, full tape", full, args, reference=True),
                    Contender("flatgrad, checkpoint=True", ck, args)], cfg, rtol=1e-12)
    for r, g in zip(rows, (full, ck)):
        r.extra["tape memory"] = f"{_tape_bytes(g.source, LONG) / 1e6:.3f} MB"
    return CaseResult(
        "Loop: checkpointing a 10^6-step recurrence",
        "`for i in range(10**6): x = x + 1e-6*sin(x)*w`, gradient w.r.t. x and w. Checkpointing "
        "keeps the state every K = 1000 steps and recomputes each segment in the backward pass: "
        "tape memory n → n/K + K states, for one extra forward pass.",
        rows, targets="bounded tape memory; time within ~1.5× of the full tape",
        extra_columns=["tape memory"])
