"""np.interp and np.searchsorted (compiler/library/interp.py). Values equal NumPy's exactly,
at knots, repeated knots, outside the range, with left/right, NaN and infinite values, one
knot; gradients in x, xp and fp against central finite differences away from the knots and
against a hand-derived reference (a plain loop: the segment's slope in x, the two
interpolation weights in fp, -slope (1 - t) and -slope t in xp); tangents; Hessians against
finite differences of the gradient (the interpolant is bilinear in x and fp); vmap over x, fp
and xp; period= (values exact, gradients also in the period); rejections. The cpu target in slow tests. (JAX, whose jnp.interp has the same
conventions at knots, is not installed here: the reference loop stands in for it.)"""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check

F = build({
    "interp_w": ("x, xp, fp, w", "np.sum(w * np.interp(x, xp, fp))"),
    "interp_lr": ("x, xp, fp, w", "np.sum(w * np.interp(x, xp, fp, left=-2.0 * fp[1], right=fp[0] + 3.0))"),
    "interp_raw": ("x, xp, fp", "np.interp(x, xp, fp)"),
    "interp_raw_lr": ("x, xp, fp, left, right", "np.interp(x, xp, fp, left, right)"),
    "interp_scalar": ("x, xp, fp, w", "np.interp(x[0] * 2.0, xp, fp) * w[0]"),
    "interp_2d": ("x, xp, fp, w", "np.sum(w.reshape(2, -1) * np.interp(x.reshape(2, -1), xp, fp))"),
    "interp_ints": ("x, fp, w", "np.sum(w * np.interp(x, np.arange(6), fp))"),
    "periodic_w": ("x, xp, fp, p", "np.sum(np.arange(1.0, 11.0) * np.interp(x, xp, fp, period=p))"),
    "periodic_raw": ("x, xp, fp, p", "np.interp(x, xp, fp, left=1.0, period=p)"),
    "search": ("a, v", "np.searchsorted(a, v) + 0.0 * v"),
    "search_r": ("a, v", "np.searchsorted(a, v, side='right') + 0.0 * v"),
    "search_int": ("a, v", "np.searchsorted(np.arange(4), v)"),
})


def _reference(x, xp, fp):
    """Hand-derived: the value and its partial derivatives in x, xp and fp, per point."""
    n = len(xp)
    val, dx = np.zeros(len(x)), np.zeros(len(x))
    dxp, dfp = np.zeros((len(x), n)), np.zeros((len(x), n))
    for i, v in enumerate(x):
        if v < xp[0]:
            val[i], dfp[i, 0] = fp[0], 1.0
        elif v > xp[-1]:
            val[i], dfp[i, -1] = fp[-1], 1.0
        else:
            j = min(np.searchsorted(xp, v, side="right") - 1, n - 2)
            h = xp[j + 1] - xp[j]
            t, s = (v - xp[j]) / h, (fp[j + 1] - fp[j]) / h
            val[i], dx[i] = fp[j] + t * (fp[j + 1] - fp[j]), s
            dfp[i, j], dfp[i, j + 1] = 1 - t, t
            dxp[i, j], dxp[i, j + 1] = -s * (1 - t), -s * t
    return val, dx, dxp, dfp


def _data(n=7, m=12):
    xp = np.cumsum(RNG.uniform(0.2, 1.0, n)) - 1.0
    fp = RNG.normal(size=n)
    x = RNG.uniform(xp[0] - 0.7, xp[-1] + 0.7, m)
    # away from knots: finite differences need a neighbourhood on one segment
    x[np.min(np.abs(x[:, None] - xp[None, :]), axis=1) < 1e-3] += 0.005
    return x, xp, fp, RNG.normal(size=m)


@pytest.mark.parametrize("seed", range(4))
def test_gradients_against_reference_and_differences(seed):
    x, xp, fp, w = _data()
    value, (gx, gxp, gfp) = fg.value_and_grad(F.interp_w, argnums=(0, 1, 2), target="python")(x, xp, fp, w)
    val, dx, dxp, dfp = _reference(x, xp, fp)
    np.testing.assert_allclose(np.interp(x, xp, fp), val, rtol=1e-13)
    assert value == F.interp_w(x, xp, fp, w)
    np.testing.assert_allclose(gx, w * dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gxp, w @ dxp, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gfp, w @ dfp, rtol=1e-12, atol=1e-14)
    check(F.interp_w, (x, xp, fp, w), argnums=(0, 1, 2), ag=False)


@pytest.mark.parametrize("name", ["interp_lr", "interp_scalar", "interp_2d"])
def test_variants(name):
    x, xp, fp, w = _data(m=12)
    check(getattr(F, name), (x, xp, fp, w), argnums=(0, 1, 2), ag=False)


def test_integer_knots():
    x, _, fp, w = _data(n=6)
    x = RNG.uniform(-0.5, 5.5, 12)
    x[np.abs(x - np.round(x)) < 1e-3] += 0.01
    check(F.interp_ints, (x, fp, w), argnums=(0, 1), ag=False)


