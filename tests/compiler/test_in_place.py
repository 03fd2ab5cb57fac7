"""Adjoint sums in place and fused elementwise chains (optimize.accumulate_in_place,
optimize.fusion_order): fewer arrays per call, the same gradients (autograd is the oracle)."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler import types as T

from . import inplace_funcs as F

RNG = np.random.default_rng(5)
ARGS = {
    "energy": (RNG.normal(size=2),),
    "two_paths": (RNG.normal(size=5),),
    "broadcast_sum": (RNG.normal(size=3), RNG.normal(size=(4, 3))),
    "shared_adjoint": (RNG.normal(size=4),),
    "scatter_only": (RNG.normal(size=3),),
    "written_between": (RNG.normal(size=3),),
    "rows": (RNG.normal(size=(3, 3)), RNG.normal(size=3)),
    "loop_sum": (RNG.normal(size=(2, 3)), RNG.normal(size=3)),
    "scatters_then_two_sums": (RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))),
}


def _oracle(name, args):
    fn = getattr(F, name)
    glob = fn.__globals__
    saved = glob["np"]
    glob["np"] = anp               # the same source, run by autograd
    try:
        return autograd.grad(fn, tuple(range(len(args))))(*args)
    finally:
        glob["np"] = saved


@pytest.mark.parametrize("name", sorted(ARGS))
def test_gradients_match_autograd(name):
    args = ARGS[name]
    if name == "written_between":     # autograd cannot write in place: the closed form
        a = args[0]
        want = (4.0 * a * np.array([0.0, 1.0, 1.0]) + np.array([10.0, 0.0, 0.0]),)
    else:
        want = _oracle(name, args)
    got = fg.grad(getattr(F, name), tuple(range(len(args))), target="python")(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def _body(src):
    lines = src.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("def "))
    return [ln.strip() for ln in lines[start + 1:] if ln.strip()]


def test_scatters_go_into_the_full_contribution():
    body = _body(fg.source(F.energy, target="python", types=[T.parse("f64[:]")]))
    assert not any("zeros_like" in ln for ln in body), body
    full = next(i for i, ln in enumerate(body) if ln.startswith("grad_p = "))
    assert body[full + 1:full + 3] == ["grad_p[1] += s1", "grad_p[0] += grad_s"], body


def test_full_contributions_add_in_place():
    body = _body(fg.source(F.two_paths, target="python", types=[T.parse("f64[:]")]))
    assert sum(ln.startswith("grad_x += ") for ln in body) == 2, body
    assert not any(ln.startswith("grad_x = grad_x + ") for ln in body), body


def test_scatters_alone_keep_their_zeros():
    body = _body(fg.source(F.scatter_only, target="python", types=[T.parse("f64[:]")]))
    assert "grad_x = np.zeros_like(x)" in body, body


def test_numba_module_fuses_the_chain_into_one_line():
    body = _body(fg.source(F.energy, target="cpu", types=[T.parse("f64[:]")]))
    assert "grad_p = 2.0 * (2.0 * (p * p - 1.0) * p)" in body, body
    assert len(body) == 6, body       # two scalar reads, the fused line, two scatters, return


def test_fusion_never_moves_a_read_past_a_write():
    body = _body(fg.source(F.written_between, target="cpu", types=[T.parse("f64[:]")]))
    write = next(i for i, ln in enumerate(body) if "[0] = 5.0" in ln)
    read = next(i for i, ln in enumerate(body) if "* 2.0" in ln)
    assert read < write, body


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ARGS))
def test_numba_gradients_match_the_python_target(name):
    args = ARGS[name]
    fn = getattr(F, name)
    argnums = tuple(range(len(args)))
    want = fg.grad(fn, argnums, target="python")(*args)
    got = fg.grad(fn, argnums, target="cpu")(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
