"""Functions written as the NumPy code they mean, and a few small primitives: ``np.cov``,
``np.corrcoef``, ``np.ptp``, ``np.logspace``, ``np.linalg.multi_dot``, ``np.triu_indices``/
``np.tril_indices``, ``math.fsum``/``math.prod``, ``np.average``, ``np.select``, SciPy's ``entr``, ``rel_entr``,
``kl_div``, ``huber``, ``pseudo_huber``, ``boxcox``, ``boxcox1p`` (and its ``log1p``,
``expm1``, ``cbrt``, ``exp2``, which are primitives); ``np.fmod`` (a primitive: the remainder
with the dividend's sign), ``np.digitize`` (integers, no gradient; ``np.searchsorted`` is in interp.py).

The written ones follow NumPy's own steps where the value depends on them (``np.cov``
subtracts the mean, multiplies ``X @ X.T`` by ``1 / (N - ddof)`` and squeezes, as NumPy
does), so their values are NumPy's and their derivatives those of the primitives they are
made of.
"""
from __future__ import annotations

import ast
import math

import numpy as np
import scipy.special

from .. import types as T
from ..ir import Const
from ..primitives import P_ATOM, Spelling, defprim
from ..spelling import call
from .callargs import float_of
from .registry import lowers

# ---------------------------------------------------------------- fmod

# np.fmod(x, y) = x - trunc(x / y) * y (C's fmod, exactly): d/dx = 1, d/dy = -trunc(x / y)
defprim("fmod", 2, T.arithmetic, call("np.fmod", "np.fmod", 2), None, math.fmod,
        deriv=(lambda b, s, out, x, y: s,
               lambda b, s, out, x, y: b.mul(b.neg(s), b.trunc(b.div(x, y)))),
        names=(np.fmod, math.fmod), reads_output=False)

# ---------------------------------------------------------------- digitize

def _digitize_spell(args, p):
    return f"np.digitize({args[0]}, {args[1]}, {p['right']!r})"


def _batch_digitize(bt, op, args, isb):
    """Mapped values placed in one set of bins: the same call (it acts on every value);
    mapped bins have no rule (vmap loops)."""
    if isb[1]:
        return None
    return bt.b.op(op.prim, *args, **dict(op.params))


defprim("digitize", 2, lambda x, bins, **params: T.integer(x),
        Spelling(_digitize_spell, _digitize_spell, P_ATOM, (1, 1)),
        elementwise=False, nondiff=True, shape=lambda q, args, p: q.shape(args[0]),
        batch=_batch_digitize)


@lowers(np.digitize, takes="x bins right")
def _digitize(lowerer, node, args):
    x, bins = lowerer.atom(args["x"]), lowerer.atom(args["bins"])
    right = lowerer.const_bool(args["right"]) if "right" in args else False
    if not (T.is_array(bins.type) and bins.type.ndim == 1):
        raise lowerer.err(node, "np.digitize takes 1-D bins")
    return lowerer.op(node, "digitize", x, bins, right=right)


# ---------------------------------------------------------------- written as NumPy code

@lowers(np.ptp, takes="a axis keepdims")
def _ptp(lowerer, node, args):
    keep = lowerer.const_bool(args["keepdims"]) if "keepdims" in args else False
    axis = f"axis={ast.unparse(args['axis'])}, " if "axis" in args else ""
    if axis and not isinstance(lowerer.expr(args["axis"]), (Const, tuple)):
        raise lowerer.err(args["axis"], "np.ptp: the axis must be known while compiling")
    return lowerer.lower_text(f"np.max(a, {axis}keepdims={keep}) - np.min(a, {axis}keepdims={keep})",
                              node, a=lowerer.atom(args["a"]))


@lowers(np.logspace, takes="start stop num endpoint base")
def _logspace(lowerer, node, args):
    values = {k: lowerer.atom(args[k]) for k in ("start", "stop")}
    values["num"] = lowerer.int_atom(args["num"]) if "num" in args else Const(50, T.I64)
    values["base"] = lowerer.atom(args["base"]) if "base" in args else Const(10.0, T.F64)
    endpoint = lowerer.const_bool(args["endpoint"]) if "endpoint" in args else True
    return lowerer.lower_text(f"np.power(base, np.linspace(start, stop, num, endpoint={endpoint}))",
                              node, **values)


