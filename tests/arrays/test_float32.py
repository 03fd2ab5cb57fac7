"""Float32 programs: every gradient has its argument's dtype and the value of the float64
computation to float32 precision (against central differences of the float64 program), on
the python target and under Numba (where float32 @ float64 does not compile, and a float64
number turns the float32 arrays it meets into float64 ones).

The derivative of a float32 value is float32 (as JAX keeps it): a float64 contribution, a
mask ``0.5 * (x == 0)`` or a float64 array the program made, is rounded into it
(compiler/builder.py ``in_dtype``); a float32 number stays float32 in Numba code
(compiler/codegen.py)."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import float32_funcs as F

RNG = np.random.default_rng(32)
N, D, H = 6, 4, 5


def _mlp():
    return [RNG.normal(size=(D, H)), RNG.normal(size=H), RNG.normal(size=(H, 2)),
            RNG.normal(size=(N, D)), RNG.normal(size=N)]


CASES = {
    "mlp_relu": (F.mlp_relu, _mlp),
    "mlp_tanh": (F.mlp_tanh, lambda: [RNG.normal(size=(D, H)), RNG.normal(size=H),
                                      RNG.normal(size=H), RNG.normal(size=(N, D)),
                                      RNG.normal(size=N)]),
    "logreg": (F.logreg, lambda: [RNG.normal(size=D), RNG.normal(size=(N, D)),
                                  np.sign(RNG.normal(size=N))]),
    "norms": (F.norms, lambda: [RNG.normal(size=7)]),
    "sigmoid_rows": (F.sigmoid_rows, lambda: [RNG.normal(size=D), RNG.normal(size=(N, D))]),
    "conv_into_float64": (F.conv_into_float64, lambda: [RNG.normal(size=3), RNG.normal(size=9)]),
    "cholesky_shifted": (F.cholesky_shifted, lambda: [RNG.normal(size=(4, 4))]),
    "axis_reductions": (F.axis_reductions, lambda: [RNG.normal(size=(4, 3))]),
    "int_array_mix": (F.int_array_mix, lambda: [RNG.normal(size=5)]),
    "inner_vjp": (F.inner_vjp, lambda: [RNG.normal(size=3)]),
    "scalar_helpers": (F.scalar_helpers, lambda: [RNG.normal(size=4) * 0.8]),
    "recurrence": (F.recurrence, lambda: [RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3)]),
}


def _check(name, target, which):
    """Arguments ``which`` ("all" or "first") in float32, the rest float64."""
    f, make = CASES[name]
    args64 = make()
    floats = tuple(range(len(args64)))
    args = [a.astype(np.float32) if which == "all" or i == 0 else a
            for i, a in enumerate(args64)]
    grads = fg.grad(f, argnums=floats, target=target)(*args)
    for i, g in zip(floats, grads):
        assert g.dtype == args[i].dtype, (i, g.dtype, args[i].dtype)
        # the float64 program at the float32 values: its differences are the reference
        at = [a.astype(np.float64) for a in args]
        np.testing.assert_allclose(g, numeric_grad(f, at, i, 1e-6), rtol=2e-3, atol=2e-3,
                                   err_msg=f"{name}: argument {i}")


@pytest.mark.parametrize("which", ["all", "first"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_python_target(name, which):
    _check(name, "python", which)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_cpu_target(name):
    _check(name, "cpu", "all")


@pytest.mark.slow
def test_cpu_forward_mode_and_hessian_of_float32():
    """Tangents and Jacobian seeds have their primal's dtype: a float32 tangent of a value
    the program made float64 (A A^T plus a float64 identity) is cast up, and the seeds of a
    float32 argument are float32, so Numba compiles both."""
    A = RNG.normal(size=(4, 4))
    t = RNG.normal(size=(4, 4))
    val, tan = fg.jvp(F.cholesky_shifted, (A.astype(np.float32),), (t.astype(np.float32),),
                      target="cpu")
    ref = fg.jvp(F.cholesky_shifted, (A,), (t,), target="python")[1]
    np.testing.assert_allclose(tan, ref, rtol=1e-3, atol=1e-3)
    args = CASES["mlp_tanh"][1]()
    h32 = fg.hessian(F.mlp_tanh, target="cpu")(*[a.astype(np.float32) for a in args])
    h64 = fg.hessian(F.mlp_tanh, target="python")(*args)
    np.testing.assert_allclose(h32, h64, rtol=2e-3, atol=2e-3)


def test_the_generated_numba_code_keeps_float32():
    """What the cpu target compiles (read without compiling it): the ReLU mask, float64 in
    NumPy, is rounded into the float32 adjoint before it meets W1 (no float32 @ float64
    product), and the scalar 1/N is computed in float32."""
    args = [a.astype(np.float32) for a in CASES["mlp_relu"][1]()]
    text = fg.grad(F.mlp_relu, argnums=(0, 1, 2, 3, 4), target="cpu").lower(*args)
    assert ".astype(np.float32)" in text
    assert "np.float32(np.float32(1.0) / " in text, text


@pytest.mark.slow
def test_cpu_target_returns_float32_numbers_as_numpy_does():
    """Numba boxes a float32 number as a Python float; the cpu target returns np.float32,
    as NumPy and the python tier of the same function do (a loss, a scalar's gradient)."""
    a, b = np.float32(0.7), np.float32(-1.3)
    for target in ("python", "cpu"):
        val, (ga, gb) = fg.value_and_grad(F.numbers, argnums=(0, 1), target=target)(a, b)
        assert type(val) is type(ga) is type(gb) is np.float32, (target, type(val), type(ga))
        np.testing.assert_allclose([ga, gb], [numeric_grad(F.numbers, [0.7, -1.3], i, 1e-6)
                                              for i in (0, 1)], rtol=1e-4)
    args = [x.astype(np.float32) for x in CASES["mlp_relu"][1]()]
    val, _ = fg.value_and_grad(F.mlp_relu, argnums=(0, 1, 2), target="cpu")(*args)
    assert type(val) is np.float32
    np.testing.assert_allclose(val, F.mlp_relu(*args), rtol=1e-5)
