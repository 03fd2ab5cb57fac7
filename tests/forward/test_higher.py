"""Jacobians (rev == fwd == finite differences), Hessians (forward over reverse),
grad of grad, vjp, and grad-ed functions called inside compiled functions."""
import math

import pytest

import flatgrad as fg
from flatgrad import sigmoid

from .conftest import fd, fd_hessian


def vec(x, y, z):
    return x * y * z, math.sin(x) + y * y, math.exp(z / (1.0 + x * x))


def test_jacobian_rev_fwd_and_finite_differences_agree():
    args = (0.7, -1.2, 0.4)
    jr = fg.jacobian(vec, argnums=(0, 1, 2), mode="rev", target="python")(*args)
    jf = fg.jacobian(vec, argnums=(0, 1, 2), mode="fwd", target="python")(*args)
    cols = [fd(vec, args, i) for i in range(3)]
    num = tuple(tuple(cols[i][j] for i in range(3)) for j in range(3))
    assert len(jr) == 3 and all(len(r) == 3 for r in jr)
    for r_rev, r_fwd, r_num in zip(jr, jf, num):
        assert r_rev == pytest.approx(r_fwd, rel=1e-12)
        assert r_rev == pytest.approx(r_num, rel=1e-6, abs=1e-8)


def test_jacobian_shapes_follow_jax():
    f = lambda x, y: x * y  # noqa: E731
    assert fg.jacobian(f, target="python")(2.0, 3.0) == pytest.approx(3.0)
    assert fg.jacobian(f, (0, 1), target="python")(2.0, 3.0) == pytest.approx((3.0, 2.0))
    g = lambda x, y: (x * y, x + y)  # noqa: E731
    assert fg.jacobian(g, mode="fwd", target="python")(2.0, 3.0) == pytest.approx((3.0, 1.0))
    assert fg.jacobian(g, (0, 1), target="python")(2.0, 3.0) == ((3.0, 2.0), (1.0, 1.0))


def test_vjp_scalar_and_tuple_outputs():
    out, vjp_fn = fg.vjp(vec, 0.7, -1.2, 0.4, target="python")
    assert out == pytest.approx(vec(0.7, -1.2, 0.4))
    ct = (1.0, -2.0, 0.5)
    grads = vjp_fn(ct)
    J = fg.jacobian(vec, (0, 1, 2), target="python")(0.7, -1.2, 0.4)
    expect = tuple(sum(ct[j] * J[j][i] for j in range(3)) for i in range(3))
    assert grads == pytest.approx(expect, rel=1e-12)
    out, vjp_fn = fg.vjp(lambda x, y: x * math.sin(y), 2.0, 0.5, target="python")
    assert vjp_fn(3.0) == pytest.approx((3.0 * math.sin(0.5), 3.0 * 2.0 * math.cos(0.5)))


def quadratic(x, y, z):
    return 3.0 * x * x + 2.0 * x * y - y * y + 0.5 * z * x + 4.0 * z * z + x - 7.0


def test_hessian_of_quadratic_form_is_its_matrix():
    H = fg.hessian(quadratic, (0, 1, 2), target="python")(0.3, -2.0, 5.0)
    assert H == ((6.0, 2.0, 0.5), (2.0, -2.0, 0.0), (0.5, 0.0, 8.0))


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def test_hessian_of_sigmoid_neuron():
    args = (2.0, -1.0, -3.0, -2.0, -3.0)
    H = fg.hessian(neuron, tuple(range(5)), target="python")(*args)
    num = fd_hessian(neuron, args)
    for i in range(5):
        assert H[i] == pytest.approx(num[i], abs=1e-6)
        for j in range(5):
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-12)
    # closed form: d2 sigma(s)/ds2 = sigma (1 - sigma) (1 - 2 sigma), ds/dw0 = x0
    s = 2.0 * -1.0 + -3.0 * -2.0 - 3.0
    sg = 1.0 / (1.0 + math.exp(-s))
    assert H[0][0] == pytest.approx(sg * (1 - sg) * (1 - 2 * sg) * 1.0, rel=1e-12)


def gauss(x, mu, sigma):
    return math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))


def test_hessian_of_gaussian_density():
    args = (0.7, 0.2, 1.3)
    H = fg.hessian(gauss, (0, 1, 2), target="python")(*args)
    num = fd_hessian(gauss, args)
    for i in range(3):
        assert H[i] == pytest.approx(num[i], abs=1e-6)
    x, mu, s = args
    u = (x - mu) / s
    assert H[0][0] == pytest.approx(gauss(*args) * (u * u - 1) / (s * s), rel=1e-12)


