"""Functions for test_numfill.py: the NaN-ignoring reductions, where=/initial= of np.sum and
its kin, np.count_nonzero, np.diff's prepend/append, np.geomspace, np.vander, np.diagflat,
np.insert/np.delete, np.polyfit and np.polynomial.polynomial's polyfit/polyval/polyval2d,
np.i0, np.linalg.matrix_rank, np.histogram. Each takes one float array; NaNs are put in at
fixed places (NAN_AT) so that central differences see the same NaNs."""
import numpy as np
import numpy.polynomial.polynomial as P

# a 3x4 array's NaNs: row 1 all NaN in ALLNAN_AT
NAN_AT = np.array([[False, True, False, False], [True, False, False, True],
                   [False, False, True, False]])
ALLNAN_AT = np.array([[False, True, False, False], [True, True, True, True],
                      [False, False, True, False]])
MASK = np.array([[True, False, True, True], [False, True, True, False],
                 [True, True, False, True]])
XS = np.array([0.1, 0.5, 0.9, 1.4, 2.0, 2.3, 3.1])
YS = np.sin(XS) + 0.1 * XS


def nan_in(x):
    return np.where(NAN_AT, np.nan, x)


# ---------------------------------------------------------------- 3x4 arrays, NaNs inside

def nansum_(x):
    y = nan_in(x)
    return (np.nansum(y) ** 2 + np.sum(np.nansum(y, axis=1) ** 2)
            + np.sum(np.nansum(y, axis=-2, keepdims=True) * x[:1]) + np.nansum(y, axis=(0, 1)))
def nanprod_(x):
    y = nan_in(x)
    return np.nanprod(y) + np.sum(np.nanprod(y, axis=0)) + np.sum(np.nanprod(y, 1, keepdims=True) * x)
def nanmean_(x):
    y = nan_in(x)
    return np.nanmean(y) + np.sum(np.nanmean(y, axis=1) ** 2) + np.sum(np.nanmean(y, axis=0, keepdims=True) * x)
def nanmax_(x):
    y = nan_in(x)
    return np.nanmax(y) + np.sum(np.nanmax(y, axis=1) ** 2) + np.sum(np.nanmin(y, axis=0, keepdims=True) * x) + np.nanmin(y)
def nanvar_(x):
    y = nan_in(x)
    return (np.nanvar(y) + np.sum(np.nanvar(y, axis=1)) + np.sum(np.nanvar(y, axis=0, ddof=1) * x[0])
            + np.sum(np.nanvar(y, axis=-1, keepdims=True, ddof=1) * x))
def nanstd_(x):
    y = nan_in(x)
    return np.nanstd(y) + np.sum(np.nanstd(y, axis=1) ** 3) + np.sum(np.nanstd(y, 0, ddof=1) * x[0])
def nancum_(x):
    y = nan_in(x)
    return (np.sum(np.sin(np.nancumsum(y, axis=1))) + np.sum(np.nancumprod(y, axis=0) * x)
            + np.sum(np.nancumsum(y) ** 2) + np.sum(np.cos(np.nancumprod(y * 0.5, axis=-1))))
def nanmedian_(x):
    y = nan_in(x)
    return (np.nanmedian(y) + np.sum(np.nanmedian(y, axis=1) ** 2)
            + np.sum(np.nanmedian(y, axis=0, keepdims=True) * x) + np.sum(np.nanmedian(y, axis=1, keepdims=True)))
def nanarg_(x):
    y = nan_in(x)
    i = np.nanargmax(y, axis=1)
    j = np.nanargmin(y, axis=0)
    k = np.nanargmax(y)
    return np.sum(x[0] * j) + np.sum(x[:, 0] * i) + x.ravel()[k] + np.sum(x * np.nanargmin(y, axis=1, keepdims=True))
def nan_dtype(x):
    y = nan_in(x)
    return np.sum(np.nansum(y, axis=0, dtype=np.float64) * 2.0) + np.nanmean(y, dtype=np.float64)


