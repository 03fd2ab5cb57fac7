"""fg.odeint: the solve against SciPy and closed forms, its adjoint gradients against finite
differences, a discretise-then-differentiate RK4 loop, the linear system's exact gradient
and autograd's odeint (ode_net), its tangents, and the errors around it. scipy.integrate.odeint
called inside a compiled function: tests/library/test_scipy_odeint.py; solve_ivp:
tests/library/test_solve_ivp.py."""
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

import flatgrad as fg

TIGHT = dict(rtol=1e-11, atol=1e-11)
A = np.array([[-0.5, 1.0], [-1.0, -0.3]])


def linear(y, t, A):
    return A @ y


def mlp(y, t, params):
    """ode_net's dynamics: a small tanh network of the state."""
    for W, b in params:
        out = np.dot(y, W) + b
        y = np.tanh(out)
    return out


def forced(y, t, W, b, c):
    return np.tanh(y @ W + b) * c - 0.3 * y * np.sin(t)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(3)
    return dict(y0=rng.normal(size=(2, 3)), t=np.array([0.0, 0.4, 0.9, 1.6]),
                W=rng.normal(size=(3, 3)) * 0.5, b=rng.normal(size=3), c=0.7,
                w=rng.normal(size=(4, 2, 3)))


def forced_loss(y0, t, W, b, c, w):
    ys = fg.odeint(forced, y0, t, W, b, c, rtol=1e-10, atol=1e-10)
    return np.sum(w * np.sin(ys))


def central(f, args, i, eps=1e-6):
    """Central differences of scalar ``f`` with respect to argument ``i``."""
    x = np.asarray(args[i], dtype=float)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        hi = list(args)
        lo = list(args)
        hi[i], lo[i] = x + e, x - e
        out[idx] = (f(*hi) - f(*lo)) / (2 * eps)
    return out if x.shape else float(out)


# ---------------------------------------------------------------------- the solve

def test_solve_matches_closed_form_and_scipy():
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 3.0, 7)
    exact = np.array([scipy.linalg.expm(A * ti) @ y0 for ti in t])
    ys = fg.odeint(linear, y0, t, A, **TIGHT)
    assert ys.shape == (7, 2)
    np.testing.assert_allclose(ys, exact, rtol=1e-9, atol=1e-10)
    default = fg.odeint(linear, y0, t, args=(A,))          # SciPy's args= and tolerances
    np.testing.assert_allclose(default, scipy.integrate.odeint(linear, y0, t, args=(A,)),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(default, exact, rtol=1e-6, atol=1e-7)


def test_solve_nonlinear_backwards_in_time_and_2d_state(problem):
    p = problem
    t = p["t"][::-1]
    ys = fg.odeint(forced, p["y0"], t, p["W"], p["b"], p["c"], **TIGHT)
    ref = scipy.integrate.solve_ivp(
        lambda tt, y: forced(y.reshape(2, 3), tt, p["W"], p["b"], p["c"]).ravel(),
        (t[0], t[-1]), p["y0"].ravel(), t_eval=t, method="DOP853", rtol=1e-12, atol=1e-12)
    assert ys.shape == (4, 2, 3)
    np.testing.assert_allclose(ys.reshape(4, 6), ref.y.T, rtol=1e-8, atol=1e-9)


def test_compiled_solve_matches_python(problem):
    p = problem
    args = (p["y0"], p["t"], p["W"], p["b"], p["c"], p["w"])
    value = fg.value_and_grad(forced_loss, target="python")(*args)[0]
    assert value == pytest.approx(forced_loss(*args), rel=1e-12)


def test_too_many_steps():
    y0, t = np.array([1.0]), np.array([0.0, 10.0])
    with pytest.raises(RuntimeError, match="mxstep"):
        fg.odeint(lambda y, t: -50.0 * y, y0, t, mxstep=5)

    def f(y0, t):
        return np.sum(fg.odeint(lambda y, t: -50.0 * y, y0, t, mxstep=5))
    v, g = fg.value_and_grad(f, target="python")(y0, t)
    assert np.isnan(v)


def scipy_order(y0, t, k):
    """SciPy's tfirst=True: the dynamics take (t, y)."""
    return np.sum(fg.odeint(lambda s, y, k: -k * y * s, y0, t, args=(k,), tfirst=True) ** 2)


def test_tfirst():
    y0, t, k = np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.0]), 0.8
    ys = fg.odeint(lambda s, y, k: -k * y * s, y0, t, k, tfirst=True, **TIGHT)
    np.testing.assert_allclose(ys, np.exp(-k * t ** 2 / 2)[:, None] * y0, rtol=1e-9)
    value, gk = fg.value_and_grad(scipy_order, 2, target="python")(y0, t, k)
    assert value == pytest.approx(scipy_order(y0, t, k), rel=1e-12)
    assert gk == pytest.approx(central(scipy_order, (y0, t, k), 2), rel=1e-6)


