"""Numba's triangular solve (runtime/numba_blas.py: BLAS ?trsm) against SciPy's
solve_triangular, for every layout the generated code hands it (C, a transposed F view, a
strided view), both triangles, unit diagonals, vector and matrix right-hand sides, both
float dtypes; a zero on the diagonal raises LinAlgError as SciPy does."""
import numpy as np
import pytest
import scipy.linalg
from numba import njit

import flatgrad.runtime.numba_ext  # noqa: F401  (the overload under test)
from flatgrad.runtime import support

pytestmark = pytest.mark.slow


@njit
def _solve(a, b, lower, unit):
    return support.solve_tri(a, b, lower, unit)


@njit
def _solve_a_t(a, b, lower, unit):          # a transposed view: F layout
    return support.solve_tri(a.T, b, lower, unit)


@njit
def _solve_strided(a, b, lower, unit):      # neither C nor F contiguous
    return support.solve_tri(a[::2, ::2], b, lower, unit)


@njit
def _solve_b_t(a, b, lower, unit):          # the right-hand side a transposed view
    return support.solve_tri(a, b.T, lower, unit)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-11), (np.float32, 2e-4)])
@pytest.mark.parametrize("n, m", [(6, None), (6, 4), (1, 1), (9, 13)])
def test_trsm_matches_scipy(dtype, tol, n, m):
    rng = np.random.default_rng(n * 31 + (m or 0))
    big = (rng.normal(size=(2 * n, 2 * n)) + 4.0 * np.eye(2 * n)).astype(dtype)
    a = np.ascontiguousarray(big[:n, :n])
    b = rng.normal(size=(n,) if m is None else (n, m)).astype(dtype)
    b0 = b.copy()
    for lower in (True, False):
        for unit in (True, False):
            def ref(mat, rhs=b):
                return scipy.linalg.solve_triangular(mat, rhs, lower=lower, unit_diagonal=unit)
            got = _solve(a, b, lower, unit)
            assert got.dtype == dtype
            np.testing.assert_allclose(got, ref(a), rtol=tol, atol=tol)
            np.testing.assert_allclose(_solve_a_t(a, b, lower, unit), ref(a.T), rtol=tol, atol=tol)
            np.testing.assert_allclose(_solve_strided(big, b, lower, unit), ref(big[::2, ::2]),
                                       rtol=tol, atol=tol)
            if m is not None:
                bt = np.ascontiguousarray(b.T)
                np.testing.assert_allclose(_solve_b_t(a, bt, lower, unit), ref(a), rtol=tol, atol=tol)
    assert np.array_equal(b, b0)        # the right-hand side is not written


def test_trsm_singular_and_empty():
    a = np.eye(3)
    a[1, 1] = 0.0
    with pytest.raises(np.linalg.LinAlgError):
        _solve(a, np.ones(3), True, False)
    np.testing.assert_array_equal(_solve(a, np.ones(3), True, True), np.ones(3))  # unit: diagonal unread
    assert _solve(np.zeros((0, 0)), np.zeros(0), True, False).shape == (0,)


@njit
def _tri_matmul(a, b, lower):
    return support.tri_matmul(a, b, lower)


@njit
def _tri_matmul_a_t(a, b, lower):
    return support.tri_matmul(a.T, b, lower)


@njit
def _tri_matmul_strided(a, b, lower):
    return support.tri_matmul(a[::2, ::2], b, lower)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-4)])
@pytest.mark.parametrize("n, m", [(6, 4), (1, 1), (9, 13)])
def test_trmm_matches_numpy(dtype, tol, n, m):
    """tri_matmul (BLAS ?trmm) == np.tril(a) @ b (np.triu when not lower), under Numba and in
    the plain-NumPy helper, for a C-contiguous, transposed and strided a."""
    rng = np.random.default_rng(7 * n + m)
    big = rng.normal(size=(2 * n, 2 * n)).astype(dtype)
    a = np.ascontiguousarray(big[:n, :n])
    b = rng.normal(size=(n, m)).astype(dtype)
    for lower in (True, False):
        tri = np.tril if lower else np.triu
        for got, mat in ((_tri_matmul(a, b, lower), a), (_tri_matmul_a_t(a, b, lower), a.T),
                         (_tri_matmul_strided(big, b, lower), big[::2, ::2]),
                         (support.tri_matmul(a, b, lower), a),
                         (support.tri_matmul(a.T, b, lower), a.T),
                         (support.tri_matmul(big[::2, ::2], b, lower), big[::2, ::2])):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, tri(mat) @ b, rtol=tol, atol=tol)


@njit
def _tril_halved(x):
    return support.tril_halved(x)


def test_trmm_mixed_dtypes():
    """A float32 factor times a float64 adjoint: NumPy's promotion, on both targets."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(4, 4)).astype(np.float32), rng.normal(size=(4, 3))
    want = np.tril(a) @ b
    for got in (_tri_matmul(a, b, True), support.tri_matmul(a, b, True)):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("shape", [(5, 5), (3, 6), (6, 3), (0, 0)])
def test_tril_halved(shape):
    """Murray's Phi, both helpers, against its definition: tril(x) - diag(x)/2."""
    x = np.random.default_rng(1).normal(size=shape)
    want = np.tril(x)
    k = min(shape)
    want[np.arange(k), np.arange(k)] = 0.5 * np.diagonal(x)
    np.testing.assert_array_equal(support.tril_halved(x), want)
    np.testing.assert_array_equal(_tril_halved(x), want)
    np.testing.assert_array_equal(_tril_halved(np.asfortranarray(x)), want)
