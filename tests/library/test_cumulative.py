"""cumsum, cumprod and diff (compiler/library/cumulative.py): gradients and tangents against
finite differences and autograd (python target) on every axis, size-0 and size-1
dimensions, zeros in cumprod; Hessians; the cpu target in one slow test."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check, weights_for

SHAPES = [(3, 4, 2), (1, 4, 1), (2, 0, 3), (3, 1, 2)]
AXES = [None, 0, 1, 2, -1]


def _key(ax):
    return "none" if ax is None else ("m1" if ax == -1 else str(ax))


EXPRS = {}
for _ax in AXES:
    EXPRS[f"cumsum_{_key(_ax)}"] = f"np.cumsum(x, axis={_ax})"
    EXPRS[f"cumprod_{_key(_ax)}"] = f"np.cumprod(x, axis={_ax})"
    if _ax is not None:
        EXPRS[f"diff_{_key(_ax)}"] = f"np.diff(x, axis={_ax})"
        EXPRS[f"diff2_{_key(_ax)}"] = f"np.diff(x, n=2, axis={_ax})"
EXPRS.update({"diff_default": "np.diff(x)", "diff0": "np.diff(x, 0)", "diff3": "np.diff(x, 3)",
              "cumsum_flat": "np.cumsum(x)", "cumprod_flat": "np.cumprod(x)"})
MOD = build({**{f"{k}_raw": e for k, e in EXPRS.items()},
             **{k: f"np.sum(w * ({e}))" for k, e in EXPRS.items()}})
AUTOGRAD_HAS = ("cumsum", "diff")        # autograd has no cumprod gradient


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(EXPRS))
def test_gradients(name, shape):
    x = RNG.uniform(-1.5, 1.5, shape)
    w = weights_for(getattr(MOD, name + "_raw")(x, 1.0))
    raw = getattr(MOD, name + "_raw")(x, 1.0)
    # autograd's diff gradient has the wrong shape when the result is empty (n >= length)
    ag = name.startswith(AUTOGRAD_HAS) and not (name.startswith("diff") and raw.size == 0)
    check(getattr(MOD, name), (x, w), ag=ag)


@pytest.mark.parametrize("zeros", [[(0, 1, 0)], [(0, 1, 0), (2, 1, 0)], [(1, 0, 1), (1, 2, 1)],
                                   [(0, 0, 0), (1, 0, 0), (2, 0, 0)]], ids=str)
@pytest.mark.parametrize("name", ["cumprod_0", "cumprod_1", "cumprod_2", "cumprod_none"])
def test_cumprod_with_zeros(name, zeros):
    """One, two and three zeros in a line: the gradient is exact (no 0/0), as prod's."""
    x = RNG.uniform(-1.5, 1.5, (3, 4, 2))
    for z in zeros:
        x[z] = 0.0
    w = weights_for(getattr(MOD, name + "_raw")(x, 1.0))
    check(getattr(MOD, name), (x, w), ag=False)


def test_scalars_and_ints():
    mod = build({"cs": "np.sum(np.cumsum(x) * np.cumprod(x)) + np.sum(np.cumsum(w))",
                 "ci": "np.sum(np.cumsum(np.arange(5)) * x) + np.sum(np.cumprod(w > 0) * x)"})
    check(mod.cs, (0.7, RNG.normal(size=3)), ag=False)
    check(mod.ci, (1.3, RNG.normal(size=5)), ag=False)


HESS = build({"h_cumprod": "np.sum(np.cumprod(x) * w)", "h_cumsum": "np.sum(np.cumsum(x) ** 2 * w)"})


@pytest.mark.parametrize("name", ["h_cumprod", "h_cumsum"])
def test_hessian(name):
    x, w = RNG.uniform(-1.5, 1.5, 4), RNG.normal(size=4)
    x[1] = 0.0
    f = getattr(HESS, name)
    H = fg.hessian(f, target="python")(x, w)
    g = fg.grad(f, target="python")
    h = 1e-6
    num = np.stack([(g(x + h * e, w) - g(x - h * e, w)) / (2 * h) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-6)


BAD = build({"bad_dtype": "np.sum(np.cumsum(x, dtype=np.float32))",
             "bad_prepend": "np.sum(np.diff(x, prepend=x[0]))",   # (NumPy: a dimension mismatch)
             "bad_axis": "np.sum(np.cumsum(x, axis=3))",
             "bad_n": "np.sum(np.diff(x, n=-1))",
             "bad_none": "np.sum(np.diff(x, axis=None))"})


@pytest.mark.parametrize("name,words", [("bad_dtype", "dtype"), ("bad_prepend", "prepend"),
                                        ("bad_axis", "out of bounds"), ("bad_n", "non-negative"),
                                        ("bad_none", "integer axis")])
def test_rejections(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), target="python")(np.ones((2, 3)), 0.0)


CPU = build({"cpu_all": "np.sum(w * (np.cumsum(x, axis=0) + np.cumsum(x, axis=1) + "
                        "np.cumprod(x, axis=0) + np.cumprod(x, axis=1))) + "
                        "np.sum(np.cumsum(x) * np.cumprod(x)) + np.sum(np.diff(x, axis=0)) * w[0, 0]"
                        " + np.sum(np.diff(x, 2) * w[:, 2:]) + np.sum(np.cumsum(x[0]) * w[1])"
                        " + np.sum(np.cumsum(x.T) * w.ravel()) + np.sum(np.cumprod(x.T, axis=1) * w.T)"})


@pytest.mark.slow
def test_cpu_target():
    x, w = RNG.uniform(-1.5, 1.5, (3, 4)), RNG.normal(size=(3, 4))
    x[1, 1] = x[2, 1] = x[0, 3] = 0.0
    got = fg.grad(CPU.cpu_all, target="cpu")(x, w)
    want = check(CPU.cpu_all, (x, w), ag=False, jvp=False)[0]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