def test_args_given_twice():
    with pytest.raises(TypeError, match="not both"):
        fg.odeint(linear, np.ones(2), np.arange(3.0), A, args=(A,))


# ---------------------------------------------------------------------- gradients

def test_gradients_match_finite_differences(problem):
    p = problem
    args = (p["y0"], p["t"], p["W"], p["b"], p["c"], p["w"])
    grads = fg.grad(forced_loss, (0, 1, 2, 3, 4), target="python")(*args)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, central(forced_loss, args, i), rtol=1e-6, atol=1e-7,
                                   err_msg=f"argument {i}")


def test_one_adjoint_solve_serves_every_argument():
    """The gradients of y0, t and A slice one backward solve: the module has two solver
    loops, the forward one and the adjoint one."""
    from flatgrad.compiler import types as T

    def loss(y0, t, A):
        return np.sum(fg.odeint(linear, y0, t, A) ** 2)

    text = fg.source(loss, (0, 1, 2), target="python",
                     types=[T.parse("f64[:]"), T.parse("f64[:]"), T.parse("f64[:, :]")])
    assert text.count("while ") == 2


def test_closure_and_tuple_arguments(problem):
    """``func`` reads a value of the enclosing function; the weights come as a tuple."""
    p = problem

    def loss(y0, t, params, c):
        def f(y, tt, wb):
            W, b = wb
            return np.tanh(y @ W + b) * c - 0.1 * y * tt
        return np.sum(np.cos(fg.odeint(f, y0, t, args=(params,), rtol=1e-10, atol=1e-10)))

    args = (p["y0"], p["t"], (p["W"], p["b"]), p["c"])
    gy0, gt, (gW, gb), gc = fg.grad(loss, (0, 1, 2, 3), target="python")(*args)
    assert gc == pytest.approx(central(loss, args, 3), rel=1e-6)
    np.testing.assert_allclose(gy0, central(loss, args, 0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gt, central(loss, args, 1), rtol=1e-6, atol=1e-7)
    W_only = lambda W, *rest: loss(rest[0], rest[1], (W, rest[2]), rest[3])   # noqa: E731
    np.testing.assert_allclose(gW, central(W_only, (p["W"], p["y0"], p["t"], p["b"], p["c"]), 0),
                               rtol=1e-6, atol=1e-7)


def test_linear_system_exact_gradient():
    """d/dy0 sum_i g_i . expm(A t_i) y0 = sum_i expm(A t_i)^T g_i, and d/dt_i = g_i . A y(t_i)."""
    y0, t = np.array([1.0, -0.5]), np.array([0.0, 0.5, 1.5, 2.0])
    g = np.random.default_rng(0).normal(size=(4, 2))

    def loss(y0, t, A):
        return np.sum(g * fg.odeint(linear, y0, t, A, rtol=1e-11, atol=1e-11))

    gy0, gt = fg.grad(loss, (0, 1), target="python")(y0, t, A)
    exp = [scipy.linalg.expm(A * (ti - t[0])) for ti in t]
    np.testing.assert_allclose(gy0, sum(E.T @ gi for E, gi in zip(exp, g)), rtol=1e-8)
    ys = [E @ y0 for E in exp]
    want_t = [gi @ (A @ yi) for gi, yi in zip(g, ys)]
    want_t[0] = -sum(want_t[1:])       # moving every time together changes nothing
    np.testing.assert_allclose(gt, want_t, rtol=1e-8, atol=1e-10)


STEPS = 400


def rk4_loss(y0, W, b, w, ts):
    """The same problem discretised: classic RK4 with STEPS steps per output interval."""
    total = np.sum(w[0] * y0)
    y = y0
    for k in range(2):
        h = (ts[k + 1] - ts[k]) / STEPS
        for j in range(STEPS):
            s = ts[k] + j * h
            k1 = np.tanh(W @ y + b) - 0.3 * y * s
            k2 = np.tanh(W @ (y + 0.5 * h * k1) + b) - 0.3 * (y + 0.5 * h * k1) * (s + 0.5 * h)
            k3 = np.tanh(W @ (y + 0.5 * h * k2) + b) - 0.3 * (y + 0.5 * h * k2) * (s + 0.5 * h)
            k4 = np.tanh(W @ (y + h * k3) + b) - 0.3 * (y + h * k3) * (s + h)
            y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        total = total + np.sum(w[k + 1] * y)
    return total


def tanh_field(y, t, W, b):
    return np.tanh(W @ y + b) - 0.3 * y * t


def ode_loss(y0, W, b, w, ts):
    ys = fg.odeint(tanh_field, y0, ts, W, b, rtol=1e-11, atol=1e-11)
    return np.sum(w * ys)


def test_adjoint_matches_discretise_then_differentiate():
    rng = np.random.default_rng(5)
    args = (rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=3),
            rng.normal(size=(3, 3)), np.array([0.0, 0.5, 1.25]))
    assert ode_loss(*args) == pytest.approx(rk4_loss(*args), rel=1e-10)
    adjoint = fg.grad(ode_loss, (0, 1, 2), target="python")(*args)
    unrolled = fg.grad(rk4_loss, (0, 1, 2), target="python")(*args)
    for a, u in zip(adjoint, unrolled):
        np.testing.assert_allclose(a, u, rtol=1e-8, atol=1e-10)


