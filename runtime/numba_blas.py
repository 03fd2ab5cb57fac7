"""Triangular solves and products in Numba through BLAS ``?trsm`` and ``?trmm`` (the routines
LAPACK's ``?trtrs`` and SciPy's ``solve_triangular`` call): Numba's own linear algebra has neither,
substitution loops run at a fraction of BLAS's speed (n = 200, 200 right-hand sides: about 1.3x
slower), and a product with a triangle read as one, half the flops of a full ``@``. Also
singular values alone, LAPACK ``?gesdd`` with JOBZ='N' as NumPy's ``svd(a, compute_uv=False)``
calls it (Numba's ``np.linalg.svd`` always computes U and V, whose s can differ in the last bits),
and the eigendecomposition of a symmetric matrix from its upper triangle, LAPACK ``?syevd`` with
JOBZ='V', UPLO='U' as NumPy's ``eigh(a, 'U')`` calls it (Numba's ``np.linalg.eigh`` reads the
lower triangle only, and the upper one read as the lower of ``a^T`` gives other eigenvector signs).

The routine is SciPy's (``scipy.linalg.cython_blas``: the BLAS NumPy and SciPy were built with),
called by a symbol name that ``llvmlite`` resolves to its address when this module is imported,
as Numba calls its own ``numba_xxgemm``: compiled code names the symbol, not an address, so it
can be cached and loaded by another process (which imports this module, through
``numba_ext``, before it loads any generated code).

BLAS is column-major and the arrays here are row-major (or a transposed view, column-major),
so ``a x = b`` is solved as ``x^T op(a') = b^T`` from the right, ``a'`` being ``a`` as BLAS
reads its memory: ``a^T`` for a C-contiguous ``a`` (so its upper triangle is ``a``'s lower one),
``a`` itself for an F-contiguous one (then ``op`` transposes).
"""
from __future__ import annotations

import numpy as np
from llvmlite import binding
from numba import types
from numba.extending import get_cython_function_address, overload, register_jitable
from numba.np.numpy_support import as_dtype

from . import support

# Fortran's calling convention: every argument by pointer; characters and int (LP64) counts
_C, _I = types.CPointer(types.uint8), types.CPointer(types.int32)


def _blas(symbol: str, blas_name: str, dtype) -> types.ExternalFunction:
    """The BLAS routine ``blas_name`` (side, uplo, transa, diag, m, n, alpha, a, lda, b, ldb:
    ``?trsm`` and ``?trmm``), registered under ``symbol`` for compiled code to call."""
    binding.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_blas", blas_name))
    p = types.CPointer(dtype)
    return types.ExternalFunction(symbol, types.void(_C, _C, _C, _C, _I, _I, p, p, _I, p, _I))


_TRSM = {types.float64: _blas("flatgrad_dtrsm", "dtrsm", types.float64),
         types.float32: _blas("flatgrad_strsm", "strsm", types.float32)}
_TRMM = {types.float64: _blas("flatgrad_dtrmm", "dtrmm", types.float64),
         types.float32: _blas("flatgrad_strmm", "strmm", types.float32)}


@register_jitable
def _keep_alive(arrays):
    """Nothing: holding the arrays whose pointers BLAS was given until after its call (Numba
    may free an array after its last use, and a pointer is no use)."""
    return arrays


def solve_tri_impl(a, b, lower, unit):
    """The Numba implementation of ``support.solve_tri`` for these argument types: one ``?trsm``
    on a C-contiguous copy of ``b`` (``a`` is read in place when it is contiguous)."""
    return _triangle_impl(_TRSM[a.dtype], a, solve=True)


def tri_matmul_impl(a, b, lower):
    """The Numba implementation of ``support.tri_matmul``: ``?trmm`` on a copy of ``b``."""
    trmm = _triangle_impl(_TRMM[a.dtype], a, solve=False)

    def impl(a, b, lower):
        return trmm(a, b, lower, False)
    return impl


