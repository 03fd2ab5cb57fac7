"""ufunc methods (compiler/library/ufunc_methods.py): np.add/multiply/maximum/minimum/
logaddexp/logaddexp2.reduce and np.add/multiply/maximum/minimum.accumulate. Values against
NumPy's own methods; gradients and tangents against finite differences, and against
independent oracles in autograd: the same function written with autograd's np.sum / np.prod /
np.max / np.cumsum, and, for the running maximum and logaddexp.reduce, NumPy's own left fold
(y = maximum(y, x_i), y = logaddexp(y, x_i)) written with autograd's pairwise functions.
Ties of the running maximum go to the first element holding it (a hand-written loop);
NaNs propagate as NumPy's. Hessians, vmap, rejections; the cpu target in slow tests."""
from __future__ import annotations

import numpy as np
import pytest

import flatgrad as fg

from .check11 import RNG, build, check, weights_for

SHAPE = (3, 4, 2)
REDUCE = {}
for _u in ("add", "multiply", "maximum", "minimum", "logaddexp", "logaddexp2"):
    for _key, _args in [("d", ""), ("none", ", axis=None"), ("1", ", axis=1"),
                        ("m1kd", ", axis=-1, keepdims=True"), ("t02", ", axis=(0, 2)")]:
        REDUCE[f"{_u}_reduce_{_key}"] = f"np.{_u}.reduce(x{_args})"
ACC = {}
for _u in ("add", "multiply", "maximum", "minimum"):
    for _key, _args in [("d", ""), ("1", ", axis=1"), ("2", ", axis=2"), ("m1", ", axis=-1")]:
        ACC[f"{_u}_acc_{_key}"] = f"np.{_u}.accumulate(x{_args})"
EXPRS = {**REDUCE, **ACC}
MOD = build({**{f"{k}_raw": e for k, e in EXPRS.items()},
             **{k: f"np.sum(w * ({e}))" for k, e in EXPRS.items()}})

# the same functions written with what autograd differentiates
_SAME = {"add": "np.sum", "multiply": "np.prod", "maximum": "np.max", "minimum": "np.min"}
AG_EXPRS = {}
for _k, _e in REDUCE.items():
    _u = _k.split("_")[0]
    if _u in _SAME:
        AG_EXPRS[_k] = _e.replace(f"np.{_u}.reduce(x)", f"{_SAME[_u]}(x, axis=0)") \
            .replace(f"np.{_u}.reduce(x", f"{_SAME[_u]}(x")
for _k, _e in ACC.items():
    _u = _k.split("_")[0]
    if _u == "add":                             # (autograd has no cumprod gradient)
        AG_EXPRS[_k] = _e.replace("np.add.accumulate(x)", "np.cumsum(x, axis=0)") \
            .replace("np.add.accumulate(x", "np.cumsum(x")
AG = build({k: f"np.sum(w * ({e}))" for k, e in AG_EXPRS.items()})


@pytest.mark.parametrize("name", list(EXPRS))
def test_values_and_gradients(name):
    x = RNG.uniform(-1.5, 1.5, SHAPE)
    raw = getattr(MOD, name + "_raw")(x, 1.0)
    got = fg.jvp(getattr(MOD, name + "_raw"), (x, 1.0), (np.zeros(SHAPE), 0.0),
                 target="python")[0]
    if name.startswith("logaddexp") or name.endswith("t02"):
        # NumPy folds pairwise, flatgrad shifts by the maximum; two axes: one at a time
        np.testing.assert_allclose(got, raw, rtol=4e-15, atol=1e-15)   # (results near 0)
    else:
        np.testing.assert_array_equal(got, raw)
    w = weights_for(raw)
    grads = check(getattr(MOD, name), (x, w), ag=False)
    if name in AG_EXPRS:
        import autograd
        from .check11 import autograd_version
        ga = autograd.grad(autograd_version(getattr(AG, name)))(x, w)
        np.testing.assert_allclose(grads[0], ga, rtol=1e-12, atol=1e-14)