def test_ode_net_matches_autograd():
    """autograd's ode_net: an MLP's dynamics, an L1 loss on the trajectory."""
    anp = pytest.importorskip("autograd.numpy")
    from autograd import grad as agrad
    from autograd.builtins import tuple as atuple
    from autograd.misc import flatten
    from autograd.scipy.integrate import odeint as aodeint

    rng = np.random.default_rng(1)
    sizes = [3, 8, 3]
    params = [(rng.normal(size=(m, n)) * 0.3, rng.normal(size=n) * 0.3)
              for m, n in zip(sizes[:-1], sizes[1:])]
    y0, t = np.array([1.0, 0.0, 0.5]), np.linspace(0.0, 1.5, 6)
    target = rng.normal(size=(6, 3))

    def loss(params, y0, t):
        pred = fg.odeint(mlp, y0, t, params, rtol=1e-10, atol=1e-10)
        return np.mean(np.abs(pred - target))

    flat, unflatten = flatten(params)

    def a_mlp(y, t, flat):
        for W, b in unflatten(flat):
            out = anp.dot(y, W) + b
            y = anp.tanh(out)
        return out

    def a_loss(flat, y0, t):
        pred = aodeint(a_mlp, y0, t, atuple((flat,)), rtol=1e-10, atol=1e-10)
        return anp.mean(anp.abs(pred - target))

    value, grads = fg.value_and_grad(loss, (0, 1, 2), target="python")(params, y0, t)
    g_params, g_y0, g_t = grads
    assert value == pytest.approx(a_loss(flat, y0, t), rel=1e-8)
    for (gW, gb), (aW, ab) in zip(g_params, unflatten(agrad(a_loss, 0)(flat, y0, t))):
        np.testing.assert_allclose(gW, aW, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gb, ab, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g_y0, agrad(a_loss, 1)(flat, y0, t), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g_t, agrad(a_loss, 2)(flat, y0, t), rtol=1e-6, atol=1e-9)


