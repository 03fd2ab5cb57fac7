"""scipy.stats distributions inside differentiated code: ``norm``, ``t``, ``gamma``, ``beta``,
``chi2``, ``poisson``, ``dirichlet`` and ``multivariate_normal`` here (the families autograd's
``autograd.scipy.stats`` has), and through ``register`` the families of
compiler/library/stats_families.py (``expon laplace cauchy logistic uniform halfnorm lognorm
invgamma weibull_min gumbel_r pareto halfcauchy gompertz vonmises skewnorm``, ``binom
bernoulli nbinom geom``, ``multinomial``), called as SciPy spells them (``norm.logpdf(x, loc=0,
scale=1)``, ``scipy.stats.t.logpdf``, ``st.gamma.pdf``) or frozen (``norm(mu, s).logpdf(x)``).

Each density is written once, below, as the NumPy text it means (lowered by
``Lowerer.lower_text``), so its derivatives in every argument come from the primitives it
is made of: ``gammaln`` (digamma), ``xlogy``/``xlog1py`` (0 * log 0 = 0, as SciPy),
``log_ndtr`` (the normal log-CDF, accurate in both tails), ``np.linalg.solve`` and
``slogdet``. ``pdf``/``pmf`` are ``exp`` of the log-density. Points outside a family's
support give SciPy's ``-inf`` (and gradient 0): the formula is evaluated at a safe point
there and discarded, so no NaN leaks into the gradient.

The CDFs (``cdf``, ``sf``, ``logcdf``, ``logsf``) of ``t``, ``gamma``, ``beta``, ``chi2``
and ``poisson`` are the regularised incomplete gamma and beta functions
(compiler/library/incomplete.py): differentiable in the point, ``loc``, ``scale`` and the
Poisson ``mu``; a derivative in a shape parameter (``df``, ``a``, ``b``) has no closed form
and is a CompileError rather than a wrong gradient. Any other scipy.stats distribution, or
a method flatgrad does not lower, is the CompileError "flatgrad does not support
scipy.stats.<name>.<method>" with the list of the families flatgrad has.
"""
from __future__ import annotations

import math

import scipy.special
import scipy.stats as st
from scipy.stats import _distn_infrastructure, _multivariate

from .. import types as T
from ..ir import Const
from ..values import Ref
from .binding import bind_written, written
from .callargs import float_of
from .incomplete import incomplete
from .registry import ATTRIBUTES, CALLABLE_TYPES, lowers

_C = {"HALF_LOG_2PI": repr(0.5 * math.log(2.0 * math.pi)), "LOG_PI": repr(math.log(math.pi)),
      "LOG2": repr(math.log(2.0)), "SQRT1_2": repr(math.sqrt(0.5))}

_HELPERS = {name: getattr(scipy.special, name) for name in (
    "gammaln", "xlogy", "xlog1py", "betaln", "log_ndtr", "erfc", "erf", "ndtr", "expit",
    "log_expit", "i0e", "gammainc", "gammaincc", "betainc", "ndtri", "logit")}


def _text(body: str) -> str:
    return body.format(**_C)


# The log-density of each univariate family at ``x`` (or ``k``), in SciPy's parameters. The
# standardised point is y = (x - loc) / scale; the density of x is the standard one at y
# divided by scale.
_LOG = {
    "norm": _text("""
        y = (x - loc) / scale
        -0.5 * (y * y) - {HALF_LOG_2PI} - np.log(scale)
    """),
    "t": _text("""
        y = (x - loc) / scale
        (gammaln((df + 1.0) / 2.0) - gammaln(df / 2.0) - 0.5 * (np.log(df) + {LOG_PI})
         - (df + 1.0) / 2.0 * np.log1p(y * y / df) - np.log(scale))
    """),
    "gamma": _text("""
        y = (x - loc) / scale
        inside = y >= 0.0
        ys = np.where(inside, y, 1.0)
        np.where(inside, xlogy(a - 1.0, ys) - ys - gammaln(a) - np.log(scale), -np.inf)
    """),
    "chi2": _text("""
        y = (x - loc) / scale
        inside = y >= 0.0
        ys = np.where(inside, y, 1.0)
        h = df / 2.0
        np.where(inside, xlogy(h - 1.0, ys) - ys / 2.0 - gammaln(h) - h * {LOG2} - np.log(scale),
                 -np.inf)
    """),
    "beta": _text("""
        y = (x - loc) / scale
        inside = np.logical_and(y >= 0.0, y <= 1.0)
        ys = np.where(inside, y, 0.5)
        np.where(inside, xlogy(a - 1.0, ys) + xlog1py(b - 1.0, -ys) - betaln(a, b) - np.log(scale),
                 -np.inf)
    """),
    "poisson": _text("""
        j = k - loc
        inside = np.logical_and(j == np.floor(j), j >= 0.0)
        js = np.where(inside, j, 0.0)
        np.where(inside, xlogy(js, mu) - gammaln(js + 1.0) - mu, -np.inf)
    """),
}