@lowers(np.linalg.multi_dot, takes="arrays")
def _multi_dot(lowerer, node, args):
    """The products left to right (NumPy may order them otherwise: the same product, other
    roundings); a 1-D first (last) array is a row (column), as NumPy reads it."""
    arrays = lowerer.expr(args["arrays"])
    if not isinstance(arrays, tuple) or len(arrays) < 2:
        raise lowerer.err(node, "np.linalg.multi_dot takes a list or tuple of two or more arrays")
    acc = arrays[0]
    for a in arrays[1:]:
        acc = lowerer.lower_text("acc @ a", node, acc=acc, a=a)
    return acc


@lowers(math.fsum, math.prod, signature="iterable, /, *, start=1")
def _fold_numbers(lowerer, node, args):
    """math.fsum(xs) (a sum: exact rounding is not kept, the value may differ in the last
    bit) and math.prod(xs[, start]) of a tuple or list of numbers."""
    items = lowerer.expr(args["iterable"])
    fsum = "start" not in args and lowerer.expr(node.func).obj is math.fsum
    if not isinstance(items, tuple) or any(T.is_array(getattr(v, "type", None)) for v in items):
        raise lowerer.err(node, "math.fsum and math.prod take a tuple or list of numbers here",
                          "Use np.sum or np.prod on an array.")
    acc = Const(0.0, T.F64) if fsum else (lowerer.atom(args["start"]) if "start" in args
                                          else Const(1, T.I64))
    for v in items:
        acc = lowerer.op(node, "add" if fsum else "mul", acc, v)
    return acc


def _triangle_indices(upper: bool):
    def lower(lowerer, node, args):
        n = lowerer.int_atom(args["n"])
        m = lowerer.int_atom(args["m"]) if "m" in args else n
        k = lowerer.int_atom(args["k"]) if "k" in args else Const(0, T.I64)
        tri = "np.triu" if upper else "np.tril"
        return lowerer.lower_text(f"np.nonzero({tri}(np.ones((n, m)), k))", node, n=n, m=m, k=k)
    return lower


lowers(np.triu_indices, takes="n k m")(_triangle_indices(True))
lowers(np.tril_indices, takes="n k m")(_triangle_indices(False))


# ---------------------------------------------------------------- cov, corrcoef

_ONE_ROW = ("raise ValueError('np.cov/np.corrcoef of a 2-D array with one variable: NumPy "
            "returns a number here, flatgrad a 1x1 matrix; pass the variable as a 1-D array')")


def _variables(lowerer, node, args, first, fname):
    """NumPy's observations matrix for cov/corrcoef (one variable per row, ``y``'s after
    ``m``'s) and whether NumPy's result is one number: one 1-D array alone. A 2-D one alone
    must hold two variables or more at run time (NumPy squeezes a 1x1 result to a number,
    which a compiled function cannot decide at run time)."""
    m = lowerer.atom(args[first])
    rowvar = lowerer.const_bool(args["rowvar"]) if "rowvar" in args else True
    parts = [m] + ([lowerer.atom(args["y"])] if "y" in args else [])
    rows = []
    for p in parts:
        if not T.is_array(p.type) or p.type.ndim not in (1, 2):
            raise lowerer.err(node, f"{fname} takes 1-D or 2-D arrays")
        text = "np.reshape(p, (1, -1))" if p.type.ndim == 1 else "p" if rowvar else "p.T"
        rows.append(lowerer.lower_text(text, node, p=p))
    if len(rows) == 1 and m.type.ndim == 2:
        return lowerer.lower_text(f"""
            if X.shape[0] == 1:
                {_ONE_ROW}
            X
        """, node, X=rows[0]), False
    if len(rows) == 1:
        return rows[0], True
    return lowerer.lower_text("np.concatenate((a, c), axis=0)", node, a=rows[0], c=rows[1]), False


def _centred_products(lowerer, node, X, ddof: int):
    """NumPy's steps: the rows less their means, (D @ D.T) times 1 / (N - ddof)."""
    return lowerer.lower_text(f"""
        D = X - np.mean(X, axis=1, keepdims=True)
        (D @ D.T) * (1.0 / (X.shape[1] - {ddof}))
    """, node, X=X)


