"""Array programs: an MLP gradient (softmax CE + L2) and ``sum((W @ x)**2)``.

The reference is the backward pass written by hand in NumPy, the way the lectures
teach it. Also reported: the same code under ``@njit``, flatgrad's two targets
("cpu": Numba, "python": plain NumPy — which one array code should use is the
question this case answers), peers when installed, the gradient/forward time ratio
and the first-call (compile) time of each flatgrad target.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

import flatgrad as fg
from flatgrad import relu

from . import peers
from .harness import CaseResult, Config, Contender, Row, case, fmt_time, measure, skipped


# ---------------------------------------------------------------- MLP

def mlp_loss(W1, b1, W2, b2, X, y, reg):
    N = X.shape[0]
    h1 = relu(X @ W1 + b1)
    scores = h1 @ W2 + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(logp[np.arange(N), y]) / N + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def mlp_forward_numpy(W1, b1, W2, b2, X, y, reg):
    """The loss alone, by hand (the forward time the ratio divides by)."""
    N = X.shape[0]
    h1 = np.maximum(X @ W1 + b1, 0.0)
    scores = h1 @ W2 + b2
    shifted = scores - scores.max(axis=1).reshape(N, 1)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1)).reshape(N, 1)
    data = 0.0
    for i in range(N):
        data -= logp[i, y[i]]
    return data / N + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def mlp_grad_numpy(W1, b1, W2, b2, X, y, reg):
    """Textbook backprop (lecture 003's "flat" staging)."""
    N = X.shape[0]
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    scores = h1 @ W2 + b2
    shifted = scores - scores.max(axis=1).reshape(N, 1)
    e = np.exp(shifted)
    probs = e / e.sum(axis=1).reshape(N, 1)
    dscores = probs.copy()
    for i in range(N):
        dscores[i, y[i]] -= 1.0
    dscores /= N
    dW2 = h1.T @ dscores + reg * W2
    db2 = dscores.sum(axis=0)
    dz1 = (dscores @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1 + reg * W1
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2


@njit(cache=True)
def mlp_grad_njit(W1, b1, W2, b2, X, y, reg):
    """The same backprop under @njit (Numba's max has no axis argument: a row loop instead)."""
    N = X.shape[0]
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    scores = h1 @ W2 + b2
    rowmax = np.empty((N, 1))
    for i in range(N):
        rowmax[i, 0] = scores[i].max()
    e = np.exp(scores - rowmax)
    probs = e / e.sum(axis=1).reshape(N, 1)
    dscores = probs.copy()
    for i in range(N):
        dscores[i, y[i]] -= 1.0
    dscores /= N
    dW2 = h1.T @ dscores + reg * W2
    db2 = dscores.sum(axis=0)
    dz1 = (dscores @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1 + reg * W1
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2


def _mlp_args(smoke: bool):
    N, D, H, C = (8, 12, 6, 10) if smoke else (256, 784, 128, 10)
    rng = np.random.default_rng(0)
    return (rng.normal(size=(D, H)) * np.sqrt(2.0 / D), rng.normal(size=H) * 0.01,
            rng.normal(size=(H, C)) * np.sqrt(1.0 / H), rng.normal(size=C) * 0.01,
            rng.normal(size=(N, D)), rng.integers(0, C, N), 1e-3)


def _first_call(make, args) -> float:
    t0 = time.perf_counter()
    make()(*args)
    return time.perf_counter() - t0


def _mlp_autograd_loss():
    """The MLP loss in autograd's NumPy, the weights as one tuple."""
    anp = __import__("autograd.numpy").numpy

    def aloss(params, X, y, reg):
        W1, b1, W2, b2 = params
        h1 = anp.maximum(anp.dot(X, W1) + b1, 0.0)
        s = anp.dot(h1, W2) + b2
        s = s - anp.max(s, axis=1, keepdims=True)
        logp = s - anp.log(anp.sum(anp.exp(s), axis=1, keepdims=True))
        return (-anp.sum(logp[anp.arange(X.shape[0]), y]) / X.shape[0]
                + 0.5 * reg * (anp.sum(W1 * W1) + anp.sum(W2 * W2)))
    return aloss


def _torch_mlp(args):
    """PyTorch's eager gradient of the MLP loss, in the weights' own dtype (or a skipped row)."""
    W1, b1, W2, b2, X, y, reg = args
    torch = peers.load("torch")
    if torch is None:
        return skipped("PyTorch eager autograd", peers.missing_note("torch"))
    leaves = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def torch_grad(W1, b1, W2, b2):
        h1 = torch.relu(Xt @ W1 + b1)
        L = (torch.nn.functional.cross_entropy(h1 @ W2 + b2, yt)
             + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum()))
        return torch.autograd.grad(L, (W1, b1, W2, b2))
    return Contender("PyTorch eager autograd", torch_grad, tuple(leaves),
                     note=f"torch {torch.__version__}, {W1.dtype}",
                     to_numpy=lambda r: [v.detach().numpy() for v in r])


def _mlp_peers(args) -> list:
    out = []
    W1, b1, W2, b2, X, y, reg = args
    jax = peers.load("jax")
    if jax is None:
        out.append(skipped("JAX jit(grad)", peers.missing_note("jax")))
    else:
        jnp = jax.numpy

        def jloss(W1, b1, W2, b2, X, y, reg):
            h1 = jnp.maximum(X @ W1 + b1, 0.0)
            logp = jax.nn.log_softmax(h1 @ W2 + b2, axis=1)
            return (-jnp.mean(logp[jnp.arange(X.shape[0]), y])
                    + 0.5 * reg * (jnp.sum(W1 * W1) + jnp.sum(W2 * W2)))
        jg = jax.jit(jax.grad(jloss, argnums=(0, 1, 2, 3)))
        jargs = tuple(jnp.asarray(a) for a in args)
        out.append(Contender("JAX jit(grad)", lambda *a: jax.block_until_ready(jg(*a)), jargs,
                             note=f"jax {jax.__version__}, x64", to_numpy=lambda r: [np.asarray(v) for v in r]))
    out.append(_torch_mlp(args))
    ag = peers.load("autograd")
    if ag is None:
        out.append(skipped("autograd", peers.missing_note("autograd")))
    else:
        aloss = _mlp_autograd_loss()
        gf = ag.grad(aloss)
        out.append(Contender("autograd", lambda *a: tuple(gf(a[:4], X, y, reg)), (W1, b1, W2, b2)))
    return out


@case("arrays_mlp", group="arrays")
def arrays_mlp(cfg: Config) -> CaseResult:
    """MLP gradient: X 256x784, hidden 128 (ReLU), 10 classes, softmax CE + L2."""
    args = _mlp_args(cfg.smoke)
    nums = (0, 1, 2, 3)
    compile_cpu = _first_call(lambda: fg.grad(mlp_loss, argnums=nums, target="cpu"), args)
    compile_py = _first_call(lambda: fg.grad(mlp_loss, argnums=nums, target="python"), args)
    contenders = [
        Contender("hand-written NumPy backprop", mlp_grad_numpy, args, reference=True),
        Contender("flatgrad grad (cpu, Numba)", fg.grad(mlp_loss, argnums=nums, target="cpu"), args,
                  note=f"first call {compile_cpu:.2f} s"),
        Contender("flatgrad grad (python, NumPy)", fg.grad(mlp_loss, argnums=nums, target="python"),
                  args, note=f"first call {compile_py:.2f} s"),
        Contender("hand-written backprop under @njit", mlp_grad_njit, args),
    ]
    extra = _mlp_peers(args)
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-7)
    rows += [r for r in extra if isinstance(r, Row)]
    fwd = measure([Contender("forward", mlp_forward_numpy, args, reference=True)], cfg)[0].seconds
    for r in rows:
        if r.seconds:
            r.extra["grad / forward"] = f"{r.seconds / fwd:.2f}"
    by = {r.name: r.seconds for r in rows}
    cpu, py = by.get("flatgrad grad (cpu, Numba)"), by.get("flatgrad grad (python, NumPy)")
    notes = [f"forward pass alone (hand-written NumPy): {fmt_time(fwd)}"]
    if cpu and py:
        faster = "python (plain NumPy)" if py < cpu else "cpu (Numba)"
        notes.append(f"target python vs cpu: {fmt_time(py)} vs {fmt_time(cpu)} — {faster} is faster "
                     f"({max(py, cpu) / min(py, cpu):.2f}x)")
    return CaseResult(
        "Arrays: MLP gradient (softmax CE + L2)",
        f"`grad(mlp_loss, argnums=(0, 1, 2, 3))`, X {args[4].shape}, W1 {args[0].shape}, "
        f"W2 {args[2].shape}; float64.",
        rows, targets="gradient ≤ 3× the forward pass; flatgrad ≤ 1.05× hand-written NumPy backprop "
                        "and ahead of JAX (issue 13)",
        notes=notes, extra_columns=["grad / forward"])


def _float32(args):
    """The MLP's arguments in float32 (the labels stay integers, reg a Python float)."""
    return tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
                 else a for a in args)