# the normal's distribution functions, through the standardised point y
_NORM_CDFS = {
    "cdf": "0.5 * erfc(((x - loc) / scale) * -{SQRT1_2})",
    "sf": "0.5 * erfc(((x - loc) / scale) * {SQRT1_2})",
    "logcdf": "log_ndtr((x - loc) / scale)",
    "logsf": "log_ndtr((loc - x) / scale)",
}


def _inverse(formula: str, support=(-math.inf, math.inf), upper=False, valid=None) -> str:
    """SciPy's ``ppf`` (``upper``: ``isf``) at ``q`` from the standard quantile ``formula``
    in ``qs``, as rv_continuous.ppf computes it: ``formula * scale + loc`` for 0 < q < 1 (the
    formula sees a safe qs = 1/2 elsewhere: no NaN in the gradient), the support's ends at q
    = 0 and 1 (an infinite end kept NaN where loc is), NaN for any other q (and where the
    parameters are not ``valid``, a text, where given)."""
    def end(v):
        return f"{'-' if v < 0 else ''}np.inf + 0.0 * loc" if math.isinf(v) else f"{v!r} * scale + loc"
    at0, at1 = support[::-1] if upper else support
    value = (f"np.where(inside, ({formula}) * scale + loc, np.where(q == 0.0, {end(at0)}, "
             f"np.where(q == 1.0, {end(at1)}, np.nan)))")
    if valid is not None:
        value = f"np.where({valid}, {value}, np.nan)"
    return "inside = np.logical_and(q > 0.0, q < 1.0)\nqs = np.where(inside, q, 0.5)\n" + value


# family -> (SciPy's parameters, the point first; their defaults; {method: its text, or a
# lowering (lowerer, node, values, what) where the method is more than one text})
_FAMILIES: dict[str, tuple] = {}


def _family(name, params, defaults, log_name="logpdf", extra=None):
    """Register a univariate family: its log-density (``logpdf``, or ``logpmf``), its density
    (the same text, exponentiated by ``_density``) and the ``extra`` methods."""
    methods = {log_name: _LOG[name], log_name[3:]: _LOG[name], **(extra or {})}
    _FAMILIES[name] = (params, defaults, methods)


_family("norm", ("x", "loc", "scale"), {"loc": 0.0, "scale": 1.0},
        extra={**{k: _text(v) for k, v in _NORM_CDFS.items()},
               # SciPy's entropy has the shape of loc and scale broadcast together
               "entropy": _text("0.5 + {HALF_LOG_2PI} + np.log(scale) + 0.0 * loc"),
               "ppf": _inverse("ndtri(qs)", valid="scale > 0.0"),
               "isf": _inverse("-ndtri(qs)", upper=True, valid="scale > 0.0")})


# ---- the other families' distribution functions: the incomplete gamma and beta functions
# (compiler/library/incomplete.py) of the standardised point y inside the support; outside
# it (y <= 0, and y >= 1 for beta) the function is flat, 0 or 1, with derivative 0, and the
# incomplete function is evaluated at a safe point (its derivative at the edge can be
# infinite, and 0 * inf would leak NaN into the gradient). The survival function is the
# other tail, computed directly (gammaincc, or betainc with the parameters swapped at 1 - y).
# family: (lower and upper prims, the shape parameters' texts, the argument in ys, the
# support's upper end or None)

_STANDARD = "(x - loc) / scale"
_INCOMPLETE = {
    "gamma": (("gammainc", "gammaincc"), ("a",), "ys", None),
    "chi2": (("gammainc", "gammaincc"), ("df / 2.0",), "ys / 2.0", None),
    "beta": (("betainc", "betainc"), ("a", "b"), "ys", 1.0),
}