# ---------------------------------------------------------------- 3x4 arrays, where= / initial=

def where_sum(x):
    return (np.sum(x * x, where=MASK) + np.sum(np.sum(np.sin(x), axis=1, where=MASK) ** 2)
            + np.sum(x, where=MASK, initial=2.0) + np.sum(x.sum(axis=0, keepdims=True, where=MASK[0]) * x))
def where_mean(x):
    return np.mean(np.sin(x), where=MASK) + np.sum(np.mean(x, axis=0, where=MASK) ** 2) + np.sum(x.mean(1, where=MASK) ** 3)
def where_prod(x):
    return np.prod(x, where=MASK) + np.sum(np.prod(x, axis=1, where=MASK)) + np.sum(x.prod(axis=0, where=MASK, initial=0.5))
def where_extrema(x):
    return (np.max(x, where=MASK, initial=-10.0) + np.sum(np.max(x, axis=1, where=MASK, initial=-10.0) ** 2)
            + np.sum(x.min(axis=0, where=MASK, initial=10.0)) + np.sum(np.max(x, axis=1, initial=1.0))
            + np.sum(np.min(x, axis=0, initial=0.5, keepdims=True) * x))
def where_var(x):
    return (np.var(x, where=MASK) + np.sum(np.var(x, axis=1, where=MASK)) + np.sum(np.std(x, 0, where=MASK) * x[0])
            + np.sum(x.std(axis=1, ddof=1, where=MASK, keepdims=True) * x) + x.var(where=MASK, ddof=1))
def count_nonzero_(x):
    c = np.count_nonzero(x > 0.4, axis=1)
    return np.sum(x[:, 0] * c) + np.sum(x) * np.count_nonzero(x > 0.4) + np.sum(x * np.count_nonzero(MASK, axis=0, keepdims=True))


# ---------------------------------------------------------------- 3x4 arrays, editing

def diff_(x):
    return (np.sum(np.sin(np.diff(x, prepend=0.5))) + np.sum(np.diff(x, axis=0, append=x[:1]) ** 2)
            + np.sum(np.diff(x, 2, -1, prepend=x[:, :1] * 2.0, append=1.0) ** 2) + np.sum(np.diff(x[0], prepend=[1.0, 2.0]) ** 3))
def diagflat_(x):
    return np.sum(np.sin(np.diagflat(x[0], 1)) @ np.arange(5.0)) + np.sum(np.diagflat(x[:2, :2], k=-1) ** 2) + np.sum(np.diagflat(x) * 2.0)
def vander_(x):
    return (np.sum(np.sin(np.vander(x[0]))) + np.sum(np.vander(x[1], 3, increasing=True) ** 2)
            + np.sum(np.cos(np.vander(x[2], N=6))) + np.sum(np.vander(x[0], 1)) + np.sum(np.vander(x[0], 0)))
def delete_(x):
    w = np.arange(12.0).reshape(3, 4)
    return (np.sum(np.sin(np.delete(x, 1)) * np.arange(11.0)) + np.sum(np.delete(x, -1, axis=1) ** 2 * w[:, :3])
            + np.sum(np.delete(x, [0, 2], axis=0) * w[:1]) + np.sum(np.sin(np.delete(x, slice(0, 3, 2), 1)) * w[:, :2])
            + np.sum(np.delete(x[0], np.s_[1:]) * 3.0) + np.sum(np.delete(x, [-1, 0, 0], axis=-1) * w[:, :2]))
def insert_(x):
    w = np.arange(20.0).reshape(4, 5)
    return (np.sum(np.sin(np.insert(x[0], 1, 5.0)) * np.arange(5.0))
            + np.sum(np.sin(np.insert(x[0], 2, x[1, :2] * 3)) * np.arange(6.0))
            + np.sum(np.sin(np.insert(x, 1, x[:, 0] * 2, axis=1)) * w[:3])
            + np.sum(np.sin(np.insert(x, [1], x[:, :1] * 2, axis=1)) * w[:3])
            + np.sum(np.sin(np.insert(x[0], [2, 1, 2], x[1, :3] * 3)) * np.arange(7.0))
            + np.sum(np.sin(np.insert(x, [-1, 0], 9.0, axis=0)) * np.arange(20.0).reshape(5, 4))
            + np.sum(np.sin(np.insert(x, 3, 0.5)) * np.arange(13.0))
            + np.sum(np.sin(np.insert(x[0], slice(1, 3), x[2, :2])) * np.arange(6.0))
            + np.sum(np.insert(x, 0, x[0], axis=0) * w[:, :4]))