@case("arrays_mlp_f32", group="arrays")
def arrays_mlp_f32(cfg: Config) -> CaseResult:
    """The MLP gradient of ``arrays_mlp`` on float32 data: JAX's default dtype."""
    args = _float32(_mlp_args(cfg.smoke))
    nums = (0, 1, 2, 3)
    compile_cpu = _first_call(lambda: fg.grad(mlp_loss, argnums=nums, target="cpu"), args)
    contenders = [
        Contender("hand-written NumPy backprop", mlp_grad_numpy, args, reference=True),
        Contender("flatgrad grad (cpu, Numba)", fg.grad(mlp_loss, argnums=nums, target="cpu"), args,
                  note=f"first call {compile_cpu:.2f} s"),
        Contender("flatgrad grad (python, NumPy)", fg.grad(mlp_loss, argnums=nums, target="python"),
                  args),
    ]
    W1, b1, W2, b2, X, y, reg = args
    jax = peers.load("jax")
    extra: list = []
    if jax is None:
        extra.append(skipped("JAX jit(grad)", peers.missing_note("jax")))
    else:
        jl = _mlp_jax_loss(jax, X, y, reg)
        jg = jax.jit(jax.grad(jl, argnums=nums))
        extra.append(Contender("JAX jit(grad)", lambda *a: jax.block_until_ready(jg(*a)),
                               tuple(jax.numpy.asarray(a) for a in args[:4]),
                               note=f"jax {jax.__version__}, float32",
                               to_numpy=lambda r: [np.asarray(v) for v in r]))
    extra.append(_torch_mlp(args))
    # float32: the tools sum in different orders, so results agree to float32's digits
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-3,
                   atol=1e-6)
    rows += [r for r in extra if isinstance(r, Row)]
    dtypes = {str(g.dtype) for g in fg.grad(mlp_loss, argnums=nums, target="cpu")(*args)}
    return CaseResult(
        "Arrays: MLP gradient on float32 data",
        f"`arrays_mlp` with X, W1, b1, W2, b2 in float32 (JAX's default dtype): every gradient "
        f"float32, each tool computing in float32; X {args[4].shape}.",
        rows, targets="flatgrad ≤ 1.05× hand-written NumPy backprop (one BLAS thread; JAX runs "
                        "XLA's thread pool on every core)",
        notes=[f"flatgrad's gradients (cpu): {', '.join(sorted(dtypes))}"])