def _incomplete_tail(name, upper):
    """The CDF (or, ``upper``, the survival function) of family ``name`` as a lowering
    ``(lowerer, node, values, what)``."""
    prims, shape_texts, arg_text, hi = _INCOMPLETE[name]

    def lower(lowerer, node, v, what):
        shapes = [lowerer.lower_text(t, node, **v) for t in shape_texts]
        y = lowerer.lower_text(_STANDARD, node, **v)
        inside = "y > 0.0" if hi is None else f"np.logical_and(y > 0.0, y < {hi})"
        ys = lowerer.lower_text(f"np.where({inside}, y, {0.5 if hi else 1.0})", node, y=y)
        arg = lowerer.lower_text(arg_text, node, ys=ys)
        if name == "beta" and upper:                 # I_{1-y}(b, a)
            shapes, arg = shapes[::-1], lowerer.lower_text("1.0 - ys", node, ys=ys)
        p = incomplete(lowerer, node, prims[upper], (*shapes, arg), what)
        below, above = (1.0, 0.0) if upper else (0.0, 1.0)
        return lowerer.lower_text(f"np.where({inside}, p, np.where(y <= 0.0, {below}, {above}))",
                             node, y=y, p=p)
    return lower


def _poisson_tail(upper):
    """P(K <= k) = Q(floor(k) + 1, mu) (``upper``: P(K > k) = P(floor(k) + 1, mu)); below
    0 the CDF is 0. The order floor(k) + 1 is data: the derivative is in mu."""
    def lower(lowerer, node, v, what):
        j = lowerer.lower_text("np.maximum(np.floor(k - loc), 0.0) + 1.0", node, **v)
        p = incomplete(lowerer, node, "gammainc" if upper else "gammaincc", (j, v["mu"]), what)
        return lowerer.lower_text(f"np.where(k - loc >= 0.0, p, {1.0 if upper else 0.0})", node,
                             p=p, k=v["k"], loc=v["loc"])
    return lower


def _t_tail(upper):
    """Student's t CDF (``upper``: its survival function) through I_{df/(df+z^2)}(df/2, 1/2).
    At z == 0 that form's derivative is 0 * inf; there the CDF is 1/2 + z t.pdf(0) instead
    (the same value and derivatives), and the formula sees a safe z."""
    def lower(lowerer, node, v, what):
        z = lowerer.lower_text(("-" if upper else "") + f"({_STANDARD})", node, **v)
        zs = lowerer.lower_text("np.where(z == 0.0, 1.0, z)", node, z=z)
        df = v["df"]
        half = lowerer.lower_text("df / 2.0", node, df=df)
        w = lowerer.lower_text("df / (df + zs * zs)", node, df=df, zs=zs)
        tail = lowerer.op(node, "mul", 0.5,
                     incomplete(lowerer, node, "betainc", (half, Const(0.5, T.F64), w), what))
        return lowerer.lower_text(_text("""
            pdf0 = np.exp(gammaln((df + 1.0) / 2.0) - gammaln(df / 2.0)
                          - 0.5 * (np.log(df) + {LOG_PI}))
            np.where(z == 0.0, 0.5 + z * pdf0, np.where(zs > 0.0, 1.0 - tail, tail))
        """), node, z=z, zs=zs, df=df, tail=tail, gammaln=Ref(scipy.special.gammaln))
    return lower


def _tails(lower_tail, upper_tail):
    """cdf, sf and their logarithms from the two tails' lowerings. A tail near 1 has its
    logarithm from the other tail, log1p(-other), which keeps its digits (log(1 - 1e-20) is
    -1e-20, not 0); each log sees a safe value where the other is chosen (no NaN in the
    gradient from the branch not taken)."""
    def log_of(this, other):
        def lower(lowerer, node, v, what):
            return lowerer.lower_text("""
                small = p < 0.5
                np.where(small, np.log(np.where(small, p, 0.5)),
                         np.log1p(-np.where(small, 0.5, q)))
            """, node, p=this(lowerer, node, v, what), q=other(lowerer, node, v, what))
        return lower
    return {"cdf": lower_tail, "sf": upper_tail, "logcdf": log_of(lower_tail, upper_tail),
            "logsf": log_of(upper_tail, lower_tail)}


_family("t", ("x", "df", "loc", "scale"), {"loc": 0.0, "scale": 1.0},
        extra=_tails(_t_tail(False), _t_tail(True)))
for _name, _params in (("gamma", ("x", "a", "loc", "scale")),
                       ("chi2", ("x", "df", "loc", "scale")),
                       ("beta", ("x", "a", "b", "loc", "scale"))):
    _family(_name, _params, {"loc": 0.0, "scale": 1.0},
            extra=_tails(_incomplete_tail(_name, False), _incomplete_tail(_name, True)))