def test_vjp_of_the_trajectory(problem):
    p = problem
    t, b, c = p["t"], p["b"], p["c"]

    def traj(y0, W):       # t, b and c are read from the closure
        return fg.odeint(forced, y0, t, W, b, c, rtol=1e-10, atol=1e-10)

    out, back = fg.vjp(traj, p["y0"], p["W"], target="python")
    gy0, gW = back(p["w"])
    np.testing.assert_allclose(out, traj(p["y0"], p["W"]), rtol=1e-12)
    f = lambda y0, W: np.sum(p["w"] * traj(y0, W))   # noqa: E731
    np.testing.assert_allclose(gy0, central(f, (p["y0"], p["W"]), 0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gW, central(f, (p["y0"], p["W"]), 1), rtol=1e-6, atol=1e-7)


def decay(y, t, k):
    return -k * y + np.sin(t)


def solves_in_a_loop(y0, k):
    """A solve per trip: the backward loop reads each trip's solution from a tape."""
    total = 0.0
    y = y0
    for i in range(3):
        ys = fg.odeint(decay, y, np.array([0.0, 0.5]), k, rtol=1e-10, atol=1e-10)
        y = ys[1] * 1.1
        total = total + np.sum(y ** 2)
    return total


def test_solves_in_a_loop():
    args = (np.array([1.0, -0.5]), 0.8)
    gy0, gk = fg.grad(solves_in_a_loop, (0, 1), target="python")(*args)
    np.testing.assert_allclose(gy0, central(solves_in_a_loop, args, 0), rtol=1e-6)
    assert gk == pytest.approx(central(solves_in_a_loop, args, 1), rel=1e-6)


def decay_trajectory(y0, k):
    return fg.odeint(decay, y0, np.array([0.0, 0.5, 1.0]), k, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian(mode):
    y0, k, eps = np.array([1.0, -0.5]), 0.8, 1e-6
    J_y0, J_k = fg.jacobian(decay_trajectory, (0, 1), mode=mode, target="python")(y0, k)
    assert J_y0.shape == (3, 2, 2) and J_k.shape == (3, 2)
    for j in range(2):
        e = np.eye(2)[j] * eps
        np.testing.assert_allclose(J_y0[:, :, j], (decay_trajectory(y0 + e, k)
                                                   - decay_trajectory(y0 - e, k)) / (2 * eps),
                                   atol=1e-8)
    np.testing.assert_allclose(J_k, (decay_trajectory(y0, k + eps)
                                     - decay_trajectory(y0, k - eps)) / (2 * eps), atol=1e-8)


# ---------------------------------------------------------------------- tangents

def test_jvp_matches_finite_differences_and_the_adjoint(problem):
    p = problem
    rng = np.random.default_rng(7)
    args = (p["y0"], p["t"], p["W"], p["b"], p["c"], p["w"])
    tangents = (rng.normal(size=(2, 3)), rng.normal(size=4), rng.normal(size=(3, 3)),
                rng.normal(size=3), 0.4, None)
    value, tan = fg.jvp(forced_loss, args, tangents, target="python")
    eps = 1e-6
    shift = [a + eps * d if d is not None else a for a, d in zip(args, tangents)]
    back = [a - eps * d if d is not None else a for a, d in zip(args, tangents)]
    assert tan == pytest.approx((forced_loss(*shift) - forced_loss(*back)) / (2 * eps), rel=1e-6)
    grads = fg.grad(forced_loss, (0, 1, 2, 3, 4), target="python")(*args)
    assert tan == pytest.approx(sum(np.sum(g * d) for g, d in zip(grads, tangents)), rel=1e-7)


# ---------------------------------------------------------------------- errors

def returns_a_number(y0, t):
    return np.sum(fg.odeint(lambda y, t: np.sum(y), y0, t))


def scalar_state(y0, t):
    return np.sum(fg.odeint(lambda y, t: -y, 1.0, t))


def unknown_keyword(y0, t):
    return np.sum(fg.odeint(lambda y, t: -y, y0, t, full_output=True))


def tolerance_not_constant(y0, t):
    return np.sum(fg.odeint(lambda y, t: -y, y0, t, rtol=y0[0]))


def keywords_unpacked(y0, t):
    return np.sum(fg.odeint(lambda y, t: -y, y0, t, **TIGHT))


def test_keywords_unpacked_from_a_dict_are_the_keywords():
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 1.0, 5)
    explicit = lambda y0, t: np.sum(fg.odeint(lambda y, t: -y, y0, t, rtol=1e-11, atol=1e-11))  # noqa: E731
    np.testing.assert_allclose(fg.grad(keywords_unpacked, target="python")(y0, t),
                               fg.grad(explicit, target="python")(y0, t), rtol=1e-12)


@pytest.mark.parametrize("f, message", [
    (returns_a_number, "func must return dy/dt"),
    (scalar_state, "y0 must be an array"),
    (unknown_keyword, "unexpected keyword argument 'full_output'"),
    (tolerance_not_constant, "rtol must be a number known"),
])
def test_bad_calls(f, message):
    with pytest.raises(fg.CompileError, match=message):
        fg.grad(f, target="python")(np.ones(2), np.arange(3.0))


def test_second_derivatives_are_refused():
    def f(y0, t, A):
        return np.sum(fg.odeint(linear, y0, t, A))
    with pytest.raises(fg.CompileError, match="second derivatives through fg.odeint"):
        fg.hessian(f, target="python")(np.ones(2), np.arange(3.0), A)


# ---------------------------------------------------------------------- the cpu target

@pytest.fixture(scope="module")
def cpu_value_and_grad():
    return fg.value_and_grad(forced_loss, (0, 1, 2, 3, 4), target="cpu")


@pytest.mark.slow
def test_cpu_target_matches_python(cpu_value_and_grad, problem):
    p = problem
    args = (p["y0"], p["t"], p["W"], p["b"], p["c"], p["w"])
    v, grads = cpu_value_and_grad(*args)
    v_py, grads_py = fg.value_and_grad(forced_loss, (0, 1, 2, 3, 4), target="python")(*args)
    # the targets round differently (NumPy sums pairwise, the Numba helpers in order), and the
    # adaptive solver's step control turns rounding into differences up to its own tolerance
    # (rtol 1.49e-8): agreement is asked to that level, and each against differences
    assert v == pytest.approx(v_py, rel=1e-7)
    for g, g_py in zip(grads, grads_py):
        np.testing.assert_allclose(g, g_py, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads[2], central(forced_loss, args, 2), rtol=1e-6, atol=1e-7)
