"""vectorize on the cpu and parallel targets agrees with calling the scalar transform per element."""
import math

import numpy as np
import pytest

import flatgrad as fg
from vec_funcs import call_price, neuron, piecewise, polar, power_loop

pytestmark = pytest.mark.slow
TARGETS = ["cpu", "parallel"]
RNG = np.random.default_rng(0)
X0, X1 = RNG.standard_normal(37), RNG.standard_normal(37)


@pytest.fixture(scope="module", params=TARGETS)
def neuron_grad(request):
    return fg.vectorize(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), request.param)


def per_element(fn, *args):
    """fn applied element by element (Python loop): the reference."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    cols = [np.broadcast_to(a, shape).ravel() for a in args]
    return [fn(*(c[i] for c in cols)) for i in range(math.prod(shape))]


def test_grad_agrees_per_element_with_broadcast_scalars(neuron_grad):
    got = neuron_grad(2.0, X0, -3.0, X1, -3.0)
    ref = np.array(per_element(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), 2.0, X0, -3.0, X1, -3.0))
    assert isinstance(got, tuple) and len(got) == 5
    np.testing.assert_allclose(np.array(got), ref.T, rtol=1e-14, atol=0)


def test_all_arguments_arrays_and_2d(neuron_grad):
    w = [RNG.standard_normal((4, 5)) for _ in range(5)]
    got = neuron_grad(*w)
    ref = np.array(per_element(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), *w))
    assert got[0].shape == (4, 5)
    np.testing.assert_allclose(np.array([g.ravel() for g in got]), ref.T, rtol=1e-14)


def test_partial_broadcast_column_against_row(neuron_grad):
    col, row = X0[:3].reshape(3, 1), X1[:4].reshape(1, 4)
    got = neuron_grad(0.5, col, -1.0, row, 0.25)
    ref = np.array(per_element(fg.grad(neuron, argnums=(0, 1, 2, 3, 4)), 0.5, col, -1.0, row, 0.25))
    assert got[1].shape == (3, 4)
    np.testing.assert_allclose(np.array([g.ravel() for g in got]), ref.T, rtol=1e-14)


def test_single_argnum_gives_one_array_and_sigmoid_extremes_stay_finite():
    v = fg.vectorize(fg.grad(neuron, argnums=1), "cpu")
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    got = v(1.0, x, 0.0, 0.0, 0.0)
    assert isinstance(got, np.ndarray) and np.all(np.isfinite(got))
    np.testing.assert_allclose(got, [fg.grad(neuron, argnums=1)(1.0, xi, 0.0, 0.0, 0.0) for xi in x],
                               rtol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_value_and_grad_keeps_the_nesting(target):
    v = fg.vectorize(fg.value_and_grad(neuron, argnums=(1, 3)), target)
    value, (g1, g3) = v(2.0, X0, -3.0, X1, -3.0)
    ref = per_element(fg.value_and_grad(neuron, argnums=(1, 3)), 2.0, X0, -3.0, X1, -3.0)
    np.testing.assert_allclose(value, [r[0] for r in ref], rtol=1e-15)
    np.testing.assert_allclose(g3, [r[1][1] for r in ref], rtol=1e-15)


def test_plain_function_returning_a_tuple():
    r, theta = fg.vectorize(polar, "parallel")(X0, X1)
    np.testing.assert_allclose(r, np.hypot(X0, X1), rtol=1e-15)
    np.testing.assert_allclose(theta, np.arctan2(X1, X0), rtol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_branches_erf_and_loops(target):
    xs = np.linspace(-2.0, 2.0, 21)
    got = fg.vectorize(fg.grad(piecewise, argnums=(0, 1)), target)(xs, 0.3)
    ref = per_element(fg.grad(piecewise, argnums=(0, 1)), xs, 0.3)
    np.testing.assert_allclose(np.array(got).T, ref, rtol=1e-14)
    sig = np.linspace(0.1, 0.5, 9)
    got = fg.vectorize(fg.grad(call_price, argnums=(0, 2, 3, 4)), target)(100.0, 95.0, 0.5, 0.03, sig)
    ref = per_element(fg.grad(call_price, argnums=(0, 2, 3, 4)), 100.0, 95.0, 0.5, 0.03, sig)
    np.testing.assert_allclose(np.array(got).T, ref, rtol=1e-13)
    got = fg.vectorize(fg.grad(power_loop), target)(xs)          # a tape inside the scalar gradient
    np.testing.assert_allclose(got, per_element(fg.grad(power_loop), xs), rtol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_float32_in_float32_out(target):
    x0, x1 = X0.astype(np.float32), X1.astype(np.float32)
    got = fg.vectorize(fg.grad(neuron, argnums=(1, 3)), target)(np.float32(2.0), x0, -3.0, x1, -3.0)
    assert all(g.dtype == np.float32 for g in got)
    ref = per_element(fg.grad(neuron, argnums=(1, 3)), np.float32(2.0), x0, np.float32(-3.0), x1,
                      np.float32(-3.0))
    np.testing.assert_allclose(np.array(got).T, np.array(ref, dtype=np.float64), rtol=1e-6)
    mixed = fg.vectorize(fg.grad(neuron, argnums=(1, 3)), target)(2.0, x0, -3.0, X1, -3.0)
    assert mixed[0].dtype == np.float64


def test_out_is_filled_in_place_and_checked(neuron_grad):
    outs = tuple(np.full(X0.shape, np.nan) for _ in range(5))
    got = neuron_grad(2.0, X0, -3.0, X1, -3.0, out=outs)
    assert all(g is o for g, o in zip(got, outs))
    np.testing.assert_allclose(np.array(outs), np.array(neuron_grad(2.0, X0, -3.0, X1, -3.0)), rtol=0)
    with pytest.raises(ValueError, match="5 array"):
        neuron_grad(2.0, X0, -3.0, X1, -3.0, out=outs[:4])
    with pytest.raises(ValueError, match=r"out\[2\] has shape \(3,\)"):
        neuron_grad(2.0, X0, -3.0, X1, -3.0, out=outs[:2] + (np.empty(3),) + outs[3:])
    with pytest.raises(TypeError, match=r"out\[0\] has dtype float32"):
        neuron_grad(2.0, X0, -3.0, X1, -3.0, out=(np.empty(X0.shape, np.float32),) + outs[1:])


def test_a_repeated_call_skips_the_general_path_and_every_variant_still_takes_it(neuron_grad,
                                                                                  monkeypatch):
    """The second identical call goes straight to the kernel (runtime/vectorize.py: _Plan);
    whatever differs from it (a type, dtype, shape, layout, bad out=) is handled as before."""
    from flatgrad.runtime import vectorize as vmod

    args = (2.0, X0, -3.0, X1, -3.0)
    ref = [g.copy() for g in neuron_grad(*args)]
    general = vmod.host_batch
    calls = []
    monkeypatch.setattr(vmod, "host_batch", lambda *a: calls.append(a[0]) or general(*a))
    for out in (None, tuple(np.empty_like(X0) for _ in range(5)), [np.empty_like(X0) for _ in range(5)]):
        got = neuron_grad(*args, out=out)
        assert isinstance(got, tuple) and len(got) == 5
        for g, r in zip(got, ref):
            np.testing.assert_array_equal(g, r)
    assert calls == []                                   # all three repeats took the plan

    def general_path(*call, out=None):
        calls.clear()
        got = neuron_grad(*call, out=out)
        assert calls, "expected the general path"
        return got

    for g, r in zip(general_path(2, X0, -3, X1, -3.0), ref):         # Python ints: converted
        np.testing.assert_array_equal(g, r)
    wide = np.repeat(X0, 2)
    for g, r in zip(general_path(2.0, wide[::2], -3.0, X1, -3.0), ref):   # a strided view
        np.testing.assert_array_equal(g, r)
    for g, r in zip(general_path(2.0, X0.reshape(1, -1), -3.0, X1, -3.0), ref):   # another shape
        np.testing.assert_array_equal(g.ravel(), r)
    neuron_grad(*args)                                                # the plan again
    short = general_path(2.0, X0[:5], -3.0, X1[:5], -3.0)
    np.testing.assert_array_equal(short[0], ref[0][:5])
    neuron_grad(*args)
    as32 = general_path(np.float32(2.0), X0.astype(np.float32), -3.0, X1.astype(np.float32), -3.0)
    assert as32[0].dtype == np.float32
    neuron_grad(*args)
    good = tuple(np.empty_like(X0) for _ in range(5))
    with pytest.raises(ValueError, match=r"out\[1\] has shape"):
        neuron_grad(*args, out=(good[0], np.empty(3)) + good[2:])
    with pytest.raises(TypeError, match=r"out\[4\] has dtype float32"):
        neuron_grad(*args, out=good[:4] + (np.empty(X0.shape, np.float32),))
    frozen = np.empty_like(X0)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable C-contiguous"):
        neuron_grad(*args, out=(frozen,) + good[1:])
    with pytest.raises(ValueError, match="5 array"):
        neuron_grad(*args, out=good[:4])
    with pytest.raises(TypeError, match="takes 5 argument"):
        neuron_grad(*args, 1.0)


@pytest.mark.parametrize("target", TARGETS)
def test_a_repeated_call_keeps_a_nested_result(target):
    v = fg.vectorize(fg.value_and_grad(neuron, argnums=(1, 3)), target)
    first = v(2.0, X0, -3.0, X1, -3.0)
    again = v(2.0, X0, -3.0, X1, -3.0)
    assert isinstance(again, tuple) and isinstance(again[1], tuple) and len(again[1]) == 2
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1][1], first[1][1])
    grid = [RNG.standard_normal((3, 4)) for _ in range(5)]
    v(*grid)
    value, (g1, g3) = v(*grid)                             # 2-D: the plan reshapes to flat
    assert value.shape == (3, 4)
    ref = per_element(fg.value_and_grad(neuron, argnums=(1, 3)), *grid)
    np.testing.assert_allclose(g3.ravel(), [r[1][1] for r in ref], rtol=1e-15)


def test_source_shows_the_fused_loop(neuron_grad):
    neuron_grad(2.0, X0, -3.0, X1, -3.0)
    src = neuron_grad.source
    assert "def neuron_grad(w0, x0, w1, x1, w2):" in src
    assert "neuron_grad(w0, x0[i], w1, x1[i], w2)" in src       # scalars broadcast, not indexed
    assert ("parallel=True" in src) == (neuron_grad.target == "parallel")


def test_branch_free_sigmoid_matches_the_reference_bit_for_bit():
    xs = np.linspace(-800.0, 800.0, 4001)
    got = fg.vectorize(neuron, "cpu")(1.0, xs, 0.0, 0.0, 0.0)
    np.testing.assert_array_equal(got, [fg.sigmoid(float(x)) for x in xs])     # the math.exp formula


def test_black_scholes_example_matches_closed_form(capsys):
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
    try:
        import black_scholes_greeks
    finally:
        sys.path.pop(0)
    black_scholes_greeks.main(3000)            # asserts every Greek within 1e-10 of closed form
    out = capsys.readouterr().out
    assert "[cpu]" in out and "[parallel]" in out and "theta" in out
