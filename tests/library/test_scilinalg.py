"""SciPy's dense solvers and least squares (compiler/library/scilinalg.py): values against
SciPy/NumPy, gradients against central differences and autograd (an independent oracle: the
same functions written with autograd's np.linalg on the matrix SciPy reads), tangents against
directional differences, Hessians against differences of gradients, vmap of a solve, the
refusals; the cpu target (Numba) in slow tests."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import flatgrad as fg

from ..frontend.numeric import num_grad
from . import scilinalg_funcs as F

RNG = np.random.default_rng(2101)


def general(n):
    return RNG.normal(size=(n, n)) + n * np.eye(n)


def spd(n):
    X = RNG.normal(size=(n, n))
    return X @ X.T + n * np.eye(n)


def _anp():
    import autograd.numpy as anp
    return anp


def _sym(anp, A, lower):
    return anp.tril(A) + anp.tril(A, -1).T if lower else anp.triu(A) + anp.triu(A, 1).T


def _tridiag(anp, A):
    return anp.tril(anp.triu(A, -1), 1)


# autograd's own versions: the solve of the matrix SciPy's solver reads
ORACLES = {
    "solve_gen": lambda anp, A, b: anp.linalg.solve(A, b),
    "solve_gen_t": lambda anp, A, b: anp.linalg.solve(A.T, b),
    "solve_sym": lambda anp, A, b: anp.linalg.solve(_sym(anp, A, False), b),
    "solve_sym_lower": lambda anp, A, b: anp.linalg.solve(_sym(anp, A, True), b),
    "solve_pos": lambda anp, A, b: anp.linalg.solve(_sym(anp, A, False), b),
    "solve_pos_lower": lambda anp, A, b: anp.linalg.solve(_sym(anp, A, True), b),
    "solve_upper_t": lambda anp, A, b: anp.linalg.solve(anp.triu(A).T, b),
    "solve_lower": lambda anp, A, b: anp.linalg.solve(anp.tril(A), b),
    "solve_diag": lambda anp, A, b: b / anp.diag(A) if b.ndim == 1 else b / anp.diag(A)[:, None],
    "solve_tridiag": lambda anp, A, b: anp.linalg.solve(_tridiag(anp, A), b),
    "inv": lambda anp, A, b: anp.dot(anp.linalg.inv(A), b),
    "inv_pos": lambda anp, A, b: anp.dot(anp.linalg.inv(_sym(anp, A, False)), b),
    "lu": lambda anp, A, b: anp.linalg.solve(A, b),
    "lu_trans": lambda anp, A, b: anp.linalg.solve(A.T, b),
}


def oracle(f):
    """f's autograd version, or None."""
    anp = _anp()
    if f.__name__ in ORACLES:
        return lambda A, b: anp.sum(anp.sin(ORACLES[f.__name__](anp, A, b)))
    if f.__name__ == "det":
        return lambda A, b: anp.linalg.det(A) * anp.sum(b)
    if f.__name__ == "lu_in_loop":
        def g(A, b):
            x = b
            for _ in range(3):
                x = anp.linalg.solve(A, anp.sin(x))
            return anp.sum(x)
        return g
    return None


def value(f, *args):
    """f's value as flatgrad computes it (python target)."""
    return fg.vjp(f, *args, target="python")[0]


