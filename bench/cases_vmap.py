"""vmap: per-example gradients of an MLP, and a loop program mapped over examples.

The reference for per-example gradients is the backward pass written by hand in NumPy
with the batch kept as an axis (``einsum`` for the per-example weight gradients), the way
Opacus and BackPACK write it for each layer; peers (JAX's ``jit(vmap(grad))``, PyTorch's
``torch.func.vmap(grad)``) when installed.
"""
from __future__ import annotations

import time

import numpy as np

import flatgrad as fg
from flatgrad import relu

from . import peers
from .harness import CaseResult, Config, Contender, Row, case, measure, skipped


def example_loss(W1, b1, W2, b2, x, y):
    """Softmax cross-entropy of one example (x: one image, y: its label)."""
    h = relu(x @ W1 + b1)
    s = h @ W2 + b2
    s = s - np.max(s)
    logp = s - np.log(np.sum(np.exp(s)))
    return -logp[y]


def per_example_numpy(W1, b1, W2, b2, X, y):
    """Per-example backprop by hand: the batch axis kept, einsum for the weights."""
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0.0)
    s = h @ W2 + b2
    e = np.exp(s - s.max(axis=1, keepdims=True))
    d = e / e.sum(axis=1, keepdims=True)
    d[np.arange(n), y] -= 1.0
    dz1 = (d @ W2.T) * (z1 > 0)
    return (np.einsum("ni,nj->nij", X, dz1), dz1, np.einsum("ni,nj->nij", h, d), d)


def _args(smoke: bool):
    N, D, H, C = (8, 12, 6, 10) if smoke else (256, 784, 128, 10)
    rng = np.random.default_rng(0)
    return (rng.normal(size=(D, H)) * np.sqrt(2.0 / D), rng.normal(size=H) * 0.01,
            rng.normal(size=(H, C)) * np.sqrt(1.0 / H), rng.normal(size=C) * 0.01,
            rng.normal(size=(N, D)), rng.integers(0, C, N))


AXES = (None, None, None, None, 0, 0)


def _peers(args) -> list:
    out = []
    jax = peers.load("jax")
    if jax is None:
        out.append(skipped("JAX jit(vmap(grad))", peers.missing_note("jax")))
    else:
        jnp = jax.numpy

        def jloss(W1, b1, W2, b2, x, y):
            h = jnp.maximum(x @ W1 + b1, 0.0)
            return -jax.nn.log_softmax(h @ W2 + b2)[y]
        jg = jax.jit(jax.vmap(jax.grad(jloss, argnums=(0, 1, 2, 3)), in_axes=AXES))
        jargs = tuple(jnp.asarray(a) for a in args)
        out.append(Contender("JAX jit(vmap(grad))", lambda *a: jax.block_until_ready(jg(*a)),
                             jargs, note=f"jax {jax.__version__}, x64",
                             to_numpy=lambda r: [np.asarray(v) for v in r]))
    torch = peers.load("torch")
    func = getattr(torch, "func", None) if torch is not None else None
    if func is None:
        out.append(skipped("torch.func vmap(grad)", peers.missing_note("torch")))
    else:
        def tloss(W1, b1, W2, b2, x, y):
            h = torch.relu(x @ W1 + b1)
            return -torch.log_softmax(h @ W2 + b2, dim=0)[y]
        tg = func.vmap(func.grad(tloss, argnums=(0, 1, 2, 3)), in_dims=AXES)
        targs = tuple(torch.tensor(a) for a in args)
        out.append(Contender("torch.func vmap(grad)", tg, targs,
                             note=f"torch {torch.__version__}, float64",
                             to_numpy=lambda r: [v.detach().numpy() for v in r]))
    return out


@case("vmap_per_example", group="vmap")
def vmap_per_example(cfg: Config) -> CaseResult:
    """Per-example gradients of an MLP 784-128-10 (ReLU, softmax CE), batch 256."""
    args = _args(cfg.smoke)
    nums = (0, 1, 2, 3)
    made = {}
    rows_first = []
    for target, method in (("cpu", "batch"), ("python", "batch"), ("cpu", "loop")):
        t0 = time.perf_counter()
        v = fg.vmap(fg.grad(example_loss, argnums=nums), in_axes=AXES, target=target,
                    method=method)
        v(*args)
        made[target, method] = v
        rows_first.append(f"{target}/{method} {time.perf_counter() - t0:.2f} s")
    contenders = [
        Contender("hand-written NumPy einsum backprop", per_example_numpy, args, reference=True),
        Contender("flatgrad vmap(grad) (cpu, batch)", made["cpu", "batch"], args),
        Contender("flatgrad vmap(grad) (python, batch)", made["python", "batch"], args),
        Contender("flatgrad vmap(grad) (cpu, loop)", made["cpu", "loop"], args),
    ]
    extra = _peers(args)
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-7)
    rows += [r for r in extra if isinstance(r, Row)]
    return CaseResult(
        "vmap: per-example gradients of an MLP",
        f"`vmap(grad(example_loss, argnums=(0, 1, 2, 3)), in_axes={AXES})`, X "
        f"{args[4].shape}, W1 {args[0].shape}, W2 {args[2].shape}; float64.",
        rows, targets="≤ JAX and ≤ 1.1× the hand-written einsum code (issue 21)",
        notes=["first calls: " + ", ".join(rows_first)])


