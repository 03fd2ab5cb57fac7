"""``jacobian(mode="auto")``, the default: forward mode where the inputs have no more
elements than the results, reverse otherwise, decided per call from the sizes. Each
mode's numbers against finite differences, and which mode ran."""
import re

import numpy as np
import pytest

import flatgrad as fg

from . import auto_funcs as F
from .test_jacobian_arrays import numeric_jacobian

RNG = np.random.default_rng(24)


def _check(f, args, argnums, target="python"):
    """flatgrad's Jacobian (default mode) against finite differences, cell by cell."""
    J = fg.jacobian(f, argnums=argnums, target=target)(*args)
    single = isinstance(argnums, int)
    nums = (argnums,) if single else argnums
    several = isinstance(f(*args), tuple)
    rows = J if several else (J,)
    for k, row in enumerate(rows):
        for i, Ji in zip(nums, (row,) if single else row):
            want = numeric_jacobian(f, args, i, out_index=k if several else None)
            assert np.shape(Ji) == want.shape
            np.testing.assert_allclose(Ji, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("m,n", [(7, 3), (3, 7), (5, 5), (1, 4), (4, 1)])
def test_auto_matches_finite_differences_whichever_mode_runs(m, n):
    x, W = RNG.normal(size=n), RNG.normal(size=(m, n))
    _check(F.layer, (x, W), 0)
    _check(F.layer, (x, W), (0, 1))


@pytest.mark.parametrize("n", [1, 4])
def test_auto_with_tuple_results_and_broadcasting(n):
    x, y = RNG.normal(size=3), RNG.normal(size=n)
    _check(F.pair, (x, y), (0, 1))


def test_auto_where_neither_mode_batches():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3))
    _check(F.looped, (x, W), (0, 1))


def _arms(t, *args):
    """The generated ``if`` choosing the mode, and its two arms' text."""
    t(*args)
    src = t.source
    head = next(line for line in src.splitlines() if line.strip().startswith("if "))
    then, orelse = src.split(head)[1].split("    else:")
    return head.strip(), then, orelse


def test_auto_picks_forward_for_no_more_inputs_than_results():
    x, W = RNG.normal(size=3), RNG.normal(size=(5, 3))
    t = fg.jacobian(F.layer, target="python")
    head, then, orelse = _arms(t, x, W)
    # size(x) <= size(result): the forward arm (tangents) first, the reverse arm (adjoints) after
    assert "<=" in head and "tan_" in then and "grad_" in orelse and "grad_" not in then
    n_in, n_out = head[len("if "):-1].split(" <= ")
    assert f"{n_in} = x.size" in t.source
    assert re.search(rf"{n_out} = \w+\.size", t.source) and f"{n_out} = x.size" not in t.source


def test_auto_on_scalars_is_decided_at_compile_time():
    many_in = fg.jacobian(F.scalars_in, (0, 1, 2), target="python")
    many_out = fg.jacobian(F.scalars_out, target="python")
    assert many_in(1.0, 2.0, 3.0) == pytest.approx((6.0, 3.0, 2.0))
    assert many_out(0.5) == pytest.approx((1.0, np.cos(0.5), 1.0))
    for t, rev in ((many_in, True), (many_out, False)):
        assert " if " not in t.source
        want = fg.jacobian(F.scalars_in if rev else F.scalars_out, (0, 1, 2) if rev else 0,
                           mode="rev" if rev else "fwd", target="python")
        assert t.source.split("\n", 2)[2].replace("jacauto", "") == \
            want.source.split("\n", 2)[2].replace("jacrev" if rev else "jacfwd", "")


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        fg.jacobian(F.square, mode="both", target="python")(np.ones(2), np.ones((2, 2)))


@pytest.mark.slow
def test_auto_on_cpu_matches_python():
    for m, n in ((6, 2), (2, 6), (4, 4)):
        x, W = RNG.normal(size=n), RNG.normal(size=(m, n))
        got = fg.jacobian(F.layer, (0, 1), target="cpu")(x, W)
        want = fg.jacobian(F.layer, (0, 1), target="python")(x, W)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
