"""Scalar call latency: the sigmoid neuron of lecture 000, gradient w.r.t. all five inputs.

On scalars the gradient itself is a dozen flops, so what is measured is the cost of
getting into and out of compiled code: flatgrad's dispatch versus a direct call of
the same gradient written by hand under ``@numba.njit``.
"""
from __future__ import annotations

import math

from numba import njit

import flatgrad as fg
from flatgrad import sigmoid

from . import peers
from .harness import CaseResult, Config, Contender, case, measure, skipped

ARGS = (2.0, -1.0, -3.0, -2.0, -3.0)       # the lecture's values
ARGNUMS = (0, 1, 2, 3, 4)


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def neuron_grad_py(w0, x0, w1, x1, w2):
    """The backward pass written by hand, plain Python."""
    L = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    d = (1.0 - L) * L
    return (d * x0, d * w0, d * x1, d * w1, d)


neuron_grad_njit = njit(cache=True)(neuron_grad_py)


def _peer_contenders() -> list:
    out = []
    jax = peers.load("jax")
    if jax is None:
        out.append(skipped("JAX jit(grad)", peers.missing_note("jax")))
    else:
        jf = jax.jit(jax.grad(lambda w0, x0, w1, x1, w2: jax.nn.sigmoid(w0 * x0 + w1 * x1 + w2),
                              argnums=ARGNUMS))
        out.append(Contender("JAX jit(grad)", lambda *a: jax.block_until_ready(jf(*a)), ARGS,
                             note=f"jax {jax.__version__}, x64, incl. block_until_ready",
                             to_numpy=lambda r: [float(v) for v in r]))
    torch = peers.load("torch")
    if torch is None:
        out.append(skipped("PyTorch eager autograd", peers.missing_note("torch")))
    else:
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in ARGS]

        def torch_grad(w0, x0, w1, x1, w2):
            return torch.autograd.grad(torch.sigmoid(w0 * x0 + w1 * x1 + w2), (w0, x0, w1, x1, w2))
        out.append(Contender("PyTorch eager autograd", torch_grad, tuple(leaves),
                             note=f"torch {torch.__version__}, 0-d float64 leaf tensors",
                             to_numpy=lambda r: [float(v) for v in r]))
    ag = peers.load("autograd")
    if ag is None:
        out.append(skipped("autograd", peers.missing_note("autograd")))
    else:
        anp = __import__("autograd.numpy").numpy
        gf = ag.grad(lambda p: 1.0 / (1.0 + anp.exp(-(p[0] * p[1] + p[2] * p[3] + p[4]))))
        out.append(Contender("autograd", lambda *a: gf(a), ARGS, note="grad w.r.t. a 5-tuple"))
    return out


def _flatgrad_direct(g):
    """The Numba function behind ``g`` (diagnostic: isolates flatgrad's dispatch cost)."""
    g(*ARGS)
    compiled = getattr(g, "_slow", {})
    return next(iter(compiled.values())) if len(compiled) == 1 else None


@case("scalar_sigmoid", group="scalar")
def scalar_sigmoid(cfg: Config) -> CaseResult:
    """Per-call latency of the 5-argument sigmoid-neuron gradient."""
    g = fg.grad(neuron, argnums=ARGNUMS)
    contenders = [
        Contender("hand-written @njit", neuron_grad_njit, ARGS, reference=True),
        Contender("flatgrad grad (cpu)", g, ARGS),
        Contender("flatgrad value_and_grad (cpu)", fg.value_and_grad(neuron, argnums=ARGNUMS), ARGS,
                  to_numpy=lambda r: r[1]),
    ]
    direct = _flatgrad_direct(g)
    if direct is not None:
        contenders.append(Contender("flatgrad's generated @njit fn, called directly", direct, ARGS,
                                    note="diagnostic: no flatgrad dispatch in between"))
    contenders += [
        Contender("flatgrad grad (target=python)", fg.grad(neuron, argnums=ARGNUMS, target="python"),
                  ARGS),
        Contender("hand-written plain Python", neuron_grad_py, ARGS),
    ]
    peer_rows = _peer_contenders()
    rows = measure([c for c in contenders + peer_rows if isinstance(c, Contender)], cfg)
    rows += [r for r in peer_rows if not isinstance(r, Contender)]
    res = CaseResult(
        "Scalar call latency: sigmoid neuron, grad w.r.t. all 5 args",
        "`f(w0,x0,w1,x1,w2) = sigmoid(w0*x0 + w1*x1 + w2)` at the lecture's values, "
        "`grad(f, argnums=(0,1,2,3,4))` returning a 5-tuple of floats.",
        rows, targets="flatgrad grad ≤ 1.5× hand-written @njit (goal 1.3×)")
    by_name = {r.name: r.seconds for r in rows}
    outer, inner = by_name.get("flatgrad grad (cpu)"), by_name.get(
        "flatgrad's generated @njit fn, called directly")
    if outer and inner:
        res.notes.append(f"flatgrad's dispatch (`Transformed.__call__`) adds {(outer - inner) * 1e9:.0f} ns "
                         f"per call on top of its generated code ({outer / inner:.2f}× the direct call).")
    return res