# ---------------------------------------------------------------- 1-D arrays

def geomspace_(x):
    return (np.sum(np.sin(np.geomspace(x[0], x[1] * 3.0, 7))) + np.sum(np.geomspace(-x[0], -x[1], num=5, endpoint=False) ** 2)
            + np.sum(np.geomspace(1.0, x[2], 4) * x[:4]) + np.sum(np.geomspace(x[3], 10.0, 3, axis=0)))
def i0_(x):
    return np.sum(np.i0(x) * np.arange(7.0)) + np.i0(x[0]) * 2.0
def polyfit_y(y):
    return np.sum(np.polyfit(XS, y, 2) * np.array([1.0, 2.0, 3.0])) + np.sum(np.polyfit(XS, y, deg=3, rcond=1e-12) ** 2)
def polyfit_x(x):
    return np.sum(np.polyfit(x, YS, 3) ** 2) + np.sum(np.polyfit(x, np.stack([YS, np.cos(x)], axis=1), 2) ** 2)
def polyfit_w(w):
    return np.sum(np.polyfit(XS, YS, 2, w=w) ** 2) + np.sum(np.polyfit(XS, np.stack([YS, YS * 2], 1), 1, w=w * w) * 1.5)
def ppolyfit(y):
    return np.sum(P.polyfit(XS, y, 2) * np.array([1.0, 2.0, 3.0])) + np.sum(P.polyfit(XS, y * XS, 3, w=XS + 1.0) ** 2)
def ppolyval(x):
    c = np.array([1.0, -2.0, 0.5])
    return (np.sum(P.polyval(x, c)) + np.sum(P.polyval(XS, x[:3]) ** 2) + P.polyval(0.7, x[:4]) ** 2
            + np.sum(P.polyval(x[:3], x[:6].reshape(3, 2)) ** 2) + np.sum(P.polyval(x[:2], x[:6].reshape(3, 2), tensor=False))
            + np.sum(P.polyval2d(x[:3], x[1:4], x[:6].reshape(2, 3)) ** 2))
def matrix_rank_(x):
    A = x[:6].reshape(2, 3)
    return (np.sum(x) * np.linalg.matrix_rank(A) + x[0] * np.linalg.matrix_rank(np.outer(x[:3], x[3:6]))
            + x[1] * np.linalg.matrix_rank(A @ A.T, tol=0.5, hermitian=True) + x[2] * np.linalg.matrix_rank(x)
            + x[3] * np.linalg.matrix_rank(A, rtol=0.9))
def histogram_w(w):
    return (np.sum(np.histogram(XS, bins=4, weights=w)[0] * np.arange(4.0))
            + np.sum(np.histogram(XS, 4, range=(0.5, 2.5), weights=w)[0] ** 2)
            + np.sum(np.histogram(XS, 3, weights=w * w, density=True)[0] * np.arange(3.0)))
def histogram_a(a):
    n, e = np.histogram(a, 5)
    m, f = np.histogram(a.reshape(7, 1), bins=3, density=True)
    return np.sum(e ** 2) + np.sum(a) * np.sum(n * np.arange(5)) + np.sum(f * 2.0) + np.sum(m ** 2) + np.sum(np.histogram(a)[1])


GRID = [nansum_, nanprod_, nanmean_, nanmax_, nanvar_, nanstd_, nancum_, nanmedian_, nanarg_, nan_dtype,
        where_sum, where_mean, where_prod, where_extrema, where_var, count_nonzero_,
        diff_, diagflat_, vander_, delete_, insert_]
