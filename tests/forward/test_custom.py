"""custom_vjp and SymPy-registered primitives, in every transform."""
import math

import numpy as np
import pytest
import sympy

import flatgrad as fg

from .conftest import fd, fd_hessian


@fg.custom_vjp
def softplus1(x):
    return math.log(1.0 + math.exp(x))


def softplus1_fwd(x):
    e = math.exp(x)
    return math.log(1.0 + e), e


def softplus1_bwd(e, g):
    return (g * e / (1.0 + e),)


softplus1.defvjp(softplus1_fwd, softplus1_bwd)


def model(x, y):
    return softplus1(x * y) * y + x * x


def test_custom_vjp_inside_a_larger_function():
    g = fg.grad(model, (0, 1), target="python")
    for i, gi in enumerate(g(0.5, 2.0)):
        assert gi == pytest.approx(fd(model, (0.5, 2.0), i), rel=1e-7)
    assert "softplus1" not in g.source          # the primal body was inlined
    assert "/ (1.0 + " in g.source or "/ s" in g.source


@fg.custom_vjp
def clip_ste(x):
    return min(max(x, -1.0), 1.0)


def ste_fwd(x):
    return clip_ste(x), 0.0


def ste_bwd(res, g):
    return (g,)          # straight-through: the user's rule, not the true derivative


clip_ste.defvjp(ste_fwd, ste_bwd)


def uses_ste(x):
    return clip_ste(3.0 * x) * 2.0


def test_every_transform_uses_the_users_backward():
    assert fg.grad(uses_ste, target="python")(5.0) == 6.0      # true derivative is 0
    assert fg.jvp(uses_ste, (5.0,), (1.0,), target="python") == (2.0, 6.0)
    assert fg.jacobian(uses_ste, mode="rev", target="python")(5.0) == 6.0
    assert fg.jacobian(uses_ste, mode="fwd", target="python")(5.0) == 6.0
    assert uses_ste(5.0) == 2.0                                 # plain Python call


def test_forward_and_hessian_through_custom_vjp():
    out, tan = fg.jvp(model, (0.5, 2.0), (1.0, -1.0), target="python")
    assert tan == pytest.approx(fd(model, (0.5, 2.0), 0) - fd(model, (0.5, 2.0), 1), rel=1e-7)
    H = fg.hessian(model, (0, 1), target="python")(0.5, 2.0)
    num = fd_hessian(model, (0.5, 2.0))
    for i in range(2):
        assert H[i] == pytest.approx(num[i], rel=1e-5)


@fg.custom_vjp
def bad(x, y):
    return x * y


def bad_fwd(x, y):
    return x * y, (x, y)


def bad_bwd(res, g):
    x, y = res
    return g * y


bad.defvjp(bad_fwd, bad_bwd)


def uses_bad(x, y):
    return bad(x, y) + 1.0


def test_backward_with_wrong_number_of_outputs_is_a_compile_error():
    with pytest.raises(fg.CompileError, match=r"test_custom\.py:\d+:.*returns 1 gradient\(s\), "
                                              r"but 'bad' takes 2 input"):
        fg.grad(uses_bad, target="python")(1.0, 2.0)
    with pytest.raises(fg.CompileError, match="returns 1 gradient"):
        fg.jvp(uses_bad, (1.0, 2.0), (1.0, 0.0), target="python")


@fg.custom_vjp
def norule(x):
    return x * 2.0


def test_missing_defvjp_is_a_compile_error():
    with pytest.raises(fg.CompileError, match="has no backward rule"):
        fg.grad(lambda x: norule(x) + x, target="python")(1.0)


# ---------------------------------------------------------------------- SymPy primitives

gaussian = fg.primitive("gaussian", lambda x: sympy.exp(-x ** 2 / 2))


@fg.primitive
def logadd_exp(a, b):
    return sympy.log(sympy.exp(a) + sympy.exp(b))


def energy(x, y):
    return gaussian(x * y) * y + logadd_exp(x, 2.0 * y)


def test_sympy_primitive_evaluates_in_python():
    assert gaussian(0.5) == pytest.approx(math.exp(-0.125))
    assert np.allclose(gaussian(np.array([0.0, 1.0])), [1.0, math.exp(-0.5)])
    assert logadd_exp(1.0, 2.0) == pytest.approx(np.logaddexp(1.0, 2.0))


def test_sympy_primitive_in_grad_jvp_and_hessian():
    args = (0.3, 1.5)
    g = fg.grad(energy, (0, 1), target="python")(*args)
    assert g == pytest.approx((fd(energy, args, 0), fd(energy, args, 1)), rel=1e-7)
    _, tan = fg.jvp(energy, args, (0.5, 2.0), target="python")
    assert tan == pytest.approx(0.5 * g[0] + 2.0 * g[1], rel=1e-12)
    H = fg.hessian(energy, (0, 1), target="python")(*args)
    num = fd_hessian(energy, args)
    for i in range(2):
        assert H[i] == pytest.approx(num[i], rel=1e-5)
    # d2/dx2 gaussian(x) = (x^2 - 1) gaussian(x), from sympy.diff
    h1 = fg.hessian(lambda x: gaussian(x), target="python")(0.7)
    assert h1 == pytest.approx((0.49 - 1.0) * math.exp(-0.245), rel=1e-12)


def test_sympy_primitive_is_spelled_inline():
    src = fg.source(lambda x: gaussian(x), target="python")
    assert "math.exp(-1/2*x**2)" in src


def test_sympy_primitive_name_clash():
    with pytest.raises(ValueError, match="already a flatgrad primitive"):
        fg.primitive("exp", lambda x: sympy.exp(x))


@pytest.mark.slow
def test_sympy_primitive_and_custom_vjp_on_cpu_target():
    args = (0.3, 1.5)
    g = fg.grad(energy, (0, 1), target="cpu")(*args)
    assert g == pytest.approx(fg.grad(energy, (0, 1), target="python")(*args), rel=1e-12)
    H = fg.hessian(energy, (0, 1), target="cpu")(*args)
    for row, ref in zip(H, fg.hessian(energy, (0, 1), target="python")(*args)):
        assert row == pytest.approx(ref, rel=1e-12)
    assert fg.grad(model, (0, 1), target="cpu")(0.5, 2.0) == pytest.approx(
        fg.grad(model, (0, 1), target="python")(0.5, 2.0))