# ---------------------------------------------------------------- ||W x||^2

def norm_wx(W, x):
    return np.sum((W @ x) ** 2)


def norm_wx_forward(W, x):
    return np.sum((W @ x) ** 2)


def norm_wx_grad_numpy(W, x):
    r = 2.0 * (W @ x)
    return np.outer(r, x), W.T @ r


norm_wx_grad_njit = njit(cache=True)(norm_wx_grad_numpy)


@case("arrays_norm_wx", group="arrays")
def arrays_norm_wx(cfg: Config) -> CaseResult:
    """``np.sum((W @ x)**2)``, n = 512; gradient w.r.t. W and x."""
    n = 8 if cfg.smoke else 512
    rng = np.random.default_rng(1)
    args = (rng.normal(size=(n, n)), rng.normal(size=n))
    compile_cpu = _first_call(lambda: fg.grad(norm_wx, argnums=(0, 1), target="cpu"), args)
    contenders = [
        Contender("hand-written NumPy", norm_wx_grad_numpy, args, reference=True),
        Contender("flatgrad grad (cpu, Numba)", fg.grad(norm_wx, argnums=(0, 1), target="cpu"), args,
                  note=f"first call {compile_cpu:.2f} s"),
        Contender("flatgrad grad (python, NumPy)", fg.grad(norm_wx, argnums=(0, 1), target="python"),
                  args),
        Contender("hand-written under @njit", norm_wx_grad_njit, args),
    ]
    jax = peers.load("jax")
    extra: list = []
    if jax is None:
        extra.append(skipped("JAX jit(grad)", peers.missing_note("jax")))
    else:
        jg = jax.jit(jax.grad(lambda W, x: jax.numpy.sum((W @ x) ** 2), argnums=(0, 1)))
        extra.append(Contender("JAX jit(grad)", lambda *a: jax.block_until_ready(jg(*a)),
                               tuple(jax.numpy.asarray(a) for a in args), note="x64",
                               to_numpy=lambda r: [np.asarray(v) for v in r]))
    rows = measure(contenders + [c for c in extra if isinstance(c, Contender)], cfg, rtol=1e-9)
    rows += [r for r in extra if isinstance(r, Row)]
    fwd = measure([Contender("forward", norm_wx_forward, args, reference=True)], cfg)[0].seconds
    for r in rows:
        if r.seconds:
            r.extra["grad / forward"] = f"{r.seconds / fwd:.2f}"
    return CaseResult(
        f"Arrays: sum((W @ x)**2), n = {n}",
        "`grad(f, argnums=(0, 1))`; the W gradient is an n×n outer product, so the gradient "
        "writes n² numbers the forward pass only reads.",
        rows, targets="gradient ≤ 3× the forward pass", notes=[f"forward alone: {fmt_time(fwd)}"],
        extra_columns=["grad / forward"])