LINE = [geomspace_, i0_, polyfit_y, polyfit_x, polyfit_w, ppolyfit, ppolyval, matrix_rank_,
        histogram_w, histogram_a]


def cpu_grid(x):
    """One use of each construct the 3x4 functions compile to (one Numba compile for the
    cpu target's test)."""
    y = nan_in(x)
    return (np.sum(np.nanvar(y, axis=1, ddof=1)) + np.nanmedian(y) + np.sum(np.nanmax(y, axis=0))
            + np.sum(np.nancumprod(y, axis=1)) + np.sum(np.mean(x, axis=0, where=MASK))
            + np.sum(np.max(x, axis=1, where=MASK, initial=-10.0)) + np.sum(x[0] * np.nanargmax(y, axis=0))
            + np.sum(np.sin(np.insert(x, [2, 1, 2], 9.0, axis=1)) * np.arange(21.0).reshape(3, 7))
            + np.sum(np.sin(np.insert(x, 1, x[:, 0], axis=1)) * np.arange(15.0).reshape(3, 5))
            + np.sum(np.sin(np.delete(x, [0, -1], axis=1))) + np.sum(np.diff(x, prepend=0.5) ** 2)
            + np.sum(np.count_nonzero(x > 0.4, axis=0) * x[1]))


def cpu_line(x):
    return (np.sum(np.sin(np.geomspace(x[0], x[1] * 3.0, 7))) + np.sum(np.i0(x))
            + np.sum(np.polyfit(x, YS, 2, w=x) ** 2) + np.sum(P.polyval(x, x[:3]) ** 2)
            + np.sum(np.histogram(XS, 3, weights=x)[0] * np.arange(3.0)) + np.sum(np.histogram(x, 4)[1])
            + np.sum(np.sin(np.vander(x[:4]))) + np.sum(np.diagflat(x[:3])) * np.linalg.matrix_rank(x[:6].reshape(2, 3)))


# ---------------------------------------------------------------- values against NumPy's

def _nan_values():
    out = []
    for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanmedian"):
        out += [f"np.{name}(x)", f"np.{name}(x, axis=0)", f"np.{name}(x, 1)",
                f"np.{name}(x, axis=-1, keepdims=True)"]
    for name in ("nancumsum", "nancumprod"):
        out += [f"np.{name}(x)", f"np.{name}(x, axis=0)", f"np.{name}(x, axis=-1)"]
    return out + ["np.nanvar(x, axis=1, ddof=2)", "np.nanstd(x, ddof=1)", "np.nansum(x, axis=(0, 1))",
                  "np.nanargmin(x, axis=0)", "np.nanargmax(x, axis=0, keepdims=True)",
                  "np.nanmean(x, axis=0, dtype=np.float32)"]


def _masked_values():
    return ["np.sum(x, axis=1, where=MASK)", "np.mean(x, 0, where=MASK)", "np.prod(x, where=MASK, initial=2.0)",
            "x.max(axis=1, where=MASK, initial=0.0)", "np.min(x, initial=-5.0)",
            "np.var(x, axis=1, where=MASK, ddof=1)", "x.std(where=MASK[0], keepdims=True)",
            "np.sum(x, where=True)", "np.mean(x, axis=1, where=MASK[:, :1])", "np.amax(x, 0, initial=1.0)",
            "np.sum(x, where=False)", "np.max(x.astype(np.int64), where=MASK, initial=-1.5, axis=0)",
            "np.sum((x * 3).astype(np.int64), initial=0.5)", "np.prod(x.astype(np.int64) + 3, axis=1, initial=1.5)",
            "np.min(x.astype(np.float32), initial=0.25)"]


