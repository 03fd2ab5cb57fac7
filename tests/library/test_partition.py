"""np.partition and np.argpartition (compiler/library/order.py). On the python target the
values equal NumPy's exactly (NumPy's argpartition, which on this NumPy gathers to its
np.partition); gradients and tangents against finite differences and autograd (autograd's
own test: combo_check(np.partition, [0])([R(7), R(14)], kth=[0, 3, 6])), N-D along every
axis and axis=None, Hessians, vmap. On the cpu target Numba's argpartition arranges the
elements between the kth ones in its own order: the test checks that the result is a
partition and that value and gradient come from the one permutation."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check

KTHS = {"k0": "0", "k3": "3", "km1": "-1", "k036": "[0, 3, 6]", "tuple": "(1, -2)"}
EXPRS = {f"part_{k}": f"np.partition(x, {v})" for k, v in KTHS.items()}
MOD = build({**{f"{k}_raw": e for k, e in EXPRS.items()},
             **{k: f"np.sum(w * {e})" for k, e in EXPRS.items()},
             "arg_raw": ("x", "np.argpartition(x, [0, 3, 6])"),
             "arg_method": ("x", "x.argpartition(2)"),
             "gather": "np.sum(w * x[np.argpartition(x, 4)])"})


@pytest.mark.parametrize("n", [7, 14])
@pytest.mark.parametrize("name", list(EXPRS))
def test_autograds_combo_check(name, n):
    x, w = RNG.normal(size=n), RNG.normal(size=n)
    raw = fg.jvp(getattr(MOD, name + "_raw"), (x, 1.0), (np.zeros(n), 0.0), target="python")[0]
    np.testing.assert_array_equal(raw, getattr(MOD, name + "_raw")(x, 1.0))
    check(getattr(MOD, name), (x, w), ag=True)


def test_argpartition_is_numpys():
    x = RNG.normal(size=14)
    got = fg.vmap(MOD.arg_raw, target="python")(x[None])[0]
    np.testing.assert_array_equal(got, np.argpartition(x, [0, 3, 6]))
    got = fg.vmap(MOD.arg_method, target="python")(x[None])[0]
    np.testing.assert_array_equal(got, x.argpartition(2))
    check(MOD.gather, (x, RNG.normal(size=14)), ag=True)


ND = {}
for _ax in (0, 1, 2, -1, None):
    _key = {None: "none", -1: "m1"}.get(_ax, _ax)
    ND[f"nd_{_key}"] = f"np.partition(x, 1, axis={_ax})"
    ND[f"nd_multi_{_key}"] = f"np.partition(x, (0, 2), axis={_ax})"
NDMOD = build({**{f"{k}_raw": e for k, e in ND.items()},
               **{k: f"np.sum(w * {e})" for k, e in ND.items()}})


@pytest.mark.parametrize("name", list(ND))
def test_n_dimensional(name):
    x = RNG.normal(size=(3, 4, 5))
    raw = getattr(NDMOD, name + "_raw")(x, 1.0)
    got = fg.jvp(getattr(NDMOD, name + "_raw"), (x, 1.0), (np.zeros(x.shape), 0.0), target="python")[0]
    np.testing.assert_array_equal(got, raw)
    w = RNG.normal(size=raw.shape)
    g = check(getattr(NDMOD, name), (x, w), ag=False)[0]   # (autograd's is 1-D only)
    # the oracle: w scattered back by NumPy's own argpartition
    kth, key = (1 if "multi" not in name else (0, 2)), name.rsplit("_", 1)[1]
    axis = {"none": None, "m1": -1}[key] if key in ("none", "m1") else int(key)
    if axis is None:
        want = np.zeros(x.size)
        want[np.argpartition(x, kth, axis=None)] = w
        want = want.reshape(x.shape)
    else:
        want = np.zeros_like(x)
        np.put_along_axis(want, np.argpartition(x, kth, axis=axis), w, axis)
    np.testing.assert_array_equal(g, want)


HESS = build({"h": "np.sum(w * np.partition(x, [1, 4]) ** 2)"})


def test_hessian():
    """A permutation: the Hessian of sum(w * p(x)**2) is diagonal, 2 w at each element's
    place in the partition."""
    x, w = RNG.normal(size=7), RNG.normal(size=7)
    H = fg.hessian(HESS.h, target="python")(x, w)
    place = np.empty(7, dtype=int)
    place[np.argpartition(x, [1, 4])] = np.arange(7)
    np.testing.assert_allclose(H, np.diag(2 * w[place]), rtol=1e-14)


def test_vmap():
    xs, w = RNG.normal(size=(4, 3, 5)), RNG.normal(size=(3, 5))
    v = fg.vmap(fg.grad(NDMOD.nd_multi_1), in_axes=(0, None), target="python", method="batch")
    g = fg.grad(NDMOD.nd_multi_1, target="python")
    np.testing.assert_allclose(v(xs, w), [g(x, w) for x in xs], rtol=1e-14)
    vals = fg.vmap(NDMOD.nd_1_raw, in_axes=(0, None), target="python")(xs, 1.0)
    np.testing.assert_array_equal(vals, [np.partition(x, 1, axis=1) for x in xs])


def _partition_checks(x, p, idx, kth, axis):
    """``p`` is x gathered at ``idx`` along ``axis``, a partition at ``kth``."""
    np.testing.assert_array_equal(p, np.take_along_axis(x, idx, axis))
    np.testing.assert_array_equal(np.sort(idx, axis=axis),
                                  np.broadcast_to(np.arange(x.shape[axis]).reshape(
                                      [-1 if d == axis % x.ndim else 1 for d in range(x.ndim)]),
                                      x.shape))
    s = np.sort(x, axis=axis)
    for k in kth:
        at = np.take(p, k, axis=axis)
        np.testing.assert_array_equal(at, np.take(s, k, axis=axis))
        assert np.all(np.take(p, range(k), axis=axis) <= np.expand_dims(at, axis))
        assert np.all(np.take(p, range(k + 1, x.shape[axis]), axis=axis) >= np.expand_dims(at, axis))


CPU = build({"cpu_val": ("x", "np.partition(x, (1, 3), axis=1) + 0.0 * np.argpartition(x, (1, 3), axis=1)"),
             "cpu_idx": ("x", "np.argpartition(x, (1, 3), axis=1)"),
             "cpu_loss": "np.sum(w * np.partition(x, (1, 3), axis=1))",
             "cpu_1d": ("x", "np.partition(x, 2)"),
             "cpu_1d_idx": ("x", "np.argpartition(x, 2)"),
             "cpu_1d_loss": "np.sum(w * np.partition(x, 2))"})


@pytest.mark.slow
def test_cpu_target_is_a_consistent_partition():
    x, w = RNG.normal(size=(3, 9, 2)), RNG.normal(size=(3, 9, 2))
    zero = np.zeros_like(x)
    p = fg.jvp(CPU.cpu_val, (x,), (zero,), target="cpu")[0]
    idx = fg.vmap(CPU.cpu_idx, target="cpu")(x[None])[0]
    _partition_checks(x, p, idx, (1, 3), 1)
    g = fg.grad(CPU.cpu_loss, target="cpu")(x, w)
    want = np.zeros_like(x)
    np.put_along_axis(want, idx, w, 1)        # the cotangent scattered by the same permutation
    np.testing.assert_array_equal(g, want)
    t = RNG.normal(size=x.shape)
    np.testing.assert_array_equal(fg.jvp(CPU.cpu_val, (x,), (t,), target="cpu")[1],
                                  np.take_along_axis(t, idx, 1))
    x1 = RNG.normal(size=11)
    w1 = RNG.normal(size=11)
    p1 = fg.jvp(CPU.cpu_1d, (x1,), (np.zeros(11),), target="cpu")[0]
    i1 = fg.vmap(CPU.cpu_1d_idx, target="cpu")(x1[None])[0]
    _partition_checks(x1, p1, i1, (2,), 0)
    np.testing.assert_array_equal(fg.grad(CPU.cpu_1d_loss, target="cpu")(x1, w1),
                                  np.bincount(i1, weights=w1, minlength=11))


BAD = build({"kth_var": "np.sum(np.partition(x, int(w)))",
             "kth_float": "np.sum(np.partition(x, 1.5))",
             "order": "np.sum(np.partition(x, 1, order='a'))",
             "scalar": "np.partition(w, 0)"})


@pytest.mark.parametrize("name,words", [("kth_var", "known while compiling"),
                                        ("kth_float", "known while compiling"),
                                        ("order", "order="), ("scalar", "needs an array")])
def test_rejections(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), argnums=1, target="python")(np.ones(5), 2.0)
