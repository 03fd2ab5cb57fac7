"""A wrong gradient fixed (round 3, session 10): np.linalg.cholesky, eigh, eigvalsh and
SciPy's cholesky / cho_factor read one triangle of their argument, so the derivative of the
function NumPy computes is zero on the other triangle. Their rules returned the symmetric
gradient (JAX's convention, where the input is symmetrised first), which finite differences
of NumPy's function contradict wherever the argument is not symmetric. Here: gradients and
Hessians at a non-symmetric argument against differences, both targets; and for an argument
made symmetric in the function, the same derivatives as before."""
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