# ---------------------------------------------------------------- issue 5: HVP and Jacobian

def _mlp_jax_loss(jax, X, y, reg):
    """The MLP loss in JAX, closing over the data (JAX differentiates the weights only)."""
    jnp = jax.numpy

    def jl(W1, b1, W2, b2):
        h = jnp.maximum(X @ W1 + b1, 0.0)
        s = h @ W2 + b2
        s = s - jnp.max(s, axis=1, keepdims=True)
        lp = s - jnp.log(jnp.sum(jnp.exp(s), axis=1, keepdims=True))
        return -jnp.sum(lp[jnp.arange(X.shape[0]), y]) / X.shape[0] + \
            0.5 * reg * (jnp.sum(W1 * W1) + jnp.sum(W2 * W2))
    return jl


@njit(cache=True)
def _x_products_grad(X, W1, G):
    """The gradient's two products with the data: the floor under any MLP gradient."""
    return X @ W1, X.T @ G


@njit(cache=True)
def _x_products_hvp(X, W1, T, G):
    """The HVP's three: X @ W1, X @ tan_W1 and X.T @ (the adjoint's tangent)."""
    return X @ W1, X @ T, X.T @ G


def _jax_grad_and_hvp(jax, args, vs):
    """JAX's ``jit(grad)`` of the MLP loss in the weights and ``jit(jvp(grad))`` along ``vs``,
    each a function of the weights that waits for its result."""
    W1, b1, W2, b2, X, y, reg = args
    jl = _mlp_jax_loss(jax, X, y, reg)
    jg = jax.jit(jax.grad(jl, argnums=(0, 1, 2, 3)))
    jh = jax.jit(lambda p, v: jax.jvp(lambda *q: jax.grad(jl, argnums=(0, 1, 2, 3))(*q), p, v)[1])
    jv = tuple(jax.numpy.asarray(a) for a in vs)
    return (lambda *q: jax.block_until_ready(jg(*q)),
            lambda *q: jax.block_until_ready(jh(q, jv)))