def call_price(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    N1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    N2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return S * N1 - K * math.exp(-r * T) * N2


def test_black_scholes_gamma_is_closed_form():
    S, K, T, r, sigma = 100.0, 95.0, 0.75, 0.03, 0.25
    gamma = fg.hessian(call_price, target="python")(S, K, T, r, sigma)
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    assert gamma == pytest.approx(pdf / (S * sigma * math.sqrt(T)), rel=1e-10)
    # and grad(grad(.)) agrees, delta is N(d1)
    assert fg.grad(fg.grad(call_price), target="python")(S, K, T, r, sigma) == pytest.approx(gamma)
    assert fg.grad(call_price, target="python")(S, K, T, r, sigma) == pytest.approx(
        0.5 * (1 + math.erf(d1 / math.sqrt(2))), rel=1e-12)


def test_grad_of_grad_is_second_derivative():
    f = lambda x: x ** 4 - 3.0 * math.sin(x) * x  # noqa: E731
    d2 = lambda x: 12.0 * x * x + 3.0 * (math.sin(x) * x - 2.0 * math.cos(x))  # noqa: E731
    gg = fg.grad(fg.grad(f, target="python"), target="python")
    for x in (-1.5, 0.3, 2.0):
        assert gg(x) == pytest.approx(d2(x), rel=1e-12)
    ggg = fg.grad(gg, target="python")
    assert ggg(0.3) == pytest.approx(fd(gg, (0.3,), 0), rel=1e-6)


def test_value_and_grad_of_grad():
    f = lambda x, y: x ** 3 * y  # noqa: E731
    v, g = fg.value_and_grad(fg.grad(f, target="python"), 1, target="python")(2.0, 5.0)
    assert (v, g) == pytest.approx((60.0, 12.0))


df = fg.grad(lambda x, y: math.sin(x) * y, argnums=(0, 1), target="python")


def calls_grad(x, y):
    gx, gy = df(x, y)
    return gx * gx + gy


def test_grad_of_function_calling_a_grad_ed_function():
    g = fg.grad(calls_grad, (0, 1), target="python")
    for i, gi in enumerate(g(0.4, 1.5)):
        assert gi == pytest.approx(fd(calls_grad, (0.4, 1.5), i), rel=1e-6)
    assert fg.hessian(calls_grad, target="python")(0.4, 1.5) == pytest.approx(
        fd(lambda x: fg.grad(calls_grad, target="python")(x, 1.5), (0.4,), 0), rel=1e-6)


def ctrl(x, y):
    s = 0.0
    for i in range(4):
        s = s + math.sin(x * i) * y
        if s > 1.0:
            s = s - x * y * y
    if x > y:
        s = s * x
    return s * s


def wloop(x, y):
    s = x
    while s < 10.0:
        s = s * s + y
    return s * y


@pytest.mark.parametrize("f,args", [(ctrl, (0.9, 0.7)), (ctrl, (0.3, 1.1)),
                                    (wloop, (1.3, 0.4))], ids=["ctrl-a", "ctrl-b", "while"])
def test_hessian_through_if_and_loops_matches_finite_differences(f, args):
    H = fg.hessian(f, (0, 1), target="python")(*args)
    g = fg.grad(f, (0, 1), target="python")
    num = [fd(lambda *a: g(*a), args, i) for i in range(2)]   # columns
    for i in range(2):
        for j in range(2):
            assert H[i][j] == pytest.approx(num[j][i], rel=1e-5, abs=1e-6)
    numf = fd_hessian(f, args)
    assert H[0] == pytest.approx(numf[0], rel=1e-3, abs=1e-4)


def test_argnums_errors_are_compile_errors():
    with pytest.raises(fg.CompileError, match="argnums 3 is out of range"):
        fg.hessian(quadratic, 3, target="python")(1.0, 2.0, 3.0)
    with pytest.raises(fg.CompileError, match="return one scalar"):
        fg.grad(fg.jacobian(vec, (0, 1, 2), target="python"), target="python")(1.0, 2.0, 3.0)


@pytest.mark.slow
def test_cpu_target_jvp_jacobian_hessian_match_python():
    args = (0.9, 0.7)
    for target in ("cpu",):
        assert fg.jvp(ctrl, args, (1.0, 0.5), target=target) == pytest.approx(
            fg.jvp(ctrl, args, (1.0, 0.5), target="python"), rel=1e-12)
        H = fg.hessian(wloop, (0, 1), target=target)(1.3, 0.4)
        for row, ref in zip(H, fg.hessian(wloop, (0, 1), target="python")(1.3, 0.4)):
            assert row == pytest.approx(ref, rel=1e-12)
        J = fg.jacobian(vec, (0, 1, 2), mode="fwd", target=target)(0.7, -1.2, 0.4)
        for row, ref in zip(J, fg.jacobian(vec, (0, 1, 2), target="python")(0.7, -1.2, 0.4)):
            assert row == pytest.approx(ref, rel=1e-12)
        gg = fg.grad(fg.grad(call_price, target=target), target=target)
        assert gg(100.0, 95.0, 0.75, 0.03, 0.25) == pytest.approx(
            fg.hessian(call_price, target="python")(100.0, 95.0, 0.75, 0.03, 0.25), rel=1e-12)
