"""Special and stable functions (compiler/library/special.py, stable.py): gradients and
tangents against finite differences and autograd on the python target, every shape kind
(size-0 and size-1 dimensions), axes and keepdims; the cpu target in one slow test."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as ss

import flatgrad as fg

from .check11 import RNG, build, check, weights_for


def _u(shape, lo, hi):
    return RNG.uniform(lo, hi, shape)


SHAPES = [(3, 4), (1, 5), (0, 3), (4,), (1,)]

# name: (expression in x (and y), domain of x, domain of y, compare with autograd)
UNARY = {
    "erf": ("ss.erf(x)", (-2, 2), True),
    "erfc": ("ss.erfc(x)", (-2, 2), True),
    "gammaln": ("ss.gammaln(x)", (0.1, 6), True),
    "gammaln_neg": ("ss.gammaln(x)", (-3.9, -3.1), True),
    "digamma": ("ss.digamma(x)", (0.2, 8), True),
    "digamma_neg": ("ss.digamma(x)", (-2.9, -2.1), True),
    "psi": ("ss.psi(x)", (0.2, 8), True),
    "polygamma1": ("ss.polygamma(1, x)", (0.3, 5), True),
    "polygamma3": ("ss.polygamma(3, x)", (0.5, 12), True),
    "logit": ("ss.logit(x)", (0.05, 0.95), True),
    "expit": ("ss.expit(x)", (-3, 3), True),
    "log_expit": ("ss.log_expit(x) + ss.log_expit(-800.0 * x)", (0.1, 3), False),
    "sinc": ("np.sinc(x)", (-2.5, 2.5), True),
    "positive": ("np.positive(x) * x", (-2, 2), False),
    "lgamma_scalar_sum": ("ss.gammaln(x * x + 0.5)", (-2, 2), True),
}

BINARY = {
    "logaddexp2": ("np.logaddexp2(x, y)", (-3, 3), (-3, 3), True),
    "logaddexp": ("np.logaddexp(x, y)", (-3, 3), (-3, 3), True),
    "xlogy": ("ss.xlogy(x, y)", (-2, 2), (0.1, 3), False),
    "xlog1py": ("ss.xlog1py(x, y)", (-2, 2), (-0.9, 3), False),
    "fmax": ("np.fmax(x, y)", (-2, 2), (-2, 2), True),
    "fmin": ("np.fmin(x, y)", (-2, 2), (-2, 2), False),
    "float_power": ("np.float_power(x, y)", (0.2, 3), (-2, 2), False),
    "copysign": ("np.copysign(x, y)", (-2, 2), (-2, 2), False),
    "heaviside": ("np.heaviside(x, y)", (-2, 2), (-2, 2), False),
    "hypot": ("np.hypot(x, y)", (-2, 2), (-2, 2), True),
}

MOD_U = build({**{f"{k}_raw": e for k, (e, _, _) in UNARY.items()},
               **{k: f"np.sum(w * ({e}))" for k, (e, _, _) in UNARY.items()}})
MOD_B = build({**{f"{k}_raw": e for k, (e, *_) in BINARY.items()},
               **{k: f"np.sum(w * ({e}))" for k, (e, *_) in BINARY.items()}}, "x, y, w")


@pytest.mark.parametrize("shape", SHAPES + [()], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    expr, (lo, hi), ag = UNARY[name]
    x = _u(shape, lo, hi) if shape else float(_u((), lo, hi))
    w = weights_for(getattr(MOD_U, name + "_raw")(x, 1.0))
    check(getattr(MOD_U, name), (x, w), ag=ag and name not in ("positive",))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1), (1, 3)),
                                    ((0, 2), (2,)), ((1,), (1,)), ((), (3,)), ((), ())],
                         ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes):
    expr, (lx, hx), (ly, hy), ag = BINARY[name]
    x = _u(shapes[0], lx, hx) if shapes[0] else float(_u((), lx, hx))
    y = _u(shapes[1], ly, hy) if shapes[1] else float(_u((), ly, hy))
    if name in ("xlogy", "xlog1py") and np.ndim(x) and np.size(x):
        x.flat[0] = 0.0                       # the x == 0 branch: gradient in y is 0
    w = weights_for(getattr(MOD_B, name + "_raw")(x, y, 1.0))
    argnums = (1,) if name == "heaviside" else (0, 1)
    grads = check(getattr(MOD_B, name), (x, y, w), argnums, ag=ag)
    if name == "heaviside":
        assert np.all(fg.grad(MOD_B.heaviside, argnums=0, target="python")(x, y, w) == 0)
    del grads


# ---- values and gradients at special points

SPECIAL = build({
    "sinc0": "np.sum(np.sinc(x))",
    "xlogy0": "np.sum(ss.xlogy(x, y)) + np.sum(ss.xlog1py(x, y - 1.0))",
    "fmax_nan": "np.sum(np.fmax(x, y) + 2.0 * np.fmin(x, y))",
    "gammaln_pole": "np.sum(ss.gammaln(x))",
}, "x, y")


def test_sinc_at_zero():
    x = np.array([0.0, 1e-9, 0.5])
    g = fg.grad(SPECIAL.sinc0, target="python")(x, 0.0)
    assert g[0] == 0.0 and abs(g[1]) < 1e-7
    assert fg.value_and_grad(SPECIAL.sinc0, target="python")(x, 0.0)[0] == np.sum(np.sinc(x))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")   # d/dx = log(0)
def test_xlogy_at_zero():
    x, y = np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.5, 0.5])
    v, (gx, gy) = fg.value_and_grad(SPECIAL.xlogy0, argnums=(0, 1), target="python")(x, y)
    assert v == np.sum(ss.xlogy(x, y)) + np.sum(ss.xlog1py(x, y - 1.0))
    assert gy[0] == 0.0 and gy[1] == 0.0              # no 0/0 where x == 0
    np.testing.assert_allclose(gx[1:], np.log(y[1:]) + np.log1p(y[1:] - 1.0))


def test_fmax_fmin_with_nan_send_the_gradient_to_the_number():
    x, y = np.array([1.0, np.nan, 2.0, 3.0]), np.array([np.nan, 1.0, 2.0, 1.0])
    v, (gx, gy) = fg.value_and_grad(SPECIAL.fmax_nan, argnums=(0, 1), target="python")(x, y)
    assert v == np.sum(np.fmax(x, y) + 2.0 * np.fmin(x, y))
    np.testing.assert_array_equal(gx[[0, 2, 3]], [3.0, 1.5, 1.0])
    np.testing.assert_array_equal(gy[[1, 2, 3]], [3.0, 1.5, 2.0])


def test_gammaln_at_a_pole_is_inf():
    v = fg.value_and_grad(SPECIAL.gammaln_pole, target="python")(np.array([0.0, 1.5]), 0.0)[0]
    assert v == math.inf


# ---- Hessians: derivatives of every order (polygamma(n) -> polygamma(n + 1))

HESS = build({"h_gammaln": "np.sum(ss.gammaln(x))", "h_digamma": "np.sum(ss.digamma(x))"}, "x")


def test_hessians_follow_the_polygamma_chain():
    x = np.array([0.7, 2.5, 4.0])
    np.testing.assert_allclose(fg.hessian(HESS.h_gammaln, target="python")(x),
                               np.diag(ss.polygamma(1, x)), rtol=1e-12)
    np.testing.assert_allclose(fg.hessian(HESS.h_digamma, target="python")(x),
                               np.diag(ss.polygamma(2, x)), rtol=1e-12)


def test_polygamma_runtime_matches_scipy():
    from flatgrad.runtime import support
    x = np.concatenate([np.linspace(-5.7, 40, 301), [1e-6, 0.5, 1e3, 1e8, -0.5]])
    for n in range(5):
        ref = ss.polygamma(n, x)
        np.testing.assert_allclose(support.polygamma(n, x), ref, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(support.gammaln(x), ss.gammaln(x), rtol=1e-13, atol=1e-14)


# ---- logsumexp, softmax, log_softmax: axes, keepdims, b=

AXES = [None, 0, 1, -1, (0, 2)]
RED = {}
for _ax in AXES:
    for _kd in (False, True):
        _key = f"ax{str(_ax).replace(', ', '_').strip('()-').replace('-', 'm')}{'_kd' if _kd else ''}"
        _key = _key + ("neg" if _ax == -1 else "")
        RED[f"lse_{_key}"] = f"ss.logsumexp(x, axis={_ax!r}, keepdims={_kd})"
        RED[f"lseb_{_key}"] = f"ss.logsumexp(x, axis={_ax!r}, b=x * x + 0.1, keepdims={_kd})"
    RED[f"softmax_{_key}"] = f"ss.softmax(x, axis={_ax!r})"
    RED[f"logsoftmax_{_key}"] = f"ss.log_softmax(x, axis={_ax!r})"
MOD_R = build({**{f"{k}_raw": e for k, e in RED.items()},
               **{k: f"np.sum(w * ({e}))" for k, e in RED.items()}})


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 3, 1), (2, 1, 3)], ids=str)
@pytest.mark.parametrize("name", list(RED))
def test_reductions(name, shape):
    x = RNG.normal(size=shape) * 2
    w = weights_for(getattr(MOD_R, name + "_raw")(x, 1.0))
    ag = name.startswith("lse_")      # autograd has logsumexp (b= constant only), not softmax
    check(getattr(MOD_R, name), (x, w), ag=ag)


LSE = build({
    "lse_inf": "ss.logsumexp(x, axis=1)",
    "lse_scalar": "ss.logsumexp(x) + ss.softmax(x) + ss.log_softmax(x)",
    "lse_1d_b": "ss.logsumexp(x, b=w)",
}, "x, w")


def test_logsumexp_of_infinities_matches_scipy():
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [0.0, 1.0]])
    with np.errstate(all="ignore"):
        out = fg.jvp(LSE.lse_inf, (x, 0.0), (np.zeros_like(x), 0.0), target="python")[0]
    np.testing.assert_array_equal(out, ss.logsumexp(x, axis=1))


def test_logsumexp_of_a_number_and_weights():
    np.testing.assert_allclose(fg.value_and_grad(LSE.lse_scalar, target="python")(0.7, 1.0)[1],
                               1.0, rtol=1e-12)
    x, w = RNG.normal(size=5), RNG.uniform(0.1, 1.0, 5)
    check(LSE.lse_1d_b, (x, w), (0, 1), ag=False)   # autograd: b= constant only


# ---- values with no derivative: comparisons, predicates, logic, any/all

PRED = build({
    "cmp": "np.sum(np.where(np.less(x, y), x, 2.0 * y) + np.where(np.greater_equal(x, y), x * y, 0.0)"
           " + np.where(np.logical_or(np.equal(x, y), np.not_equal(x, 0.5)), x, 0.0)"
           " + np.where(np.logical_and(np.less_equal(x, 0.1), np.greater(y, -0.2)), y, 0.0))",
    "pred": "np.sum(np.where(np.logical_or(np.isnan(x), np.isinf(y)), 0.0, x) + np.where(np.isfinite(x), y, 0.0)"
            " + np.where(np.signbit(x), x * x, y))",
    "logic": "np.sum(np.where(np.logical_and(x > 0, y > 0), x, 0.0)"
             " + np.where(np.logical_or(x > 0.5, y < 0), y, 0.0)"
             " + np.where(np.logical_xor(x > 0, y), x * y, 1.0) + np.where(np.logical_not(x), 3.0, y))",
    "anyall": "np.sum(np.where(np.any(x > 0.5, axis=0), y[0], 0.0)) + np.sum(np.where(np.all(x > -0.5,"
              " axis=1, keepdims=True), x, 0.0)) + (1.0 if np.any(x > 0.9) else 0.0) + "
              "(2.0 if np.all(y > -2.0) else 0.0) + (1.0 if np.array_equal(x, y) else 0.0) + "
              "(3.0 if np.array_equal(x, x) else 0.0)",
}, "x, y")


@pytest.mark.parametrize("name", ["cmp", "pred", "logic", "anyall"])
def test_nondifferentiable_values(name):
    x, y = RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, (3, 4))
    check(getattr(PRED, name), (x, y), (0, 1), ag=False)
    x[0, 0] = y[0, 0] = 0.5               # ties and zeros: the values (FD is meaningless there)
    x[1, 1] = 0.0
    f = getattr(PRED, name)
    assert fg.value_and_grad(f, argnums=(0, 1), target="python")(x, y)[0] == pytest.approx(f(x, y))


SCALAR_PRED = build({
    "spred": "(1.0 if math.isnan(x) else 0.0) + (x if math.isfinite(y) else y) + "
             "(2.0 * x if np.signbit(y) else x) + (y if np.logical_xor(x > 0, y > 0) else x) + "
             "(1.0 if np.any(x) else 0.0) + (x * y if np.less(x, y) else y)",
}, "x, y")


@pytest.mark.parametrize("xy", [(0.5, -0.3), (-0.5, 0.3), (0.2, 2.0)])
def test_scalar_predicates(xy):
    check(SCALAR_PRED.spred, xy, (0, 1), ag=False)


# ---- rejections

BAD = build({
    "bad_sign": "ss.logsumexp(x, return_sign=True)",
    "bad_n": "np.sum(ss.polygamma(x.astype(np.int64), x))",
    "bad_kw": "ss.softmax(x, axis=0, foo=1)",
    "bad_eqnan": "1.0 if np.array_equal(x, x, equal_nan=True) else 0.0",
}, "x")


@pytest.mark.parametrize("name,words", [("bad_sign", "return_sign"), ("bad_n", "polygamma"),
                                        ("bad_kw", "foo"), ("bad_eqnan", "equal_nan")])
def test_rejections_name_the_function(name, words):
    with pytest.raises(fg.CompileError, match=words):
        fg.grad(getattr(BAD, name), target="python")(np.ones(3))


# ---- the cpu target (Numba): one compiled function covering the group

CPU = build({
    "cpu_all": "np.sum(w * (np.logaddexp2(x, y) + ss.logit(1 / (1 + np.exp(-x))) + ss.erf(x) + "
               "ss.erfc(y) + ss.gammaln(x * x + 0.5) + ss.digamma(y * y + 0.3) + "
               "ss.xlogy(x, y * y) + ss.xlog1py(x, y * y) + ss.polygamma(1, x * x + 1.0) + "
               "np.sinc(x) + np.fmax(x, y) + np.fmin(x, y) + np.float_power(y * y + 0.1, x) + "
               "np.copysign(x, y) + np.heaviside(x, y) + ss.softmax(x, axis=1) + "
               "ss.log_softmax(x, axis=0) + np.where(np.logical_and(np.isfinite(x), np.logical_xor(x > 0, y > 0)), x, y)))"
               " + ss.logsumexp(x) + np.sum(ss.logsumexp(x, axis=0, b=y * y)) + "
               "np.sum(ss.logsumexp(x, axis=1, keepdims=True)) + (1.0 if np.any(x > 0.5) else 0.0)"
               " + math.lgamma(2.5) + ss.gammaln(y[0, 0] * y[0, 0] + 1.0) + ss.xlogy(x[0, 0], 2.0)"
               " + np.sinc(x[0, 1]) + np.fmax(x[0, 0], y[0, 0]) + ss.polygamma(2, y[1, 1] + 3.0)",
}, "x, y, w")


@pytest.mark.slow
def test_cpu_target():
    """One Numba compile (the gradient), checked against the python target's (checked above)."""
    x, y = RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, (3, 4))
    w = RNG.normal(size=(3, 4))
    got = fg.grad(CPU.cpu_all, argnums=(0, 1), target="cpu")(x, y, w)
    want = check(CPU.cpu_all, (x, y, w), (0, 1), ag=False, jvp=False)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