def _triangle_impl(routine, a, solve: bool):
    """``x = tri(a)^-1 b`` (``solve``) or ``x = tri(a) b`` by ``routine`` from the right on
    the transposes (see the module's docstring), as a function of (a, b, lower, unit)."""
    column_major = a.layout == "F"          # a transposed view: BLAS reads a itself
    if a.layout not in ("C", "F"):
        def contiguous(a):
            return np.ascontiguousarray(a)
    else:
        def contiguous(a):
            return a
    contiguous = register_jitable(contiguous)

    def impl(a, b, lower, unit):
        n = a.shape[0]
        if a.shape[1] != n or b.shape[0] != n:
            raise ValueError("triangular solve or product: a must be square, as many rows as b")
        if solve and not unit:
            for i in range(n):
                if a[i, i] == 0.0:
                    raise np.linalg.LinAlgError(
                        "singular matrix: a zero on the triangular factor's diagonal")
        x = b.copy()                        # C-contiguous whatever b's layout
        m = x.size // n if n else 0
        if n == 0 or m == 0:
            return x
        ac = contiguous(a)
        # a' (BLAS's view of ac) is lower-triangular when ac is a column-major lower a or a
        # row-major upper one
        chars = np.empty(4, np.uint8)
        chars[0] = ord("R")
        chars[1] = ord("L") if lower == column_major else ord("U")
        chars[2] = ord("T") if column_major else ord("N")
        chars[3] = ord("U") if unit else ord("N")
        ints = np.empty(4, np.int32)
        ints[0] = m
        ints[1] = n
        ints[2] = n
        ints[3] = m
        one = np.ones(1, x.dtype)
        routine(chars[0:].ctypes, chars[1:].ctypes, chars[2:].ctypes, chars[3:].ctypes,
                ints[0:].ctypes, ints[1:].ctypes, one.ctypes, ac.ctypes, ints[2:].ctypes,
                x.ctypes, ints[3:].ctypes)
        _keep_alive((chars, ints, one, ac))
        return x

    return register_jitable(impl) if not solve else impl


@overload(support.tri_matmul, jit_options={"cache": True})
def _tri_matmul(a, b, lower):
    if not (isinstance(a, types.Array) and a.ndim == 2 and isinstance(b, types.Array)
            and b.ndim == 2):
        return None
    if a.dtype in (types.float32, types.float64) and a.dtype == b.dtype:
        return tri_matmul_impl(a, b, lower)
    dtype = np.promote_types(np.promote_types(as_dtype(a.dtype), as_dtype(b.dtype)), np.float32)

    def mixed(a, b, lower):                 # dtypes differ (a float32 factor, a float64 g)
        t = np.tril(a) if lower else np.triu(a)
        return np.ascontiguousarray(t.astype(dtype)) @ np.ascontiguousarray(b.astype(dtype))
    return mixed


def _lapack(symbol: str, name: str, *args) -> types.ExternalFunction:
    """The LAPACK routine ``name`` of SciPy's ``cython_lapack``, registered under ``symbol``."""
    binding.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_lapack", name))
    return types.ExternalFunction(symbol, types.void(*args))


def _info_check(what: str, routine: str):
    """A compiled check of the ``info`` a LAPACK routine returned: > 0, NumPy's LinAlgError
    "``what`` did not converge"; < 0, an illegal argument (a bug here, named by ``routine``)."""
    converge = f"{what} did not converge"
    illegal = f"{routine}: LAPACK was given an illegal argument"

    def check(info):
        if info > 0:
            raise np.linalg.LinAlgError(converge)
        if info < 0:
            raise ValueError(illegal)
    return register_jitable(check)


def _gesdd(symbol: str, name: str, dtype) -> types.ExternalFunction:
    """``?gesdd(jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork, info)``."""
    p = types.CPointer(dtype)
    return _lapack(symbol, name, _C, _I, _I, p, _I, p, p, _I, p, _I, p, _I, _I, _I)


_GESDD = {types.float64: _gesdd("flatgrad_dgesdd", "dgesdd", types.float64),
          types.float32: _gesdd("flatgrad_sgesdd", "sgesdd", types.float32)}


def svdvals_impl(a):
    """The Numba implementation of ``support.svdvals``: a workspace query, then ``?gesdd`` on
    a column-major copy of ``a`` (it is overwritten: always a copy, where np.ascontiguousarray
    would return an F-ordered ``a`` itself), U and V not computed."""
    gesdd = _GESDD[a.dtype]
    check = _info_check("SVD", "svdvals: ?gesdd")

    def impl(a):
        m, n = a.shape
        k = min(m, n)
        s = np.empty(k, a.dtype)
        if k == 0:
            return s
        x = a.T.copy()                      # a's columns one after another: column-major a
        jobz = np.full(1, ord("N"), np.uint8)
        ints = np.empty(6, np.int32)        # m, n, lda, ldu = ldvt, lwork, info
        ints[0] = m
        ints[1] = n
        ints[2] = m
        ints[3] = 1
        ints[4] = -1
        unused = np.empty(1, a.dtype)       # U and Vᵀ: not referenced with JOBZ='N'
        work = np.empty(1, a.dtype)
        iwork = np.empty(8 * k, np.int32)
        for query in (True, False):
            if not query:
                ints[4] = int(work[0])
                work = np.empty(ints[4], a.dtype)
            gesdd(jobz.ctypes, ints[0:].ctypes, ints[1:].ctypes, x.ctypes, ints[2:].ctypes,
                  s.ctypes, unused.ctypes, ints[3:].ctypes, unused.ctypes, ints[3:].ctypes,
                  work.ctypes, ints[4:].ctypes, iwork.ctypes, ints[5:].ctypes)
            if ints[5] != 0:
                break
        _keep_alive((jobz, ints, unused, work, iwork, x))
        check(ints[5])
        return s
    return impl


