"""Functions the generated code calls, in plain Python/NumPy.

``sigmoid``, ``relu`` and ``softplus`` are also flatgrad's public functions: they work
in ordinary Python on scalars and arrays, the compiler recognises them by their
``__flatgrad_prim__`` tag, and :mod:`.numba_ext` teaches Numba to compile them.
"""
from __future__ import annotations

import math

import numpy as np


def _tag(prim: str):
    def deco(fn):
        fn.__flatgrad_prim__ = prim
        return fn
    return deco


# The scalar formulas, written once: the Numba overloads (numba_ext.py) and the CUDA device
# functions (cuda_support.py) compile these same functions.

def sigmoid_scalar(x):
    """1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) below, bit for bit, without
    overflow. A select, not a branch: batch loops over mixed signs pay no misprediction per
    element (~30% of a vectorized sigmoid gradient), and a CUDA warp does not diverge."""
    e = math.exp(-abs(x))
    return (1.0 if x >= 0 else e) / (1.0 + e)


def relu_scalar(x):
    return x if x > 0 else 0.0 * x


def softplus_scalar(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


@_tag("sigmoid")
def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), computed without overflow."""
    if isinstance(x, np.ndarray):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0, e) / (1.0 + e)
    return _like_float(sigmoid_scalar(x), x)


@_tag("relu")
def relu(x):
    """max(x, 0); its derivative at 0 is taken as 0 (the JAX convention)."""
    if isinstance(x, np.ndarray):
        return np.maximum(x, 0.0)
    return relu_scalar(x)


@_tag("softplus")
def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    if isinstance(x, np.ndarray):
        return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)
    return _like_float(softplus_scalar(x), x)


def logsumexp(x, axis=None):
    """log(sum(exp(x))) (along ``axis``) without overflow. Written in flatgrad's subset, so
    calls to it are inlined and differentiated like any user function."""
    m = np.max(x, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=axis)) + np.max(x, axis=axis)


_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])


def erf(x):
    """The error function on scalars and arrays (NumPy has no erf of its own)."""
    return _like_float(_erf(x) if isinstance(x, np.ndarray) else math.erf(x), x)


def erfc(x):
    return _like_float(_erfc(x) if isinstance(x, np.ndarray) else math.erfc(x), x)


def sum_to(c, like):
    """Sum ``c`` down to the shape of ``like``: the adjoint of NumPy broadcasting."""
    shape = np.shape(like)
    c = np.asarray(c)
    if c.shape == shape:
        return c
    lead = c.ndim - len(shape)
    if lead > 0:
        c = c.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and c.shape[i] != 1)
    if axes:
        c = c.sum(axis=axes, keepdims=True)
    return c.reshape(shape)


def distinct_index(idx, n):
    """``idx`` itself, after checking that no position of an axis of length ``n`` is written
    twice. NumPy's ``out[idx] = v`` lets the last of repeated writes win, which has no
    useful gradient; flatgrad asks for distinct indices there instead."""
    flat = np.sort(idx.ravel() % max(n, 1))
    for i in range(1, flat.size):
        if flat[i] == flat[i - 1]:
            raise ValueError("an item assignment with an index array writes the same "
                             "position twice; pass distinct indices")
    return idx


def check_index(i, n):
    """``i``, checked to index an axis of length ``n`` (NumPy's range, -n <= i < n): the
    check compiled code keeps where the range analysis could not prove an index in range
    (compiler/ranges.py). The runtime names the user's line (runtime/dispatch.py)."""
    if i < -n or i >= n:
        raise IndexError("index out of bounds")
    return i


def distinct_pairs(a, n, b, m):
    """``a``, after checking that the pairs (a[i], b[i]) (1-D index arrays into axes of
    lengths n and m, broadcast together) are distinct."""
    size = max(a.size, b.size)
    n, m = max(n, 1), max(m, 1)
    keys = np.empty(size, dtype=np.int64)
    for i in range(size):
        keys[i] = (a[i % a.size] % n) * m + b[i % b.size] % m
    distinct_index(keys, n * m)
    return a


def tape_push(tape, k, value):
    """Store ``value`` at row ``k`` of ``tape``, growing the tape (doubling) when it is full.
    A tape may start empty, before the shape of its rows is known."""
    if tape.ndim > 1 and k > 0 and np.shape(value) != tape.shape[1:]:
        # a list grown in a loop whose items differ in shape (NumPy would not stack them)
        raise ValueError("the items appended to a list have different shapes; a list built "
                         "in a loop must hold items of one shape")
    if k >= tape.shape[0]:
        grown = np.empty((max(2 * tape.shape[0], k + 1, 16),) + np.shape(value), dtype=tape.dtype)
        if k > 0:
            grown[:k] = tape[:k]
        tape = grown
    tape[k] = value
    return tape


def draw_trips(draw, trips, kinds):
    """The random draws of a loop's trips, made in the loop's order before the compiled code
    runs (``compiler/library/random.py``): ``draw()`` makes one trip's draws; one array per
    draw, its trips stacked along a first axis (``kinds``: each draw's dtype and ndim, for a
    loop that runs no trip)."""
    rows = [draw() for _ in trips]
    return tuple(np.array([r[j] for r in rows], dtype=dt) if rows
                 else np.empty((0,) * (nd + 1), dtype=dt) for j, (dt, nd) in enumerate(kinds))


def reduce_sum(x, axis, keepdims):
    """np.sum with axis and keepdims (the spelling Numba targets use; see numba_ext)."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def reduce_max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)


def reduce_min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)


def reduce_prod(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims)


def arange(n):
    """``np.arange(n)`` of one integer (Numba targets run it as one loop, numba_ext: Numba's
    own np.arange, with its start, step and dtype cases, compiles in several times the time)."""
    return np.arange(n)


def gather(x, *idx):
    """``x[idx]`` for integer-array (and integer) indices: a gather. Numba targets run it as
    one loop (numba_ext), which compiles in a fraction of the time of Numba's advanced
    indexing."""
    return x[idx]


def scatter_add(acc, g, *idx):
    """np.add.at(acc, idx, g): the adjoint of a gather with repeated indices."""
    np.add.at(acc, idx, g)
    return acc


def split_size(n, sections):
    """The length of each of ``sections`` equal parts of an axis of length ``n`` (np.split)."""
    if n % sections != 0:
        raise ValueError("array split does not result in an equal division")
    return n // sections


def nonneg(n):
    """``n``, checked not to be negative (a repeat count, a pad width)."""
    if n < 0:
        raise ValueError("negative dimensions are not allowed")
    return n


def same_size(n, m):
    """``n``, checked equal to ``m``: the mapped axes of a ``vmap``'s arguments have one
    length."""
    if n != m:
        raise ValueError("vmap got arguments of different sizes along their mapped axes")
    return n


def empty_rows(n, like):
    """``np.empty((n,) + like.shape, like.dtype)``: a tape, or a vmap loop's results; under
    Numba a large one is given the huge-page hint NumPy gives its own (``hugepages.py``)."""
    return np.empty((n,) + like.shape, dtype=like.dtype)


def array_equiv(a, b):
    """np.array_equiv: the shapes broadcast together and the elements are all equal."""
    return bool(np.array_equiv(a, b))


def cross_index(n):
    """2, the index of the third component of np.cross's vectors, checked to be 3 long."""
    if n != 3:
        raise ValueError("np.cross: flatgrad supports vectors of 3 components here")
    return 2


def squeeze_index(n):
    """0, the index that squeezes out an axis of length ``n``, checked to be one."""
    if n != 1:
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return 0


def diag_embed(g, like, k):
    """A zero matrix shaped like ``like`` with ``g`` on its diagonal ``k``: the adjoint of
    taking that diagonal (np.diag of a matrix)."""
    out = np.zeros(like.shape, dtype=g.dtype)
    r0 = -k if k < 0 else 0
    c0 = k if k > 0 else 0
    for i in range(g.shape[0]):
        out[r0 + i, c0 + i] = g[i]
    return out


def tril_halved(x):
    """The lower triangle of the matrix ``x`` with its diagonal halved (Murray's Phi in the
    Cholesky adjoint), in one pass and one allocation."""
    out = np.tril(x)
    d = np.arange(min(x.shape))
    out[d, d] *= 0.5
    return out


def tril_halved_loops(x):
    """The same for Numba (whose indexing takes one index array): the diagonal by a loop."""
    out = np.tril(x)
    for i in range(min(x.shape[0], x.shape[1])):
        out[i, i] *= 0.5
    return out


def mirror_triangle(x, lower):
    """The triangle of the square matrix ``x`` a one-triangle function reads (the lower one,
    or the upper), mirrored into the other: tril(x) + tril(x, -1)^T."""
    if lower:
        return np.tril(x) + np.tril(x, -1).T
    return np.triu(x) + np.triu(x, 1).T


def fold_triangle(g, lower):
    """The adjoint of :func:`mirror_triangle`: tril(g) + tril(g^T, -1), zero above the
    diagonal (below it for the upper triangle)."""
    if lower:
        return np.tril(g) + np.tril(g.T, -1)
    return np.triu(g) + np.triu(g.T, 1)


def mirror_triangle_loops(x, lower):
    """:func:`mirror_triangle` for Numba, in one pass."""
    n = x.shape[0]
    out = np.empty_like(x)
    for i in range(n):
        for j in range(n):
            r, c = (max(i, j), min(i, j)) if lower else (min(i, j), max(i, j))
            out[i, j] = x[r, c]
    return out


def fold_triangle_loops(g, lower):
    """:func:`fold_triangle` for Numba, in one pass."""
    n = g.shape[0]
    out = np.zeros_like(g)
    for i in range(n):
        out[i, i] = g[i, i]
        for j in range(i):
            if lower:
                out[i, j] = g[i, j] + g[j, i]
            else:
                out[j, i] = g[j, i] + g[i, j]
    return out


def einsum_loops(spec, *operands):
    """np.einsum with explicit subscripts ('ij,jk->ik'); under Numba (which has no einsum)
    flatgrad.runtime.numba_ext compiles each subscript string to loops."""
    return np.einsum(spec, *operands)


# ---- special functions, stable products and scans (compiler/library/special.py, stable.py,
# cumulative.py, order.py). Each scalar formula is written once: the NumPy versions below
# apply it elementwise, numba_ext compiles the same function into a ufunc.

def gammaln_scalar(x):
    """log|Gamma(x)|, inf at the poles (0, -1, -2, ...) as scipy.special.gammaln."""
    if x <= 0 and x == math.floor(x):
        return math.inf
    return math.lgamma(x)


# B_2k, k = 1..10, for the asymptotic series of the polygamma functions
_BERNOULLI_2K = (1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6,
                 -3617.0 / 510, 43867.0 / 798, -174611.0 / 330)


def polygamma_scalar(n, x):
    """The n-th derivative of digamma (n = 0: digamma itself), as scipy.special.polygamma:
    shifted up by the recurrence to x >= 10 + n, then the asymptotic series."""
    if math.isnan(x) or n < 0:
        return math.nan
    if x == math.inf:
        return math.inf if n == 0 else 0.0
    if x <= 0 and x == math.floor(x):
        return math.nan
    acc = 0.0
    fact = math.gamma(n + 1.0)                  # n!
    sgn = -1.0 if n % 2 == 0 else 1.0           # (-1)^(n+1)
    if n == 0 and x < 0:                        # reflection: psi(x) = psi(1-x) - pi/tan(pi x)
        acc = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    lo = 10.0 + n
    while x < lo:                               # psi^(n)(x) = psi^(n)(x+1) - (-1)^n n!/x^(n+1)
        acc += sgn * fact / x ** (n + 1)
        x += 1.0
    x2 = 1.0 / (x * x)
    if n == 0:
        s = math.log(x) - 0.5 / x
        p = x2
        for k in range(10):
            s -= _BERNOULLI_2K[k] / (2 * (k + 1)) * p
            p *= x2
        return acc + s
    s = math.gamma(n) / x ** n + fact / (2.0 * x ** (n + 1))
    p = 1.0 / x ** (n + 2)
    c = fact * (n + 1) / 2.0                    # (2k+n-1)!/(2k)! at k = 1
    for k in range(1, 11):
        s += _BERNOULLI_2K[k - 1] * c * p
        p *= x2
        c *= (2 * k + n) * (2 * k + n + 1) / ((2 * k + 1) * (2 * k + 2))
    return acc + sgn * s


def hurwitz_zeta_scalar(x, q):
    """sum_k (q + k)^-x, as scipy.special.zeta(x, q): inf at x == 1 and at the poles q = 0,
    -1, ...; NaN for x < 1, and for q < 0 where x is not a whole number. The terms are
    summed until q + k >= 20 + x (or the rest is below rounding), then the Euler-Maclaurin
    tail a^(1-x)/(x-1) + a^-x/2 + sum_j B_2j/(2j)! x(x+1)...(x+2j-2) a^(-x-2j+1) (DLMF
    25.11.5 summed from a), whose terms shrink by about (x + 2j)^2 / (2 pi a)^2 there."""
    if math.isnan(x) or math.isnan(q) or x < 1.0:
        return math.nan
    if x == 1.0:
        return math.inf
    if q <= 0.0:
        if q == math.floor(q):
            return math.inf
        if x != math.floor(x):
            return math.nan
    s = 0.0
    a = q
    while a < 20.0 + x:
        t = a ** -x
        s += t
        a += 1.0
        if a > 0.0 and abs(t) * (a / (x - 1.0) + 1.0) <= 1e-18 * abs(s):
            return s
    p = a ** -x
    s += a * p / (x - 1.0) + 0.5 * p
    fac = x * p / a                             # x a^(-x-1), then the next rising factors
    fact = 2.0                                  # (2j)!
    for j in range(1, 11):
        s += _BERNOULLI_2K[j - 1] / fact * fac
        fac *= (x + 2 * j - 1) * (x + 2 * j) / (a * a)
        fact *= (2 * j + 1) * (2 * j + 2)
    return s


def xlogy_scalar(x, y):
    """x * log(y), 0 where x == 0 (whatever y is), as scipy.special.xlogy."""
    if x == 0 and not math.isnan(y):
        return 0.0
    if y > 0:
        return x * math.log(y)
    return x * -math.inf if y == 0 else math.nan


def xlog1py_scalar(x, y):
    """x * log1p(y), 0 where x == 0, as scipy.special.xlog1py."""
    if x == 0 and not math.isnan(y):
        return 0.0
    if y > -1:
        return x * math.log1p(y)
    return x * -math.inf if y == -1 else math.nan


_SQRT1_2 = math.sqrt(0.5)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def log_ndtr_scalar(x):
    """log of the standard normal CDF, accurate in both tails (scipy.special.log_ndtr):
    log1p(-Q) above 0 (Q = erfc(x/sqrt 2)/2, so a CDF near 1 keeps its digits),
    log(erfc(-x/sqrt 2)/2) from -20 to 0, and below -20
    (where erfc heads for underflow) the asymptotic series of Mills' ratio,
    -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4 - 15/x^6 + ...), whose 12 terms
    are exact to 1e-19 there."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x * _SQRT1_2))
    if x >= -20.0:
        return math.log(0.5 * math.erfc(-x * _SQRT1_2))
    r = 1.0 / (x * x)
    term = 1.0
    series = 1.0
    for n in range(1, 13):
        term *= -(2 * n - 1) * r
        series += term
    return -0.5 * x * x - math.log(-x) - _HALF_LOG_2PI + math.log(series)


_EPS = 1e-16
_TINY = 1e-300
_MAXITER = 100000


def _gamma_front(a, x):
    """x^a e^-x / Gamma(a), the factor of both incomplete gamma expansions."""
    return math.exp(a * math.log(x) - x - math.lgamma(a))


def _gamma_series(a, x):
    """P(a, x) by its power series sum x^n / (a (a+1) ... (a+n)) (for x < a + 1)."""
    term = 1.0 / a
    total = term
    n = 1
    while n < _MAXITER:
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * _EPS:
            break
        n += 1
    return total * _gamma_front(a, x)


def _lentz_step(aa, bb, c, d):
    """One term aa / (bb + ...) of a continued fraction by Lentz's method: the new c and d,
    and the factor the value is multiplied by."""
    d = bb + aa * d
    if abs(d) < _TINY:
        d = _TINY
    c = bb + aa / c
    if abs(c) < _TINY:
        c = _TINY
    d = 1.0 / d
    return c, d, d * c


def _gamma_fraction(a, x):
    """Q(a, x) by its continued fraction, evaluated by Lentz's method (for x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    i = 1
    while i < _MAXITER:
        b += 2.0
        c, d, delta = _lentz_step(-i * (i - a), b, c, d)
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
        i += 1
    return h * _gamma_front(a, x)


def _gamma_tail(a, x, upper):
    """P(a, x), or (``upper``) Q(a, x) = 1 - P(a, x), each computed directly where it is the
    smaller: the series below x = a + 1, the continued fraction above. As SciPy: P is 1 at
    a == 0 for x > 0; NaN for a < 0, x < 0 or a == x == 0."""
    if math.isnan(a) or math.isnan(x) or a < 0 or x < 0 or (a == 0 and x == 0):
        return math.nan
    if a == 0 or x == math.inf:
        return 0.0 if upper else 1.0
    if x == 0:
        return 1.0 if upper else 0.0
    if x < a + 1.0:
        p = _gamma_series(a, x)
        return 1.0 - p if upper else p
    q = _gamma_fraction(a, x)
    return q if upper else 1.0 - q


def gammainc_scalar(a, x):
    """The regularised lower incomplete gamma function P(a, x) (scipy.special.gammainc)."""
    return _gamma_tail(a, x, False)


def gammaincc_scalar(a, x):
    """The regularised upper incomplete gamma function Q(a, x) (scipy.special.gammaincc)."""
    return _gamma_tail(a, x, True)


def _beta_fraction(a, b, x):
    """The continued fraction of I_x(a, b) (times a B(a, b) / (x^a (1-x)^b)), by Lentz's
    method, two partial numerators (even, odd) per trip; it converges fast for
    x < (a + 1) / (a + b + 2)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    m = 1
    while m < _MAXITER:
        m2 = 2 * m
        c, d, delta = _lentz_step(m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)), 1.0, c, d)
        h *= delta
        c, d, delta = _lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)),
                                  1.0, c, d)
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
        m += 1
    return h


def betainc_scalar(a, b, x):
    """The regularised incomplete beta function I_x(a, b), as scipy.special.betainc (NaN
    outside 0 <= x <= 1 and for a, b < 0; a == 0 gives 1 and b == 0 gives 0 inside)."""
    if math.isnan(a) or math.isnan(b) or math.isnan(x) or x < 0 or x > 1 or a < 0 or b < 0 \
            or (a == 0 and b == 0):
        return math.nan
    if a == 0:
        return 1.0
    if b == 0 or x == 0:
        return 0.0
    if x == 1:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x)
                     - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


_gammaln_v = np.vectorize(gammaln_scalar, otypes=[float])
_polygamma_v = np.vectorize(polygamma_scalar, otypes=[float])
_xlogy_v = np.vectorize(xlogy_scalar, otypes=[float])
_log_ndtr_v = np.vectorize(log_ndtr_scalar, otypes=[float])
_gammainc_v = np.vectorize(gammainc_scalar, otypes=[float])
_gammaincc_v = np.vectorize(gammaincc_scalar, otypes=[float])
_betainc_v = np.vectorize(betainc_scalar, otypes=[float])
_xlog1py_v = np.vectorize(xlog1py_scalar, otypes=[float])


def _like_float(out, *xs):
    """A float32 result where the float arguments, arrays and NumPy numbers, are all float32
    (as NumPy's ufuncs; a Python float is weak): a formula in ``math`` or a vectorised
    helper computes in float64."""
    if not any(type(x) is np.float32 or (type(x) is np.ndarray and x.dtype == np.float32)
               for x in xs):
        return out
    if any(type(x) is np.float64 or (type(x) is np.ndarray and x.dtype == np.float64)
           for x in xs):
        return out
    return out.astype(np.float32) if isinstance(out, np.ndarray) else np.float32(out)


def gammaln(x):
    """log|Gamma(x)| on scalars and arrays."""
    return _like_float(_gammaln_v(x) if isinstance(x, np.ndarray) else gammaln_scalar(x), x)


def polygamma(n, x):
    """polygamma(n, x) for an integer n, on scalars and arrays x."""
    if isinstance(x, np.ndarray):
        return _like_float(_polygamma_v(n, x), x)
    return _like_float(polygamma_scalar(n, x), x)


def log_ndtr(x):
    """log of the standard normal CDF on scalars and arrays."""
    return _like_float(_log_ndtr_v(x) if isinstance(x, np.ndarray) else log_ndtr_scalar(x), x)


# SciPy's own special functions, called as they are (compiler/library/bessel.py): in plain
# Python SciPy's ufuncs; under Numba the same C functions of scipy.special.cython_special
# (runtime/numba_special.py). name -> the number of arguments.
CYTHON_SPECIAL = {"erfinv": 1, "erfcinv": 1, "ndtri": 1, "gamma": 1, "rgamma": 1,
                  "gammasgn": 1, "beta": 2,
                  "j0": 1, "j1": 1, "y0": 1, "y1": 1, "i0": 1, "i1": 1, "i0e": 1, "i1e": 1,
                  "k0": 1, "k1": 1, "k0e": 1, "k1e": 1,
                  "jv": 2, "yv": 2, "iv": 2, "ive": 2, "kv": 2, "kve": 2,
                  "binom": 2, "poch": 2, "ellipk": 1, "ellipe": 1, "ellipkm1": 1, "zetac": 1}


def _cython_special(name: str):
    def one(x):
        import scipy.special
        return getattr(scipy.special, name)(x)

    def two(v, x):
        import scipy.special
        return getattr(scipy.special, name)(v, x)
    call = one if CYTHON_SPECIAL[name] == 1 else two
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"scipy.special.{name} on scalars and arrays."
    return call


for _name in CYTHON_SPECIAL:
    globals()[_name] = _cython_special(_name)


def _elementwise(vectorized, scalar, *args):
    """A scalar formula on numbers, or applied elementwise (broadcasting) where an argument
    is an array."""
    if any(isinstance(v, np.ndarray) for v in args):
        return _like_float(vectorized(*args), *args)
    return _like_float(scalar(*args), *args)


def hurwitz_zeta(x, q):
    """scipy.special.zeta(x, q) on scalars and arrays (under Numba: hurwitz_zeta_scalar)."""
    import scipy.special
    if any(isinstance(v, np.ndarray) for v in (x, q)):
        return _like_float(scipy.special.zeta(x, q), x, q)
    return _like_float(float(scipy.special.zeta(x, q)), x, q)


def gammainc(a, x):
    """P(a, x) on scalars and arrays."""
    return _elementwise(_gammainc_v, gammainc_scalar, a, x)


def gammaincc(a, x):
    """Q(a, x) on scalars and arrays."""
    return _elementwise(_gammaincc_v, gammaincc_scalar, a, x)


def betainc(a, b, x):
    """I_x(a, b) on scalars and arrays."""
    return _elementwise(_betainc_v, betainc_scalar, a, b, x)


def xlogy(x, y):
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return _like_float(_xlogy_v(x, y), x, y)
    return _like_float(xlogy_scalar(x, y), x, y)


def xlog1py(x, y):
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return _like_float(_xlog1py_v(x, y), x, y)
    return _like_float(xlog1py_scalar(x, y), x, y)


def rcumsum(x, axis):
    """The cumulative sum from the end along ``axis`` (the adjoint of np.cumsum)."""
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


def scan_cumsum(x, axis):
    """np.cumsum(x, axis=axis) (the spelling Numba targets use; see numba_ext)."""
    return np.cumsum(x, axis=axis)


def scan_cumprod(x, axis):
    return np.cumprod(x, axis=axis)


def argsort_axis(x, axis):
    """A stable np.argsort along ``axis`` (ties keep their order, on every target)."""
    return np.argsort(x, axis=axis, kind="stable")


def _cumarg(x, axis, better):
    """The index along ``axis`` of the element holding the running extremum: a later
    element takes over only where ``better`` (strictly greater or less) than the extremum
    so far, or where it is the first NaN (NaN propagates, as in np.maximum); ties keep the
    first holder."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    if x.shape[-1] == 0:
        return np.moveaxis(np.zeros(x.shape, dtype=np.int64), -1, axis)
    run = np.maximum.accumulate(x, axis=-1) if better is np.greater else \
        np.minimum.accumulate(x, axis=-1)
    prev = run[..., :-1]
    cur = x[..., 1:]
    new = better(cur, prev)
    if x.dtype.kind == "f":
        new |= np.isnan(cur) & ~np.isnan(prev)
    at = np.where(new, np.arange(1, x.shape[-1]), 0)
    first = np.zeros(x.shape[:-1] + (1,), dtype=np.int64)
    idx = np.maximum.accumulate(np.concatenate((first, at), axis=-1), axis=-1)
    return np.moveaxis(idx, -1, axis)


def cumargmax(x, axis):
    """The index of the running maximum along ``axis`` (np.maximum.accumulate's holder)."""
    return _cumarg(x, axis, np.greater)


def cumargmin(x, axis):
    return _cumarg(x, axis, np.less)


def argpartition_axis(x, kth, axis):
    """np.argpartition along ``axis`` (Numba targets partition each line with Numba's)."""
    return np.argpartition(x, kth, axis=axis)


def scatter_along(g, idx, like, axis):
    """Zeros shaped like ``like`` with ``g`` added at ``idx`` along ``axis``: the adjoint
    of np.take_along_axis(x, idx, axis) (repeated indices add up). Where ``like`` has length
    1 off the axis and g is longer (take_along_axis broadcast ``x`` there) the items sum."""
    shape = np.shape(like)
    out = np.zeros(shape, dtype=g.dtype)
    g = np.broadcast_to(g, np.broadcast_shapes(g.shape, idx.shape))
    where = [w * (n != 1) for w, n in zip(np.indices(g.shape, sparse=True), shape)]
    where[axis] = np.broadcast_to(idx, g.shape)
    np.add.at(out, tuple(where), g)
    return out


def mask_scatter(g, mask, like):
    """Zeros shaped like ``like`` with ``g`` written at the True positions of ``mask``: the
    adjoint of x[mask]."""
    out = np.zeros(np.shape(like), dtype=g.dtype)
    out[mask] = g
    return out


def fit_shape(c, like):
    """``c`` broadcast up and summed down to the shape of ``like``: the adjoint of an einsum
    operand whose size-1 axes NumPy broadcast (or whose axes broadcast others)."""
    if c.shape == like.shape:
        return c
    return sum_to(c + np.zeros_like(like), like)


def cofactor(a):
    """adj(A)^T, the derivative of det(A). det(A) A^-T where det(A) != 0; otherwise from the
    SVD A = U S V^T: det(U) det(V) U diag(prod of the other singular values) V^T, so the
    gradient of det is exact at singular matrices too (det(A) A^-T is 0 * inf there)."""
    a = np.ascontiguousarray(a)
    d = np.linalg.det(a)
    if d != 0.0 and np.isfinite(d):
        return d * np.ascontiguousarray(np.linalg.inv(a).T)
    u, s, vh = np.linalg.svd(a)
    n = s.shape[0]
    others = np.ones(n, dtype=s.dtype)
    run = 1.0
    for i in range(n):                  # the product of those before i, then of those after
        others[i] = run
        run *= s[i]
    run = 1.0
    for i in range(n - 1, -1, -1):
        others[i] *= run
        run *= s[i]
    return (np.linalg.det(u) * np.linalg.det(vh)) * ((u * others) @ vh)


def shift_along(x, axis, k, fill):
    """``x`` moved by ``k`` (+1 or -1) places along ``axis``, ``fill`` in the place left."""
    out = np.full(x.shape, fill, dtype=x.dtype)
    n = x.shape[axis]
    dst, src = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    dst[axis], src[axis] = (slice(1, None), slice(0, n - 1)) if k > 0 else \
        (slice(0, n - 1), slice(1, None))
    if n > 1:
        out[tuple(dst)] = x[tuple(src)]
    return out


def roll_axis(x, shift, axis):
    """np.roll(x, shift, axis=axis) (Numba's np.roll has no axis)."""
    return np.roll(x, shift, axis=axis)


def linrec(a, g, axis, reverse):
    """The linear recurrence y_i = g_i + a_i * y_(i-1) along ``axis`` (from the end, with
    y_(i+1), if ``reverse``): the derivatives of np.cumprod, exact where elements are 0."""
    a, g = np.broadcast_arrays(a, g)
    y = np.moveaxis(np.array(g, dtype=np.result_type(a, g)), axis, 0)
    am = np.moveaxis(a, axis, 0)
    n = y.shape[0]
    steps = range(n - 2, -1, -1) if reverse else range(1, n)
    for i in steps:
        y[i] += am[i] * y[i + 1 if reverse else i - 1]
    return np.ascontiguousarray(np.moveaxis(y, 0, axis))


def scatter_add_axis(acc, g, idx, axis, front=False):
    """``np.add.at`` of ``g`` into ``acc`` at ``idx`` along ``axis`` (the other axes whole):
    the adjoint of ``x[:, idx]`` and friends. Writes into ``acc``, which may be a view.
    ``front``: g has idx's axis first, not at ``axis`` (the adjoint of ``x[0, :, idx]``, whose
    integer and array, advanced indices apart, NumPy's gather puts that axis first for)."""
    np.add.at(acc, (slice(None),) * axis + (idx,), np.moveaxis(g, 0, axis) if front else g)
    return acc


def solve_tri(a, b, lower, unit):
    """x with a x = b for a triangular ``a`` (only its lower or upper triangle is read; with
    ``unit`` its diagonal is taken as ones): scipy.linalg.solve_triangular, which raises
    LinAlgError at a zero on the diagonal. ``b`` is a vector or a matrix of columns."""
    import scipy.linalg
    return scipy.linalg.solve_triangular(a, b, lower=lower, unit_diagonal=unit,
                                         check_finite=False)


def svdvals(a):
    """The singular values of a matrix alone, descending: np.linalg.svd(a, compute_uv=False)
    (LAPACK ``?gesdd`` with JOBZ='N'; under Numba, numba_blas.svdvals_impl calls it too)."""
    return np.linalg.svd(a, compute_uv=False)


def expm(a):
    """scipy.linalg.expm(a): the matrix exponential of a float matrix or stack of matrices
    (``(..., n, n)``); under Numba, matrix_exp.expm_stack, the same algorithm."""
    import scipy.linalg
    return scipy.linalg.expm(a)


def qr_q(a, complete, scipy):
    """Q of ``a = Q R``: np.linalg.qr(a, 'reduced' or 'complete')[0], or SciPy's
    scipy.linalg.qr(a, mode='economic' or 'full')[0] (LAPACK ``?geqrf`` then ``?orgqr``;
    under Numba, numba_blas.qr_impl calls them too)."""
    if scipy:
        import scipy.linalg
        return scipy.linalg.qr(a, mode="full" if complete else "economic", check_finite=False)[0]
    return np.linalg.qr(a, "complete" if complete else "reduced")[0]


def qr_r(a, complete, scipy):
    """R of ``a = Q R``, as ``qr_q`` computes it (mode 'r' when not complete: ``?geqrf``
    alone, the same R)."""
    if scipy:
        import scipy.linalg
        if complete:                    # SciPy's mode='r': the m x n R, no Q
            return scipy.linalg.qr(a, mode="r", check_finite=False)[0]
        return scipy.linalg.qr(a, mode="economic", check_finite=False)[1]
    return np.linalg.qr(a, "complete")[1] if complete else np.linalg.qr(a, "r")


def eigh_upper(a):
    """(w, V) = np.linalg.eigh(a, UPLO='U'): the eigenvalues (ascending) and eigenvectors of
    the symmetric matrix whose upper triangle is a's (LAPACK ``?syevd`` with JOBZ='V',
    UPLO='U'; under Numba, whose np.linalg.eigh reads the lower triangle only,
    numba_blas.eigh_upper_impl calls it too)."""
    return np.linalg.eigh(a, UPLO="U")


def tri_matmul(a, b, lower):
    """``np.tril(a) @ b`` (``np.triu`` when not ``lower``) for a square ``a`` and a matrix ``b``:
    BLAS ``?trmm``, which reads one triangle (half the flops of ``@``), for float arrays of one
    dtype; NumPy otherwise."""
    if a.dtype != b.dtype or a.dtype not in (np.float32, np.float64) or b.ndim != 2 or not b.size:
        return (np.tril(a) if lower else np.triu(a)) @ b
    from scipy.linalg import blas
    trmm = blas.dtrmm if a.dtype == np.float64 else blas.strmm
    trans = 0
    if not a.flags.f_contiguous:          # BLAS is column-major: read a C-contiguous a as a^T
        a, lower, trans = a.T, not lower, 1
    return trmm(1.0, a, b, lower=lower, trans_a=trans)


def solve_tri_loops(a, b, lower, unit):
    """The same by substitution, for Numba (which has no scipy.linalg): a row of the solution
    at a time, each an update of whole rows of ``b``'s columns (contiguous inner loops)."""
    n = a.shape[0]
    x = np.ascontiguousarray(b).copy()       # the lowering gave a and b one float dtype
    x2 = x.reshape((n, -1))
    m = x2.shape[1]
    for step in range(n):
        i = step if lower else n - 1 - step
        lo, hi = (0, i) if lower else (i + 1, n)
        for k in range(lo, hi):
            c = a[i, k]
            for j in range(m):
                x2[i, j] -= c * x2[k, j]
        if not unit:
            d = a[i, i]
            if d == 0.0:
                raise np.linalg.LinAlgError("singular matrix: a zero on the triangular factor's diagonal")
            for j in range(m):
                x2[i, j] /= d
    return x


def convolve_nd(a, v):
    """The full convolution of two arrays of one number of dimensions, ``out[k] = sum_i a[i]
    v[k - i]`` (n + m - 1 along each axis): SciPy's direct sum, never its FFT (whose rounding
    the Numba loops of numba_ext would not match). An empty input is a ValueError, as in
    np.convolve (SciPy would return a 1-D empty array, of another number of dimensions)."""
    import scipy.signal
    if a.size == 0 or v.size == 0:
        raise ValueError("convolve: an input is empty")
    return scipy.signal.convolve(a, v, mode="full", method="direct")


def lu_packed(a):
    """scipy.linalg.lu_factor(a)[0]: L (unit diagonal, not stored) and U packed in one square
    matrix (LAPACK ``?getrf``; under Numba, numba_blas.getrf_impl calls it too)."""
    import scipy.linalg
    _square_for_lu(a)
    return scipy.linalg.lu_factor(a, check_finite=False)[0]


def _square_for_lu(a):
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"scipy.linalg.lu_factor: flatgrad factors square matrices (got shape "
                         f"{a.shape}), as the compiled code does")


def lu_pivots(a):
    """scipy.linalg.lu_factor(a)[1] as int64: row i was interchanged with row piv[i]."""
    import scipy.linalg
    _square_for_lu(a)
    return scipy.linalg.lu_factor(a, check_finite=False)[1].astype(np.int64)


def lu_perm(piv):
    """The permutation of LU's pivots applied in turn: a[perm] = L @ U."""
    n = piv.shape[0]
    perm = np.arange(n)
    for i in range(n):
        j = piv[i]
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
    return perm


def lstsq_x(a, b, rcond):
    """np.linalg.lstsq(a, b, rcond)[0] (LAPACK ``?gelsd``); rcond None is NumPy's default."""
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def lstsq_rank(a, b, rcond):
    """np.linalg.lstsq(a, b, rcond)[2]: the effective rank of ``a``."""
    return int(np.linalg.lstsq(a, b, rcond=rcond)[2])
