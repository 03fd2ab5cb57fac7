"""scipy.linalg.expm (library/expm.py, expm_funcs.py): values against SciPy's, gradients
against central differences, against SciPy's own Fréchet derivative (expm_frechet, a
different algorithm) and against JAX's expm, JVPs, Hessians against differences of the
gradient, stacks, vmap, the refusals, and the cpu target (runtime/matrix_exp.py) against
SciPy on random matrices."""
import types

import numpy as np
import pytest
import scipy.linalg
from scipy.linalg import expm_frechet

import flatgrad as fg

from ..frontend.numeric import check_value_and_grad, num_grad
from . import expm_funcs as F

RNG = np.random.default_rng(3)
A0 = RNG.normal(size=(3, 3))
R0 = np.array([0.4, 1.1, 0.7])


def _ids(f):
    return f.__name__


@pytest.mark.parametrize("f", F.MATRIX_FUNCS, ids=_ids)
@pytest.mark.parametrize("scale", [0.3, 1.0, 4.0])
def test_value_and_gradient_against_differences(f, scale):
    check_value_and_grad(f, (scale * A0,), 0, rtol=1e-6, atol=1e-7)


def test_values_are_scipys():
    for n in (1, 2, 3, 5):
        A = RNG.normal(size=(n, n))
        value, _ = fg.jvp(F.matrix, (A,), (A,), target="python")
        np.testing.assert_array_equal(value, scipy.linalg.expm(A))


def test_gradient_is_the_adjoint_frechet_derivative():
    """grad of <W, expm(A)> is L(Aᵀ, W) (SciPy's expm_frechet), the tangent along E is
    <W, L(A, E)>, at small, moderate and large norms."""
    E = RNG.normal(size=(3, 3))
    for scale in (1e-3, 1.0, 8.0):
        A = scale * A0
        g = fg.grad(F.weighted, target="python")(A)
        np.testing.assert_allclose(g, expm_frechet(A.T, F.W, compute_expm=False),
                                   rtol=1e-11, atol=1e-12 * np.abs(g).max())
        _, tan = fg.jvp(F.weighted, (A,), (E,), target="python")
        assert tan == pytest.approx(np.sum(F.W * expm_frechet(A, E, compute_expm=False)),
                                    rel=1e-11)
        _, T = fg.jvp(F.matrix, (A,), (E,), target="python")
        np.testing.assert_allclose(T, expm_frechet(A, E, compute_expm=False), rtol=1e-10,
                                   atol=1e-12 * np.abs(T).max())


def test_scalar_parameter_and_markov_rates():
    for t in (0.2, 1.3):
        check_value_and_grad(F.propagate, (t,), 0, rtol=1e-6, atol=1e-8)
    check_value_and_grad(F.markov, (R0,), 0, rtol=1e-6, atol=1e-8)


def _jax_clone(f):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    scipy_ns = types.SimpleNamespace(linalg=types.SimpleNamespace(expm=jsl.expm))
    return jax, type(f)(f.__code__, {**f.__globals__, "np": jnp, "scipy": scipy_ns}, f.__name__)


@pytest.mark.parametrize("f", F.MATRIX_FUNCS + [F.markov], ids=_ids)
def test_gradient_against_jax(f):
    jax, clone = _jax_clone(f)
    x = R0 if f is F.markov else 2.0 * A0
    np.testing.assert_allclose(fg.grad(f, target="python")(x), np.asarray(jax.grad(clone)(x)),
                               rtol=1e-9, atol=1e-11)


def test_hessian_against_jax():
    jax, clone = _jax_clone(F.squares)
    H = fg.hessian(F.squares, target="python")(A0)
    np.testing.assert_allclose(H, np.asarray(jax.hessian(clone)(A0)), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("f", [F.weighted, F.squares, F.ode_loss], ids=_ids)
def test_hessian_against_differences_of_the_gradient(f):
    A = 0.8 * A0
    g = fg.grad(f, target="python")
    eps = 1e-6
    fd = np.array([(g(A + eps * e) - g(A - eps * e)) / (2 * eps)
                   for e in np.eye(9).reshape(9, 3, 3)]).reshape(9, 9)
    H = fg.hessian(f, target="python")(A).reshape(9, 9)
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-8, atol=1e-10)


def test_hvp_and_second_derivative_of_a_scalar_parameter():
    t = 0.9
    d2 = fg.grad(fg.grad(F.propagate, target="python"), target="python")(t)
    g = fg.grad(F.propagate, target="python")
    assert d2 == pytest.approx((g(t + 1e-5) - g(t - 1e-5)) / 2e-5, rel=1e-6)
    V = RNG.normal(size=(3, 3))
    hv = fg.hvp(F.weighted, target="python")(A0, V)
    gw = fg.grad(F.weighted, target="python")
    np.testing.assert_allclose(hv, (gw(A0 + 1e-6 * V) - gw(A0 - 1e-6 * V)) / 2e-6,
                               rtol=1e-5, atol=1e-6)