def _syevd(symbol: str, name: str, dtype) -> types.ExternalFunction:
    """``?syevd(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info)``."""
    p = types.CPointer(dtype)
    return _lapack(symbol, name, _C, _C, _I, p, _I, p, p, _I, _I, _I, _I)


_SYEVD = {types.float64: _syevd("flatgrad_dsyevd", "dsyevd", types.float64),
          types.float32: _syevd("flatgrad_ssyevd", "ssyevd", types.float32)}


def eigh_upper_impl(a):
    """The Numba implementation of ``support.eigh_upper``: ``?syevd`` with JOBZ='V', UPLO='U'
    on a column-major copy of ``a`` (overwritten by the eigenvectors, one a column), after a
    workspace query, as NumPy calls it; non-finite values raise LinAlgError before, as in
    Numba's own ``np.linalg.eigh`` (the lower triangle)."""
    syevd = _SYEVD[a.dtype]
    check = _info_check("Eigenvalues", "eigh: ?syevd")

    def impl(a):
        n = a.shape[0]
        if a.shape[1] != n:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square.")
        if not np.all(np.isfinite(a)):
            raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
        v = a.T.copy()                      # column-major a, always a copy (see svdvals_impl)
        w = np.empty(n, a.dtype)
        if n == 0:
            return w, v.T
        chars = np.empty(2, np.uint8)       # jobz, uplo
        chars[0] = ord("V")
        chars[1] = ord("U")
        ints = np.empty(4, np.int32)        # n = lda, lwork, liwork, info
        ints[0] = n
        ints[1] = -1
        ints[2] = -1
        work = np.empty(1, a.dtype)
        iwork = np.empty(1, np.int32)
        for query in (True, False):
            if not query:
                ints[1] = int(work[0])
                ints[2] = iwork[0]
                work = np.empty(ints[1], a.dtype)
                iwork = np.empty(ints[2], np.int32)
            syevd(chars[0:].ctypes, chars[1:].ctypes, ints[0:].ctypes, v.ctypes, ints[0:].ctypes,
                  w.ctypes, work.ctypes, ints[1:].ctypes, iwork.ctypes, ints[2:].ctypes,
                  ints[3:].ctypes)
            if ints[3] != 0:
                break
        _keep_alive((chars, ints, work, iwork, v, w))
        check(ints[3])
        return w, v.T                       # column-major eigenvectors: V = v^T
    return impl


def _getrf(symbol: str, name: str, dtype) -> types.ExternalFunction:
    """``?getrf(m, n, a, lda, ipiv, info)``."""
    return _lapack(symbol, name, _I, _I, types.CPointer(dtype), _I, _I, _I)


_GETRF = {types.float64: _getrf("flatgrad_dgetrf", "dgetrf", types.float64),
          types.float32: _getrf("flatgrad_sgetrf", "sgetrf", types.float32)}


def getrf_impl(a, pivots):
    """``?getrf`` of a square ``a`` as SciPy's ``lu_factor`` calls it: lu, the packed factors
    (C-ordered), or with ``pivots`` piv, 0-based (int64). A zero pivot (an exactly singular U)
    is no error, as in SciPy (which warns)."""
    getrf = _GETRF[a.dtype]

    def impl(a):
        n = a.shape[0]
        if a.shape[1] != n:
            raise ValueError("lu_factor: expected a square matrix")
        x = a.T.copy()                      # column-major a, overwritten by L and U
        ipiv = np.zeros(n, np.int32)
        ints = np.empty(2, np.int32)        # n = m = lda, info
        ints[0] = n
        ints[1] = 0
        if n > 0:
            getrf(ints[0:].ctypes, ints[0:].ctypes, x.ctypes, ints[0:].ctypes, ipiv.ctypes,
                  ints[1:].ctypes)
        _keep_alive((ints, ipiv, x))
        if ints[1] < 0:
            raise ValueError("lu_factor: ?getrf: LAPACK was given an illegal argument")
        if not pivots:
            return np.ascontiguousarray(x.T)
        piv = np.empty(n, np.int64)
        for i in range(n):
            piv[i] = ipiv[i] - 1
        return piv
    return impl


