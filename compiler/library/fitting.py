"""Fits, counts and ranks, written as the NumPy code they mean: ``np.polyfit`` and
``np.polynomial.polynomial.polyfit`` (``full=False``, ``cov=False``), ``polyval`` and
``polyval2d`` of ``np.polynomial.polynomial``, ``np.linalg.matrix_rank`` and
``np.histogram`` with an integer number of bins.

``polyfit`` is NumPy's: the Vandermonde matrix (weighted rows where ``w`` is given), its
columns scaled to unit norm, ``np.linalg.lstsq`` (whose derivative is the pseudo-inverse's:
gradients in x, y and w), the coefficients scaled back. Its default rcond, ``len(x) * eps``,
is lstsq's own default when there are at least deg + 1 points (the same cut-off); with fewer
points lstsq's default (``(deg + 1) * eps``) is used, which differs only where a singular
value lies between the two. ``matrix_rank`` counts the singular values above ``tol`` (NumPy's
``S.max() * max(M, N) * eps`` by default; ``rtol`` scales S.max() instead). ``histogram``
counts as NumPy's equal-bins fast path does (the index from the scaled position, corrected by
one against the edges, values outside the range not counted); the counts are integers, the
weighted ones are sums of the weights (their gradient is in the weights), and the edges are
``linspace(min(a), max(a), bins + 1)`` (their gradient through the min and max of a). The
counts are one sum over an ``(a.size, bins)`` comparison.
"""
from __future__ import annotations

import numpy as np
import numpy.polynomial.polynomial as npp

from .. import types as T
from ..ir import Const
from .callargs import float_of
from .registry import lowers

_EPS = float(np.finfo(np.float64).eps)


def _flag_off(lowerer, args, name, fname):
    if name in args and lowerer.const_bool(args[name]):
        raise lowerer.err(args[name], f"{fname}: {name}=True is not supported",
                          "Call np.linalg.lstsq on the (scaled) Vandermonde matrix for the "
                          "residuals, rank and singular values.")


def _rcond_arg(lowerer, args, fname):
    node = args.get("rcond")
    if node is None:
        return None
    v = lowerer.expr(node)
    if isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return float(v.value)
    raise lowerer.err(node, f"{fname}: rcond must be a constant number or None")


def _fit(lowerer, node, args, fname, increasing):
    _flag_off(lowerer, args, "full", fname)
    if "cov" in args:
        _flag_off(lowerer, args, "cov", fname)
    x = float_of(lowerer, lowerer.atom(args["x"]), node)
    y = float_of(lowerer, lowerer.atom(args["y"]), node)
    deg = lowerer.const_int(args["deg"])
    if deg < 0:
        raise lowerer.err(args["deg"], "expected deg >= 0")
    if not (T.is_array(x.type) and x.type.ndim == 1):
        raise lowerer.err(args["x"], "expected 1D vector for x")
    if not (T.is_array(y.type) and y.type.ndim in (1, 2)):
        raise lowerer.err(args["y"], "expected 1D or 2D array for y")
    values = {"x": x, "y": y}
    weigh = ""
    if "w" in args:
        w = float_of(lowerer, lowerer.atom(args["w"]), node)
        if not (T.is_array(w.type) and w.type.ndim == 1):
            raise lowerer.err(args["w"], "expected a 1-d array for weights")
        values["w"] = w
        weigh = f"""
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * {'w[:, None]' if y.type.ndim == 2 else 'w'}"""
    rcond = _rcond_arg(lowerer, args, fname)
    rc = "" if rcond is None else f", rcond={rcond!r}"
    # np.polynomial's _fit leaves a zero column unscaled; np.polyfit divides by its norm
    guard = "scale = np.where(scale == 0.0, 1.0, scale)" if increasing else ""
    return lowerer.lower_text(f"""
        if x.shape[0] == 0:
            raise TypeError("expected non-empty vector for x")
        if x.shape[0] != y.shape[0]:
            raise TypeError("expected x and y to have same length")
        lhs = np.vander(x, {deg + 1}, increasing={increasing})
        rhs = y{weigh}
        scale = np.sqrt(np.sum(lhs * lhs, axis=0))
        {guard}
        c = np.linalg.lstsq(lhs / scale, rhs{rc})[0]
        {'c / scale[:, None]' if y.type.ndim == 2 else 'c / scale'}
    """, node, **values)


@lowers(np.polyfit, takes="x y deg rcond full w cov")
def _polyfit(lowerer, node, args):
    """The coefficients, highest power first."""
    return _fit(lowerer, node, args, "np.polyfit", False)


@lowers(npp.polyfit, takes="x y deg rcond full w")
def _polynomial_polyfit(lowerer, node, args):
    """The coefficients, lowest power first."""
    return _fit(lowerer, node, args, "np.polynomial.polynomial.polyfit", True)


def _horner(lowerer, node, x, c, tensor):
    """NumPy's polyval: Horner's loop from the highest coefficient, c[-1] + x * 0, then
    c[-i] + c0 * x; with ``tensor`` c's trailing axes meet all of x's."""
    if not T.is_array(c.type):
        c = lowerer.lower_text("np.reshape(c, (1,))", node, c=c)
    if not T.is_float(c.type):
        c = lowerer.cast(c, T.with_dtype(c.type, "float64"), node)
    if tensor and T.is_array(x.type) and c.type.ndim > 1:
        pad = ", ".join(f"c.shape[{d}]" for d in range(c.type.ndim)) + ", 1" * x.type.ndim
        c = lowerer.lower_text(f"np.reshape(c, ({pad}))", node, c=c)
    return lowerer.lower_text("""
        c0 = c[-1] + x * 0
        for i in range(2, c.shape[0] + 1):
            c0 = c[-i] + c0 * x
        c0
    """, node, x=x, c=c)