def test_stack_of_matrices():
    A3 = RNG.normal(size=(2, 3, 4, 4))
    value, grad = fg.value_and_grad(F.stacked, target="python")(A3)
    assert value == F.stacked(A3)
    E = scipy.linalg.expm(A3)
    want = np.array([[2 * F.W[0, 0] * expm_frechet(a.T, e, compute_expm=False)
                      for a, e in zip(ra, re)] for ra, re in zip(A3, E)])
    np.testing.assert_allclose(grad, want, rtol=1e-10, atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("method", ["batch", "loop"])
def test_vmap_over_a_batch_of_matrices(method):
    As = RNG.normal(size=(5, 3, 3))
    grads = fg.vmap(fg.grad(F.weighted, target="python"), method=method, target="python")(As)
    np.testing.assert_allclose(grads, [expm_frechet(a.T, F.W, compute_expm=False) for a in As],
                               rtol=1e-11, atol=1e-12)
    values = fg.vmap(F.weighted, method=method, target="python")(As)
    np.testing.assert_allclose(values, [F.weighted(a) for a in As], rtol=1e-13)


def test_one_by_one_and_a_number():
    value, grad = fg.value_and_grad(F.one_by_one, target="python")(np.array([[0.3]]))
    assert value == pytest.approx(2 * np.exp(0.3), rel=1e-15)
    np.testing.assert_allclose(grad, [[2 * np.exp(0.3)]], rtol=1e-14)
    value, grad = fg.value_and_grad(F.of_number, target="python")(0.6)
    assert value == pytest.approx(np.exp(0.3), rel=1e-15)
    assert grad == pytest.approx(0.5 * np.exp(0.3), rel=1e-14)


def test_refusals():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(F.of_vector, target="python")(np.ones(3))
    assert "at least two-dimensional" in str(e.value) and "expm_funcs.py:" in str(e.value)
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fg.grad(F.of_vector, target="python")(np.ones((2, 3)))


def _random_matrices(count, seed):
    """Sizes 1..8, full, upper and lower triangular, diagonal and sparse, 1-norms 1e-4..60."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        n = int(rng.integers(1, 9))
        A = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.8)
        A = [A, np.triu(A), np.tril(A), np.diag(np.diag(A))][k % 4] if k % 5 else A
        out.append(A / max(np.abs(A).sum(axis=0).max(), 1e-300) * 10 ** rng.uniform(-4, 1.8))
    return out


def test_the_numba_algorithm_in_python_against_scipy():
    """runtime/matrix_exp.py run as plain Python (what Numba compiles): SciPy's values."""
    from runtime.matrix_exp import expm_stack
    for A in _random_matrices(200, 5):
        want = scipy.linalg.expm(A)
        np.testing.assert_allclose(expm_stack(A), want, rtol=0, atol=5e-12 * np.abs(want).max())


@pytest.mark.slow
def test_cpu_target_against_scipy():
    """The Numba helper's values and Fréchet tangents on 200 random matrices and a stack,
    and gradients of the functions against the python target's."""
    for A in _random_matrices(200, 8):
        E = np.ones_like(A)
        value, tan = fg.jvp(F.matrix, (A,), (E,), target="cpu")
        want = scipy.linalg.expm(A)
        np.testing.assert_allclose(value, want, rtol=0, atol=5e-12 * np.abs(want).max())
        ref = expm_frechet(A, E, compute_expm=False)
        np.testing.assert_allclose(tan, ref, rtol=0, atol=1e-10 * max(np.abs(ref).max(), 1))
    A3 = RNG.normal(size=(2, 3, 4, 4))
    value, grad = fg.value_and_grad(F.stacked, target="cpu")(A3)
    py_value, py_grad = fg.value_and_grad(F.stacked, target="python")(A3)
    assert value == pytest.approx(py_value, rel=1e-12)
    np.testing.assert_allclose(grad, py_grad, rtol=1e-10, atol=1e-12 * np.abs(py_grad).max())
    for f in (F.weighted,):
        v1, g1 = fg.value_and_grad(f, target="cpu")(A0)
        v2, g2 = fg.value_and_grad(f, target="python")(A0)
        assert v1 == pytest.approx(v2, rel=1e-12)
        np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError):
        fg.jvp(F.matrix, (np.ones((2, 3)),), (np.ones((2, 3)),), target="cpu")