def check(f, A, b, target="python", jvp=True):
    gA, gb = fg.grad(f, argnums=(0, 1), target=target)(A, b)
    np.testing.assert_allclose(gA, num_grad(f, (A, b), 0), rtol=1e-5, atol=1e-7,
                               err_msg=f"{f.__name__} A")
    np.testing.assert_allclose(gb, num_grad(f, (A, b), 1), rtol=1e-5, atol=1e-7,
                               err_msg=f"{f.__name__} b")
    fa = oracle(f)
    if fa is not None:
        import autograd
        np.testing.assert_allclose(gA, autograd.grad(fa, 0)(A, b), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(gb, autograd.grad(fa, 1)(A, b), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(fa(A, b), f(A, b), rtol=1e-10)
    if jvp:
        tA, tb = RNG.normal(size=A.shape), RNG.normal(size=b.shape)
        out, tout = fg.jvp(f, (A, b), (tA, tb), target=target)
        h = 1e-6
        fd = (f(A + h * tA, b + h * tb) - f(A - h * tA, b - h * tb)) / (2 * h)
        np.testing.assert_allclose(out, f(A, b), rtol=1e-12)
        np.testing.assert_allclose(tout, fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", F.SOLVES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bshape", [(4,), (4, 2)], ids=["b1d", "b2d"])
def test_solves(f, bshape):
    A = general(4)
    A[0, 3] += 0.7                   # not symmetric: the read triangle matters
    check(f, A, RNG.normal(size=bshape))


@pytest.mark.parametrize("f", F.POS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bshape", [(3,), (3, 2)], ids=["b1d", "b2d"])
def test_positive_definite(f, bshape):
    A = spd(3)
    A[0, 2] += 0.3                   # SciPy reads one triangle only
    check(f, A, RNG.normal(size=bshape))


def test_values_match_scipy():
    A, b, B = general(4), RNG.normal(size=4), RNG.normal(size=(4, 3))
    S = spd(4)
    cases = [
        (lambda A, b: scipy.linalg.solve(A, b), A),
        (lambda A, b: scipy.linalg.solve(A, b, assume_a="sym", lower=True), A),
        (lambda A, b: scipy.linalg.solve(A, b, assume_a="pos"), S),
        (lambda A, b: scipy.linalg.solve(A, b, assume_a="tridiagonal", transposed=True), A),
        (lambda A, b: scipy.linalg.solve(A, b, assume_a="upper triangular"), A),
        (lambda A, b: scipy.linalg.inv(A) @ b, A),
        (lambda A, b: scipy.linalg.inv(A, assume_a="pos", lower=True) @ b, S),
        (lambda A, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(A), b, trans=1), A),
    ]
    for fn, M in cases:
        for rhs in (b, B):
            np.testing.assert_allclose(value(fn, M, rhs), fn(M, rhs),
                                       rtol=1e-12, atol=1e-14)
    lu_piv = value(lambda A: scipy.linalg.lu_factor(A), A)
    ref = scipy.linalg.lu_factor(A)
    np.testing.assert_array_equal(lu_piv[0], ref[0])
    np.testing.assert_array_equal(lu_piv[1], ref[1])
    d = lambda A: scipy.linalg.det(A)          # noqa: E731
    assert value(d, A) == pytest.approx(scipy.linalg.det(A), rel=1e-13)
    np.testing.assert_allclose(value(d, np.stack([A, 2 * A])), d(np.stack([A, 2 * A])), rtol=1e-13)


def test_lu_gradient_by_hand():
    """d sum(lu) against the packed factors of a perturbed matrix, and the pivots kept."""
    A = general(5)
    g = fg.grad(lambda A: np.sum(scipy.linalg.lu_factor(A)[0] * np.arange(25.0).reshape(5, 5)),
                target="python")(A)
    fd = num_grad(lambda A: np.sum(scipy.linalg.lu_factor(A)[0] * np.arange(25.0).reshape(5, 5)),
                  (A,), 0)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [F.solve_gen_t, F.solve_sym, F.lu, F.lu_logdet, F.solve_pos],
                         ids=lambda f: f.__name__)
def test_hessian(f):
    A = spd(3) if f is F.solve_pos else general(3)
    b = RNG.normal(size=3)
    flat = lambda v: f(v[:9].reshape(3, 3), v[9:])          # noqa: E731
    g = fg.grad(flat, target="python")
    v = np.concatenate([A.ravel(), b])
    H = fg.hessian(flat, target="python")(v)
    fd = np.array([(g(v + 1e-6 * e) - g(v - 1e-6 * e)) / 2e-6 for e in np.eye(12)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)


def test_vmap_of_a_batched_solve():
    As = np.stack([general(3) for _ in range(4)])
    bs = RNG.normal(size=(4, 3))
    out = fg.vmap(F.batched_solve, target="python")(As, bs)
    np.testing.assert_allclose(out, [scipy.linalg.solve(a, b) for a, b in zip(As, bs)], rtol=1e-12)
    gs = fg.vmap(fg.grad(F.solve_sym), target="python")(As, bs)
    np.testing.assert_allclose(gs, [fg.grad(F.solve_sym, target="python")(a, b)
                                    for a, b in zip(As, bs)], rtol=1e-12)


# ---------------------------------------------------------------- least squares

def _normal_equations(anp, A, b):
    """The least-squares solution of full rank, the way autograd can differentiate it."""
    m, n = A.shape
    if m >= n:
        return anp.linalg.solve(anp.dot(A.T, A), anp.dot(A.T, b))
    return anp.dot(A.T, anp.linalg.solve(anp.dot(A, A.T), b))


@pytest.mark.parametrize("shape", [(6, 3), (3, 3), (3, 5)])
@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("f", [F.np_lstsq, F.np_lstsq_x, F.sp_lstsq], ids=lambda f: f.__name__)
def test_lstsq(f, shape, k):
    A = RNG.normal(size=shape)
    b = RNG.normal(size=(shape[0],) if k is None else (shape[0], k))
    check(f, A, b)
    if f is F.np_lstsq_x:                 # autograd, from the normal equations
        import autograd
        anp = _anp()
        fa = lambda A, b: anp.sum(anp.sin(_normal_equations(anp, A, b)))   # noqa: E731
        gA, gb = fg.grad(f, argnums=(0, 1), target="python")(A, b)
        np.testing.assert_allclose(gA, autograd.grad(fa, 0)(A, b), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(gb, autograd.grad(fa, 1)(A, b), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(6, 3), (3, 3), (3, 5)])
@pytest.mark.parametrize("k", [None, 2])
def test_lstsq_values_match(shape, k):
    A = RNG.normal(size=shape)
    b = RNG.normal(size=(shape[0],) if k is None else (shape[0], k))
    x, res, rank, s = value(F.np_lstsq_parts, A, b)
    x0, res0, rank0, s0 = np.linalg.lstsq(A, b, rcond=None)
    np.testing.assert_allclose(x, x0, rtol=1e-12, atol=1e-14)
    assert np.shape(res) == np.shape(res0)
    np.testing.assert_allclose(res, res0, rtol=1e-10)
    assert int(rank) == rank0
    np.testing.assert_allclose(s, s0, rtol=1e-12)
    x, rank, s = value(F.sp_lstsq_parts, A, b)
    x1, res1, rank1, s1 = scipy.linalg.lstsq(A, b)
    np.testing.assert_allclose(x, x1, rtol=1e-12, atol=1e-14)
    assert int(rank) == rank1
    np.testing.assert_allclose(s, s1, rtol=1e-12)
    if k is not None:
        np.testing.assert_allclose(value(F.sp_lstsq_res, A, b), res1,
                                   rtol=1e-10)


def test_lstsq_rank_deficient():
    """rank < n: no residuals (as NumPy); x and its gradient are the pseudo-inverse's."""
    A = RNG.normal(size=(5, 2)) @ RNG.normal(size=(2, 3))
    b = RNG.normal(size=5)
    x, res, rank, s = value(F.np_lstsq_parts, A, b)
    assert int(rank) == 2 and np.shape(res) == (0,)
    np.testing.assert_allclose(x, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-10)
    g = fg.grad(lambda A, b: np.sum(np.sin(np.linalg.lstsq(A, b, rcond=None)[0])),
                target="python")(A, b)
    gp = fg.grad(lambda A, b: np.sum(np.sin(np.linalg.pinv(A) @ b)), target="python")(A, b)
    np.testing.assert_allclose(g, gp, rtol=1e-8, atol=1e-10)


def test_lstsq_hessian():
    A, b = RNG.normal(size=(5, 3)), RNG.normal(size=5)
    flat = lambda v: F.np_lstsq(v[:15].reshape(5, 3), v[15:])     # noqa: E731
    v = np.concatenate([A.ravel(), b])
    g = fg.grad(flat, target="python")
    H = fg.hessian(flat, target="python")(v)
    fd = np.array([(g(v + 1e-6 * e) - g(v - 1e-6 * e)) / 2e-6 for e in np.eye(20)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("f, args, what", [
    (F.bad_flag, (np.eye(2), np.ones(2), True), "expected True or False"),
    (F.bad_assume, (np.eye(2), np.ones(2)), "assume_a='weird'"),
    (F.bad_rcond, (np.eye(2), np.ones(2), 0.1), "rcond must be a constant"),
    (F.sp_lstsq_res_vec, (np.ones((3, 2)), np.ones(3)), "scipy.linalg.lstsq's residues for a 1-D b"),
    (F.sp_lstsq_res_vec_indexed, (np.ones((3, 2)), np.ones(3)), "scipy.linalg.lstsq's residues for a 1-D b"),
])
def test_refusals(f, args, what):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(*args)
    assert what in str(e.value)
    assert "scilinalg_funcs.py:" in str(e.value)


# ---------------------------------------------------------------- the cpu target

@pytest.mark.slow
def test_cpu_target():
    A, b, B = general(4), RNG.normal(size=4), RNG.normal(size=(4, 2))
    for f in (F.lu_logdet, F.solve_sym, F.solve_pos):
        M = spd(4) if f is F.solve_pos else A
        check(f, M, b, target="cpu")
    for rhs in (b, B):
        check(F.lu, A, rhs, target="cpu", jvp=False)
    Al = RNG.normal(size=(6, 3))
    for rhs in (RNG.normal(size=6), RNG.normal(size=(6, 2))):
        check(F.np_lstsq, Al, rhs, target="cpu")
        check(F.sp_lstsq, Al, rhs, target="cpu", jvp=False)
    lu = fg.vjp(lambda A: scipy.linalg.lu_factor(A)[0], A, target="cpu")[0]
    np.testing.assert_array_equal(lu, scipy.linalg.lu_factor(A)[0])


def test_lu_factor_of_a_rectangular_matrix_is_a_clear_error():
    # SciPy factors (m, n) matrices; flatgrad's lu rules are square ones: a ValueError saying so
    A = np.arange(6.0).reshape(2, 3) + np.eye(2, 3)
    with pytest.raises(ValueError, match="square"):
        fg.grad(F.lu_logdet, target="python")(A, np.ones(2))


@pytest.mark.parametrize("f, lu", [(F.banded, (2, 1)), (F.banded_upper, (0, 3))])
@pytest.mark.parametrize("bshape", [(6,), (6, 2)])
def test_solve_banded_against_autograd_and_differences(f, lu, bshape):
    """The band storage's dense matrix solved: SciPy's values; autograd's own solve_banded
    and central differences for the gradients (entries outside the band get none)."""
    low, up = lu
    ab = RNG.normal(size=(low + up + 1, 6))
    ab[up] += 6.0                               # the main diagonal
    b = RNG.normal(size=bshape)
    value, (g_ab, g_b) = fg.value_and_grad(f, (0, 1), target="python")(ab, b)
    assert value == pytest.approx(f(ab, b), rel=1e-12)
    np.testing.assert_allclose(g_ab, num_grad(f, (ab, b), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g_b, num_grad(f, (ab, b), 1), rtol=1e-6, atol=1e-8)
    if len(bshape) == 2:
        return                  # (autograd's solve_banded VJP takes a vector b only)
    ag = pytest.importorskip("autograd")
    from autograd.scipy.linalg import solve_banded as a_banded
    anp = _anp()
    outer = anp.sin if f is F.banded else (lambda v: v * v)
    a_grad = ag.grad(lambda ab, b: anp.sum(outer(a_banded(lu, ab, b))), (0, 1))(ab, b)
    np.testing.assert_allclose(g_ab, a_grad[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_b, a_grad[1], rtol=1e-10, atol=1e-12)
