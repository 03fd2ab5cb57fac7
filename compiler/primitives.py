"""The single table of primitives: spelling, typing and derivative rules.

Each primitive says how it is spelled in emitted code (for scalars and for arrays),
what type it returns, and — further down, one line each, grouped under banners —
its VJP rule (``grad_arg`` from ``grad_out``) and its JVP rule (``tan_out``
contribution from ``tan_arg``). Rules build IR through a :class:`~.builder.Builder`
(``b.mul(g, b.cos(x))``), never strings, so that the same rule can also be evaluated
on SymPy symbols to prove it equal to ``sympy.diff`` (see tests/rules).

Conventions at non-differentiable points follow JAX: ``relu'(0) = 0``,
``abs'(0) = 0``, and ``max``/``min`` split ties evenly between the arguments.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from . import types as T
from .ir import Const

Rule = Callable[..., Any]

# Python operator precedence, low to high; used to parenthesise inlined expressions.
P_OR, P_AND, P_NOT, P_CMP, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM = 2, 3, 4, 5, 10, 11, 12, 13, 14


@dataclass(frozen=True)
class Spelling:
    """How to print an op: a format over its argument strings, the precedence of the
    result, and the precedence each argument must have to go in without parentheses."""

    scalar: str
    array: str
    prec: int
    arg_prec: tuple[int, ...]
    choose: int | None = None   # the argument whose type picks the spelling (default: any array)
    jit: object = None          # the spelling for Numba targets, where it differs from NumPy's


def infix(sym: str, prec: int) -> Spelling:
    right = prec + 1 if sym != "**" else P_UNARY
    left = prec if sym != "**" else P_ATOM
    fmt = "{0} %s {1}" % sym
    return Spelling(fmt, fmt, prec, (left, right))


def prefix(sym: str, prec: int = P_UNARY) -> Spelling:
    return Spelling(sym + "{0}", sym + "{0}", prec, (prec,))


def call(scalar: str, array: str | None = None, arity: int = 1) -> Spelling:
    inner = ", ".join("{%d}" % i for i in range(arity))
    return Spelling(f"{scalar}({inner})", f"{array or scalar}({inner})", P_ATOM, (1,) * arity)


@dataclass
class Primitive:
    name: str
    arity: int
    result: Callable[..., T.Type]
    spell: Spelling
    sympy: Callable | None = None       # the function on SymPy symbols (elementwise prims)
    evaluate: Callable | None = None    # Python evaluation, for constant folding
    pure: bool = True
    vjp: tuple | None = None            # one rule (or None: no gradient) per argument
    jvp: tuple | None = None
    elementwise: bool = True            # broadcasts its arguments (adjoints are summed back)
    fresh: bool = False                 # allocates a new array: never merged by CSE
    inplace: bool = False               # writes into its first argument and returns it


PRIMS: dict[str, Primitive] = {}


def defprim(name, arity, result, spell, sympy=None, evaluate=None, **kw) -> Primitive:
    prim = Primitive(name, arity, result, spell, sympy, evaluate, **kw)
    PRIMS[name] = prim
    return prim


def defvjp(name: str, *rules: Rule | None) -> None:
    """Give the VJP rule of each argument; ``None`` means that argument gets no gradient."""
    prim = PRIMS[name]
    if len(rules) == 1 and prim.arity != 1 and rules[0] is None:
        rules = (None,) * prim.arity
    assert len(rules) == prim.arity, name
    prim.vjp = rules


def defjvp(name: str, *rules: Rule | None) -> None:
    """Give, per argument, the JVP contribution ``d out/d arg * tan_arg``."""
    prim = PRIMS[name]
    if len(rules) == 1 and prim.arity != 1 and rules[0] is None:
        rules = (None,) * prim.arity
    assert len(rules) == prim.arity, name
    prim.jvp = rules


def deflinear(name: str, *rules: Rule | None) -> None:
    """A primitive linear in each argument: the same map serves VJP and JVP."""
    defvjp(name, *[None if r is None else (lambda r: lambda b, g, out, *a: r(b, g))(r)
                   for r in rules])
    defjvp(name, *[None if r is None else (lambda r: lambda b, t, out, *a: r(b, t))(r)
                   for r in rules])


def get(name: str) -> Primitive:
    return PRIMS[name]


def _sp():
    import sympy
    return sympy


# ======================================================================= arithmetic

defprim("add", 2, T.arithmetic, infix("+", P_ADD), lambda a, b: a + b, lambda a, b: a + b)
defprim("sub", 2, T.arithmetic, infix("-", P_ADD), lambda a, b: a - b, lambda a, b: a - b)
defprim("mul", 2, T.arithmetic, infix("*", P_MUL), lambda a, b: a * b, lambda a, b: a * b)
defprim("div", 2, T.floating, infix("/", P_MUL), lambda a, b: a / b, lambda a, b: a / b)
defprim("floordiv", 2, T.arithmetic, infix("//", P_MUL), lambda a, b: _sp().floor(a / b),
        lambda a, b: a // b)
defprim("mod", 2, T.arithmetic, infix("%", P_MUL), lambda a, b: _sp().Mod(a, b),
        lambda a, b: a % b)
defprim("pow", 2, T.arithmetic, infix("**", P_POW), lambda a, b: a ** b,
        lambda a, b: a ** b if not (isinstance(a, (int, float)) and a < 0) else None)
defprim("neg", 1, T.arithmetic, prefix("-"), lambda a: -a, lambda a: -a)
defprim("copy", 1, T.same, Spelling("{0}", "{0}", P_ATOM, (0,)), lambda a: a, lambda a: a)
defprim("float", 1, T.floating, Spelling("float({0})", "{0}.astype(np.float64)", P_ATOM, (1,)),
        lambda a: a, float)
defprim("int", 1, T.integer, Spelling("int({0})", "{0}.astype(np.int64)", P_ATOM, (1,)),
        None, int)
defprim("abs", 1, T.arithmetic, call("abs", "np.abs"), lambda a: abs(a), abs)
defprim("sign", 1, T.arithmetic, call("np.sign"), lambda a: _sp().sign(a),
        lambda a: float((a > 0) - (a < 0)))
defprim("max", 2, T.arithmetic, call("max", "np.maximum", 2), lambda a, b: _sp().Max(a, b), max)
defprim("min", 2, T.arithmetic, call("min", "np.minimum", 2), lambda a, b: _sp().Min(a, b), min)

# ======================================================================= comparison & logic

for _name, _sym in [("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="), ("eq", "=="), ("ne", "!=")]:
    defprim(_name, 2, T.boolean, infix(_sym, P_CMP), None,
            eval(f"lambda a, b: a {_sym} b"))  # noqa: S307 - fixed operator table
defprim("not", 1, T.boolean, Spelling("not {0}", "np.logical_not({0})", P_NOT, (P_NOT,)),
        None, lambda a: not a)
defprim("and", 2, T.boolean, Spelling("{0} and {1}", "np.logical_and({0}, {1})", P_AND,
                                      (P_AND, P_NOT)), None, lambda a, b: a and b)
defprim("or", 2, T.boolean, Spelling("{0} or {1}", "np.logical_or({0}, {1})", P_OR,
                                     (P_OR, P_AND)), None, lambda a, b: a or b)
defprim("select", 3, lambda c, a, b: T.broadcast(a, b, c if T.is_array(c) else a),
        Spelling("{1} if {0} else {2}", "np.where({0}, {1}, {2})", 1, (2, 2, 1)),
        None, lambda c, a, b: a if c else b)

# ======================================================================= elementwise functions

_UNARY = {
    # name: (math spelling, numpy spelling, sympy name)
    "exp": ("math.exp", "np.exp", "exp"), "log": ("math.log", "np.log", "log"),
    "log1p": ("math.log1p", "np.log1p", None), "expm1": ("math.expm1", "np.expm1", None),
    "log2": ("math.log2", "np.log2", None), "log10": ("math.log10", "np.log10", None),
    "sqrt": ("math.sqrt", "np.sqrt", "sqrt"), "sin": ("math.sin", "np.sin", "sin"),
    "cos": ("math.cos", "np.cos", "cos"), "tan": ("math.tan", "np.tan", "tan"),
    "asin": ("math.asin", "np.arcsin", "asin"), "acos": ("math.acos", "np.arccos", "acos"),
    "atan": ("math.atan", "np.arctan", "atan"), "sinh": ("math.sinh", "np.sinh", "sinh"),
    "cosh": ("math.cosh", "np.cosh", "cosh"), "tanh": ("math.tanh", "np.tanh", "tanh"),
    "asinh": ("math.asinh", "np.arcsinh", "asinh"), "acosh": ("math.acosh", "np.arccosh", "acosh"),
    "atanh": ("math.atanh", "np.arctanh", "atanh"), "erf": ("math.erf", "erf", "erf"),
    "erfc": ("math.erfc", "erfc", "erfc"),
    "sigmoid": ("sigmoid", "sigmoid", None), "relu": ("relu", "relu", None),
    "softplus": ("softplus", "softplus", None),
}
_SYMPY_EXTRA = {
    "log1p": lambda x: _sp().log(1 + x), "expm1": lambda x: _sp().exp(x) - 1,
    "log2": lambda x: _sp().log(x) / _sp().log(2), "log10": lambda x: _sp().log(x) / _sp().log(10),
    "sigmoid": lambda x: 1 / (1 + _sp().exp(-x)), "relu": lambda x: _sp().Max(x, 0),
    "softplus": lambda x: _sp().log(1 + _sp().exp(x)),
}
_EVAL = {
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x)),
    "relu": lambda x: max(x, 0.0),
    "softplus": lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
}
for _name, (_m, _n, _s) in _UNARY.items():
    _sym = (lambda s: lambda x: getattr(_sp(), s)(x))(_s) if _s else _SYMPY_EXTRA[_name]
    _ev = _EVAL.get(_name) or getattr(math, _m.split(".")[1])
    defprim(_name, 1, T.floating, call(_m, _n), _sym, _ev)

for _name in ("floor", "ceil", "trunc"):
    # math.floor & co. return ints on scalars (as in Python); np.floor keeps floats on arrays
    defprim(_name, 1, lambda x: T.integer(x) if not T.is_array(x) else T.floating(x),
            call(f"math.{_name}", f"np.{_name}"), None, getattr(math, _name))

defprim("atan2", 2, T.floating, call("math.atan2", "np.arctan2", 2),
        lambda y, x: _sp().atan2(y, x), math.atan2)
defprim("hypot", 2, T.floating, call("math.hypot", "np.hypot", 2),
        lambda x, y: _sp().sqrt(x * x + y * y), math.hypot)

# ======================================================================= VJP and JVP rules
# b: builder, g: adjoint of the output, t: tangent of the argument, out: the output.

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

deflinear("add", lambda b, g: g, lambda b, g: g)
deflinear("sub", lambda b, g: g, lambda b, g: b.neg(g))
deflinear("neg", lambda b, g: b.neg(g))
deflinear("copy", lambda b, g: g)
deflinear("float", lambda b, g: g)
defvjp("mul", lambda b, g, out, x, y: b.mul(g, y),
              lambda b, g, out, x, y: b.mul(g, x))
defjvp("mul", lambda b, t, out, x, y: b.mul(t, y),
              lambda b, t, out, x, y: b.mul(x, t))
defvjp("div", lambda b, g, out, x, y: b.div(g, y),
              lambda b, g, out, x, y: b.div(b.mul(b.neg(g), out), y))
defjvp("div", lambda b, t, out, x, y: b.div(t, y),
              lambda b, t, out, x, y: b.div(b.mul(b.neg(t), out), y))
def _log_base(b, x):
    """log(x) for d(x**y)/dy, with 0 read as 1: where x == 0 the power is 0 (for y > 0)
    whatever y is, so its derivative in y is 0, as in autograd and JAX (not 0 * -inf)."""
    if isinstance(x, Const):
        return b.log(x) if x.value != 0 else Const(0.0, T.F64)
    return b.log(b.select(b.eq(x, 0.0), 1.0, x))


defvjp("pow", lambda b, g, out, x, y: b.mul(b.mul(g, y), b.pow(x, b.sub(y, 1))),
              lambda b, g, out, x, y: b.mul(b.mul(g, _log_base(b, x)), out))
defjvp("pow", lambda b, t, out, x, y: b.mul(b.mul(t, y), b.pow(x, b.sub(y, 1))),
              lambda b, t, out, x, y: b.mul(b.mul(t, _log_base(b, x)), out))
defvjp("mod", lambda b, g, out, x, y: g,
              lambda b, g, out, x, y: b.mul(b.neg(g), b.floordiv(x, y)))
defjvp("mod", lambda b, t, out, x, y: t,
              lambda b, t, out, x, y: b.mul(b.neg(t), b.floordiv(x, y)))
for _name in ("floordiv", "int", "sign", "floor", "ceil", "trunc",
              "lt", "le", "gt", "ge", "eq", "ne", "not", "and", "or"):
    defvjp(_name, None)
    defjvp(_name, None)
defvjp("select", None, lambda b, g, out, c, x, y: b.select(c, g, b.zeros_like(g)),
                       lambda b, g, out, c, x, y: b.select(c, b.zeros_like(g), g))
defjvp("select", None, lambda b, t, out, c, x, y: b.select(c, t, b.zeros_like(t)),
                       lambda b, t, out, c, x, y: b.select(c, b.zeros_like(t), t))


def _max_weight(b, x, y):
    """d max(x, y)/dx: 1 where x wins, 1/2 on a tie, 0 where y wins."""
    return b.add(b.gt(x, y), b.mul(0.5, b.eq(x, y)))


defvjp("max", lambda b, g, out, x, y: b.mul(g, _max_weight(b, x, y)),
              lambda b, g, out, x, y: b.mul(g, _max_weight(b, y, x)))
defjvp("max", lambda b, t, out, x, y: b.mul(t, _max_weight(b, x, y)),
              lambda b, t, out, x, y: b.mul(t, _max_weight(b, y, x)))
defvjp("min", lambda b, g, out, x, y: b.mul(g, _max_weight(b, y, x)),
              lambda b, g, out, x, y: b.mul(g, _max_weight(b, x, y)))
defjvp("min", lambda b, t, out, x, y: b.mul(t, _max_weight(b, y, x)),
              lambda b, t, out, x, y: b.mul(t, _max_weight(b, x, y)))

# Elementwise unary functions: d out / d x as a function of (b, out, x). The VJP is
# g * d and the JVP is t * d, so each rule is written once.
_DERIV: dict[str, Callable] = {
    "exp":      lambda b, out, x: out,
    "log":      lambda b, out, x: b.div(1.0, x),
    "log1p":    lambda b, out, x: b.div(1.0, b.add(1.0, x)),
    "expm1":    lambda b, out, x: b.add(out, 1.0),
    "log2":     lambda b, out, x: b.div(1.0, b.mul(x, math.log(2.0))),
    "log10":    lambda b, out, x: b.div(1.0, b.mul(x, math.log(10.0))),
    "sqrt":     lambda b, out, x: b.div(0.5, out),
    "sin":      lambda b, out, x: b.cos(x),
    "cos":      lambda b, out, x: b.neg(b.sin(x)),
    "tan":      lambda b, out, x: b.add(1.0, b.mul(out, out)),
    "asin":     lambda b, out, x: b.div(1.0, b.sqrt(b.sub(1.0, b.mul(x, x)))),
    "acos":     lambda b, out, x: b.div(-1.0, b.sqrt(b.sub(1.0, b.mul(x, x)))),
    "atan":     lambda b, out, x: b.div(1.0, b.add(1.0, b.mul(x, x))),
    "sinh":     lambda b, out, x: b.cosh(x),
    "cosh":     lambda b, out, x: b.sinh(x),
    "tanh":     lambda b, out, x: b.sub(1.0, b.mul(out, out)),
    "asinh":    lambda b, out, x: b.div(1.0, b.sqrt(b.add(b.mul(x, x), 1.0))),
    "acosh":    lambda b, out, x: b.div(1.0, b.sqrt(b.sub(b.mul(x, x), 1.0))),
    "atanh":    lambda b, out, x: b.div(1.0, b.sub(1.0, b.mul(x, x))),
    "erf":      lambda b, out, x: b.mul(TWO_OVER_SQRT_PI, b.exp(b.neg(b.mul(x, x)))),
    "erfc":     lambda b, out, x: b.mul(-TWO_OVER_SQRT_PI, b.exp(b.neg(b.mul(x, x)))),
    "softplus": lambda b, out, x: b.sigmoid(x),
    "relu":     lambda b, out, x: b.gt(x, 0.0),
    "abs":      lambda b, out, x: b.sign(x),
}
for _name, _d in _DERIV.items():
    defvjp(_name, (lambda d: lambda b, g, out, x: b.mul(g, d(b, out, x)))(_d))
    defjvp(_name, (lambda d: lambda b, t, out, x: b.mul(t, d(b, out, x)))(_d))

# sigmoid is written as the lectures write it: grad_x = grad_out * (1 - out) * out
defvjp("sigmoid", lambda b, g, out, x: b.mul(b.mul(g, b.sub(1.0, out)), out))
defjvp("sigmoid", lambda b, t, out, x: b.mul(b.mul(t, b.sub(1.0, out)), out))
defvjp("atan2", lambda b, g, out, y, x: b.div(b.mul(g, x), b.add(b.mul(x, x), b.mul(y, y))),
                lambda b, g, out, y, x: b.div(b.mul(b.neg(g), y), b.add(b.mul(x, x), b.mul(y, y))))
defjvp("atan2", lambda b, t, out, y, x: b.div(b.mul(t, x), b.add(b.mul(x, x), b.mul(y, y))),
                lambda b, t, out, y, x: b.div(b.mul(b.neg(t), y), b.add(b.mul(x, x), b.mul(y, y))))
defvjp("hypot", lambda b, g, out, x, y: b.div(b.mul(g, x), out),
                lambda b, g, out, x, y: b.div(b.mul(g, y), out))
defjvp("hypot", lambda b, t, out, x, y: b.div(b.mul(t, x), out),
                lambda b, t, out, x, y: b.div(b.mul(t, y), out))


# ======================================================================= runtime support
# Values the transforms create for themselves: tapes, trip counts, zeros.

_any = lambda *ts, **p: p["type"]  # noqa: E731
def _trip_count(a, p):
    if a[0] == "0" and a[2] == "1":
        return f"max({a[1]}, 0)"
    return f"len(range({a[0]}, {a[1]}, {a[2]}))"


defprim("trip_count", 3, T.integer, Spelling(_trip_count, _trip_count, P_ATOM, (1, 1, 1)), None,
        lambda a, b, c: len(range(a, b, c)), elementwise=False)
defprim("tape_alloc", 2, lambda n, like: T.Array(like.dtype, T.ndim(like) + 1),
        Spelling("np.empty({0}, dtype=np.{dtype})",
                 "np.empty(({0},) + {1}.shape, dtype=np.{dtype})", P_ATOM, (1, 1), choose=1),
        elementwise=False, fresh=True)
defprim("tape_put", 3, lambda t, k, v: t, Spelling("{0}[{1}] = {2}", "{0}[{1}] = {2}", 0, (0, 1, 1)),
        elementwise=False, inplace=True, fresh=True)
defprim("tape_push", 3, lambda t, k, v: t, call("tape_push", arity=3), elementwise=False,
        fresh=True)
defprim("tape_get", 2, lambda t, k: T.Array(t.dtype, t.ndim - 1) if t.ndim > 1 else T.Scalar(t.dtype),
        Spelling("{0}[{1}]", "{0}[{1}]", P_ATOM, (P_ATOM, 0)), elementwise=False)
defprim("zeros_like", 1, T.same, call("np.zeros_like"), elementwise=False, fresh=True)
defprim("ones_like", 1, T.same, call("np.ones_like"), elementwise=False, fresh=True)
defprim("undef", 0, _any, Spelling("None", "np.empty((0,) * {ndim}, dtype=np.{dtype})", P_ATOM, ()),
        elementwise=False, fresh=True)
defprim("astype", 1, lambda x, dtype: T.with_dtype(x, dtype),
        Spelling("np.{dtype}({0})", "{0}.astype(np.{dtype})", P_ATOM, (1,)), elementwise=False)
defprim("sum_to", 2, lambda c, v: T.with_dtype(v, c.dtype), call("sum_to", arity=2), elementwise=False)
for _name in ("trip_count", "tape_alloc", "tape_put", "tape_push", "tape_get", "zeros_like",
              "ones_like", "undef", "sum_to"):
    defvjp(_name, None)
    defjvp(_name, None)
defvjp("astype", lambda b, g, out, x, dtype: g if g.type.dtype == x.type.dtype
       else b.astype(g, dtype=x.type.dtype))      # the adjoint goes back to x's dtype
defjvp("astype", lambda b, t, out, x, dtype: b.astype(t, dtype=dtype))


# ======================================================================= arrays
# Shapes are dynamic; types carry dtype and ndim. Spellings that NumPy has but Numba
# lacks (axis + keepdims reductions, scatter-add) have a third, ``jit`` spelling that
# calls a helper from flatgrad.runtime.support, which flatgrad teaches to Numba.

def _jit(prim: str, fmt) -> None:
    PRIMS[prim].spell = replace(PRIMS[prim].spell, jit=fmt)


def _reduce_type(x, axis=None, keepdims=False):
    if axis is None:
        return T.Array(x.dtype, x.ndim) if keepdims else T.Scalar(x.dtype)
    n = x.ndim if keepdims else x.ndim - (len(axis) if isinstance(axis, tuple) else 1)
    return T.Array(x.dtype, n) if n else T.Scalar(x.dtype)


def _sum_type(x, axis=None, keepdims=False):
    t = _reduce_type(x, axis, keepdims)
    return T.with_dtype(t, "int64") if t.dtype == "bool" else t


def _reduce_spell(np_name: str):
    def spell(a, p):
        ax, kd = p.get("axis"), p.get("keepdims", False)
        extra = (f", axis={ax!r}" if ax is not None else "") + (", keepdims=True" if kd else "")
        return f"np.{np_name}({a[0]}{extra})"
    return spell


def _reduce_jit(np_name: str):
    def spell(a, p):
        ax, kd = p.get("axis"), p.get("keepdims", False)
        if ax is None and not kd:
            return f"np.{np_name}({a[0]})"
        return f"reduce_{np_name}({a[0]}, {ax!r}, {kd!r})"
    return spell


for _name, _np in (("sum", "sum"), ("amax", "max"), ("amin", "min"), ("prod", "prod")):
    defprim(_name, 1, _sum_type if _name in ("sum", "prod") else _reduce_type,
            Spelling(_reduce_spell(_np), _reduce_spell(_np), P_ATOM, (1,)), elementwise=False)
    _jit(_name, _reduce_jit(_np))


def _matmul_type(a, b):
    nd = {(2, 2): 2, (2, 1): 1, (1, 2): 1, (1, 1): 0}.get((a.ndim, b.ndim))
    if nd is None:
        return T.Array(T.promote_dtype(a.dtype, b.dtype), max(a.ndim, b.ndim))
    dt = T.promote_dtype(a.dtype, b.dtype)
    return T.Array(dt, nd) if nd else T.Scalar(dt)


def _index_text(a: list, p: dict) -> str:
    """``x[i, 1:n, ::-1, idx]`` from an index spec and the argument texts after ``x``."""
    parts, it = [], iter(a)
    for entry in p["spec"]:
        if entry[0] in ("i", "a"):
            parts.append(next(it))
        else:
            lo, hi, st = (next(it) if present else "" for present in entry[1:])
            parts.append(f"{lo}:{hi}" + (f":{st}" if st else ""))
    return ", ".join(parts)


def _getitem_type(x, *idx, spec):
    nd = x.ndim - sum(1 for e in spec if e[0] in ("i", "a")) + (1 if any(e[0] == "a" for e in spec) else 0)
    return T.Array(x.dtype, nd) if nd else T.Scalar(x.dtype)


def _advanced(p) -> bool:
    return any(e[0] == "a" for e in p["spec"])


def _index_add(a, p):
    if _advanced(p):
        return f"np.add.at({a[0]}, ({_index_text(a[2:], p)},), {a[1]})"
    return f"{a[0]}[{_index_text(a[2:], p)}] += {a[1]}"


def _index_add_jit(a, p):
    if _advanced(p):
        return f"scatter_add({a[0]}, {a[1]}, {', '.join(a[2:])})"
    return f"{a[0]}[{_index_text(a[2:], p)}] += {a[1]}"


def _dims(a, p) -> str:
    return a[0] if len(a) == 1 else "(" + ", ".join(a) + ")"


def _ctor(np_name):
    return lambda a, p: f"np.{np_name}({_dims(a, p)}" + (
        f", dtype=np.{p['dtype']})" if p.get("dtype", "float64") != "float64" else ")")


def _ctor_type(*dims, dtype="float64"):
    return T.Array(dtype, len(dims))


defprim("matmul", 2, _matmul_type, infix("@", P_MUL), elementwise=False)
defprim("outer", 2, lambda a, b: T.Array(T.promote_dtype(a.dtype, b.dtype), 2),
        call("np.outer", arity=2), elementwise=False)
defprim("transpose", 1, lambda x, axes=None: x,
        Spelling(lambda a, p: f"{a[0]}.T" if p.get("axes") is None else
                 f"np.transpose({a[0]}, {p['axes']!r})",
                 lambda a, p: f"{a[0]}.T" if p.get("axes") is None else
                 f"np.transpose({a[0]}, {p['axes']!r})", P_ATOM, (P_ATOM,)), elementwise=False)
defprim("reshape", -1, lambda x, *dims: T.Array(x.dtype, len(dims)),
        Spelling(lambda a, p: f"{a[0]}.reshape({_dims(a[1:], p)})",
                 lambda a, p: f"{a[0]}.reshape({_dims(a[1:], p)})", P_ATOM, (P_ATOM, 1)),
        elementwise=False)
defprim("reshape_like", 2, lambda x, like: T.Array(x.dtype, like.ndim) if T.is_array(like)
        else T.Scalar(x.dtype), Spelling("{0}.reshape({1}.shape)", "{0}.reshape({1}.shape)",
                                         P_ATOM, (P_ATOM, P_ATOM)), elementwise=False)
defprim("expand_dims", 1, lambda x, axis: T.Array(x.dtype, T.ndim(x) + 1),
        Spelling("np.expand_dims({0}, {axis})", "np.expand_dims({0}, {axis})", P_ATOM, (1,)),
        elementwise=False)
def _unreduce_spell(a, p):
    if p.get("keepdims") or p.get("axis") is None:
        return f"np.broadcast_to({a[0]}, {a[1]}.shape)"
    return f"np.broadcast_to(np.expand_dims({a[0]}, {p['axis']}), {a[1]}.shape)"


defprim("unreduce", 2, lambda g, x, axis=None, keepdims=False: T.Array(g.dtype, x.ndim),
        Spelling("np.full({1}.shape, {0})", _unreduce_spell, P_ATOM, (1, P_ATOM), choose=0),
        elementwise=False)
defprim("dim", 1, lambda x, axis: T.I64, Spelling("{0}.shape[{axis}]", "{0}.shape[{axis}]",
                                                  P_ATOM, (P_ATOM,)), elementwise=False)
defprim("distinct", 2, lambda i, n: i, call("distinct_index", arity=2), elementwise=False)
defprim("distinct2", 4, lambda a, n, b, m: a, call("distinct_pairs", arity=4), elementwise=False)
defprim("size", 1, lambda x: T.I64, Spelling("{0}.size", "{0}.size", P_ATOM, (P_ATOM,)),
        elementwise=False)
for _name in ("zeros", "ones", "empty"):
    defprim(_name, -1, _ctor_type, Spelling(_ctor(_name), _ctor(_name), P_ATOM, (1,) * 8),
            elementwise=False, fresh=True)
defprim("full", -1, lambda *dims, dtype="float64": T.Array(dtype, len(dims) - 1),
        Spelling(lambda a, p: f"np.full({_dims(a[:-1], p)}, {a[-1]})",
                 lambda a, p: f"np.full({_dims(a[:-1], p)}, {a[-1]})", P_ATOM, (1,) * 8),
        elementwise=False, fresh=True)
defprim("eye", 1, lambda n: T.Array("float64", 2), call("np.eye"), elementwise=False, fresh=True)
defprim("arange", -1, lambda *a: T.Array(T.promote_dtype("int64", *(x.dtype for x in a)), 1),
        Spelling(lambda a, p: f"np.arange({', '.join(a)})", lambda a, p: f"np.arange({', '.join(a)})",
                 P_ATOM, (1, 1, 1)), elementwise=False)
defprim("copy_array", 1, T.same, Spelling("{0}.copy()", "{0}.copy()", P_ATOM, (P_ATOM,)),
        elementwise=False, fresh=True)
defprim("getitem", -1, _getitem_type,
        Spelling(lambda a, p: f"{a[0]}[{_index_text(a[1:], p)}]",
                 lambda a, p: f"{a[0]}[{_index_text(a[1:], p)}]", P_ATOM, (P_ATOM,) + (1,) * 16),
        elementwise=False)
defprim("setitem", -1, lambda x, v, *idx, spec: x,
        Spelling(lambda a, p: f"{a[0]}[{_index_text(a[2:], p)}] = {a[1]}",
                 lambda a, p: f"{a[0]}[{_index_text(a[2:], p)}] = {a[1]}", 0, (P_ATOM,) + (1,) * 16),
        elementwise=False, inplace=True, fresh=True)
defprim("index_add", -1, lambda acc, g, *idx, spec: acc,
        Spelling(_index_add, _index_add, 0, (P_ATOM,) + (1,) * 16), elementwise=False,
        inplace=True, fresh=True)
_jit("index_add", _index_add_jit)


# ---- array rules

def _matmul_vjp_a(b, g, out, x, y):
    if x.type.ndim == 1 and y.type.ndim == 1:
        return b.mul(g, y)
    if x.type.ndim == 2 and y.type.ndim == 1:
        return b.outer(g, y)
    if x.type.ndim == 1:               # x @ Y: (n,) @ (n, m)
        return b.matmul(y, g)
    return b.matmul(g, b.transpose(y))


def _matmul_vjp_b(b, g, out, x, y):
    if x.type.ndim == 1 and y.type.ndim == 1:
        return b.mul(g, x)
    if x.type.ndim == 1 and y.type.ndim == 2:
        return b.outer(x, g)
    return b.matmul(b.transpose(x), g)


defvjp("matmul", _matmul_vjp_a, _matmul_vjp_b)
defjvp("matmul", lambda b, t, out, x, y: b.matmul(t, y), lambda b, t, out, x, y: b.matmul(x, t))
defvjp("outer", lambda b, g, out, x, y: b.matmul(g, y), lambda b, g, out, x, y: b.matmul(x, g))
defjvp("outer", lambda b, t, out, x, y: b.outer(t, y), lambda b, t, out, x, y: b.outer(x, t))


def _inverse(axes):
    return None if axes is None else tuple(sorted(range(len(axes)), key=axes.__getitem__))


defvjp("transpose", lambda b, g, out, x, axes=None: b.transpose(g, axes=_inverse(axes)))
defjvp("transpose", lambda b, t, out, x, axes=None: b.transpose(t, axes=axes))
PRIMS["reshape"].vjp = (lambda b, g, out, x, *dims: b.reshape_like(g, x),) + (None,) * 8
PRIMS["reshape"].jvp = (lambda b, t, out, x, *dims: b.reshape(t, *dims),) + (None,) * 8
defvjp("reshape_like", lambda b, g, out, x, like: b.reshape_like(g, x), None)
defjvp("reshape_like", lambda b, t, out, x, like: b.reshape_like(t, like), None)
defvjp("expand_dims", lambda b, g, out, x, axis: b.reshape_like(g, x))
defjvp("expand_dims", lambda b, t, out, x, axis: b.expand_dims(t, axis=axis))


def _unreduce(b, g, x, axis, keepdims):
    return b.unreduce(g, x, axis=axis, keepdims=keepdims)


defvjp("sum", lambda b, g, out, x, axis=None, keepdims=False:
       g if axis is None and not keepdims else _unreduce(b, g, x, axis, keepdims))
defjvp("sum", lambda b, t, out, x, axis=None, keepdims=False: b.sum(t, axis=axis, keepdims=keepdims))


def _chooser(b, g, out, x, axis=None, keepdims=False):
    """max/min along axes: the adjoint goes to the maximal entries, split evenly on ties."""
    mask = b.eq(x, _unreduce(b, out, x, axis, keepdims))
    count = b.sum(mask, axis=axis, keepdims=keepdims)
    return b.div(b.mul(_unreduce(b, g, x, axis, keepdims), mask), _unreduce(b, count, x, axis, keepdims))


def _chooser_jvp(b, t, out, x, axis=None, keepdims=False):
    mask = b.eq(x, _unreduce(b, out, x, axis, keepdims))
    return b.div(b.sum(b.mul(t, mask), axis=axis, keepdims=keepdims),
                 b.sum(mask, axis=axis, keepdims=keepdims))


defvjp("amax", _chooser)
defvjp("amin", _chooser)
defjvp("amax", _chooser_jvp)
defjvp("amin", _chooser_jvp)
def _prod_others(b, x, axis, keepdims):
    """The product of the other elements along ``axis``, for each element of ``x``: out / x
    where no element is zero; with one zero, the product of the rest at the zero and 0
    elsewhere; with two or more, 0 (out / x would give nan at a zero)."""
    zero = b.eq(x, 0.0)
    nzeros = _unreduce(b, b.sum(zero, axis=axis, keepdims=keepdims), x, axis, keepdims)
    rest = _unreduce(b, b.prod(b.select(zero, 1.0, x), axis=axis, keepdims=keepdims), x, axis,
                     keepdims)
    return b.select(zero, b.mul(rest, b.eq(nzeros, 1)),
                    b.select(b.eq(nzeros, 0), b.div(rest, b.select(zero, 1.0, x)), 0.0))


defvjp("prod", lambda b, g, out, x, axis=None, keepdims=False:
       b.mul(_unreduce(b, g, x, axis, keepdims), _prod_others(b, x, axis, keepdims)))
defjvp("prod", lambda b, t, out, x, axis=None, keepdims=False:
       b.sum(b.mul(t, _prod_others(b, x, axis, keepdims)), axis=axis, keepdims=keepdims))
PRIMS["getitem"].vjp = (lambda b, g, out, x, *idx, spec: ("index", g),) + (None,) * 16
PRIMS["getitem"].jvp = (lambda b, t, out, x, *idx, spec: b.getitem(t, *idx, spec=spec),) + (None,) * 16
PRIMS["setitem"].vjp = (
    lambda b, g, out, x, v, *idx, spec: b.setitem(b.copy_array(g), 0.0, *idx, spec=spec),
    lambda b, g, out, x, v, *idx, spec: b.getitem(g, *idx, spec=spec)) + (None,) * 16
PRIMS["setitem"].jvp = (
    lambda b, t, out, x, v, *idx, spec: b.setitem(b.copy_array(t), 0.0, *idx, spec=spec),
    lambda b, t, out, x, v, *idx, spec: b.setitem(b.zeros_like(out), t, *idx, spec=spec)) + (None,) * 16
for _name in ("dim", "size", "zeros", "ones", "empty", "full", "eye", "arange", "unreduce",
              "index_add", "distinct", "distinct2"):
    PRIMS[_name].vjp = (None,) * 32
    PRIMS[_name].jvp = (None,) * 32
deflinear("copy_array", lambda b, g: g)


# ======================================================================= forward mode (issue 5)
# JVP rules for the runtime prims reverse mode emits, so that forward mode runs on a
# gradient's IR (a Hessian is forward over reverse). A *joint* rule sees the tangents
# of all arguments at once (None: zero) and returns the tangent of the output; it is
# for ops linear in several arguments together, like writing a value into a tape.

JVP_JOINT: dict[str, Rule] = {}


def defjvp_joint(name: str, rule: Rule) -> None:
    """Give ``name`` one JVP rule ``rule(b, tans, out, *args) -> tangent or None``."""
    JVP_JOINT[name] = rule


def _tan_or_zeros(b, t, like):
    return t if t is not None else b.zeros_like(like)


def _tape_write(prim):
    """tape_put / tape_push are linear in (tape, value): write the value's tangent into
    the tangent tape (a zero tape where the tape had none yet)."""
    def rule(b, tans, out, tape, k, v):
        tt, _, tv = tans
        if tt is None and tv is None:
            return None
        return b.op(prim, _tan_or_zeros(b, tt, tape), k, _tan_or_zeros(b, tv, v))
    return rule


defjvp_joint("tape_put", _tape_write("tape_put"))
defjvp_joint("tape_push", _tape_write("tape_push"))
# a fresh (uninitialised) tape for the tangents of what will be recorded
defjvp_joint("tape_alloc", lambda b, tans, out, n, like:
             None if tans[1] is None else b.op("tape_alloc", n, tans[1]))
defjvp("tape_get", lambda b, t, out, tape, k: b.tape_get(t, k), None)
defjvp("sum_to", lambda b, t, out, c, like: b.sum_to(t, like), None)
# trip_count, zeros_like, ones_like and undef stay constant: their JVP rules are None.


# ======================================================================= np.array([a, b, ...])

defprim("pack", -1, lambda *xs: T.Array(T.promote_dtype("float64" if any(T.is_float(x) for x in xs)
                                                         else "int64", *(x.dtype for x in xs)), 1),
        Spelling(lambda a, p: f"np.array([{', '.join(a)}])",
                 lambda a, p: f"np.array([{', '.join(a)}])", P_ATOM, (1,)), elementwise=False)
PRIMS["pack"].vjp = tuple((lambda i: lambda b, g, out, *xs: b.getitem(g, Const(i, T.I64),
                                                                       spec=(("i",),)))(i)
                          for i in range(64))
PRIMS["pack"].jvp = None   # set below (a joint rule: the tangent is the pack of the tangents)


# The primitives flatgrad itself defines (users may register more at run time).
BUILTIN = frozenset(PRIMS)


# ======================================================================= linear array ops
# unreduce (broadcasting an adjoint back) and index_add (scatter-add) are linear in the
# values they move: forward mode over a gradient (a Hessian-vector product) needs them.

def _unreduce_vjp(b, g, out, gx, x, axis=None, keepdims=False):
    """The adjoint of broadcasting is summing over the broadcast axes."""
    if not T.is_array(gx.type):
        return b.sum(g)
    if axis is None:
        return b.sum(g, axis=None, keepdims=True) if keepdims or T.is_array(gx.type) else b.sum(g)
    return b.sum(g, axis=axis, keepdims=keepdims)


PRIMS["unreduce"].vjp = (_unreduce_vjp, None)
PRIMS["unreduce"].jvp = (lambda b, t, out, gx, x, axis=None, keepdims=False:
                         b.unreduce(t, x, axis=axis, keepdims=keepdims), None)


def _index_add_jvp(b, tans, out, acc, g, *idx, spec):
    """index_add is linear in (acc, g): scatter g's tangent into acc's tangent (a copy, as
    the tangent of acc may be another value's too)."""
    ta, tg = tans[0], tans[1]
    if ta is None and tg is None:
        return None
    if tg is None:
        return ta
    base = b.copy_array(ta) if ta is not None else b.zeros_like(acc)
    return b.index_add(base, tg, *idx, spec=spec)


defjvp_joint("index_add", _index_add_jvp)


def _pack_jvp(b, tans, out, *xs):
    if all(t is None for t in tans):
        return None
    return b.pack(*[t if t is not None else Const(0.0, T.F64) for t in tans])


defjvp_joint("pack", _pack_jvp)