def _edit_values():
    return ["np.insert(x, 2, [7.0, 8.0, 9.0], axis=1)", "np.insert(x, [2, 0, 2], 5.0, axis=1)",
            "np.insert(x, [1], [[1.0], [2.0], [3.0]], axis=1)", "np.insert(x, -1, 4.5)",
            "np.insert(x, slice(None, None, 2), -1.0, axis=0)", "np.insert(x, 4, x[:, 0], axis=1)",
            "np.insert(x, (3, 0), x[:2], axis=0)", "np.insert(x, [], 1.0)",
            "np.delete(x, [1, -1], axis=1)", "np.delete(x, slice(1, None), 0)", "np.delete(x, 5)",
            "np.delete(x, [], axis=0)", "np.count_nonzero(x > 4, axis=0)",
            "np.count_nonzero(x, keepdims=True, axis=(0, 1))", "np.count_nonzero(x)",
            "np.linalg.matrix_rank(x)", "np.linalg.matrix_rank(x @ x.T, hermitian=True)",
            "np.linalg.matrix_rank(x, tol=1e-3)",
            "np.diff(x, axis=0, prepend=-1.0, append=x[-1:] * 2)", "np.diff(x, 0, prepend=1.0)",
            "np.vander(x[0])", "np.vander(x[1], 2, increasing=True)", "np.vander(x[2], 6)",
            "np.diagflat(x[:2], -2)"]


NAN_VALUES = _nan_values()
MASKED_VALUES = _masked_values()
EDIT_VALUES = _edit_values()


NAN_GRADS = [f"np.nansum(np.{name}(x, axis=1) * np.array([1.0, 2.0, 3.0]))"
             for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanmedian")]


def nanargmax_rows(x):
    return np.nanargmax(x, axis=1)
def insert_into_ints(x):
    return np.insert(x, 1, 2.7, axis=1)
def insert_out_of_bounds(x):
    return np.insert(x, 5, 1.0, axis=1)
def delete_out_of_bounds(x):
    return np.delete(x, -5, axis=1)
def geomspace_zero(x):
    return np.geomspace(x[0], 1.0, 3)


def _g0(x):
    return np.geomspace(x[0], x[1], 9)
def _g1(x):
    return np.geomspace(x[0], x[1], 6, endpoint=False)
def _g2(x):
    return np.geomspace(x[0], x[1], 1)
def _g3(x):
    return np.geomspace(x[0], x[1], num=2)
def _g4(x):
    return np.geomspace(x[0], x[1])
def _h0(x):
    return np.histogram(x)
def _h1(x):
    return np.histogram(x, 3)
def _h2(x):
    return np.histogram(x, bins=5, range=(0.1, 0.7))
def _h3(x):
    return np.histogram(x, 4, weights=x + 1.0)
def _h4(x):
    return np.histogram(x, 1, density=True)
def _h5(x):
    return np.histogram(x, 7, weights=x * 2.0, density=True)
def _f0(x):
    return np.polyfit(x, YS, 3)
def _f1(x):
    return np.polyfit(x, np.stack([YS, YS ** 2], axis=1), 2, w=np.linspace(0.5, 2.0, 7))
def _f2(x):
    return P.polyfit(x, YS, 2)
def _f3(x):
    return P.polyfit(x, np.stack([YS, YS ** 2], axis=1), 1, w=np.linspace(0.5, 2.0, 7), rcond=1e-9)
def _f4(x):
    return P.polyval(x, np.array([[1.0, 2.0], [0.5, -1.0]]))
def _f5(x):
    return np.i0(x)
def _f6(x):
    return P.polyval2d(x, x * 2.0, np.array([[1.0, 2.0], [0.5, -1.0]]))


GEOMSPACES = [(f.__name__, f) for f in (_g0, _g1, _g2, _g3, _g4)]
HISTOGRAMS = [(f.__name__, f) for f in (_h0, _h1, _h2, _h3, _h4, _h5)]
FITS = [(f.__name__, f) for f in (_f0, _f1, _f2, _f3, _f4, _f5, _f6)]
NAN_VALUES += ["np.nanvar(x.astype(np.float32), axis=1)", "np.nanstd(x, dtype=np.float32)",
               "np.mean(x.astype(np.float32), where=MASK)", "np.var(x.astype(np.float32), axis=0, where=MASK)"]