@lowers(np.cov, takes="m y rowvar bias ddof")
def _cov(lowerer, node, args):
    X, one = _variables(lowerer, node, args, "m", "np.cov")
    bias = lowerer.const_bool(args["bias"]) if "bias" in args else False
    ddof = lowerer.const_int(args["ddof"]) if "ddof" in args else 0 if bias else 1
    c = _centred_products(lowerer, node, X, ddof)
    return lowerer.lower_text("c[0, 0]", node, c=c) if one else c


@lowers(np.corrcoef, takes="x y rowvar")
def _corrcoef(lowerer, node, args):
    """The covariance over the outer product of the standard deviations, clipped to
    [-1, 1], as NumPy does (a variable's own coefficient is 1)."""
    X, one = _variables(lowerer, node, args, "x", "np.corrcoef")
    c = lowerer.lower_text("""
        d = np.sqrt(np.diag(C))
        np.clip(C / d[:, None] / d[None, :], -1.0, 1.0)
    """, node, C=_centred_products(lowerer, node, X, 1))
    return lowerer.lower_text("c[0, 0]", node, c=c) if one else c


# ---------------------------------------------------------------- average

@lowers(np.average, takes="a axis weights returned keepdims")
def _average(lowerer, node, args):
    """NumPy's average: the mean without weights; with them sum(a * w) / sum(w) along the
    axis (1-D weights along an int axis lie along it), ZeroDivisionError where the weights
    sum to zero; ``returned`` adds the sum of the weights (the count without them)."""
    a = lowerer.atom(args["a"])
    keep = lowerer.const_bool(args["keepdims"]) if "keepdims" in args else False
    returned = lowerer.const_bool(args["returned"]) if "returned" in args else False
    axis_node = args.get("axis")                 # (None when given as None: the default)
    axis = f"axis={ast.unparse(axis_node)}, " if axis_node is not None else ""
    if "weights" not in args:
        avg = lowerer.lower_text(f"np.mean(a, {axis}keepdims={keep})", node, a=a)
        if not returned:
            return avg
        return avg, lowerer.lower_text("np.ones_like(avg) * (np.size(a) / np.size(avg))", node,
                                       a=a, avg=avg)
    w = lowerer.atom(args["weights"])
    nd = a.type.ndim if T.is_array(a.type) else 0
    wnd = w.type.ndim if T.is_array(w.type) else 0
    if wnd != nd:
        k = lowerer.expr(axis_node) if axis_node is not None else None
        if not (wnd == 1 and isinstance(k, Const) and isinstance(k.value, int) and -nd <= k.value < nd):
            raise lowerer.err(node, "np.average: weights of another shape than a's must be 1-D, "
                                    "along an integer axis")
        shape = ", ".join("-1" if i == k.value % nd else "1" for i in range(nd))
        w = lowerer.lower_text(f"np.reshape(w, ({shape},))", node, w=w)
    scl = lowerer.lower_text(f"""
        s = np.sum(w * np.ones_like(a), {axis}keepdims={keep})
        if np.any(s == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        s
    """, node, a=a, w=w)
    avg = lowerer.lower_text(f"np.sum(a * w, {axis}keepdims={keep}) / s", node, a=a, w=w, s=scl)
    return (avg, scl) if returned else avg


# ---------------------------------------------------------------- scipy.special, written out

# SciPy's ufuncs that are a primitive flatgrad has under another name
for _fn, _prim in ((scipy.special.log1p, "log1p"), (scipy.special.expm1, "expm1"),
                   (scipy.special.cbrt, "cbrt"), (scipy.special.exp2, "exp2")):
    lowers(_fn, signature="x, /")(
        lambda lowerer, node, args, _prim=_prim: lowerer.op(node, _prim, lowerer.atom(args["x"])))


def _written(fn, params: str, text: str, doc: str):
    """``fn(params)`` lowered as ``text`` (NumPy, over the parameters' names): SciPy's own
    cases, each branch's formula evaluated at a safe point where another branch is taken (no
    NaN or infinity reaches the gradient from a branch not taken)."""
    names = [p.strip() for p in params.split(",")]

    def lower(lowerer, node, args):
        return lowerer.lower_text(text, node, **{n: float_of(lowerer, lowerer.atom(args[n]), node)
                                                 for n in names})
    lower.__doc__ = doc
    lowers(fn, signature=f"{params}, /")(lower)


