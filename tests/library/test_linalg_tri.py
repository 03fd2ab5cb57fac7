"""Triangular solves, Cholesky factors (NumPy's and SciPy's, cho_factor/cho_solve) and eigh
(compiler/library/linalg.py): values against SciPy/NumPy, gradients and tangents against
central finite differences and autograd; np.linalg.solve of a known triangular factor
rewritten to the triangular solve; the Hessian of a Gaussian-process NLL against differences
of its gradient. The python target throughout; the cpu target (Numba) in one slow test."""
from __future__ import annotations

import types

import numpy as np
import pytest
import scipy.linalg

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.runtime.gradcheck import numeric_grad

from . import linalg_tri_funcs as F
from .test_linalg import check, rand, spd

N = 5


def lower_heavy(n):
    """A matrix whose triangles make well-conditioned triangular factors."""
    return rand(n, n) + n * np.eye(n)


def autograd_version(f):
    """``f`` with ``np`` and ``sla`` bound to autograd's."""
    import autograd.numpy as anp
    import autograd.scipy.linalg as asla
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp, "sla": asla}, f.__name__)


def check_ag(f, args, sym=()):
    """flatgrad's gradients == autograd's (symmetrised for symmetric arguments: both are
    gradients on the symmetric matrices, up to how the asymmetric part is written)."""
    import autograd
    fa = autograd_version(f)
    ours = fg.grad(f, argnums=tuple(range(len(args))), target="python")(*args)
    for i, g in enumerate(ours):
        ga = autograd.grad(fa, i)(*args)
        if i in sym:
            g, ga = (g + g.T) / 2, (ga + ga.T) / 2
        np.testing.assert_allclose(g, ga, rtol=1e-8, atol=1e-10, err_msg=f"{f.__name__} arg {i}")


# ---------------------------------------------------------------- solve_triangular

TRI = [(F.tri_lower_vec, 1), (F.tri_upper_mat, 2), (F.tri_lower_trans, 1),
       (F.tri_upper_trans1, 2), (F.tri_unit_lower, 2), (F.tri_unit_upper_trans, 1)]


@pytest.mark.parametrize("f, bdim", TRI, ids=[f.__name__ for f, _ in TRI])
def test_solve_triangular(f, bdim):
    A = lower_heavy(N)
    b = rand(N) if bdim == 1 else rand(N, 3)
    vg = fg.value_and_grad(f, target="python")(A, b)
    np.testing.assert_allclose(vg[0], f(A, b), rtol=1e-13)
    check(f, (A, b), ag=False)
    if "unit" not in f.__name__:         # autograd's rule ignores unit_diagonal
        check_ag(f, (A, b))


def test_solve_triangular_value_and_untouched_triangle():
    """The solution is SciPy's; the triangle the solve does not read gets no gradient."""
    A, B = lower_heavy(4), rand(4, 2)

    def x_of(A, B):
        return scipy.linalg.solve_triangular(A, B, lower=True, trans="T")

    def loss(A, B):
        return np.sum(x_of(A, B) ** 2)

    vg = fg.value_and_grad(loss, argnums=(0, 1), target="python")(A, B)
    np.testing.assert_allclose(vg[0], loss(A, B), rtol=1e-13)
    gA = vg[1][0]
    assert np.all(np.triu(gA, 1) == 0.0) and np.any(np.tril(gA) != 0.0)
    out, _ = fg.jvp(x_of, (A, B), (rand(4, 4), rand(4, 2)), target="python")
    np.testing.assert_allclose(out, x_of(A, B), rtol=1e-13)


def test_solve_triangular_singular_raises():
    A = np.tril(lower_heavy(3))
    A[1, 1] = 0.0
    g = fg.grad(F.tri_lower_vec, target="python")
    with pytest.raises(np.linalg.LinAlgError):
        g(A, rand(3))


# ---------------------------------------------------------------- cholesky, cho_factor/cho_solve

@pytest.mark.parametrize("f", [F.np_cholesky, F.scipy_cholesky_upper, F.scipy_cholesky_lower],
                         ids=lambda f: f.__name__)
def test_cholesky(f):
    check(f, (spd(N),), sym=(0,), ag=False)
    if f is F.np_cholesky:               # autograd has no rule for SciPy's
        check_ag(f, (spd(N),), sym=(0,))


def test_cholesky_values():
    A = spd(4)
    for lower in (False, True):
        def fac(A):
            return scipy.linalg.cholesky(A, lower=lower)
        out, _ = fg.jvp(fac, (A,), (np.eye(4),), target="python")
        np.testing.assert_allclose(out, scipy.linalg.cholesky(A, lower=lower), rtol=1e-12)