VEC_SRC = '''
import numpy as np, scipy.special as ss, sys
import flatgrad as fg


def f(x, y):
    return ss.gammaln(x) + ss.digamma(y) + ss.xlogy(x, y) + ss.xlog1py(y, x) + ss.polygamma(1, x)


df = fg.grad(f, argnums=(0, 1), target="python")
x, y = np.linspace(0.5, 3, 8), np.linspace(0.2, 2, 8)
got = fg.vectorize(fg.grad(f, argnums=(0, 1)), target=sys.argv[1])(x, y)
for k in range(2):
    np.testing.assert_allclose(got[k], [df(a, b)[k] for a, b in zip(x, y)], rtol=1e-12)
print("ok")
'''


@pytest.mark.slow
@pytest.mark.parametrize("target", ["parallel", "cuda"])
def test_vectorized_special_functions(target, tmp_path):
    """The scalar helpers (gammaln, polygamma, xlogy, xlog1py) in batch kernels; CUDA under
    Numba's simulator (in a subprocess: the simulator is chosen at import)."""
    import os
    import subprocess
    import sys
    path = tmp_path / "vec_special.py"
    path.write_text(VEC_SRC)
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"} if target == "cuda" else dict(os.environ)
    r = subprocess.run([sys.executable, str(path), target], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]


F32 = build({"f32": "np.sum(w * (ss.gammaln(x + 2.0) + ss.digamma(x + 2.0) + ss.xlogy(x, x + 2.0) + "
                    "np.sinc(x) + np.fmax(x, 0.1) + np.logaddexp2(x, x * x) + ss.softmax(x, axis=0) + "
                    "np.cumsum(x, axis=1) + np.cumprod(x, axis=0) + np.sort(x, axis=1)))"})


def test_float32_stays_float32():
    x = RNG.uniform(-1, 1, (3, 4)).astype(np.float32)
    w = RNG.normal(size=(3, 4)).astype(np.float32)
    v, g = fg.value_and_grad(F32.f32, target="python")(x, w)
    assert g.dtype == np.float32
    np.testing.assert_allclose(v, F32.f32(x, w), rtol=1e-5)
    g64 = fg.grad(F32.f32, target="python")(x.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(g, g64, rtol=1e-3, atol=1e-4)