FOLDS = build({"cummax_w": "np.sum(w * np.maximum.accumulate(x))",
               "cummin_w": "np.sum(w * np.minimum.accumulate(x))",
               "lae_w": "np.logaddexp.reduce(x) * w",
               "lae2_w": "np.logaddexp2.reduce(x) * w"})
FOLD_ORACLES = build({
    "cummax_w": "np.sum(w * np.stack(fold(np.maximum, x)))",
    "cummin_w": "np.sum(w * np.stack(fold(np.minimum, x)))",
    "lae_w": "fold(np.logaddexp, x)[-1] * w",
    "lae2_w": "fold(np.logaddexp2, x)[-1] * w"},
    header="import numpy as np\n\n\ndef fold(op, x):\n    ys = [x[0]]\n    for v in x[1:]:\n"
           "        ys.append(op(ys[-1], v))\n    return ys\n\n\n")


@pytest.mark.parametrize("name", ["cummax_w", "cummin_w", "lae_w", "lae2_w"])
def test_against_numpys_left_fold_in_autograd(name):
    """NumPy's method is a left fold of the pairwise ufunc: the fold written with autograd's
    np.maximum / np.logaddexp gives the value and (away from ties) the gradient."""
    import autograd
    from .check11 import autograd_version
    x = RNG.normal(size=9)
    w = RNG.normal(size=9) if name.startswith("cum") else 0.7
    f, oracle = getattr(FOLDS, name), autograd_version(getattr(FOLD_ORACLES, name))
    value, g = fg.value_and_grad(f, target="python")(x, w)
    np.testing.assert_allclose(value, oracle(x, w), rtol=1e-14)
    np.testing.assert_allclose(g, autograd.grad(oracle)(x, w), rtol=1e-12, atol=1e-14)
    check(f, (x, w), ag=False)


def _holders(x, better):
    """Hand-written: the element holding the running extremum at each position (a later
    one takes over only where strictly better, or where it is the first NaN)."""
    out, best = [], 0
    for i in range(len(x)):
        if better(x[i], x[best]) or (np.isnan(x[i]) and not np.isnan(x[best])):
            best = i
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("name,better", [("cummax_w", np.greater), ("cummin_w", np.less)])
@pytest.mark.parametrize("x", [[1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 5.0, -1.0],
                               [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
                               [1.0, -4.0, np.nan, 7.0, np.nan, -9.0, 0.0, 3.0]], ids=str)
@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_running_extremum_ties_and_nans(name, better, x, target):
    """Ties: the first holder of the running maximum gets the gradient (NumPy's argmax
    convention); NaN propagates (the value is NumPy's) and holds the gradient from there."""
    x, w = np.array(x), RNG.normal(size=8)
    f = getattr(FOLDS, name)
    value, g = fg.value_and_grad(f, target=target)(x, w)
    np.testing.assert_allclose(value, f(x, w), rtol=1e-14)    # (Numba sums in its own order)
    holders = _holders(x, better)
    np.testing.assert_array_equal(g, np.bincount(holders, weights=w, minlength=8))
    ufunc, acc = (np.maximum, ACCS.acc_max) if name == "cummax_w" else (np.minimum, ACCS.acc_min)
    raw, tangent = fg.jvp(acc, (x,), (np.arange(8.0),), target=target)
    np.testing.assert_array_equal(raw, ufunc.accumulate(x))
    np.testing.assert_array_equal(tangent, np.arange(8.0)[holders])


ACCS = build({"acc_max": "np.maximum.accumulate(x)", "acc_min": "np.minimum.accumulate(x)"},
             params="x")


HESS = build({"h_cummax": "np.sum(w * np.maximum.accumulate(x, axis=1) ** 2)",
              "h_lae": "np.sum(w * np.logaddexp.reduce(x, axis=1))",
              "h_lae2": "np.sum(w * np.logaddexp2.reduce(x, axis=0) ** 2)",
              "h_prod": "np.sum(w * np.multiply.accumulate(x, axis=1))"})


@pytest.mark.parametrize("name", ["h_cummax", "h_lae", "h_lae2", "h_prod"])
def test_hessian(name):
    x, w = RNG.uniform(-1.5, 1.5, (2, 4)), RNG.normal(size=(2, 4))
    w = w[:, :1] if name == "h_lae" else w[:1] if name == "h_lae2" else w
    f = getattr(HESS, name)
    H = fg.hessian(f, target="python")(x, w)
    g = fg.grad(f, target="python")
    h = 1e-6
    num = np.stack([(g(x + h * e.reshape(x.shape), w) - g(x - h * e.reshape(x.shape), w)) / (2 * h)
                    for e in np.eye(x.size)], axis=-1).reshape(x.shape + x.shape)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-6)
    v = RNG.normal(size=x.shape)
    np.testing.assert_allclose(fg.hvp(f, target="python")(x, w, v),
                               np.tensordot(H, v, axes=x.ndim), rtol=1e-10, atol=1e-12)


