"""sort, argsort, take_along_axis, take, median, percentile/quantile and x[mask]
(compiler/library/order.py): gradients and tangents against finite differences and autograd
(python target), every axis, size-0 and size-1 dimensions; the cpu target in one slow test."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from flatgrad.runtime.gradcheck import numeric_grad

from . import order_extra_funcs as E
from .check11 import RNG, build, check, weights_for

SHAPES = [(3, 4, 2), (1, 4, 1), (2, 0, 3), (3, 1, 2)]
AXES = [None, 0, 1, 2, -1]


def _key(ax):
    return "none" if ax is None else ("m1" if ax == -1 else str(ax))


EXPRS = {"sort_default": "np.sort(x)", "take_flat": "np.take(x, np.array([0, 2, -1, 0]))",
         "mask": "x[x > 0.2]", "mask_w": "x[w > 0]"}
for _ax in AXES:
    EXPRS[f"sort_{_key(_ax)}"] = f"np.sort(x, axis={_ax})"
    EXPRS[f"argsort_{_key(_ax)}"] = f"x.ravel()[np.argsort(x, axis={_ax}).ravel()] * 1.0" \
        if _ax is None else f"np.take_along_axis(x, np.argsort(-x, axis={_ax}), axis={_ax})"
    EXPRS[f"median_{_key(_ax)}"] = f"np.median(x, axis={_ax})"
    EXPRS[f"pct_{_key(_ax)}"] = f"np.percentile(x, 30.0, axis={_ax})"
    EXPRS[f"qnt_{_key(_ax)}"] = f"np.quantile(x, 0.75, axis={_ax}, keepdims=True)"
    if _ax is not None:
        EXPRS[f"take_{_key(_ax)}"] = f"np.take(x, np.array([0, 0, -1]), axis={_ax})"
        EXPRS[f"takei_{_key(_ax)}"] = f"np.take(x, 0, axis={_ax})"
MOD = build({**{f"{k}_raw": e for k, e in EXPRS.items()},
             **{k: f"np.sum(w * ({e}))" if not k.startswith("mask") else f"np.sum({e} * {e})"
                for k, e in EXPRS.items()}})


def _distinct(shape):
    """Values with no ties (sort is not differentiable at ties)."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) / max(n, 1) * 3 - 1.5 + RNG.uniform(0, 1e-3, n)).reshape(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(EXPRS))
def test_gradients(name, shape):
    x = _distinct(shape)
    empty_reduce = x.size == 0 and name.startswith(("median", "pct", "qnt"))
    if empty_reduce or (name.startswith("take") and x.size == 0):
        pytest.skip("NumPy itself has no value here (an index into an empty axis)")
    if name.startswith("mask"):
        w = RNG.normal(size=shape)
    else:
        w = weights_for(getattr(MOD, name + "_raw")(x, 1.0))
    ag = name.startswith("mask")     # autograd lacks the others' gradients (sort: 1-D only)
    check(getattr(MOD, name), (x, w), ag=ag)


def test_sort_1d_against_autograd():
    mod = build({"f": "np.sum(w * np.sort(x)) + np.sum(np.sort(x, axis=0) ** 3)"})
    check(mod.f, (_distinct((7,)), RNG.normal(size=7)))


def test_argsort_values_are_stable_ints():
    mod = build({"f": "np.sum(x * np.argsort(w)) + np.sum(x * np.argsort(w, axis=0)[0])"})
    w = np.array([3.0, 1.0, 1.0, 2.0, 1.0])
    check(mod.f, (RNG.normal(size=5), w), ag=False)
    assert np.argsort(w, kind="stable").tolist() == [1, 2, 4, 3, 0]


def test_sort_at_ties_sends_each_adjoint_once():
    """At ties the sorted values are the same whatever the order; each adjoint goes to one
    of the tied elements, and the gradient's total is the adjoint's."""
    mod = build({"f": "np.sum(w * np.sort(x))"})
    x, w = np.array([2.0, 1.0, 2.0, 0.5]), np.array([1.0, 10.0, 100.0, 1000.0])
    g = fg.grad(mod.f, target="python")(x, w)
    assert sorted(g.tolist()) == [10.0, 100.0, 1000.0, 1.0] or sorted(g) == sorted(w)
    assert g[3] == 1.0 and g[1] == 10.0


def test_median_and_percentile_with_nan_are_nan():
    mod = build({"m": "np.median(x) + np.sum(np.median(x, axis=1)) + np.percentile(x, 40.0)"})
    x = np.array([[1.0, np.nan, 2.0], [0.5, 3.0, 1.0]])
    v = fg.value_and_grad(mod.m, target="python")(x, 0.0)[0]
    assert np.isnan(v)


