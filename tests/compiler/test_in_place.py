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
    write = next(i for i, ln in enumerate(body) if "] = 5.0" in ln)   # s[0] or s[check_index(0, ...)]
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


# ---- random sums of full contributions and scatters (the shapes the passes rewrite)

FULL = ["np.sum(np.sin(x) * y)", "np.sum(np.exp(x))", "np.sum(x * x)", "np.sum(np.tanh(x) * x)",
        "np.sum((x - y) ** 2)", "np.sum(x * y) * np.sum(x)", "np.sum(np.cos(x * y))"]
ITEM = ["x[{i}, {j}] * 3.0", "x[{i}, {j}] * y[{k}, {l}]", "np.sin(x[{i}, {j}])",
        "np.sum(x[{i}] * y[{k}])", "np.sum(x[:, {j}] ** 2)", "x[{i}, {j}] * x[{k}, {l}]"]


def _random_program(rng, k):
    terms = [rng.choice(FULL) for _ in range(rng.integers(1, 4))]
    terms += [rng.choice(ITEM).format(i=rng.integers(3), j=rng.integers(4), k=rng.integers(3),
                                      l=rng.integers(4)) for _ in range(rng.integers(1, 5))]
    rng.shuffle(terms)
    return f"import numpy as np\n\n\ndef f{k}(x, y):\n    return " + " + ".join(terms) + "\n"


def test_random_sums_of_items_and_full_contributions(tmp_path):
    """Scatter chains rebased onto full contributions, then more sums in place: against
    autograd on 60 random programs (a rebase that left stale definitions behind duplicated
    scatters and lost a contribution; the fuzzer's programs rarely read items of a
    parameter that also has two full contributions)."""
    import importlib.util
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for k in range(60):
        path = tmp_path / f"prog{k}.py"
        path.write_text(_random_program(rng, k))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        fn = getattr(mod, f"f{k}")
        got = fg.grad(fn, (0, 1), target="python")(x, y)
        mod.np = anp
        want = autograd.grad(fn, (0, 1))(x, y)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12,
                                       err_msg=path.read_text())
