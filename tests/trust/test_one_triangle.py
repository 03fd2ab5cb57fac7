"""A wrong gradient fixed (round 3, session 10): np.linalg.cholesky, eigh, eigvalsh and
SciPy's cholesky / cho_factor read one triangle of their argument, so the derivative of the
function NumPy computes is zero on the other triangle. Their rules returned the symmetric
gradient (JAX's convention, where the input is symmetrised first), which finite differences
of NumPy's function contradict wherever the argument is not symmetric. Here: gradients and
Hessians at a non-symmetric argument against differences, both targets; and for an argument
made symmetric in the function, the same derivatives as before.

Then a wrong value (session 11): np.linalg.eigh(a, 'U') was computed as eigh(a^T) reading the
lower triangle, whose eigenvalues agree but whose eigenvectors LAPACK signs otherwise, so any
function of their signs had another value and gradient than NumPy's. Here: eigh(a, 'U')'s
results equal NumPy's bit for bit on both targets, and sign-dependent functions of its
eigenvectors have the gradients, tangents and Hessians of NumPy's function."""
import numpy as np
import pytest
import scipy.linalg

import flatgrad as fg

from ..frontend.numeric import num_grad

RNG = np.random.default_rng(11)
_A = RNG.normal(size=(4, 4))
S = _A @ _A.T + 4.0 * np.eye(4)
S[0, 3] += 3.0                      # not symmetric: the upper triangle differs
S[1, 2] -= 2.0
W = RNG.normal(size=(4, 4))


def eigh_values(a):
    return np.sum(np.linalg.eigh(a)[0] * np.arange(4.0)) + np.sum(np.linalg.eigvalsh(a, "U") ** 2)


def eigh_vectors(a):
    return np.sum(np.abs(np.linalg.eigh(a)[1]) ** 3) + np.sum(np.linalg.eigh(a, UPLO="U")[1][:, 0] ** 2)


def cholesky(a):
    return np.sum(np.linalg.cholesky(a) * W) + np.sum(scipy.linalg.cholesky(a) ** 3)


def cho_solve(a):
    return np.sum(scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), np.arange(1.0, 5.0)) ** 2) + \
        np.sum(scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=True), W) ** 2)


def symmetric_inside(x):
    a = x @ x.T + 4.0 * np.eye(4)
    return cholesky(a) + eigh_values(a)


FUNCS = [eigh_values, eigh_vectors, cholesky, cho_solve]
TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_gradient_at_a_non_symmetric_argument(f, target):
    g = fg.grad(f, target=target)(S)
    np.testing.assert_allclose(g, num_grad(f, (S,), 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [eigh_values, cholesky], ids=lambda f: f.__name__)
def test_hessian_at_a_non_symmetric_argument(f):
    g = fg.grad(f, target="python")
    H = fg.hessian(f, target="python")(S).reshape(16, 16)
    E = np.eye(16).reshape(16, 4, 4)
    fd = np.array([(g(S + 1e-6 * e) - g(S - 1e-6 * e)).ravel() / 2e-6 for e in E])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-5)


def test_the_lower_factor_alone_has_a_lower_gradient():
    g = fg.grad(lambda a: np.sum(np.linalg.cholesky(a) * W), target="python")(S)
    assert np.all(g[np.triu_indices(4, 1)] == 0)
    g = fg.grad(lambda a: np.sum(scipy.linalg.cholesky(a) * W), target="python")(S)
    assert np.all(g[np.tril_indices(4, -1)] == 0)
    g = fg.grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3), target="python")(S)
    assert np.all(g[np.triu_indices(4, 1)] == 0)


def test_a_matrix_made_symmetric_in_the_function_is_unchanged():
    x = RNG.normal(size=(4, 4))
    np.testing.assert_allclose(fg.grad(symmetric_inside, target="python")(x),
                               num_grad(symmetric_inside, (x,), 0), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- eigh(a, 'U') itself
SQUARES = [RNG.normal(size=(n, n)) for n in (1, 2, 3, 4, 5, 6, 8)] + [S, W]


def eigh_results(a):
    """eigh's results reading either triangle, the upper one spelt three ways and of a
    transposed view (column-major under Numba: LAPACK overwrites a copy, not a)."""
    w, V = np.linalg.eigh(a, "U")
    return w, V, np.linalg.eigh(a, UPLO="U")[1], np.linalg.eigh(a, "u")[0], \
        np.linalg.eigh(a.T, "U")[1], np.linalg.eigh(a)[0], np.linalg.eigh(a, UPLO="L")[1], a + 0.0


def _with_results(c, a):
    return c * 1.0, eigh_results(a)


@pytest.mark.parametrize("target", TARGETS)
def test_upper_eigh_values_are_numpys(target):
    """Bit for bit (the same LAPACK ?syevd call, UPLO='U'; float64): eigh(a^T) reading the
    lower triangle has eigenvectors of other signs."""
    results = fg.value_and_grad(_with_results, has_aux=True, target=target)
    for X in SQUARES:
        (_, got), _ = results(1.0, X)
        for g, want in zip(got, eigh_results(X), strict=True):
            np.testing.assert_array_equal(g, want)


def upper_vectors(a):
    """Depends on the sign of every eigenvector (a weighted sum, a cube)."""
    V = np.linalg.eigh(a, UPLO="U")[1]
    return np.sum(V * W) + np.sum(V[0] ** 3)


def upper_pairs(a):
    w, V = np.linalg.eigh(a, "U")
    return np.sum(w * (V @ np.arange(1.0, 5.0))) + np.sum(np.linalg.eigvalsh(a, "U") * V[1])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("f", [upper_vectors, upper_pairs], ids=lambda f: f.__name__)
def test_sign_dependent_gradient_of_the_upper_eigenvectors(f, target):
    value, g = fg.value_and_grad(f, target=target)(S)
    np.testing.assert_allclose(value, f(S), rtol=1e-14)   # Numba sums in its own order
    np.testing.assert_allclose(g, num_grad(f, (S,), 0), rtol=1e-5, atol=1e-6)
    assert np.all(g[np.tril_indices(4, -1)] == 0)          # the lower triangle is never read


def test_sign_dependent_tangent_of_the_upper_eigenvectors():
    t = RNG.normal(size=(4, 4))
    out, tan = fg.jvp(lambda a: np.linalg.eigh(a, "U")[1], (S,), (t,), target="python")
    np.testing.assert_array_equal(out, np.linalg.eigh(S, "U")[1])
    eps = 1e-6
    fd = (np.linalg.eigh(S + eps * t, "U")[1] - np.linalg.eigh(S - eps * t, "U")[1]) / (2 * eps)
    np.testing.assert_allclose(tan, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [upper_vectors, upper_pairs], ids=lambda f: f.__name__)
def test_sign_dependent_hessian_of_the_upper_eigenvectors(f):
    """Against second differences of NumPy's function itself (differences of flatgrad's
    gradient would share a wrong sign)."""
    H = fg.hessian(f, target="python")(S).reshape(16, 16)
    E, h = np.eye(16).reshape(16, 4, 4), 1e-4
    fd = np.array([[(f(S + h * ei + h * ej) - f(S + h * ei - h * ej) - f(S - h * ei + h * ej)
                     + f(S - h * ei - h * ej)) / (4 * h * h) for ej in E] for ei in E])
    np.testing.assert_allclose(H, fd, rtol=1e-4, atol=1e-5)
