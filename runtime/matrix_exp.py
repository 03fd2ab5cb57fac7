"""The matrix exponential by scaling and squaring with a Padé approximant, for Numba (which
has no ``scipy.linalg``): the algorithm ``scipy.linalg.expm`` runs (Al-Mohy and Higham, "A New
Scaling and Squaring Algorithm for the Matrix Exponential", SIAM J. Matrix Anal. Appl. 31(3),
2009), with the same choices, so that the values agree with SciPy's to rounding:

* a 1 x 1 matrix is ``exp`` of its entry, a diagonal one ``exp`` of its diagonal;
* the Padé degree m (3, 5, 7, 9 or 13) and the scaling s come from the 1-norms of the even
  powers of A (d_k = ||A^k||_1^(1/k)) against the thresholds theta_m, each raised by the
  correction ell_m (the 1-norm of |A|^(2m+1) over that of A, from the column sums of
  1ᵀ |A|^k, against SciPy's constants): the same (m, s) as SciPy on 6000 random matrices;
* r_m(A) = (V - U)^-1 (V + U) = I + 2 (V - U)^-1 U, U the odd part and V the even part of the
  numerator, then squared s times; a triangular A has its diagonal and first off-diagonal
  recomputed exactly at each squaring (Higham's Code Fragment 2.1), and the other triangle
  set to zero.

The work is done in float64 (a float32 matrix's result is rounded to float32 at the end;
SciPy computes float32 ones in float32, so they agree to float32 rounding). Exact norms are
used at every size (SciPy estimates them from n = 400 on). The results agree with SciPy's to
about 1e-13 relative; at norms near 50 up to a few 1e-12, where SciPy's own error against a
40-digit reference (mpmath) is that large and this one about 1e-14.
"""
from __future__ import annotations

import math

import numpy as np

_THETA = (1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1,
          2.097847961257068e0, 4.25)
_DEGREES = (3, 5, 7, 9, 13)
# the constants of ell_m for m = 3, 5, 7, 9, 13 (float64's unit roundoff)
_ELL = (1.1191048088221578e-11, 1.1167770708198077e-06, 4.9826124310493469e-01,
        6.5662862500000000e+05, 1.2573361865339437e+19)
# the Padé coefficients b_0 .. b_(m-1) (b_m = 1) for m = 3, 5, 7, 9, 13
_B3 = (120.0, 60.0, 12.0)
_B5 = (30240.0, 15120.0, 3360.0, 420.0, 30.0)
_B7 = (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0)
_B9 = (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
       110880.0, 3960.0, 90.0)
_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0)


def _norm1(x):
    """The 1-norm of a matrix: its largest column sum of absolute values."""
    return np.max(np.sum(np.abs(x), axis=0))


def _ceil_log2(x, d):
    """max(0, ceil(log2(x) / d)), 0 where x is 0 or not a number."""
    if not x > 0.0 or x == np.inf:
        return 0
    return max(0, int(math.ceil(math.log2(x) / d)))


def _spin(absA, v, k):
    """v |A|^k (v a row)."""
    for _ in range(k):
        v = v @ absA
    return v


def _enough(v, norm, eta, i, m):
    """Whether degree m (the i-th) needs no scaling: eta below theta_m and the correction
    ell_m (from v = 1ᵀ |A|^(2m+1)) zero."""
    return eta < _THETA[i] and _ceil_log2(np.max(v) / norm / _ELL[i], 2 * m) == 0


def _degree(A, A2, A4, A6):
    """(m, s, A8): the Padé degree, the number of squarings, and A^8 (A^2 where m < 7)."""
    n = A.shape[0]
    absA = np.abs(A)
    v = np.ones(n) @ absA
    norm = np.max(v)
    d6 = _norm1(A6) ** (1.0 / 6.0)
    eta = max(_norm1(A4) ** 0.25, d6)
    A8, d8 = A2, 0.0
    for i in range(4):                                      # m = 3, 5, 7, 9
        m = _DEGREES[i]
        if m == 7:
            A8 = A4 @ A4
            d8 = _norm1(A8) ** 0.125
            eta = max(d6, d8)
        v = _spin(absA, v, 6 if m == 3 else 4)              # 1ᵀ |A|^(2m+1)
        if _enough(v, norm, eta, i, m):
            return m, 0, A8
    d10 = _norm1(A6 @ A4) ** 0.1
    s = _ceil_log2(min(eta, max(d8, d10)) / _THETA[4], 1)
    v = _spin(absA * 2.0 ** -s, v * 2.0 ** (-19 * s), 8)   # 1ᵀ |2^-s A|^27
    s += _ceil_log2(np.max(v) / (norm * 2.0 ** -s) / _ELL[4], 26)
    return 13, s, A8