@lowers(npp.polyval, takes="x c tensor")
def _polynomial_polyval(lowerer, node, args):
    tensor = lowerer.const_bool(args["tensor"]) if "tensor" in args else True
    return _horner(lowerer, node, lowerer.atom(args["x"]), lowerer.atom(args["c"]), tensor)


@lowers(npp.polyval2d, takes="x y c")
def _polynomial_polyval2d(lowerer, node, args):
    """polyval(y, polyval(x, c), tensor=False), as NumPy's."""
    x, y, c = (lowerer.atom(args[k]) for k in ("x", "y", "c"))
    if not (T.is_array(c.type) and c.type.ndim == 2):
        raise lowerer.err(args["c"], "np.polynomial.polynomial.polyval2d takes a 2-D c here")
    if T.is_array(x.type) != T.is_array(y.type) or (
            T.is_array(x.type) and x.type.ndim != y.type.ndim):
        raise lowerer.err(node, "x, y are incompatible")
    return _horner(lowerer, node, y, _horner(lowerer, node, x, c, True), False)


# ---------------------------------------------------------------- matrix_rank

@lowers(np.linalg.matrix_rank, takes="A tol hermitian rtol")
def _matrix_rank(lowerer, node, args):
    A = lowerer.atom(args["A"])
    if not T.is_array(A.type) or A.type.ndim < 2:
        return lowerer.lower_text("0 if np.all(a == 0) else 1", node, a=A)
    if A.type.ndim != 2:
        raise lowerer.err(args["A"], "np.linalg.matrix_rank takes a matrix here",
                          "Loop over the leading axes for a stack of matrices.")
    A = float_of(lowerer, A, node)
    herm = lowerer.const_bool(args["hermitian"]) if "hermitian" in args else False
    values = {"a": A}
    s = "np.abs(np.linalg.eigvalsh(a))" if herm else "np.linalg.svd(a, compute_uv=False)"
    if "tol" in args:
        if "rtol" in args:
            raise lowerer.err(node, "`tol` and `rtol` can't be both set.")
        values["tol"] = lowerer.atom(args["tol"])
        cut = "tol"
    elif "rtol" in args:
        values["rtol"] = lowerer.atom(args["rtol"])
        cut = "np.max(s) * rtol"
    else:
        cut = f"np.max(s) * (max(a.shape[0], a.shape[1]) * {_EPS!r})"
    return lowerer.lower_text(f"""
        s = {s}
        np.sum(s > {cut})
    """, node, **values)


# ---------------------------------------------------------------- histogram

@lowers(np.histogram, takes="a bins range density weights")
def _histogram(lowerer, node, args):
    """(counts, edges) with an integer number of bins, as NumPy's equal-bins path."""
    a = lowerer.atom(args["a"])
    if not T.is_array(a.type):
        raise lowerer.err(args["a"], "np.histogram needs an array here")
    bins = lowerer.const_int(args["bins"]) if "bins" in args else 10
    if bins < 1:
        raise lowerer.err(args["bins"], "`bins` must be positive, when an integer")
    density = lowerer.const_bool(args["density"]) if "density" in args else False
    values = {"a": float_of(lowerer, a, node)}
    if "range" in args:
        rng = lowerer.expr(args["range"])
        if not (isinstance(rng, tuple) and len(rng) == 2):
            raise lowerer.err(args["range"], "np.histogram: range must be a pair (min, max)")
        values["first0"], values["last0"] = (float_of(lowerer, r, node) for r in rng)
        ends = """
        if first0 > last0:
            raise ValueError('max must be larger than min in range parameter.')
        if not (np.isfinite(first0) and np.isfinite(last0)):
            raise ValueError("supplied range is not finite")
        first = first0
        last = last0"""
    else:
        ends = """
        if x.shape[0] == 0:
            first = 0.0
            last = 1.0
        else:
            first = np.min(x)
            last = np.max(x)
            if not (np.isfinite(first) and np.isfinite(last)):
                raise ValueError("autodetected range is not finite")"""
    weighted = "weights" in args
    if weighted:
        w = lowerer.atom(args["weights"])
        if not (T.is_array(w.type) and w.type.ndim == a.type.ndim):
            raise lowerer.err(args["weights"], "weights should have the same shape as a.")
        values["w"] = w
    counted = ("np.sum(np.where(hit, np.ravel(w)[:, None], 0.0), axis=0)" if weighted
               else "np.sum(hit, axis=0)")
    result = "n / np.diff(edges) / np.sum(n)" if density else "n"
    if weighted and not density and not T.is_float(w.type):
        counted = "np.sum(np.where(hit, np.ravel(w)[:, None], 0), axis=0)"
    return lowerer.lower_text(f"""
        x = np.ravel(a){ends}
        if first == last:
            first = first - 0.5
            last = last + 0.5
        edges = np.linspace(first, last, {bins + 1})
        keep = np.logical_and(x >= first, x <= last)
        xs = np.where(keep, x, first)
        idx = ((xs - first) / (last - first) * {bins}).astype(np.int64)
        idx = np.where(idx == {bins}, idx - 1, idx)
        idx = np.where(xs < np.take(edges, idx), idx - 1, idx)
        idx = np.where(np.logical_and(xs >= np.take(edges, idx + 1), idx != {bins - 1}), idx + 1, idx)
        hit = np.logical_and(idx[:, None] == np.arange({bins})[None, :], keep[:, None])
        n = {counted}
        ({result}, edges)
    """, node, **values)