VM = build({"vm": "np.sum(w * np.maximum.accumulate(x, axis=0)) + np.sum(np.logaddexp.reduce(x)) "
                  "+ np.sum(np.minimum.accumulate(x, axis=1) * w)"})


@pytest.mark.parametrize("method", ["batch", "loop"])
def test_vmap(method):
    xs, w = RNG.normal(size=(5, 3, 4)), RNG.normal(size=(3, 4))
    g = fg.grad(VM.vm, target="python")
    v = fg.vmap(fg.grad(VM.vm), in_axes=(0, None), target="python", method=method)
    np.testing.assert_allclose(v(xs, w), [g(x, w) for x in xs], rtol=1e-12, atol=1e-14)
    vals = fg.vmap(VM.vm, in_axes=(0, None), target="python", method=method)(xs, w)
    np.testing.assert_allclose(vals, [VM.vm(x, w) for x in xs], rtol=1e-13)


BAD = build({"reduceat": "np.sum(np.add.reduceat(x, [0, 1]))",
             "at": "np.sum(np.add.at(x, 0, 1.0))",
             "nosuch": "np.sum(np.add.frobnicate(x))",
             "dtype": "np.sum(np.add.reduce(x, dtype=np.float32))",
             "initial": "np.sum(np.maximum.reduce(x, initial=0.0))",
             "bool_acc": "np.sum(np.add.accumulate(x > 0)) * w",
             "acc_none": "np.sum(np.add.accumulate(x, axis=None))",
             "acc_tuple": "np.sum(np.add.accumulate(x, axis=(0, 1)))",
             "scalar": "np.add.reduce(w)"})


@pytest.mark.parametrize("name,words", [
    ("reduceat", "does not support np.add.reduceat"), ("at", "does not support np.add.at"),
    ("nosuch", "has no attribute 'frobnicate'"), ("dtype", "dtype= is not supported"),
    ("initial", "initial= is not supported"), ("bool_acc", "booleans"),
    ("acc_none", "1-D arrays only"), ("acc_tuple", "constant integer"),
    ("scalar", "needs an array")])
def test_rejections(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), argnums=1, target="python")(np.ones((2, 3)), 0.5)


CPU = build({"cpu_all": "np.sum(w * (np.maximum.accumulate(x, axis=0) + np.minimum.accumulate(x, axis=1)"
                        " + np.add.accumulate(x) + np.multiply.accumulate(x, axis=1)))"
                        " + np.sum(np.logaddexp.reduce(x)) + np.sum(np.logaddexp2.reduce(x, axis=1))"
                        " + np.sum(np.maximum.reduce(x) * np.minimum.reduce(x, axis=None))"
                        " + np.sum(np.multiply.reduce(x, axis=1)) + np.sum(np.add.reduce(x))"
                        " + np.sum(np.maximum.accumulate(x[0]) * w[1])"})


@pytest.mark.slow
def test_cpu_target():
    x, w = RNG.uniform(-1.5, 1.5, (3, 4)), RNG.normal(size=(3, 4))
    got = fg.value_and_grad(CPU.cpu_all, target="cpu")(x, w)
    want = fg.value_and_grad(CPU.cpu_all, target="python")(x, w)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-14)
    check(CPU.cpu_all, (x, w), target="cpu", ag=False)
