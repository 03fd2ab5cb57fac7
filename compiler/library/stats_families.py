"""More scipy.stats families (compiler/library/stats.py lowers their calls, frozen forms and
attribute reads): continuous ``expon laplace cauchy logistic uniform halfnorm lognorm
invgamma weibull_min gumbel_r pareto halfcauchy gompertz vonmises skewnorm``, discrete
``binom bernoulli nbinom geom`` and ``multinomial``.

Each log-density is the NumPy text of SciPy's own formula (``_logpdf``/``_logpmf`` of
scipy/stats/_continuous_distns.py and _discrete_distns.py) at the standardised point
``ys``; the masks around it are SciPy's: the density is -inf outside the closed support (the
open one for lognorm and invgamma, whose density is -inf at 0), the CDF is 0 or 1 outside
the open support, and the formula sees a safe point there (no NaN in the gradient). The
CDFs are closed forms, or the incomplete functions (invgamma, binom, nbinom), whose
derivatives in their shape parameters are a CompileError. A count is data: the point ``k``
of a discrete family and ``x`` of multinomial have derivative 0 (SciPy's functions of them
are step functions); the number of trials ``n`` of ``binom`` and ``multinomial`` is a whole
number, and a derivative in it is a CompileError (``stats_count``). vonmises and skewnorm
have no CDF here (SciPy's are series and Owen's T function).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.stats as st
from scipy.stats import _distn_infrastructure, _multivariate

from .. import types as T
from ..errors import CompileError
from ..primitives import defprim
from ..spelling import P_ATOM, Spelling
from ..values import Ref
from .registry import CALLABLE_TYPES
from .stats import _C, _DISTS, _FAMILIES, _HELPERS, _MULTIVARIATE, _inverse, _tails, register

_K = {**_C, "LOG_2PI": repr(math.log(2.0 * math.pi)),
      "LOG_2_OVER_PI": repr(math.log(2.0 / math.pi)),
      "HALF_LOG_2_OVER_PI": repr(0.5 * math.log(2.0 / math.pi)),
      "SQRT_2PI": repr(math.sqrt(2.0 * math.pi)), "TWO_OVER_PI": repr(2.0 / math.pi),
      "PI": repr(math.pi), "EPS10": repr(10.0 * float(np.finfo(np.float64).eps))}


def _refuse_count(b, s, out, n, what=""):
    raise CompileError(f"flatgrad cannot differentiate {what} with respect to its number of "
                       "trials n", b.loc, "n is a whole number (SciPy gives NaN for any other): "
                       "keep it constant, and differentiate in p (or the point).")


# the number of trials n: its value, with a derivative that is a CompileError
defprim("stats_count", 1, lambda t, what="": T.same(t), Spelling("{0}", "{0}", P_ATOM, (0,)),
        None, lambda a: a, deriv=(_refuse_count,), safe=True)


def _lowering(text: str, counts=()):
    """A method's lowering ``(lowerer, node, values, what)`` from its NumPy text; the
    parameters ``counts`` pass through ``stats_count``."""
    text = text.format(**_K)
    helpers = {k: Ref(v) for k, v in _HELPERS.items() if k in text}

    def lower(lowerer, node, v, what):
        v = {**v, **{c: lowerer.op(node, "stats_count", v[c], what=what) for c in counts}}
        return lowerer.lower_text(text, node, **v, **helpers)
    return lower


def _checked(methods: dict, valid: str) -> dict:
    """``methods`` giving NaN where the parameters are outside SciPy's domain (``valid``, its
    ``_argcheck`` and scale > 0), as SciPy does."""
    valid = valid.format(**_K)

    def check(lower):
        def checked(lowerer, node, v, what):
            return lowerer.lower_text(f"np.where({valid}, value, np.nan)", node, **v,
                                      value=lower(lowerer, node, v, what))
        return checked
    return {k: check(m) for k, m in methods.items()}


def _where(inside, value, outside):
    return f"np.where({inside}, {value}, {outside})"


# ---------------------------------------------------------------- continuous families

def _continuous(name, shapes, log, support=None, *, safe=1.0, open_pdf=False, cdf=None,
                sf=None, logcdf=None, logsf=None, valid=None, ppf=None, isf=None):
    """Register continuous family ``name``: its log-density ``log`` in ``ys`` and the shape
    parameters ``shapes``, on ``support`` (lo, hi or None) of the standard point, or the
    whole line; its tails' texts where it has them (the log-tails not given come from the
    two tails by ``_tails``); its quantile functions ``ppf`` and ``isf`` in ``qs`` (SciPy's
    ``_ppf``/``_isf``), where they have closed forms."""
    head = "y = (x - loc) / scale\n"
    if support is None:
        body = f"ys = y\n({log}) - np.log(scale)"
        tail = {k: None if t is None else head + "ys = y\n" + t
                for k, t in (("cdf", cdf), ("sf", sf), ("logcdf", logcdf), ("logsf", logsf))}
    else:
        lo, hi = support
        closed = f"y {'>' if open_pdf else '>='} {lo}"
        opened = f"y > {lo}"
        if hi is not None:
            closed, opened = (f"np.logical_and({closed}, y <= {hi})",
                              f"np.logical_and({opened}, y < {hi})")
        body = (f"inside = {closed}\nys = np.where(inside, y, {safe})\n"
                + _where("inside", f"({log}) - np.log(scale)", "-np.inf"))
        start = head + f"inside = {opened}\nys = np.where(inside, y, {safe})\n"
        top = "0.0" if hi is None else f"np.where(y >= {hi}, 1.0, 0.0)"
        log_top = "-np.inf" if hi is None else f"np.where(y >= {hi}, 0.0, -np.inf)"
        outside = {"cdf": top, "sf": f"np.where(y <= {lo}, 1.0, 0.0)", "logcdf": log_top,
                   "logsf": f"np.where(y <= {lo}, 0.0, -np.inf)"}
        tail = {k: None if t is None else start + _where("inside", t, outside[k])
                for k, t in (("cdf", cdf), ("sf", sf), ("logcdf", logcdf), ("logsf", logsf))}
    params = ("x", *shapes, "loc", "scale")
    methods = {"logpdf": _lowering(head + body), "pdf": _lowering(head + body)}
    if cdf is not None:
        low, up = _lowering(tail["cdf"]), _lowering(tail["sf"])
        methods.update(_tails(low, up))
        methods.update({k: _lowering(tail[k]) for k in ("logcdf", "logsf") if tail[k]})
    ends = (-math.inf, math.inf) if support is None else (
        support[0], math.inf if support[1] is None else support[1])
    for method, text in (("ppf", ppf), ("isf", isf)):
        if text is not None:
            methods[method] = _lowering(_inverse(text, ends, method == "isf"))
    valid = "scale > 0.0" if valid is None else f"np.logical_and(scale > 0.0, {valid})"
    _FAMILIES[name] = (params, {"loc": 0.0, "scale": 1.0}, _checked(methods, valid))


# SciPy's quantiles (boost's for cauchy: -1/tan(pi p) on the nearer tail p, 0 at q = 1/2,
# written pi (q - 1/2) there for its derivative pi)
_LAPLACE_PPF = "np.where(qs > 0.5, -np.log(2.0 * (1.0 - qs)), np.log(2.0 * qs))"
_CAUCHY_PPF = ("np.where(qs == 0.5, {PI} * (qs - 0.5), np.where(qs > 0.5, 1.0, -1.0) "
               "/ np.tan({PI} * np.where(qs > 0.5, 1.0 - qs, qs)))")


_continuous("expon", (), "-ys", (0.0, None), cdf="-np.expm1(-ys)", sf="np.exp(-ys)",
            logsf="-ys", ppf="-np.log1p(-qs)", isf="-np.log(qs)")
# (-|y| - log 2, where SciPy's log of its pdf underflows to -inf beyond |y| ~ 745)
_continuous("laplace", (), "-np.abs(ys) - {LOG2}",
            cdf=_where("ys > 0.0", "1.0 - 0.5 * np.exp(-np.where(ys > 0.0, ys, 0.0))",
                       "0.5 * np.exp(np.where(ys > 0.0, 0.0, ys))"),
            sf=_where("ys < 0.0", "1.0 - 0.5 * np.exp(np.where(ys < 0.0, ys, 0.0))",
                      "0.5 * np.exp(-np.where(ys < 0.0, 0.0, ys))"),
            logcdf=_where("ys > 0.0", "np.log1p(-0.5 * np.exp(-np.where(ys > 0.0, ys, 0.0)))",
                          "np.where(ys > 0.0, 0.0, ys) - {LOG2}"),
            logsf=_where("ys < 0.0", "np.log1p(-0.5 * np.exp(np.where(ys < 0.0, ys, 0.0)))",
                         "-np.where(ys < 0.0, 0.0, ys) - {LOG2}"),
            ppf=_LAPLACE_PPF, isf="-(" + _LAPLACE_PPF + ")")
# (SciPy's two forms: log1p(y^2), and for |y| >= 1 one that does not overflow)
_continuous("cauchy", (), _where("np.abs(ys) < 1.0", "-{LOG_PI} - np.log1p(ys * ys)",
                                 "-{LOG_PI} - (2.0 * np.log(np.where(np.abs(ys) < 1.0, 1.0, "
                                 "np.abs(ys))) + np.log1p((1.0 / np.where(np.abs(ys) < 1.0, "
                                 "1.0, np.abs(ys))) ** 2))"),
            cdf="np.arctan2(1.0, -ys) / {PI}", sf="np.arctan2(1.0, ys) / {PI}",
            ppf=_CAUCHY_PPF, isf="-(" + _CAUCHY_PPF + ")")
_continuous("logistic", (), "-np.abs(ys) - 2.0 * np.log1p(np.exp(-np.abs(ys)))",
            cdf="expit(ys)", sf="expit(-ys)", logcdf="log_expit(ys)", logsf="log_expit(-ys)",
            ppf="logit(qs)", isf="-logit(qs)")
_continuous("uniform", (), "0.0 * ys", (0.0, 1.0), safe=0.5, cdf="ys", sf="1.0 - ys",
            ppf="qs", isf="1.0 - qs")
_continuous("halfnorm", (), "{HALF_LOG_2_OVER_PI} - ys * ys / 2.0", (0.0, None),
            cdf="erf(ys * {SQRT1_2})", sf="erfc(ys * {SQRT1_2})",
            logsf="{LOG2} + log_ndtr(-ys)", ppf="ndtri((1.0 + qs) / 2.0)",
            isf="-ndtri(qs / 2.0)")
_continuous("lognorm", ("s",), "-(np.log(ys) * np.log(ys)) / (2.0 * (s * s)) "
            "- np.log(s * ys * {SQRT_2PI})", (0.0, None), open_pdf=True,
            cdf="ndtr(np.log(ys) / s)", sf="ndtr(-np.log(ys) / s)",
            logcdf="log_ndtr(np.log(ys) / s)", logsf="log_ndtr(-np.log(ys) / s)",
            valid="s > 0.0", ppf="np.exp(s * ndtri(qs))", isf="np.exp(s * -ndtri(qs))")
_continuous("invgamma", ("a",), "-(a + 1.0) * np.log(ys) - gammaln(a) - 1.0 / ys", (0.0, None),
            open_pdf=True, cdf="gammaincc(a, 1.0 / ys)", sf="gammainc(a, 1.0 / ys)",
            valid="a > 0.0")
_continuous("weibull_min", ("c",), "np.log(c) + xlogy(c - 1.0, ys) - ys ** c", (0.0, None),
            cdf="-np.expm1(-(ys ** c))", sf="np.exp(-(ys ** c))", logsf="-(ys ** c)",
            valid="c > 0.0", ppf="(-np.log1p(-qs)) ** (1.0 / c)", isf="(-np.log(qs)) ** (1.0 / c)")
_continuous("gumbel_r", (), "-ys - np.exp(-ys)", cdf="np.exp(-np.exp(-ys))",
            sf="-np.expm1(-np.exp(-ys))", logcdf="-np.exp(-ys)",
            ppf="-np.log(-np.log(qs))", isf="-np.log(-np.log1p(-qs))")
_continuous("pareto", ("b",), "np.log(b) - (b + 1.0) * np.log(ys)", (1.0, None), safe=2.0,
            cdf="1.0 - ys ** (-b)", sf="ys ** (-b)", logsf="-b * np.log(ys)",
            valid="b > 0.0", ppf="(1.0 - qs) ** (-1.0 / b)", isf="qs ** (-1.0 / b)")
_continuous("halfcauchy", (), "{LOG_2_OVER_PI} - np.log1p(ys * ys)", (0.0, None),
            cdf="{TWO_OVER_PI} * np.arctan(ys)", sf="{TWO_OVER_PI} * np.arctan2(1.0, ys)",
            ppf="np.tan({PI} / 2.0 * qs)", isf="1.0 / np.tan({PI} * qs / 2.0)")
_continuous("gompertz", ("c",), "np.log(c) + ys - c * np.expm1(ys)", (0.0, None),
            cdf="-np.expm1(-c * np.expm1(ys))", sf="np.exp(-c * np.expm1(ys))",
            logsf="-c * np.expm1(ys)", valid="c > 0.0",
            ppf="np.log1p(-1.0 / c * np.log1p(-qs))", isf="np.log1p(-np.log(qs) / c)")
# kappa (cos y - 1), written -2 kappa sin(y/2)^2 (SciPy's cosm1, to rounding)
_continuous("vonmises", ("kappa",), "-2.0 * kappa * (np.sin(ys / 2.0) * np.sin(ys / 2.0)) "
            "- {LOG_2PI} - np.log(i0e(kappa))",
            valid="kappa >= 0.0")
_continuous("skewnorm", ("a",), "{LOG2} - 0.5 * (ys * ys) - {HALF_LOG_2PI} + log_ndtr(a * ys)",
            valid="np.isfinite(a)")


# ---------------------------------------------------------------- discrete families

def _discrete(name, shapes, log, lo, hi=None, *, valid, counts=(), cdf=None, sf=None,
              logsf=None):
    """Register discrete family ``name``: its log-mass ``log`` at the whole number ``js``
    (from ``lo`` to ``hi``, a text, or unbounded); its tails at ``ks = floor(k - loc)``."""
    inside = f"np.logical_and(j == np.floor(j), j >= {lo})"
    if hi is not None:
        inside = f"np.logical_and({inside}, j <= {hi})"
    body = (f"j = k - loc\ninside = {inside}\njs = np.floor(np.where(inside, j, {lo}))\n"
            + _where("inside", log, "-np.inf"))
    params = ("k", *shapes, "loc")
    methods = {"logpmf": _lowering(body, counts), "pmf": _lowering(body, counts)}
    if cdf is not None:
        opened = f"kf >= {lo}" if hi is None else f"np.logical_and(kf >= {lo}, kf < {hi})"
        start = (f"kf = np.floor(k - loc)\ninside = {opened}\n"
                 f"ks = np.where(inside, kf, {lo})\n")
        top = "0.0" if hi is None else f"np.where(kf >= {hi}, 1.0, 0.0)"
        low = _lowering(start + _where("inside", cdf, top), counts)
        up = _lowering(start + _where("inside", sf, f"np.where(kf < {lo}, 1.0, 0.0)"), counts)
        methods.update(_tails(low, up))
        if logsf is not None:
            methods["logsf"] = _lowering(start + _where("inside", logsf,
                                                         f"np.where(kf < {lo}, 0.0, -np.inf)"),
                                         counts)
    _FAMILIES[name] = (params, {"loc": 0.0}, _checked(methods, valid))


# (binom's tails at a safe n - k where k is outside [0, n): betainc(0, .) has no slope)
_discrete("binom", ("n", "p"), "gammaln(n + 1.0) - (gammaln(js + 1.0) + gammaln(n - js + 1.0)) "
          "+ xlogy(js, p) + xlog1py(n - js, -p)", 0.0, "n", counts=("n",),
          cdf="betainc(np.where(inside, n - ks, 1.0), ks + 1.0, 1.0 - p)",
          sf="betainc(ks + 1.0, np.where(inside, n - ks, 1.0), p)",
          valid="np.logical_and(np.logical_and(n >= 0.0, n == np.floor(n)), "
                "np.logical_and(p >= 0.0, p <= 1.0))")
_discrete("bernoulli", ("p",), "xlogy(js, p) + xlog1py(1.0 - js, -p)", 0.0, "1.0",
          cdf="1.0 - p + 0.0 * ks", sf="p + 0.0 * ks",
          valid="np.logical_and(p >= 0.0, p <= 1.0)")
_discrete("nbinom", ("n", "p"), "gammaln(n + js) - gammaln(js + 1.0) - gammaln(n) + n * np.log(p) "
          "+ xlog1py(js, -p)", 0.0, cdf="betainc(n, ks + 1.0, p)",
          sf="betainc(ks + 1.0, n, 1.0 - p)",
          valid="np.logical_and(n > 0.0, np.logical_and(p > 0.0, p <= 1.0))")
_discrete("geom", ("p",), "xlog1py(js - 1.0, -p) + np.log(p)", 1.0,
          cdf="-np.expm1(np.log1p(-p) * ks)", sf="np.exp(ks * np.log1p(-p))",
          logsf="ks * np.log1p(-p)",
          valid="np.logical_and(p > 0.0, p <= 1.0)")


# ---------------------------------------------------------------- multinomial

_MULTINOMIAL = _lowering("""
    xf = np.floor(x)
    good = np.logical_and(x == xf, x >= 0.0)
    ok = np.logical_and(np.all(good, axis=-1), np.sum(xf, axis=-1) == n)
    xs = np.where(good, xf, 0.0)
    last = np.where(np.abs(1.0 - np.sum(p)) > {EPS10}, 1.0 - np.sum(p[:-1]), p[-1:])
    q = np.concatenate((p[:-1], last))
    bad = np.logical_or(np.logical_or(np.any(q < 0.0), np.any(q > 1.0)), n < 0.0)
    value = gammaln(n + 1.0) + np.sum(xlogy(xs, q) - gammaln(xs + 1.0), axis=-1)
    np.where(bad, np.nan, np.where(ok, value, -np.inf))