_written(scipy.special.entr, "x", """
    xs = np.where(x > 0.0, x, 1.0)
    np.where(x > 0.0, -xs * np.log(xs), np.where(x == 0.0, 0.0 * x, -np.inf + 0.0 * x))
""", "entr(x) = -x log x (x > 0), 0 at 0, -inf below")
_written(scipy.special.rel_entr, "x, y", """
    inside = np.logical_and(x > 0.0, y > 0.0)
    xs = np.where(inside, x, 1.0)
    ys = np.where(inside, y, 1.0)
    np.where(inside, xs * np.log(xs / ys),
             np.where(np.logical_and(x == 0.0, y >= 0.0), 0.0 * xs, np.inf + 0.0 * xs))
""", "rel_entr(x, y) = x log(x / y); 0 where x == 0 <= y; inf elsewhere")
_written(scipy.special.kl_div, "x, y", """
    inside = np.logical_and(x > 0.0, y > 0.0)
    xs = np.where(inside, x, 1.0)
    ys = np.where(inside, y, 1.0)
    np.where(inside, xs * np.log(xs / ys) - xs + ys,
             np.where(np.logical_and(x == 0.0, y >= 0.0), y + 0.0 * xs, np.inf + 0.0 * xs))
""", "kl_div(x, y) = x log(x / y) - x + y; y where x == 0 <= y; inf elsewhere")
_written(scipy.special.huber, "delta, r", """
    a = np.abs(r)
    np.where(delta < 0.0, np.inf + 0.0 * a,
             np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))
""", "huber(delta, r): r^2 / 2 within delta, delta (|r| - delta / 2) beyond; inf for delta < 0")
_written(scipy.special.pseudo_huber, "delta, r", """
    live = np.logical_and(delta > 0.0, r != 0.0)
    ds = np.where(live, delta, 1.0)
    v = np.where(live, r, 1.0) / ds
    np.where(live, ds * ds * np.expm1(0.5 * np.log1p(v * v)),
             np.where(delta < 0.0, np.inf + 0.0 * v, 0.0 * v))
""", "pseudo_huber(delta, r) = delta^2 (sqrt(1 + (r / delta)^2) - 1), as SciPy: expm1/log1p")


def _boxcox_text(log: str) -> str:
    """Box-Cox of the logarithm ``log`` (log x, or log1p x), SciPy's three cases."""
    return f"""
        lg = {log}
        small = np.abs(lmbda) < 1e-19
        ls = np.where(small, 1.0, lmbda)
        big = ls * lg >= 709.78
        np.where(small, lg, np.where(big, np.sign(ls) * np.exp(np.where(big, ls * lg, 0.0)
                                                                  - np.log(np.abs(ls))) - 1.0 / ls,
                                     np.expm1(np.where(big, 0.0, ls * lg)) / ls))
    """


_written(scipy.special.boxcox, "x, lmbda", _boxcox_text("np.log(x)"), "boxcox(x, lmbda)")
_written(scipy.special.boxcox1p, "x, lmbda", _boxcox_text("np.log1p(x)"), "boxcox1p(x, lmbda)")


# ---------------------------------------------------------------- select

@lowers(np.select, takes="condlist choicelist default")
def _select(lowerer, node, args):
    """np.select: the choice of the first true condition, else the default, as NumPy fills
    it (the default, then each pair from the last to the first where its condition holds)."""
    conds, choices = lowerer.expr(args["condlist"]), lowerer.expr(args["choicelist"])
    if not (isinstance(conds, tuple) and isinstance(choices, tuple)):
        raise lowerer.err(node, "np.select takes a list of conditions and a list of choices")
    if len(conds) != len(choices):
        raise lowerer.err(node, "list of cases must be same length as list of conditions")
    if not conds:
        raise lowerer.err(node, "select with an empty condition list is not possible")
    out = lowerer.atom(args["default"]) if "default" in args else Const(0, T.I64)
    for c, v in reversed(list(zip(conds, choices))):
        out = lowerer.lower_text("np.where(c, v, out)", node, c=c, v=v, out=out)
    return out