_family("poisson", ("k", "mu", "loc"), {"loc": 0.0}, log_name="logpmf",
        extra=_tails(_poisson_tail(False), _poisson_tail(True)))
# multivariate family -> (SciPy's parameters, its methods, the lowering of its log-density
# (lowerer, node, args by name, method))
_MULTIVARIATE: dict[str, tuple] = {}

_DISTS: dict[str, object] = {}     # every family flatgrad lowers, by name
_NAME_OF: dict[int, str] = {}

_INVERSES = ("ppf", "isf")


def _methods(name: str) -> tuple:
    """The methods of family ``name`` flatgrad lowers."""
    if name in _FAMILIES:
        return tuple(_FAMILIES[name][2])
    return _MULTIVARIATE[name][1]


def _density(lowerer, node, name: str, method: str, args: dict):
    """Lower ``scipy.stats.<name>.<method>`` at ``args`` (atoms by SciPy's parameter names)."""
    if name in _MULTIVARIATE:
        value = _MULTIVARIATE[name][2](lowerer, node, args, method)
    else:
        _, defaults, methods = _FAMILIES[name]
        values = {k: args.get(k, Const(defaults.get(k, 0.0), T.F64))
                  for k in _params_of(name, method)}
        text = methods[method]
        if callable(text):
            value = text(lowerer, node, values, f"scipy.stats.{name}.{method}")
        else:
            helpers = {k: Ref(v) for k, v in _HELPERS.items() if k in text}
            value = lowerer.lower_text(text, node, **values, **helpers)
    return lowerer.op(node, "exp", value) if method in ("pdf", "pmf") else value


def _params_of(name, method=None):
    """SciPy's parameters of ``name.method``: the point, then the family's (``entropy``
    takes no point; ``ppf`` and ``isf`` take the probability ``q``)."""
    params = _FAMILIES[name][0] if name in _FAMILIES else _MULTIVARIATE[name][0]
    if method in _INVERSES:
        return ("q", *params[1:])
    return params[1:] if method == "entropy" else params


def _required(name, params):
    """How many of ``params`` (a prefix of the family's) a call must give: those with no
    default (multivariate_normal's mean and cov have SciPy's defaults)."""
    if name == "multivariate_normal":
        return 1 if params and params[0] == "x" else 0
    defaults = _FAMILIES[name][1] if name in _FAMILIES else {}
    return sum(1 for p in params if p not in defaults)


def _signature(name, params) -> str:
    """SciPy's parameters ``params`` of family ``name``, as the binder reads them."""
    return written(params, _required(name, params))


def _floats(lowerer, node, args):
    """The bound arguments as float atoms by SciPy's parameter names."""
    a = dict(args.nodes)
    if "allow_singular" in a:
        if lowerer.const_bool(a.pop("allow_singular")):
            raise lowerer.err(node, f"{args.fname}: allow_singular=True is not supported",
                         "Add a small multiple of the identity to cov instead.")
    return {k: float_of(lowerer, lowerer.atom(v), node) for k, v in a.items()}


def _method_lowering(name, method):
    """The lowering of calls to ``scipy.stats.<name>.<method>``."""
    def lower(lowerer, node, args):
        return _density(lowerer, node, name, method, _floats(lowerer, node, args))
    return lower


# ---------------------------------------------------------------- multivariate families

def _mvn_logpdf(lowerer, node, a):
    """-(d log 2 pi + log det cov + (x - mean)' cov^-1 (x - mean)) / 2, for x one point (d,)
    or rows of points (n, d); cov a matrix (solve + slogdet), a vector (its diagonal) or a
    number (times the identity), as SciPy reads it."""
    x = a["x"]
    if T.ndim(a.get("mean", x).type) == 0 and T.ndim(a.get("cov", Const(1.0, T.F64)).type) == 0:
        return _mvn_one_dimensional(lowerer, node, x, a)
    if not T.is_array(x.type) or x.type.ndim > 2:
        raise lowerer.err(node, "scipy.stats.multivariate_normal: x must be one point (d,) or rows "
                     "of points (n, d) here")
    diff = lowerer.op(node, "sub", x, a["mean"]) if "mean" in a else x
    cov = a.get("cov", Const(1.0, T.F64))
    rows = x.type.ndim == 2
    axis = ", axis=-1" if rows else ""
    cov_nd = T.ndim(cov.type)
    if cov_nd == 0:
        quad, logdet = f"np.sum(diff * diff{axis}) / cov", "d * np.log(cov)"
    elif cov_nd == 1:
        quad, logdet = f"np.sum(diff * diff / cov{axis})", "np.sum(np.log(cov))"
    elif cov_nd == 2:
        sol = "np.linalg.solve(cov, diff.T).T" if rows else "np.linalg.solve(cov, diff)"
        quad, logdet = f"np.sum(diff * {sol}{axis})", "np.linalg.slogdet(cov)[1]"
    else:
        raise lowerer.err(node, "scipy.stats.multivariate_normal: cov must be a number, a vector or "
                     "a matrix")
    return lowerer.lower_text(_text(f"""
        d = diff.shape[-1] * 1.0
        -0.5 * (d * (2.0 * {{HALF_LOG_2PI}}) + {logdet} + {quad})
    """), node, diff=diff, cov=cov)