def _geqrf(symbol: str, name: str, dtype) -> types.ExternalFunction:
    """``?geqrf(m, n, a, lda, tau, work, lwork, info)``."""
    p = types.CPointer(dtype)
    return _lapack(symbol, name, _I, _I, p, _I, p, p, _I, _I)


def _orgqr(symbol: str, name: str, dtype) -> types.ExternalFunction:
    """``?orgqr(m, n, k, a, lda, tau, work, lwork, info)``."""
    p = types.CPointer(dtype)
    return _lapack(symbol, name, _I, _I, _I, p, _I, p, p, _I, _I)


_GEQRF = {types.float64: _geqrf("flatgrad_dgeqrf", "dgeqrf", types.float64),
          types.float32: _geqrf("flatgrad_sgeqrf", "sgeqrf", types.float32)}
_ORGQR = {types.float64: _orgqr("flatgrad_dorgqr", "dorgqr", types.float64),
          types.float32: _orgqr("flatgrad_sorgqr", "sorgqr", types.float32)}


def qr_impl(a, want_q):
    """The Numba implementation of ``support.qr_q`` (``want_q``) and ``support.qr_r``: as NumPy
    and SciPy call LAPACK, ``?geqrf`` on a column-major copy of ``a`` after a workspace query;
    R is the upper triangle of its first k = min(m, n) rows (all m rows, complete); Q is
    ``?orgqr`` (after its own query) on the first k columns (m, complete) of the reflectors.
    NumPy factors a float32 matrix in float64 and rounds the factors to float32; SciPy calls
    the float32 routines (``scipy``)."""
    core = _qr_kernel(a.dtype, want_q)
    if a.dtype == types.float64:
        return lambda a, complete, scipy: core(a, complete)
    core64 = _qr_kernel(types.float64, want_q)

    def impl(a, complete, scipy):
        if scipy:
            return core(a, complete)
        return core64(a.astype(np.float64), complete).astype(np.float32)
    return impl


def _qr_kernel(dtype, want_q):
    """``?geqrf`` (and ``?orgqr`` when ``want_q``) of a matrix of ``dtype``."""
    geqrf, orgqr = _GEQRF[dtype], _ORGQR[dtype]
    check = _info_check("QR", "qr: ?geqrf/?orgqr")

    def kernel(a, complete):
        m, n = a.shape
        k = min(m, n)
        x = a.T.copy()                      # column-major a, overwritten by R and the reflectors
        tau = np.zeros(max(k, 1), a.dtype)
        ints = np.empty(6, np.int32)        # m, n, k, lda, lwork, info
        ints[0] = m
        ints[1] = n
        ints[2] = k
        ints[3] = max(m, 1)
        ints[4] = -1
        ints[5] = 0
        work = np.empty(1, a.dtype)
        if k > 0:
            for query in (True, False):
                if not query:
                    ints[4] = max(int(work[0]), 1)
                    work = np.empty(ints[4], a.dtype)
                geqrf(ints[0:].ctypes, ints[1:].ctypes, x.ctypes, ints[3:].ctypes, tau.ctypes,
                      work.ctypes, ints[4:].ctypes, ints[5:].ctypes)
                if ints[5] != 0:
                    break
        _keep_alive((ints, work, tau, x))
        check(ints[5])
        rows = m if complete else k
        if not want_q:
            r = np.zeros((rows, n), a.dtype)
            for i in range(k):
                for j in range(i, n):
                    r[i, j] = x[j, i]
            return r
        cols = m if complete else k
        q = np.zeros((cols, m), a.dtype)    # column-major Q: its columns, one a row
        q[:min(cols, n)] = x[:min(cols, n)]
        if m > 0 and cols > 0:
            ints[1] = cols
            ints[4] = -1
            work = np.empty(1, a.dtype)
            for query in (True, False):
                if not query:
                    ints[4] = max(int(work[0]), 1)
                    work = np.empty(ints[4], a.dtype)
                orgqr(ints[0:].ctypes, ints[1:].ctypes, ints[2:].ctypes, q.ctypes,
                      ints[3:].ctypes, tau.ctypes, work.ctypes, ints[4:].ctypes, ints[5:].ctypes)
                if ints[5] != 0:
                    break
        _keep_alive((ints, work, tau, q))
        check(ints[5])
        return np.ascontiguousarray(q.T)
    return register_jitable(kernel)