@pytest.mark.parametrize("f, bdim", [(F.cho_solve_upper, 1), (F.cho_solve_lower, 2)],
                         ids=["upper", "lower"])
def test_cho_solve(f, bdim):
    A = spd(N)
    b = rand(N) if bdim == 1 else rand(N, 2)
    check(f, (A, b), sym=(0,), ag=False)


def test_cho_solve_value():
    A, b = spd(N), rand(N, 2)

    def x_of(A, b):
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), b)

    out, _ = fg.jvp(x_of, (A, b), (np.zeros_like(A), b), target="python")
    np.testing.assert_allclose(out, scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), b),
                               rtol=1e-12)


def test_cho_solve_needs_a_constant_lower():
    def f(A, b, flag):
        return np.sum(scipy.linalg.cho_solve((A, flag > 0), b))

    with pytest.raises(fg.CompileError, match="cho_solve needs"):
        fg.grad(f, target="python")(spd(3), rand(3), 1.0)


# ---------------------------------------------------------------- eigh

@pytest.mark.parametrize("f", [F.eigh_both, F.eigh_upper, F.eigvalsh], ids=lambda f: f.__name__)
def test_eigh(f):
    A = rand(N, N)
    A = A + A.T
    check(f, (A,), sym=(0,), ag=False, rtol=1e-5, atol=1e-6)
    if f is not F.eigvalsh:              # autograd has no rule for eigvalsh
        check_ag(f, (A,), sym=(0,))


def test_eigh_values():
    A = rand(4, 4)
    A = A + A.T

    def wv(A):
        w, V = np.linalg.eigh(A)
        return w, V

    (w, V), _ = fg.jvp(wv, (A,), (np.eye(4),), target="python")
    w0, V0 = np.linalg.eigh(A)
    np.testing.assert_allclose(w, w0, rtol=1e-12)
    np.testing.assert_allclose(np.abs(V), np.abs(V0), rtol=1e-10, atol=1e-12)


def test_eigvalsh_at_repeated_eigenvalues():
    """Eigenvalue derivatives stay finite where eigenvalues repeat: sum(w^2) = ||A||_F^2."""
    A = np.diag([1.0, 1.0, 2.0])
    g = fg.grad(lambda A: np.sum(np.linalg.eigvalsh(A) ** 2), target="python")(A)
    np.testing.assert_allclose(g, 2 * A, atol=1e-12)


def test_eigh_rejects_a_variable_uplo():
    def f(A, s):
        return np.sum(np.linalg.eigvalsh(A, UPLO="L" if s > 0 else "U"))

    with pytest.raises(fg.CompileError, match="UPLO"):
        fg.grad(f, target="python")(spd(3), 1.0)


# ---------------------------------------------------------------- solve of a known triangle

@pytest.mark.parametrize("f, sym", [(F.solve_by_cholesky, (0,)), (F.solve_by_tril, ()),
                                    (F.solve_by_triu_t, ())], ids=lambda x: getattr(x, "__name__", ""))
def test_solve_of_a_known_triangle(f, sym):
    A = spd(N) if sym else lower_heavy(N)
    b = rand(N) if f is not F.solve_by_tril else rand(N, 2)
    check(f, (A, b), sym=sym, ag=False)
    check_ag(f, (A, b), sym=sym)
    text = fg.source(f, (0, 1), target="python",
                     types=[T.parse("f64[:, :]"), T.parse("f64[:]" if b.ndim == 1 else "f64[:, :]")])
    assert "solve_tri(" in text and "np.linalg.solve(" not in text


def test_solve_of_an_unknown_matrix_stays_general():
    text = fg.source(lambda A, b: np.sum(np.linalg.solve(np.tril(A, -1) + A.T, b)), (0, 1),
                     target="python", types=[T.parse("f64[:, :]"), T.parse("f64[:]")])
    assert "np.linalg.solve(" in text


# ---------------------------------------------------------------- the GP NLL and its Hessian

def gp_data(n):
    x = np.linspace(0.0, 3.0, n) + 0.01 * rand(n)
    return x, np.sin(2 * x) + 0.1 * rand(n)


THETA = np.array([np.log(0.7), np.log(1.3), np.log(0.2)])
GP = [F.gp_nll_tri, F.gp_nll_solve, F.gp_nll_cho]