def _mvn_one_dimensional(lowerer, node, x, a):
    """A number for the mean (or none) and for cov: SciPy's dimension is 1, and every entry
    of x (or every row of an (n, 1) x) is a point of its own."""
    if T.ndim(x.type) == 2:
        x = lowerer.lower_text("x[:, 0]", node, x=x)
    return lowerer.lower_text(_text("""
        d = x - mean
        -0.5 * (2.0 * {HALF_LOG_2PI} + np.log(cov) + d * d / cov)
    """), node, x=x, mean=a.get("mean", Const(0.0, T.F64)), cov=a.get("cov", Const(1.0, T.F64)))


def _mvn_entropy(lowerer, node, a):
    """(d (1 + log 2 pi) + log det cov) / 2; d from the mean, else from cov."""
    cov = a.get("cov", Const(1.0, T.F64))
    mean = a.get("mean")
    cov_nd = T.ndim(cov.type)
    if mean is not None and T.ndim(mean.type) == 1:
        d = "mean.shape[0] * 1.0"
    elif cov_nd > 0:
        d = "cov.shape[0] * 1.0"
    else:
        d = "1.0"
    logdet = {0: f"({d}) * np.log(cov)", 1: "np.sum(np.log(cov))",
              2: "np.linalg.slogdet(cov)[1]"}.get(cov_nd)
    if logdet is None:
        raise lowerer.err(node, "scipy.stats.multivariate_normal: cov must be a number, a vector or "
                     "a matrix")
    return lowerer.lower_text(_text(f"0.5 * (({d}) * (1.0 + 2.0 * {{HALF_LOG_2PI}}) + {logdet})"), node,
                         cov=cov, mean=mean if mean is not None else Const(0.0, T.F64))


def _dirichlet_logpdf(lowerer, node, a):
    """log Gamma(sum alpha) - sum log Gamma(alpha) + sum (alpha - 1) log x, for x one point
    (K,) or K rows of points (K, n) (components along the first axis, as SciPy)."""
    x, alpha = a["x"], a.get("alpha")
    if alpha is None:
        raise lowerer.err(node, "scipy.stats.dirichlet needs the argument 'alpha'")
    if not (T.is_array(alpha.type) and alpha.type.ndim == 1 and T.is_array(x.type)
            and x.type.ndim in (1, 2)):
        raise lowerer.err(node, "scipy.stats.dirichlet: alpha must be a vector (K,) and x a point (K,) "
                     "or points (K, n) here")
    col = "alpha" if x.type.ndim == 1 else "np.reshape(alpha, (-1, 1))"
    return lowerer.lower_text(f"""
        gammaln(np.sum(alpha)) - np.sum(gammaln(alpha)) + np.sum(xlogy({col} - 1.0, x), axis=0)
    """, node, x=x, alpha=alpha, gammaln=Ref(scipy.special.gammaln), xlogy=Ref(scipy.special.xlogy))


# ---------------------------------------------------------------- names and frozen forms

class Frozen:
    """``norm(loc, scale)`` while lowering: the family and its bound parameters (atoms)."""

    def __init__(self, name: str, args: dict):
        self.name, self.args = name, args


class FrozenMethod:
    """``norm(loc, scale).logpdf`` before it is called."""

    def __init__(self, frozen: Frozen, method: str):
        self.frozen, self.method = frozen, method