def test_take_along_axis_with_repeats_adds_up():
    mod = build({"f": "np.sum(w * np.take_along_axis(x, np.array([[0, 0, 2], [1, 1, 1]]), axis=1))"})
    x, w = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    check(mod.f, (x, w), ag=False)


NZ = build({
    "nz": "np.sum(x[np.where(x > 0.2)[0], np.where(x > 0.2)[1]] ** 2) + "
          "np.sum(w[np.nonzero(w > 0)[0]] * x[0, 0]) + "
          "np.sum(np.take(x.ravel(), np.flatnonzero(x > 0))) + np.sum(x[x.nonzero()[0], 1]) + "
          "np.sum(x[np.where(x > 0.3)] ** 3) + np.sum(w[np.nonzero(w > 0)] * x[1, 1])",
    "methods": "np.sum(x.cumsum(axis=0) * w) + np.sum(x.cumprod(1) * w) + "
               "np.sum(x.argsort(axis=0) * w) + (1.0 if (x > 0).any() else 0.0) + "
               "np.sum(np.where((x > -0.5).all(axis=1), x[:, 0], 0.0)) + "
               "np.sum(x.take(np.array([1, 0]), axis=1) * w[:, :2])",
})


@pytest.mark.parametrize("name", ["nz", "methods"])
def test_nonzero_where_and_methods(name):
    x, w = _distinct((3, 4)), RNG.normal(size=(3, 4))
    check(getattr(NZ, name), (x, w), ag=False)


BAD = build({
    "bad_q": "np.percentile(x, w)",
    "bad_q2": "np.percentile(x, 120.0)",
    "bad_method": "np.percentile(x, 20.0, method='nearest')",
    "bad_order": "np.sum(np.sort(x, order='a'))",
    "bad_take": "np.sum(np.take(x, np.zeros((2, 2))))",
    "bad_mask_mixed": "np.sum(x[x > 0, 0])",
    "bad_scalar": "np.sum(np.sort(w))",
})


def _mask_write(x):
    y = x.copy()
    y[y > 0] = 0.0
    return np.sum(y)


@pytest.mark.parametrize("name,words", [
    ("bad_q", "constant"), ("bad_q2", r"\[0, 100\]"), ("bad_method", "linear"),
    ("bad_order", "order"), ("bad_take", "an int or an integer array"), ("bad_mask_mixed", "the whole array"),
    ("bad_scalar", "array")])
def test_rejections(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), target="python")(np.ones((2, 3)), 0.5)


def test_mask_write_is_rejected():
    with pytest.raises(fg.CompileError, match="boolean mask"):
        fg.grad(_mask_write, target="python")(np.ones((2, 3)))


CPU = build({"cpu_all": "np.sum(w * (np.sort(x, axis=0) + np.sort(x) + "
                        "np.take_along_axis(x, np.argsort(w, axis=1), axis=1))) + "
                        "np.sum(np.sort(x, axis=None) * w.ravel()) + np.sum(x[x > 0.1] ** 2) + "
                        "np.sum(np.take(x, np.array([0, 2]), axis=1) * w[:, :2]) + "
                        "np.sum(np.take(x, np.array([1, 0])) * w[0, :2]) + np.median(x) + "
                        "np.sum(np.median(x, axis=0) * w[0]) + np.percentile(x, 30.0) + "
                        "np.sum(np.quantile(x, 0.7, axis=1) * w[:, 0]) + np.sum(np.sort(x[0]) * w[1])"
                        " + np.sum(np.argsort(x[1]) * x[2]) + np.sum(x[np.where(x > 0.2)[0], 0] ** 2)"
                        " + np.sum(x.cumsum(axis=0) * w) + np.median(x.T[1:]) + "
                        "np.sum(x.T[x.T > 0.1]) + np.sum(np.sort(x.T, axis=None) * w.ravel())"})


@pytest.mark.slow
def test_cpu_target():
    x, w = _distinct((3, 4)), RNG.normal(size=(3, 4))
    got = fg.grad(CPU.cpu_all, target="cpu")(x, w)
    want = check(CPU.cpu_all, (x, w), ag=False, jvp=False)[0]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", [E.percentiles_of_a_list, E.quantiles_of_an_array_along_an_axis,
                               E.percentile_of_a_one_item_tuple, E.first_and_rest],
                         ids=lambda f: f.__name__)
def test_several_q_and_a_starred_unpacking(f):
    """np.percentile(X, [10, 50, 90]): NumPy's stack of results; first, *rest = x."""
    X = _distinct((5, 4)) if f is not E.first_and_rest else _distinct((5,))
    value, g = fg.value_and_grad(f, target="python")(X)
    assert value == pytest.approx(f(X), rel=1e-12)
    np.testing.assert_allclose(g, numeric_grad(f, [X], 0), rtol=1e-6, atol=1e-8)