def recurrence(a, x0):
    """A 100-step recurrence of one example (its work is scalar: the loop method's case)."""
    x = x0
    for _ in range(100):
        x = np.sin(a * x) + 0.5 * x
    return x


@case("vmap_recurrence", group="vmap")
def vmap_recurrence(cfg: Config) -> CaseResult:
    """vmap(grad) of a 100-step scalar recurrence over 10^4 examples (parallel target)."""
    n = 50 if cfg.smoke else 10_000
    rng = np.random.default_rng(1)
    args = (rng.uniform(0.5, 1.5, n), rng.uniform(-1, 1, n))
    g = fg.grad(recurrence)
    contenders = [
        Contender("flatgrad grad in a Python loop (cpu)",
                  lambda A, X: np.array([g(a, x) for a, x in zip(A, X)]), args, reference=True),
        Contender("flatgrad vmap(grad) (parallel)",
                  fg.vmap(g, target="parallel"), args),
        Contender("flatgrad vmap(grad) (cpu)", fg.vmap(g, target="cpu"), args),
        Contender("flatgrad vmap(grad) (python, batch)",
                  fg.vmap(g, target="python", method="batch"), args),
    ]
    jax = peers.load("jax")
    if jax is not None:
        jnp = jax.numpy

        def jrec(a, x0):
            return jax.lax.fori_loop(0, 100, lambda i, x: jnp.sin(a * x) + 0.5 * x, x0)
        jg = jax.jit(jax.vmap(jax.grad(jrec)))
        contenders.append(Contender("JAX jit(vmap(grad)), lax.fori_loop",
                                    lambda *a: jax.block_until_ready(jg(*a)),
                                    tuple(jnp.asarray(a) for a in args), to_numpy=np.asarray))
    rows = measure(contenders, cfg, rtol=1e-9)
    if jax is None:
        rows.append(skipped("JAX jit(vmap(grad))", peers.missing_note("jax")))
    return CaseResult(
        "vmap: a loop program per example", f"`vmap(grad(recurrence))`, {n} examples.", rows,
        targets="ahead of JAX's vmap (issue 21)")


def logistic_loss(w, x, y):
    """The logistic loss of one example (10 parameters)."""
    return np.log1p(np.exp(-y * (x @ w)))


def logistic_hessians_numpy(w, X, y):
    """Per-example Hessians by hand: s (1 - s) x x^T, with s = sigmoid(y x.w)."""
    s = 1.0 / (1.0 + np.exp(-y * (X @ w)))
    return np.einsum("n,ni,nj->nij", s * (1.0 - s), X, X)


@case("vmap_hessian", group="vmap")
def vmap_hessian(cfg: Config) -> CaseResult:
    """Per-example Hessians of a 10-parameter logistic model over 10^4 examples."""
    n = 50 if cfg.smoke else 10_000
    rng = np.random.default_rng(2)
    args = (rng.normal(size=10), rng.normal(size=(n, 10)), rng.choice([-1.0, 1.0], n))
    axes = (None, 0, 0)
    contenders = [
        Contender("hand-written NumPy einsum", logistic_hessians_numpy, args, reference=True),
        Contender("flatgrad vmap(hessian) (cpu)",
                  fg.vmap(fg.hessian(logistic_loss), in_axes=axes, target="cpu"), args),
        Contender("flatgrad vmap(hessian) (python, batch)",
                  fg.vmap(fg.hessian(logistic_loss), in_axes=axes, target="python"), args),
    ]
    jax = peers.load("jax")
    if jax is not None:
        jnp = jax.numpy
        jh = jax.jit(jax.vmap(jax.hessian(lambda w, x, y: jnp.log1p(jnp.exp(-y * (x @ w)))),
                              in_axes=axes))
        contenders.append(Contender("JAX jit(vmap(hessian))",
                                    lambda *a: jax.block_until_ready(jh(*a)),
                                    tuple(jnp.asarray(a) for a in args),
                                    to_numpy=np.asarray))
    rows = measure(contenders, cfg, rtol=1e-8)
    if jax is None:
        rows.append(skipped("JAX jit(vmap(hessian))", peers.missing_note("jax")))
    return CaseResult(
        "vmap: per-example Hessians", f"`vmap(hessian(logistic_loss), in_axes={axes})`, "
        f"{n} examples, 10 parameters.", rows, targets="ahead of JAX (issue 21)")