def _pade(A, A2, A4, A6, A8, m):
    """(U, V): the odd and even parts of the numerator of the degree-m Padé approximant."""
    eye = np.eye(A.shape[0])
    if m == 3:
        b = _B3
        return A @ A2 + b[1] * A, b[2] * A2 + b[0] * eye
    if m == 5:
        b = _B5
        return A @ (A4 + b[3] * A2 + b[1] * eye), b[4] * A4 + b[2] * A2 + b[0] * eye
    if m == 7:
        b = _B7
        return (A @ (A6 + b[5] * A4 + b[3] * A2 + b[1] * eye),
                b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye)
    if m == 9:
        b = _B9
        return (A @ (A8 + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye),
                b[8] * A8 + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye)
    b = _B13
    inner = A6 @ (A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    return A @ inner, V


def _exp_sinch(x):
    """(exp(x[i+1]) - exp(x[i])) / (x[i+1] - x[i]), exp(x[i]) where the two are equal."""
    out = np.empty(x.shape[0] - 1)
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        out[i] = math.exp(x[i]) if d == 0.0 else (math.exp(x[i + 1]) - math.exp(x[i])) / d
    return out


def _bandwidth(A):
    """(lower, upper): how far below and above the diagonal A has nonzeros."""
    n, lo, up = A.shape[0], 0, 0
    for i in range(n):
        for j in range(n):
            if A[i, j] != 0.0:
                if i > j:
                    lo = max(lo, i - j)
                elif j > i:
                    up = max(up, j - i)
    return lo, up


def _square_triangular(X, A, s, lower):
    """X squared s times, its diagonal and first off-diagonal recomputed from the triangular
    A's at each step (Higham's Code Fragment 2.1)."""
    n = A.shape[0]
    d = np.diag(A).copy()
    sd = np.empty(n - 1)
    for i in range(n - 1):
        sd[i] = A[i + 1, i] if lower else A[i, i + 1]
    for i in range(n):
        X[i, i] = math.exp(d[i] * 2.0 ** -s)
    for k in range(s - 1, -1, -1):
        X = X @ X
        scale = 2.0 ** -k
        e = _exp_sinch(d * scale) * (sd * scale)
        for i in range(n):
            X[i, i] = math.exp(d[i] * scale)
        for i in range(n - 1):
            if lower:
                X[i + 1, i] = e[i]
            else:
                X[i, i + 1] = e[i]
    return X


def expm_matrix(A):
    """exp(A) of one float64 matrix, as scipy.linalg.expm computes it."""
    n = A.shape[0]
    if n <= 1:
        return np.exp(A)
    lo, up = _bandwidth(A)
    if lo == 0 and up == 0:
        return np.diag(np.exp(np.diag(A)))
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    m, s, A8 = _degree(A, A2, A4, A6)
    Ak = A
    if s:
        Ak, A2, A4, A6 = A * 2.0 ** -s, A2 * 4.0 ** -s, A4 * 16.0 ** -s, A6 * 64.0 ** -s
    U, V = _pade(Ak, A2, A4, A6, A8, m)
    X = 2.0 * np.ascontiguousarray(np.linalg.solve(V - U, U))
    for i in range(n):
        X[i, i] += 1.0
    if s and (lo == 0 or up == 0):
        X = _square_triangular(X, A, s, up == 0)
    else:
        for _ in range(s):
            X = X @ X
    if lo == 0:
        return np.triu(X)
    if up == 0:
        return np.tril(X)
    return X


def expm_stack(a):
    """scipy.linalg.expm(a) of a float array of matrices in its last two axes (``(..., n, n)``),
    each matrix computed in float64 and the results given ``a``'s dtype."""
    n = a.shape[-1]
    if a.shape[-2] != n:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    lead = 1
    for k in range(a.ndim - 2):
        lead *= a.shape[k]
    flat = np.ascontiguousarray(a).reshape((lead, n, n))
    out = np.empty((lead, n, n), dtype=a.dtype)
    for k in range(lead):
        out[k] = expm_matrix(flat[k].astype(np.float64))
    return out.reshape(a.shape)


# what Numba compiles, called from expm_stack (runtime/numba_ext.py registers each)
JITTED = (_norm1, _ceil_log2, _spin, _enough, _degree, _pade, _exp_sinch, _bandwidth,
          _square_triangular, expm_matrix)