def _no_method(lowerer, node, name, method):
    listed = ", ".join(f"{name}.{m}" for m in _methods(name))
    if method in _INVERSES:
        return lowerer.err(node, f"flatgrad does not support scipy.stats.{name}.{method}: it needs "
                      "an inverse distribution function with no closed form (the inverse of "
                      "an incomplete gamma or beta function), which flatgrad does not have",
                      f"Supported here: {listed}.")
    return lowerer.err(node, f"flatgrad does not support scipy.stats.{name}.{method}",
                  f"Supported here: {listed}.")


def _read_method(lowerer, obj, node):
    """``norm.logpdf`` (and ``norm.cdf`` ...): a Ref to SciPy's bound method, which the
    lowering table knows, or a CompileError naming the methods flatgrad has."""
    name = _NAME_OF.get(id(obj))
    if name is None:
        raise lowerer.err(node, f"flatgrad does not support the scipy.stats object "
                     f"'{type(obj).__name__}'",
                     f"Supported families: {', '.join(_DISTS)}.")
    if node.attr not in _methods(name):
        raise _no_method(lowerer, node, name, node.attr)
    return Ref(getattr(obj, node.attr))


def _freeze(name):
    def lower(lowerer, node, args):
        return Ref(Frozen(name, _floats(lowerer, node, args)))
    return lower


def _read_frozen(lowerer, frozen, node):
    if node.attr not in _methods(frozen.name):
        raise _no_method(lowerer, node, frozen.name, node.attr)
    return Ref(FrozenMethod(frozen, node.attr))


def _call_frozen(lowerer, fm, node):
    name = fm.frozen.name
    point = () if fm.method == "entropy" else _params_of(name, fm.method)[:1]
    args = bind_written(lowerer, node, f"scipy.stats.{name}(...).{fm.method}", _signature(name, point))
    return _density(lowerer, node, name, fm.method, {**fm.frozen.args, **_floats(lowerer, node, args)})


def register(name: str) -> None:
    """Lower ``scipy.stats.<name>``'s methods, its frozen form and reads of its attributes
    (the family's entry in ``_FAMILIES`` or ``_MULTIVARIATE`` first)."""
    dist = _DISTS[name] = getattr(st, name)
    _NAME_OF[id(dist)] = name
    for method in _methods(name):
        lowers(getattr(dist, method), signature=_signature(name, _params_of(name, method)))(
            _method_lowering(name, method))
    lowers(dist, signature=_signature(name, _params_of(name)[1:]))(_freeze(name))
    ATTRIBUTES[type(dist)] = _read_method


_MULTIVARIATE["multivariate_normal"] = (
    ("x", "mean", "cov", "allow_singular"), ("logpdf", "pdf", "entropy"),
    lambda lowerer, node, a, method: (_mvn_entropy if method == "entropy" else _mvn_logpdf)(
        lowerer, node, a))
_MULTIVARIATE["dirichlet"] = (("x", "alpha"), ("logpdf", "pdf"),
                              lambda lowerer, node, a, method: _dirichlet_logpdf(lowerer, node, a))
for _name in (*_FAMILIES, *_MULTIVARIATE):
    register(_name)
ATTRIBUTES[Frozen] = _read_frozen


def _read_unsupported(lowerer, obj, node):
    """An attribute of a scipy.stats distribution flatgrad does not lower."""
    name = getattr(obj, "name", None) or type(obj).__name__.removesuffix("_gen")
    raise lowerer.err(node, f"flatgrad does not support scipy.stats.{name}.{node.attr}",
                      f"Supported families: {', '.join(_DISTS)}.")


# (the base classes: a family registered above has its own class's reader)
ATTRIBUTES[_distn_infrastructure.rv_generic] = _read_unsupported
ATTRIBUTES[_multivariate.multi_rv_generic] = _read_unsupported


def _read_made_outside(lowerer, obj, node):
    """A frozen distribution made outside the function (``prior = norm(0, 2)`` at module
    level) is rejected: its parameters would be baked into the compiled code, which the
    caches key by the object's type only."""
    name = getattr(getattr(obj, "dist", None), "name", type(obj).__name__)
    raise lowerer.err(node, f"flatgrad does not read a frozen scipy.stats.{name} made outside the "
                 "function", f"Freeze it inside the function ({name}(...).{node.attr}(x)), or "
                 f"call {name}.{node.attr} with its parameters.")


# (SciPy's classes of frozen distributions live in private modules)
ATTRIBUTES[_distn_infrastructure.rv_frozen] = _read_made_outside
ATTRIBUTES[_multivariate.multi_rv_frozen] = _read_made_outside
CALLABLE_TYPES[FrozenMethod] = _call_frozen