JAX_ONE_CORE = '''
import json, os, sys, timeit
os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})   # before JAX sizes its thread pools
sys.path.insert(0, {root!r})
import numpy as np
from bench import peers
from bench.cases_arrays import _jax_grad_and_hvp, _mlp_args
jax = peers.load("jax")
args = _mlp_args({smoke})
rng = np.random.default_rng(1)
vs = tuple(rng.normal(size=a.shape) for a in args[:4])
grad, hvp = _jax_grad_and_hvp(jax, args, vs)
p = tuple(jax.numpy.asarray(a) for a in args[:4])
calls = {{"grad": lambda: grad(*p), "hvp": lambda: hvp(*p)}}
samples = {{k: [] for k in calls}}
for f in calls.values():
    f()
for _ in range({repeats}):
    for k, f in calls.items():
        samples[k].append(min(timeit.repeat(f, number=20, repeat=3)) / 20)
print("BENCH-RESULT " + json.dumps({{k: float(np.median(s)) for k, s in samples.items()}}))
'''


def _jax_one_core(cfg: Config) -> dict | None:
    """JAX's gradient and HVP on one core, as every other contender here runs one BLAS thread.
    XLA_FLAGS' thread options do not bound JAX 0.10's CPU runtime (measured: its HVP still ran
    faster than three products on one core), so the process is pinned to one CPU instead, before
    JAX starts; it runs after the round-robin above, in the same bench run."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    root = str(Path(__file__).resolve().parent.parent)
    script = JAX_ONE_CORE.format(root=root, repeats=cfg.repeats, smoke=cfg.smoke)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    return None


@case("arrays_hvp", group="arrays")
def arrays_hvp(cfg: Config) -> CaseResult:
    """Hessian-vector product of the MLP loss (forward over reverse) vs its gradient."""
    args = _mlp_args(cfg.smoke)
    nums = (0, 1, 2, 3)
    g = fg.grad(mlp_loss, argnums=nums)
    rng = np.random.default_rng(1)
    vs = tuple(rng.normal(size=a.shape) for a in args[:4])
    zeros = (np.zeros_like(args[4]), np.zeros(args[5].shape, dtype=args[5].dtype), 0.0)

    h = fg.hvp(mlp_loss, argnums=nums, target="cpu")

    def hvp_only(*a):     # the product alone: what JAX's jit(jvp(grad))[1] computes
        return h(*a, *vs)

    def hvp(*a):      # None: the data X, y, reg are held constant (no tangent code for them)
        return fg.jvp(g, a, vs + (None, None, None), target="cpu")[1]

    def hvp_zeros(*a):
        return fg.jvp(g, a, vs + zeros, target="cpu")[1]

    W1, b1, W2, b2, X, y, reg = args
    G = rng.normal(size=(X.shape[0], W1.shape[1]))
    flat = [Contender("flatgrad grad (cpu)", g, args, reference=True),
            Contender("flatgrad hvp (cpu): the product only", hvp_only, args),
            Contender("flatgrad HVP, jvp(grad), data tangents None (cpu)", hvp, args),
            Contender("flatgrad HVP, jvp(grad), data tangents zero arrays (cpu)", hvp_zeros, args),
            Contender("floor: the gradient's 2 products with X alone (@njit)", _x_products_grad,
                      (X, W1, G)),
            Contender("floor: the HVP's 3 products with X alone (@njit)", _x_products_hvp,
                      (X, W1, vs[0], G))]
    p = args[:4]
    jax = peers.load("jax")
    if jax is not None:
        jgrad, jhvp = _jax_grad_and_hvp(jax, args, vs)
        jp = tuple(jax.numpy.asarray(a) for a in p)
        flat += [Contender("JAX jit(grad)", jgrad, jp), Contender("JAX jit(jvp(grad))", jhvp, jp)]
    ag = peers.load("autograd")
    if ag is not None:
        aloss = _mlp_autograd_loss()
        ag_g = ag.grad(aloss)
        anp = __import__("autograd.numpy").numpy
        # reverse over reverse, autograd's own recipe (its hessian_vector_product takes one array)
        ag_h = ag.grad(lambda q, X, y, reg: sum(anp.sum(gi * vi) for gi, vi in
                                                zip(ag_g(q, X, y, reg), vs)))
        flat += [Contender("autograd grad", lambda *q: ag_g(q, X, y, reg), p),
                 Contender("autograd HVP, grad(grad . v)", lambda *q: ag_h(q, X, y, reg), p)]
    # different results (gradients, HVPs): each contender is its own reference, all timed
    # round-robin in one measure() so drift hits every one alike
    rows = measure(flat, cfg, check=False)
    by = {r.name: r.seconds for r in rows}
    ref = by["flatgrad grad (cpu)"]
    for r in rows:
        if r.seconds:
            r.extra["vs flatgrad grad"] = f"{r.seconds / ref:.2f}"
    notes = []
    for peer, gname, hname in (("JAX", "JAX jit(grad)", "JAX jit(jvp(grad))"),
                               ("autograd", "autograd grad", "autograd HVP, grad(grad . v)"),
                               ("flatgrad", "flatgrad grad (cpu)",
                                "flatgrad hvp (cpu): the product only"),
                               ("flatgrad jvp(grad) (gradient and product)", "flatgrad grad (cpu)",
                                "flatgrad HVP, jvp(grad), data tangents None (cpu)")):
        if by.get(gname) and by.get(hname):
            notes.append(f"{peer}'s own HVP / gradient ratio: {by[hname] / by[gname]:.2f}")
    if jax is None:
        rows.append(skipped("JAX jit(jvp(grad))", peers.missing_note("jax")))
    else:
        one = _jax_one_core(cfg)
        if one is None:
            rows.append(skipped("JAX, one core: jit(grad)", "the pinned subprocess failed"))
        else:
            note = "own process, pinned to one CPU"
            rows += [Row("JAX, one core: jit(grad)", one["grad"], note=note),
                     Row("JAX, one core: jit(jvp(grad))", one["hvp"], note=note)]
            for r in rows[-2:]:
                r.extra["vs flatgrad grad"] = f"{r.seconds / ref:.2f}"
            by.update({r.name: r.seconds for r in rows[-2:]})
            notes.append(f"JAX's own HVP / gradient ratio on one core, as every other row: "
                         f"{one['hvp'] / one['grad']:.2f}")
    # the time each tool spends beyond the products with X, which no tool can avoid
    floor_g = by.get("floor: the gradient's 2 products with X alone (@njit)")
    floor_h = by.get("floor: the HVP's 3 products with X alone (@njit)")
    if floor_g and floor_h:
        for tool, gname, hname in (("flatgrad", "flatgrad grad (cpu)", "flatgrad hvp (cpu)"),
                                   ("JAX (all cores)", "JAX jit(grad)", "JAX jit(jvp(grad))"),
                                   ("JAX (one core)", "JAX, one core: jit(grad)",
                                    "JAX, one core: jit(jvp(grad))")):
            tg = next((t for n, t in by.items() if n.startswith(gname) and t), None)
            th = next((t for n, t in by.items() if n.startswith(hname) and t), None)
            if tg and th:
                notes.append(f"{tool} beyond its products with X: gradient "
                             f"{(tg - floor_g) * 1e3:.2f} ms, HVP {(th - floor_h) * 1e3:.2f} ms")
    return CaseResult(
        "Arrays: Hessian-vector product of the MLP loss",
        "`fg.hvp(mlp_loss, params)(..., v)`: forward mode over the gradient's IR, one compiled "
        "function returning the product only (the gradient's own last product, X.T @ ..., is "
        "dead code there, as in JAX's `jit(lambda: jvp(grad(f), ...)[1])`); "
        "`jvp(grad(mlp_loss), params, v)` returns the gradient too. The data's tangents are "
        "`None` (held constant, as JAX's closure holds them). The products with X bound both "
        "ratios: the gradient makes two (X @ W1, X.T @ ...), the product three (X @ tan_W1 "
        "too), each N×D×H, so an HVP costs about 1.5 gradients wherever those products "
        "dominate; a peer's ratio falls below that only where its gradient is slower. The two "
        "*floor* rows time those products alone; the notes give each tool's time beyond them. "
        "NumPy and Numba run one BLAS thread (`OPENBLAS_NUM_THREADS=1`, set by bench/run.py); "
        "the JAX rows of the round-robin use XLA's default thread pool (every core), the "
        "*one core* rows JAX alone in a process pinned to one CPU.",
        rows, targets="HVP ≤ 2× the gradient (issue 13); ≤ JAX's own ratio (issue 24)",
        notes=notes, extra_columns=["vs flatgrad grad"])


def jac_100(x, W):
    return np.tanh(W @ x) + 0.5 * x


@case("arrays_jacobian", group="arrays")
def arrays_jacobian(cfg: Config) -> CaseResult:
    """Jacobian of a 100 -> 100 function, reverse and forward mode, vs jax.jacrev."""
    n = 8 if cfg.smoke else 100
    rng = np.random.default_rng(2)
    x, W = rng.normal(size=n), rng.normal(size=(n, n)) / np.sqrt(n)

    def hand(x, W):
        d = 1.0 - np.tanh(W @ x) ** 2
        return d[:, None] * W + 0.5 * np.eye(n)
    contenders = [
        Contender("hand-written NumPy", hand, (x, W), reference=True),
        Contender("flatgrad jacobian, default mode=auto (cpu)", fg.jacobian(jac_100, target="cpu"),
                  (x, W)),
        Contender("flatgrad jacobian mode=rev (cpu)", fg.jacobian(jac_100, mode="rev", target="cpu"), (x, W)),
        Contender("flatgrad jacobian mode=fwd (cpu)", fg.jacobian(jac_100, mode="fwd", target="cpu"), (x, W)),
        Contender("flatgrad jacobian mode=rev (python)",
                  fg.jacobian(jac_100, mode="rev", target="python"), (x, W)),
        Contender("flatgrad jacobian mode=fwd (python)",
                  fg.jacobian(jac_100, mode="fwd", target="python"), (x, W)),
    ]
    ag = peers.load("autograd")
    if ag is not None:
        anp = __import__("autograd.numpy").numpy
        aj = ag.jacobian(lambda x, W: anp.tanh(anp.dot(W, x)) + 0.5 * x)
        contenders.append(Contender("autograd jacobian", aj, (x, W)))
    jax = peers.load("jax")
    extra = []
    if jax is not None:
        import jax.numpy as jnp
        jr = jax.jit(jax.jacrev(lambda x, W: jnp.tanh(W @ x) + 0.5 * x))
        jf = jax.jit(jax.jacfwd(lambda x, W: jnp.tanh(W @ x) + 0.5 * x))
        xa, Wa = jnp.asarray(x), jnp.asarray(W)
        contenders += [Contender("JAX jit(jacrev)", lambda a, b: jax.block_until_ready(jr(a, b)), (xa, Wa),
                                 to_numpy=np.asarray),
                       Contender("JAX jit(jacfwd)", lambda a, b: jax.block_until_ready(jf(a, b)), (xa, Wa),
                                 to_numpy=np.asarray)]
    else:
        extra.append(skipped("JAX jit(jacrev)", peers.missing_note("jax")))
    rows = measure(contenders, cfg, rtol=1e-9) + extra
    by = {r.name: r.seconds for r in rows}
    notes = []
    if by.get("JAX jit(jacrev)"):
        for r in rows:
            if r.seconds and r.name.startswith("flatgrad"):
                notes.append(f"{r.name} / JAX jit(jacrev): {r.seconds / by['JAX jit(jacrev)']:.2f}")
    return CaseResult(
        f"Arrays: Jacobian of a {n} → {n} function",
        "`jacobian(lambda x: tanh(W @ x) + 0.5*x)`: every basis seed through the VJP (rev) or "
        "the JVP (fwd) at once, as one block (compiler/batching.py): the identity's product "
        "with W is W's transpose, the VJP's scaled identity times W a row scaling "
        "(compiler/diagonal.py); `auto` (the default) takes forward on this tie.",
        rows, targets="≤ 1.1× hand in the mode auto picks (issue 24)", notes=notes)