EDGE_XP = np.array([-1.0, 0.0, 0.0, 1.5, 2.0, 2.0])
EDGE_FP = np.array([3.0, -1.0, 4.0, 0.5, -0.0, 7.0])
EDGE_X = np.array([-np.inf, -2.0, -1.0, -0.5, 0.0, 1e-300, 0.75, 1.5, 2.0, 2.5, np.inf, np.nan, -0.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")         # (the infinities in fp)
@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_values_at_knots_repeats_and_outside(target):
    """NumPy's conventions: fp at a knot (the last of repeated ones), fp[-1] at the last
    knot, fp[0]/fp[-1] or left/right outside, NaN for NaN; also one knot, and fp with
    infinities (NumPy's fallbacks)."""
    def run(f, *a):
        return fg.jvp(f, a, tuple(np.zeros_like(v) if np.ndim(v) else 0.0 for v in a),
                      target=target)[0]

    np.testing.assert_array_equal(run(F.interp_raw, EDGE_X, EDGE_XP, EDGE_FP),
                                  np.interp(EDGE_X, EDGE_XP, EDGE_FP))
    np.testing.assert_array_equal(run(F.interp_raw_lr, EDGE_X, EDGE_XP, EDGE_FP, -9.0, 9.0),
                                  np.interp(EDGE_X, EDGE_XP, EDGE_FP, -9.0, 9.0))
    one = (np.array([0.5]), np.array([2.0]))
    np.testing.assert_array_equal(run(F.interp_raw, EDGE_X, *one), np.interp(EDGE_X, *one))
    inf_fp = np.array([1.0, np.inf, np.inf, -np.inf, 2.0, np.nan])
    np.testing.assert_array_equal(run(F.interp_raw, EDGE_X, EDGE_XP, inf_fp),
                                  np.interp(EDGE_X, EDGE_XP, inf_fp))
    for v in (0.75, 2.0, -3.0, np.nan):
        np.testing.assert_array_equal(run(F.interp_raw, v, EDGE_XP, EDGE_FP), np.interp(v, EDGE_XP, EDGE_FP))


def test_gradients_at_knots_follow_the_formula():
    """At an interior knot the slope to its right (as JAX's), at the last knot the slope to
    its left (0 at a repeated last knot, where the interpolant jumps), outside 0; fp gets
    weight 1 at the knot; no NaN from repeated knots."""
    x = np.array([-1.0, 0.0, 1.5, 2.0, 3.0, -4.0])
    w = np.ones(6)
    gx, gxp, gfp = fg.grad(F.interp_w, argnums=(0, 1, 2), target="python")(x, EDGE_XP, EDGE_FP, w)
    slopes = np.diff(EDGE_FP) / np.where(np.diff(EDGE_XP) == 0, 1, np.diff(EDGE_XP))
    np.testing.assert_array_equal(gx, [slopes[0], slopes[2], slopes[3], 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gfp, [2.0, 0.0, 1.0, 1.0, 0.0, 2.0])
    assert np.all(np.isfinite(gxp))
    gx = fg.grad(F.interp_w, target="python")(x, EDGE_XP[:-1], EDGE_FP[:-1], w)
    np.testing.assert_array_equal(gx, [slopes[0], slopes[2], slopes[3], slopes[3], 0.0, 0.0])


def test_searchsorted():
    a = np.array([0.0, 1.0, 1.0, 2.5])
    v = np.array([-1.0, 0.0, 1.0, 1.5, 2.5, 3.0, 1e300])
    for f, side in ((F.search, "left"), (F.search_r, "right")):
        got, tangent = fg.jvp(f, (a, v), (a, v), target="python")
        np.testing.assert_array_equal(got, np.searchsorted(a, v, side=side))
        np.testing.assert_array_equal(tangent, 0.0)
        rows = fg.vmap(f, in_axes=(None, 0), target="python")(a, v.reshape(-1, 1))
        np.testing.assert_array_equal(rows.ravel(), np.searchsorted(a, v, side=side))
    value = fg.value_and_grad(lambda_sum, target="python")(v)[0]
    assert value == np.sum(np.searchsorted(np.arange(4), v) * v[::-1])


SUM = build({"lambda_sum": ("v", "np.sum(np.searchsorted(np.arange(4), v) * v[::-1])")})
lambda_sum = SUM.lambda_sum


HESS = build({"h": ("z", "np.sum(np.interp(z[:9], z[9:15], z[15:]) * np.arange(1.0, 10.0))"),
              "h_lr": ("z", "np.sum(np.interp(z[:9], z[9:15], z[15:], left=z[0] * z[1], right=z[15]) ** 2)")})


@pytest.mark.parametrize("name", ["h", "h_lr"])
def test_hessian(name):
    """Bilinear in (x, fp) and rational in xp: the Hessian is the formula's."""
    xp = np.cumsum(RNG.uniform(0.3, 1.0, 6))
    x = RNG.uniform(xp[0] - 0.5, xp[-1] + 0.5, 9)
    x[np.min(np.abs(x[:, None] - xp[None, :]), axis=1) < 1e-3] += 0.01
    z = np.concatenate([x, xp, RNG.normal(size=6)])
    f = getattr(HESS, name)
    H = fg.hessian(f, target="python")(z)
    g = fg.grad(f, target="python")
    h = 1e-6
    num = np.stack([(g(z + h * e) - g(z - h * e)) / (2 * h) for e in np.eye(z.size)], axis=1)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-6)
    if name == "h":
        assert np.all(H[:9, :9] == 0.0) and np.all(H[15:, 15:] == 0.0)   # linear in x, in fp
        assert np.any(H[:9, 15:] != 0.0)                                  # bilinear in both
    v = RNG.normal(size=z.size)
    np.testing.assert_allclose(fg.hvp(f, target="python")(z, v), H @ v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("axes", [(0, None, None, None), (None, None, 0, None), (None, 0, None, None),
                                  (0, 0, 0, 0)], ids=str)
def test_vmap(axes):
    x, xp, fp, w = _data()
    args = [x, xp, fp, w]
    batched = [np.stack([a + 0.01 * k * (i != 1) for k in range(3)]) if ax == 0 else a
               for i, (a, ax) in enumerate(zip(args, axes))]
    v = fg.vmap(fg.grad(F.interp_w, argnums=(0, 1, 2)), in_axes=axes, target="python")(*batched)
    g = fg.grad(F.interp_w, argnums=(0, 1, 2), target="python")
    for k in range(3):
        want = g(*[b[k] if ax == 0 else b for b, ax in zip(batched, axes)])
        for got_part, want_part in zip(v, want):
            np.testing.assert_allclose(got_part[k], want_part, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("period", [360.0, -360.0, 97.0])
def test_period(period, target):
    """NumPy's reduction: x and xp modulo the period, xp sorted with fp, one knot past each
    end (left/right unused). Values exact; gradients in x, xp, fp and the period itself."""
    xp = RNG.uniform(-200, 200, 7)             # unsorted
    fp, x = RNG.normal(size=7), RNG.uniform(-400, 400, 10)
    zeros = (np.zeros(10), np.zeros(7), np.zeros(7), 0.0)
    got = fg.jvp(F.periodic_raw, (x, xp, fp, period), zeros, target=target)[0]
    np.testing.assert_array_equal(got, np.interp(x, xp, fp, left=1.0, period=period))
    check(F.periodic_w, (x, xp, fp, period), argnums=(0, 1, 2, 3), target=target, ag=False)


def test_period_zero_is_numpys_error():
    x, xp, fp, _ = _data()
    with pytest.raises(ValueError, match="non-zero"):
        fg.grad(F.periodic_w, target="python")(x[:10], xp, fp, 0.0)


BAD = build({
    "period": ("x, xp, fp", "np.sum(np.interp(x, xp, fp, period=xp))"),
    "xp2d": ("x, xp, fp", "np.sum(np.interp(x, xp.reshape(1, -1), fp))"),
    "left_arr": ("x, xp, fp", "np.sum(np.interp(x, xp, fp, left=fp))"),
    "side": ("x, xp, fp", "np.sum(np.searchsorted(xp, x, side='middle') * x)"),
})


@pytest.mark.parametrize("name,words", [("period", "period must be a number"),
                                        ("xp2d", "xp must be a 1-D array"),
                                        ("left_arr", "left must be a number"),
                                        ("side", "side must be 'left' or 'right'")])
def test_rejections(name, words):
    x, xp, fp, _ = _data()
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), target="python")(x, xp, fp)


def test_runtime_errors_as_numpys():
    x, xp, fp, w = _data()
    with pytest.raises(ValueError, match="same length"):
        fg.grad(F.interp_w, target="python")(x, xp, fp[:-1], w)
    with pytest.raises(ValueError, match="empty"):
        fg.grad(F.interp_w, target="python")(x, xp[:0], fp[:0], w)


@pytest.mark.slow
def test_cpu_target():
    x, xp, fp, w = _data()
    for name in ("interp_w", "interp_lr", "interp_scalar", "interp_2d"):
        f = getattr(F, name)
        got = fg.value_and_grad(f, argnums=(0, 1, 2), target="cpu")(x, xp, fp, w)
        want = fg.value_and_grad(f, argnums=(0, 1, 2), target="python")(x, xp, fp, w)
        assert want[0] == f(x, xp, fp, w)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-14)     # (Numba sums in its order)
        for a, b in zip(got[1], want[1]):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    check(F.interp_w, (x, xp, fp, w), argnums=(0, 1, 2), target="cpu", ag=False)