@pytest.mark.parametrize("f", GP, ids=lambda f: f.__name__)
def test_gp_nll_gradient(f):
    x, y = gp_data(20)
    g = fg.grad(f, target="python")(THETA, x, y)
    num = numeric_grad(f, [THETA, x, y], 0, 1e-6)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)
    # the closed form: dNLL/dK = (K^-1 - alpha alpha^T) / 2, alpha = K^-1 y, K = Kf + s^2 I
    d = x[:, None] - x[None, :]
    ell, sf, sn = np.exp(THETA)
    Kf = sf ** 2 * np.exp(-0.5 * d ** 2 / ell ** 2)
    K = Kf + sn ** 2 * np.eye(len(x))
    alpha = np.linalg.solve(K, y)
    W = 0.5 * (np.linalg.inv(K) - np.outer(alpha, alpha))
    hand = [np.sum(W * Kf * d ** 2 / ell ** 2), np.sum(W * 2 * Kf), np.trace(W) * 2 * sn ** 2]
    np.testing.assert_allclose(g, hand, rtol=1e-9)


def test_gp_nll_autograd():
    x, y = gp_data(15)
    check_ag(F.gp_nll_tri, (THETA, x, y))


@pytest.mark.parametrize("f", GP, ids=lambda f: f.__name__)
def test_gp_nll_hessian(f):
    """Forward over reverse against central differences of the gradient."""
    x, y = gp_data(15)
    H = fg.hessian(f, target="python")(THETA, x, y)
    grad = fg.grad(f, target="python")
    h = 1e-5
    num = np.array([(grad(THETA + h * e, x, y) - grad(THETA - h * e, x, y)) / (2 * h)
                    for e in np.eye(3)])
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


def test_gp_nll_reverse_over_reverse():
    """The gradient of <grad, v> (the Cholesky adjoint differentiated in reverse mode: the VJPs
    of its triangular product and solves) against central differences of <grad, v>."""
    x, y = gp_data(12)
    v = np.array([0.3, -1.1, 0.7])
    grad = fg.grad(F.gp_nll_tri, target="python")

    def gv(theta, x, y):
        return np.sum(fg.grad(F.gp_nll_tri)(theta, x, y) * v)
    ours = fg.grad(gv, target="python")(THETA, x, y)
    h = 1e-5
    num = [(np.sum(grad(THETA + h * e, x, y) * v) - np.sum(grad(THETA - h * e, x, y) * v)) / (2 * h)
           for e in np.eye(3)]
    np.testing.assert_allclose(ours, num, rtol=1e-5, atol=1e-6)


def test_cholesky_adjoint_reads_one_triangle():
    """Murray's L^T g is a triangular product (BLAS trmm), not a full matmul."""
    text = fg.source(F.np_cholesky, (0,), target="python", types=[T.parse("f64[:, :]")])
    assert "tri_matmul(" in text


# ---------------------------------------------------------------- cpu target (Numba)

def _cpu_all(theta, x, y, A, S, b, B):
    """Every new function in one compiled body (Numba compiles are slow)."""
    w, V = np.linalg.eigh(S)
    return (F.gp_nll_tri(theta, x, y) + F.gp_nll_solve(theta, x, y) + F.gp_nll_cho(theta, x, y)
            + np.sum(np.sin(scipy.linalg.solve_triangular(A, B, lower=True, trans="T")))
            + np.sum(scipy.linalg.solve_triangular(A, b, unit_diagonal=True) ** 2)
            + np.sum(scipy.linalg.cholesky(S) ** 2)
            + np.sum(w ** 3) + np.sum((V ** 2) * A) + np.sum(np.cos(np.linalg.eigvalsh(S))))


@pytest.mark.slow
def test_cpu_target_matches_python():
    x, y = gp_data(12)
    S = spd(4)
    args = (THETA, x, y, lower_heavy(4), S, rand(4), rand(4, 2))
    argnums = (0, 3, 4, 5, 6)
    gp = fg.grad(_cpu_all, argnums=argnums, target="python")(*args)
    gc = fg.grad(_cpu_all, argnums=argnums, target="cpu")(*args)
    for a, c in zip(gp, gc):
        np.testing.assert_allclose(c, a, rtol=1e-9, atol=1e-11)
    num = numeric_grad(_cpu_all, list(args), 0, 1e-6)
    np.testing.assert_allclose(gc[0], num, rtol=1e-6, atol=1e-8)
    Hp = fg.hessian(F.gp_nll_tri, target="python")(THETA, x, y)
    Hc = fg.hessian(F.gp_nll_tri, target="cpu")(THETA, x, y)
    np.testing.assert_allclose(Hc, Hp, rtol=1e-9, atol=1e-11)