""".replace("\n    ", "\n").strip(), counts=("n",))


def _multinomial(lowerer, node, a, method):
    """gammaln(n + 1) + sum(xlogy(x, p) - gammaln(x + 1)) over the last axis, -inf where x
    is not whole numbers summing to n; p a vector (K,), whose last entry SciPy replaces by 1
    minus the others' sum where p does not sum to 1 (within 10 eps), as here."""
    x, p = a["x"], a["p"]
    if not (T.is_array(p.type) and p.type.ndim == 1 and T.is_array(x.type)
            and x.type.ndim in (1, 2) and T.ndim(a["n"].type) == 0):
        raise lowerer.err(node, "scipy.stats.multinomial: p must be a vector (K,), x a point "
                          "(K,) or rows of points (m, K), and n one number here")
    return _MULTINOMIAL(lowerer, node, a, f"scipy.stats.multinomial.{method}")


_MULTIVARIATE["multinomial"] = (("x", "n", "p"), ("logpmf", "pmf"), _multinomial)

for _name in ("expon", "laplace", "cauchy", "logistic", "uniform", "halfnorm", "lognorm",
              "invgamma", "weibull_min", "gumbel_r", "pareto", "halfcauchy", "gompertz",
              "vonmises", "skewnorm", "binom", "bernoulli", "nbinom", "geom", "multinomial"):
    register(_name)


def _call_unsupported(lowerer, dist, node):
    name = getattr(dist, "name", None) or type(dist).__name__.removesuffix("_gen")
    raise lowerer.err(node, f"flatgrad does not support scipy.stats.{name}",
                      f"Supported families: {', '.join(_DISTS)}.")


# calls (freezing) of the other scipy.stats distributions (by type: not the types of those
# flatgrad lowers, which another instance may share, as vonmises_line shares vonmises')
_LOWERED = {type(d) for d in _DISTS.values()}
for _dist in vars(st).values():
    if (isinstance(_dist, (_distn_infrastructure.rv_generic, _multivariate.multi_rv_generic))
            and type(_dist) not in _LOWERED):
        CALLABLE_TYPES.setdefault(type(_dist), _call_unsupported)
