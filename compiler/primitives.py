"""The single table of primitives: one stanza each.

A stanza says everything the compiler knows about a primitive: how it is spelled
in emitted code (for scalars, for arrays, and under Numba where that differs), its
result type, its symbolic shape, its derivative rules, and the facts the passes ask
about it (is it a view? does its adjoint read its inputs' values? may it raise?).
Nothing about a primitive is kept anywhere else.

Derivative rules build IR through a :class:`~.builder.Builder` (``b.mul(g, b.cos(x))``),
never strings, so the same rule can be evaluated on SymPy symbols to prove it equal
to ``sympy.diff`` (tests/rules). A rule is given once, as ``deriv``: per argument,
``rule(b, s, out, *args)`` returns the seed ``s`` times d out / d arg, and serves both
as the VJP (``s`` = the output's adjoint) and the JVP (``s`` = the argument's tangent).
Primitives whose two rules differ (reductions, matmul, indexing) give ``vjp`` and
``jvp`` separately; ``jvp_joint`` sees the tangents of all arguments at once, for ops
linear in several arguments together.

Conventions at non-differentiable points follow JAX: ``relu'(0) = 0``,
``abs'(0) = 0``, and ``max``/``min`` split ties evenly between the arguments.

To add an elementwise function, write its stanza (see docs/adding-a-primitive.md):
the SymPy proof of its rule then runs in tests/rules with no test to write.
"""
from __future__ import annotations

import builtins
import math
import operator
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from . import dims as D
from . import trips
from . import types as T
from .ir import Const
from .spelling import (  # noqa: F401 - the stanzas import these from here
    P_ADD, P_AND, P_ATOM, P_CMP, P_MUL, P_NOT, P_OR, P_POW, P_UNARY, Spelling, call, helper,
    infix, prefix, variadic)

Rule = Callable[..., Any]


@dataclass
class Primitive:
    name: str
    arity: int                          # -1: variadic
    result: Callable[..., T.Type]
    spell: Spelling
    sympy: Callable | None = None       # the function on SymPy symbols (elementwise prims)
    evaluate: Callable | None = None    # Python evaluation, for constant folding
    pure: bool = True
    vjp: tuple | None = None            # one rule (or None: no gradient) per leading argument
    jvp: tuple | None = None
    jvp_joint: Rule | None = None       # one JVP rule seeing all tangents (None for zero)
    elementwise: bool = True            # broadcasts its arguments (adjoints are summed back)
    fresh: bool = False                 # allocates a new array: never merged by CSE
    allocates: bool = False             # its array result is always a new buffer nobody else
                                        # holds (in-place sums may write into it); default:
                                        # elementwise ops that are not views
    inplace: bool = False               # writes into its first argument and returns it
    view: bool = False                  # its result may alias its first argument
    read_only: Any = False              # its result may be a read-only view (np.broadcast_to):
                                        # never written in place (compiler/copies.py); a
                                        # function of the argument types where they decide
    tape_row: bool = False              # reads or writes the one row of its first argument
                                        # (a tape) that its second, an integer, names: rows
                                        # a loop's trips name apart are disjoint (copies.py)
    trip_step: Rule | None = None       # an integer op: its result's change from one trip of
                                        # a loop to the next, from its arguments' (trips.py)
    uninitialized: bool = False         # its array result's contents are undefined (np.empty,
                                        # a tape before its rows are written): no program
                                        # reads them, so a later write into its buffer
                                        # changes nothing read through it (compiler/copies.py)
    reads_values: bool = True           # its adjoint reads the values of its array arguments
    shape_args: tuple = ()              # the arguments it reads the shape of, never the
                                        # values (a write into one before it is no hazard)
    reads_output: bool = True           # its adjoint reads its own result (exp: grad * out)
    spans: bool = False                 # forward mode: each argument's JVP contribution already
                                        # has the result's shape (the tangent times the other
                                        # argument or the result: mul, div, pow)
    costly: bool = False                # on arrays, worth a tape row rather than a recomputation
    safe: bool = False                  # a scalar op that cannot raise (may be hoisted freely)
    shape: Callable | None = None       # symbolic shape rule (see dims.py); None: unknown
    effect: bool = False                # run for its effect alone (print): code that
                                        # recomputes forward values leaves it out
    region: Callable | None = None      # a write: the shape rule of the region its value
                                        # (argument 1) is broadcast into, as NumPy does
    names: tuple = field(default=())    # Python callables that mean this primitive
    helpers: tuple = ()                 # the runtime helpers its spelling calls (from the
                                        # spelling's own list: set by defprim)
    accumulates: bool = False           # an in-place sum into argument 0 (x[i] += g, acc += c):
                                        # its result is that buffer, grown (optimize's
                                        # accumulate_in_place follows such chains back)
    indexes: Any = None                 # how it indexes an array (compiler/ranges.py proves the
                                        # indices in range, so Numba's boundscheck can go):
                                        # None, not at all; k, its operands from k index x[...],
                                        # one axis each, as its "spec" param spells them (a
                                        # tape: one integer on the trips axis); UNPROVEN, in
                                        # ways ranges.py cannot prove (boundscheck stays on)
    draws: bool = False                 # makes random numbers or a generator: library/random.py
                                        # makes it before the function runs, and a transform
                                        # called inside a compiled function rejects it
    diagonal: bool = False              # compiler/diagonal.py has a rule that keeps a diagonal
                                        # Jacobian seed diagonal through it
    shifts: bool = False                # compiler/invariance.py has a rule for how its result
                                        # moves when a maximum it is shifted by moves
    never_raises: bool = False          # an array op that raises for no values: vmap may run
                                        # both arms of an if on a mapped condition (batching.py;
                                        # elementwise ops may too)
    folds_ints: bool = False            # the frontend folds it on two integers known while
                                        # compiling (an unrolled loop's index), by evaluate
    linear_in: str | None = None        # "each": linear in each argument (add, neg); "first":
                                        # in its first, the others constant (sum, getitem):
                                        # compiler/rows.py keeps a sum over Dask rows a sum
                                        # through it
    # its batching rule (compiler/batching.py; vmap and Jacobians): rule(bt, op, args, isb) ->
    # the op on operands with a leading batch axis where isb says, or None for a case it does
    # not cover; or a str saying why it cannot batch (vmap then loops over the examples)
    batch: Any = None

    def vjp_rule(self, i: int):
        """The VJP rule of argument ``i`` (None: no gradient flows to it)."""
        return self.vjp[i] if self.vjp is not None and i < len(self.vjp) else None

    def jvp_rule(self, i: int):
        return self.jvp[i] if self.jvp is not None and i < len(self.jvp) else None


UNPROVEN = "unproven"                   # Primitive.indexes: indexing ranges.py cannot prove
PRIMS: dict[str, Primitive] = {}
CALLS: dict[object, str] = {}           # Python callable -> primitive (from the stanzas' names)


# Batching rules by kind: the batcher ``bt`` (compiler/batching.py) does the work.
B_ELEMENTWISE = lambda bt, op, a, isb: bt.elementwise(op, a, isb)   # noqa: E731
B_SAME = lambda bt, op, a, isb: bt.same(op, a, isb)                 # noqa: E731
B_REDUCE = lambda bt, op, a, isb: bt.reduce(op, a[0])               # noqa: E731
B_ALONG = lambda bt, op, a, isb: bt.along(op, a, isb)               # noqa: E731
B_SHAPED = lambda bt, op, a, isb: bt.shaped(op, a, isb)             # noqa: E731
B_PRODUCT = lambda bt, op, a, isb: bt.products(op, a, isb)          # noqa: E731
B_INDEX = lambda bt, op, a, isb: bt.index(op, a, isb)               # noqa: E731
NO_BATCH_SHAPE = "its result's shape would differ between examples"
NO_BATCH_INT = "an integer helper of shapes and indices (never of a mapped value)"
SCALAR_HELPER = "its runtime helper takes scalars under Numba"


def defprim(name, arity, result, spell, sympy=None, evaluate=None, *, deriv=None, vjp=None,
            jvp=None, linear=None, nondiff=False, names=(), **kw) -> Primitive:
    """Register a primitive. Derivatives come as ``deriv`` (seed rules serving both modes),
    ``linear`` (maps ``r(b, s)`` of a primitive linear in each argument), ``vjp``/``jvp``
    (per-argument rules), or ``nondiff=True`` (no gradient: comparisons, integer ops)."""
    if kw.get("elementwise", True) and "shape" not in kw:
        kw["shape"] = D.elementwise
    if kw.get("elementwise", True) and "batch" not in kw:
        kw["batch"] = B_ELEMENTWISE
    if kw.get("elementwise", True) and not kw.get("view") and not kw.get("inplace"):
        kw.setdefault("allocates", True)
    prim = Primitive(name, arity, result, spell, sympy, evaluate, names=tuple(names),
                     helpers=spell.helpers, **kw)
    PRIMS[name] = prim
    for obj in names:
        CALLS[obj] = name
    if deriv is not None:
        defderiv(name, *deriv)
    if linear is not None:
        deflinear(name, *linear)
    if vjp is not None:
        defvjp(name, *vjp)
    if jvp is not None:
        defjvp(name, *jvp)
    if nondiff:
        prim.vjp, prim.jvp = (), ()
    return prim


def defvjp(name: str, *rules: Rule | None) -> None:
    """Give the VJP rule of each argument; ``None`` means that argument gets no gradient."""
    PRIMS[name].vjp = tuple(rules)


def defjvp(name: str, *rules: Rule | None) -> None:
    """Give, per argument, the JVP contribution ``d out/d arg * tan_arg``."""
    PRIMS[name].jvp = tuple(rules)


def defderiv(name: str, *rules: Rule | None) -> None:
    """Seed rules ``rule(b, s, out, *args) = s * d out / d arg``: the VJP and the JVP at once."""
    defvjp(name, *rules)
    defjvp(name, *rules)


def deflinear(name: str, *rules: Rule | None) -> None:
    """A primitive linear in each argument: ``r(b, s)`` maps an adjoint or a tangent."""
    defderiv(name, *[None if r is None else (lambda r: lambda b, s, out, *a: r(b, s))(r)
                     for r in rules])


def _sp():
    import sympy
    return sympy


# ======================================================================= arithmetic
# Rules read: b builder, s seed (adjoint or tangent), out the result, then the arguments.

def _log_base(b, x):
    """log(x) for d(x**y)/dy, with 0 read as 1: where x == 0 the power is 0 (for y > 0)
    whatever y is, so its derivative in y is 0, as in autograd and JAX (not 0 * -inf)."""
    if isinstance(x, Const):
        return b.log(x) if x.value != 0 else Const(0.0, T.F64)
    return b.log(b.select(b.eq(x, 0.0), 1.0, x))


def _pow_less_one(b, x, y):
    """y - 1 for d(x**y)/dx = y * x**(y - 1), with 1 where x == 0 and y == 0: x**0 is 1 for
    every x, so its derivative is 0 (as in autograd and JAX), not 0 * 0**-1 (nan). Only
    that point is special: where x != 0 the plain y - 1 gives 0 too, and keeps the
    derivative in y (d2 x**y / dx dy = 1/x at y == 0; a constant 1 there gave x)."""
    if isinstance(y, Const):
        return b.sub(y, 1) if y.value != 0 else Const(1.0, T.F64)
    less = b.sub(y, 1)
    if isinstance(x, Const) and x.value != 0:
        return less
    return b.select(b.eq(x, 0.0), b.select(b.eq(y, 0.0), 1.0, less), less)


def _weak(y):
    """An int constant as a Python float, weak: ``2.0 * x`` of float32 x stays float32."""
    if isinstance(y, Const) and isinstance(y.value, int) and not isinstance(y.value, bool):
        return float(y.value)
    return y


def _max_weight(b, x, y):
    """d max(x, y)/dx: 1 where x wins, 1/2 on a tie, 0 where y wins."""
    return b.add(b.gt(x, y), b.mul(0.5, b.eq(x, y)))


defprim("add", 2, T.arithmetic, infix("+", P_ADD), operator.add, operator.add,
        linear=(lambda b, s: s, lambda b, s: s), safe=True, reads_values=False,
        names=(np.add, operator.add), reads_output=False, diagonal=True, linear_in="each",
        shifts=True, folds_ints=True, trip_step=trips.add)
defprim("sub", 2, T.arithmetic, infix("-", P_ADD), operator.sub, operator.sub,
        linear=(lambda b, s: s, lambda b, s: b.neg(s)), safe=True, reads_values=False,
        names=(np.subtract, operator.sub), reads_output=False, diagonal=True, linear_in="each",
        shifts=True, folds_ints=True, trip_step=trips.sub)
defprim("mul", 2, T.arithmetic, infix("*", P_MUL), operator.mul, operator.mul,
        deriv=(lambda b, s, out, x, y: b.mul(s, y), lambda b, s, out, x, y: b.mul(s, x)),
        safe=True, names=(np.multiply, operator.mul), reads_output=False, spans=True,
        diagonal=True, folds_ints=True, trip_step=trips.mul, shifts=True)
defprim("div", 2, T.floating, infix("/", P_MUL), operator.truediv, operator.truediv,
        deriv=(lambda b, s, out, x, y: b.div(s, y),
               lambda b, s, out, x, y: b.div(b.mul(b.neg(s), out), y)),
        costly=True, names=(np.divide, np.true_divide, operator.truediv), spans=True,
        diagonal=True, shifts=True)
defprim("floordiv", 2, T.arithmetic, infix("//", P_MUL), lambda a, b: _sp().floor(a / b),
        operator.floordiv, nondiff=True, names=(np.floor_divide, operator.floordiv),
        reads_output=False, folds_ints=True, trip_step=trips.floordiv)
defprim("mod", 2, T.arithmetic, infix("%", P_MUL), lambda a, b: _sp().Mod(a, b), operator.mod,
        deriv=(lambda b, s, out, x, y: s, lambda b, s, out, x, y: b.mul(b.neg(s), b.floordiv(x, y))),
        names=(np.mod, operator.mod), reads_output=False, folds_ints=True)
defprim("pow", 2, T.arithmetic, infix("**", P_POW), operator.pow,
        lambda a, b: a ** b if not (isinstance(a, (int, float)) and a < 0) else None,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.mul(_weak(y), b.pow(x, _pow_less_one(b, x, y)))),
               lambda b, s, out, x, y: b.mul(b.mul(s, _log_base(b, x)), out)),
        costly=True, names=(math.pow, np.power, operator.pow), spans=True)
defprim("neg", 1, T.arithmetic, prefix("-"), operator.neg, operator.neg,
        linear=(lambda b, s: b.neg(s),), safe=True, reads_values=False,
        names=(np.negative, operator.neg),
        reads_output=False, diagonal=True, linear_in="each", trip_step=trips.neg, shifts=True)
defprim("copy", 1, T.same, Spelling("{0}", "{0}", P_ATOM, (0,)), lambda a: a, lambda a: a,
        linear=(lambda b, s: s,), safe=True, view=True, reads_values=False, reads_output=False,
        diagonal=True, linear_in="each", shifts=True)
defprim("float", 1, T.floating, Spelling("float({0})", "{0}.astype(np.float64)", P_ATOM, (P_ATOM,)),
        lambda a: a, float, linear=(lambda b, s: s,), safe=True, reads_values=False,
        names=(builtins.float, np.float64), reads_output=False, linear_in="each")
defprim("int", 1, T.integer, Spelling("int({0})", "{0}.astype(np.int64)", P_ATOM, (P_ATOM,)),
        None, int, nondiff=True, names=(builtins.int, np.int64, np.int32), reads_output=False)
defprim("abs", 1, T.arithmetic, call("abs", "np.abs"), lambda a: abs(a), abs,
        deriv=(lambda b, s, out, x: b.mul(s, b.sign(x)),), safe=True,
        names=(builtins.abs, math.fabs, np.abs, np.absolute, np.fabs), reads_output=False)
defprim("sign", 1, T.arithmetic, call("np.sign"), lambda a: _sp().sign(a),
        lambda a: float((a > 0) - (a < 0)), nondiff=True, safe=True, names=(np.sign,),
        reads_output=False)
defprim("max", 2, T.arithmetic, call("max", "np.maximum", 2), lambda a, b: _sp().Max(a, b), max,
        deriv=(lambda b, s, out, x, y: b.mul(s, _max_weight(b, x, y)),
               lambda b, s, out, x, y: b.mul(s, _max_weight(b, y, x))), safe=True,
        names=(np.maximum,), reads_output=False)
defprim("min", 2, T.arithmetic, call("min", "np.minimum", 2), lambda a, b: _sp().Min(a, b), min,
        deriv=(lambda b, s, out, x, y: b.mul(s, _max_weight(b, y, x)),
               lambda b, s, out, x, y: b.mul(s, _max_weight(b, x, y))), safe=True,
        names=(np.minimum,), reads_output=False)

# ======================================================================= comparison & logic

for _name, _sym, _fn in [("lt", "<", operator.lt), ("le", "<=", operator.le),
                         ("gt", ">", operator.gt), ("ge", ">=", operator.ge),
                         ("eq", "==", operator.eq), ("ne", "!=", operator.ne)]:
    defprim(_name, 2, T.boolean, infix(_sym, P_CMP), None, _fn, nondiff=True, safe=True,
            names=(_fn,), reads_output=False)
defprim("not", 1, T.boolean, Spelling("not {0}", "np.logical_not({0})", P_NOT, (P_NOT,)),
        None, operator.not_, nondiff=True, safe=True, reads_output=False)
defprim("and", 2, T.boolean, Spelling("{0} and {1}", "np.logical_and({0}, {1})", P_AND,
                                      (P_AND, P_NOT)), None, lambda a, b: a and b,
        nondiff=True, safe=True, reads_output=False)
defprim("or", 2, T.boolean, Spelling("{0} or {1}", "np.logical_or({0}, {1})", P_OR,
                                     (P_OR, P_AND)), None, lambda a, b: a or b,
        nondiff=True, safe=True, reads_output=False)
defprim("select", 3, lambda c, a, b: T.broadcast(a, b, c if T.is_array(c) else a),
        Spelling("{1} if {0} else {2}", "np.where({0}, {1}, {2})", 1, (2, 2, 1)),
        None, lambda c, a, b: a if c else b, safe=True,
        deriv=(None, lambda b, s, out, c, x, y: b.select(c, s, b.zeros_like(s)),
               lambda b, s, out, c, x, y: b.select(c, b.zeros_like(s), s)), reads_output=False)

# ======================================================================= elementwise functions
# One line each: name, math spelling, NumPy spelling, SymPy form, d out / d x as a
# function of (b, out, x), the Python callables that mean it, and whether it is costly
# (a transcendental worth taping in loops) or safe (cannot raise).

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_S = lambda name: lambda x: getattr(_sp(), name)(x)  # noqa: E731


def defunary(name, math_name, np_name, sympy, d, names=(), evaluate=None, costly=True,
             safe=False, reads_output=True, shifts=False):
    """An elementwise function of one float: its derivative ``d(b, out, x)`` is written once.
    A spelling without a module (``"erf"``) calls flatgrad's runtime helper of that name."""
    spell = replace(call(math_name, np_name),
                    helpers=tuple(dict.fromkeys(n for n in (math_name, np_name) if "." not in n)))
    defprim(name, 1, T.floating, spell, sympy,
            evaluate or getattr(math, math_name.split(".")[-1]),
            deriv=((lambda b, s, out, x: b.mul(s, d(b, out, x))),), names=names,
            costly=costly, safe=safe, reads_output=reads_output, shifts=shifts)


def _m(name):
    return getattr(math, name), getattr(np, name)


defunary("exp", "math.exp", "np.exp", _S("exp"), lambda b, out, x: out, _m("exp"), shifts=True)
defunary("log", "math.log", "np.log", _S("log"), lambda b, out, x: b.div(1.0, x),
         reads_output=False, shifts=True)
defunary("log1p", "math.log1p", "np.log1p", lambda x: _sp().log(1 + x),
         lambda b, out, x: b.div(1.0, b.add(1.0, x)), _m("log1p"), reads_output=False)
defunary("expm1", "math.expm1", "np.expm1", lambda x: _sp().exp(x) - 1,
         lambda b, out, x: b.add(out, 1.0), _m("expm1"))
defunary("log2", "math.log2", "np.log2", lambda x: _sp().log(x) / _sp().log(2),
         lambda b, out, x: b.div(1.0, b.mul(x, math.log(2.0))), _m("log2"), costly=False,
         reads_output=False)
defunary("log10", "math.log10", "np.log10", lambda x: _sp().log(x) / _sp().log(10),
         lambda b, out, x: b.div(1.0, b.mul(x, math.log(10.0))), _m("log10"), costly=False,
         reads_output=False)
defunary("sqrt", "math.sqrt", "np.sqrt", _S("sqrt"), lambda b, out, x: b.div(0.5, out), _m("sqrt"))
# The square root of a spread (np.std, np.linalg.norm): spelled and computed as sqrt, but
# its derivative at 0 is 0 rather than inf, the convention of abs'(0) = 0. A constant array
# has std 0 for every value of its entries; sqrt'(0) * 0 would make that gradient nan.
defprim("sqrt0", 1, T.floating, call("math.sqrt", "np.sqrt"), _S("sqrt"), math.sqrt,
        deriv=(lambda b, s, out, x: b.mul(s, b.div(0.5, b.select(b.eq(out, 0.0), math.inf, out))),),
        costly=True)
defunary("sin", "math.sin", "np.sin", _S("sin"), lambda b, out, x: b.cos(x), _m("sin"), safe=True,
        reads_output=False)
defunary("cos", "math.cos", "np.cos", _S("cos"), lambda b, out, x: b.neg(b.sin(x)), _m("cos"),
         safe=True, reads_output=False)
defunary("tan", "math.tan", "np.tan", _S("tan"), lambda b, out, x: b.add(1.0, b.mul(out, out)),
         _m("tan"))
defunary("asin", "math.asin", "np.arcsin", _S("asin"),
         lambda b, out, x: b.div(1.0, b.sqrt(b.sub(1.0, b.mul(x, x)))), (math.asin, np.arcsin),
         costly=False, reads_output=False)
defunary("acos", "math.acos", "np.arccos", _S("acos"),
         lambda b, out, x: b.div(-1.0, b.sqrt(b.sub(1.0, b.mul(x, x)))), (math.acos, np.arccos),
         costly=False, reads_output=False)
defunary("atan", "math.atan", "np.arctan", _S("atan"),
         lambda b, out, x: b.div(1.0, b.add(1.0, b.mul(x, x))), (math.atan, np.arctan),
         costly=False, safe=True, reads_output=False)
defunary("sinh", "math.sinh", "np.sinh", _S("sinh"), lambda b, out, x: b.cosh(x), _m("sinh"),
         costly=False, reads_output=False)
defunary("cosh", "math.cosh", "np.cosh", _S("cosh"), lambda b, out, x: b.sinh(x), _m("cosh"),
         costly=False, reads_output=False)
defunary("tanh", "math.tanh", "np.tanh", _S("tanh"), lambda b, out, x: b.sub(1.0, b.mul(out, out)),
         _m("tanh"), safe=True)
defunary("asinh", "math.asinh", "np.arcsinh", _S("asinh"),
         lambda b, out, x: b.div(1.0, b.sqrt(b.add(b.mul(x, x), 1.0))), (math.asinh, np.arcsinh),
         costly=False, reads_output=False)
defunary("acosh", "math.acosh", "np.arccosh", _S("acosh"),
         lambda b, out, x: b.div(1.0, b.sqrt(b.sub(b.mul(x, x), 1.0))), (math.acosh, np.arccosh),
         costly=False, reads_output=False)
defunary("atanh", "math.atanh", "np.arctanh", _S("atanh"),
         lambda b, out, x: b.div(1.0, b.sub(1.0, b.mul(x, x))), (math.atanh, np.arctanh),
         costly=False, reads_output=False)
defunary("erf", "math.erf", "erf", _S("erf"),
         lambda b, out, x: b.mul(TWO_OVER_SQRT_PI, b.exp(b.neg(b.mul(x, x)))), (math.erf,),
         safe=True, reads_output=False)
defunary("erfc", "math.erfc", "erfc", _S("erfc"),
         lambda b, out, x: b.mul(-TWO_OVER_SQRT_PI, b.exp(b.neg(b.mul(x, x)))), (math.erfc,),
         safe=True, reads_output=False)
defunary("exp2", "np.exp2", "np.exp2", lambda x: 2 ** x,
         lambda b, out, x: b.mul(out, math.log(2.0)), (np.exp2,), evaluate=lambda x: 2.0 ** x)
defunary("cbrt", "np.cbrt", "np.cbrt", lambda x: _sp().cbrt(x),
         lambda b, out, x: b.div(1.0, b.mul(3.0, b.mul(out, out))), (np.cbrt,),
         evaluate=lambda x: float(np.cbrt(x)))
defunary("reciprocal", "np.reciprocal", "np.reciprocal", lambda x: 1 / x,
         lambda b, out, x: b.neg(b.mul(out, out)), (np.reciprocal,), evaluate=lambda x: 1.0 / x,
         costly=False)
defunary("deg2rad", "math.radians", "np.deg2rad", lambda x: x * _sp().pi / 180,
         lambda b, out, x: b.div(math.pi, 180.0), (math.radians, np.deg2rad, np.radians),
         costly=False, safe=True, reads_output=False)
defunary("rad2deg", "math.degrees", "np.rad2deg", lambda x: x * 180 / _sp().pi,
         lambda b, out, x: b.div(180.0, math.pi), (math.degrees, np.rad2deg, np.degrees),
         costly=False, safe=True, reads_output=False)
# flatgrad's own (flatgrad.sigmoid & co. name their primitive with __flatgrad_prim__);
# the formulas live in runtime/support.py, once
defunary("softplus", "softplus", "softplus", lambda x: _sp().log(1 + _sp().exp(x)),
         lambda b, out, x: b.sigmoid(x),
         evaluate=lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0), safe=True,
         reads_output=False)
defunary("relu", "relu", "relu", lambda x: _sp().Max(x, 0), lambda b, out, x: b.gt(x, 0.0),
         evaluate=lambda x: max(x, 0.0), costly=False, safe=True, reads_output=False)
# sigmoid is written as the lectures write it: grad_x = grad_out * (1 - out) * out
defprim("sigmoid", 1, T.floating, helper("sigmoid"), lambda x: 1 / (1 + _sp().exp(-x)),
        lambda x: 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x)),
        deriv=(lambda b, s, out, x: b.mul(b.mul(s, b.sub(1.0, out)), out),), costly=True,
        safe=True)

for _name in ("floor", "ceil", "trunc"):
    # math.floor & co. return ints on scalars (as in Python); np.floor keeps floats on arrays
    defprim(_name, 1, lambda x: T.integer(x) if not T.is_array(x) else T.floating(x),
            call(f"math.{_name}", f"np.{_name}"), None, getattr(math, _name), nondiff=True,
            names=_m(_name), reads_output=False)


def _atan2_d(b, s, x, y):
    return b.div(b.mul(s, x), b.add(b.mul(x, x), b.mul(y, y)))


defprim("atan2", 2, T.floating, call("math.atan2", "np.arctan2", 2),
        lambda y, x: _sp().atan2(y, x), math.atan2,
        deriv=(lambda b, s, out, y, x: _atan2_d(b, s, x, y),
               lambda b, s, out, y, x: _atan2_d(b, b.neg(s), y, x)),
        names=(math.atan2, np.arctan2), reads_output=False)
defprim("hypot", 2, T.floating, call("math.hypot", "np.hypot", 2),
        lambda x, y: _sp().sqrt(x * x + y * y), math.hypot,
        deriv=(lambda b, s, out, x, y: b.div(b.mul(s, x), out),
               lambda b, s, out, x, y: b.div(b.mul(s, y), out)),
        names=(math.hypot, np.hypot))


# ======================================================================= runtime support
# Values the transforms create for themselves: tapes, trip counts, zeros. Their JVP
# rules let forward mode run on a gradient's IR (a Hessian is forward over reverse).

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


# Writing row k of a tape (reverse over reverse: a gradient's own tapes carry adjoints).
# Each row of a tape is written once, so the adjoint of the tape passes through unchanged
# (row k is never read again) and the value's adjoint is row k of it.
_TAPE_WRITE_VJP = (lambda b, g, out, tape, k, v: g, None,
                   lambda b, g, out, tape, k, v: b.tape_get(g, k))


def _trip_count(a, p):
    if a[0] == "0" and a[2] == "1":
        return f"max({a[1]}, 0)"
    return f"len(range({a[0]}, {a[1]}, {a[2]}))"


def _array_of_rows(t):
    return T.Array(t.dtype, t.ndim - 1) if t.ndim > 1 else T.Scalar(t.dtype)


defprim("trip_count", 3, T.integer, Spelling(_trip_count, _trip_count, P_ATOM, (1, 1, 1)), None,
        lambda a, b, c: len(range(a, b, c)), elementwise=False, nondiff=True, safe=True,
        reads_output=False,
        batch="a trip count that depends on a mapped value (the loop method runs it)")
defprim("tape_alloc", 2, lambda n, like: T.Array(like.dtype, T.ndim(like) + 1),
        Spelling("np.empty({0}, dtype=np.{dtype})",
                 "np.empty(({0},) + {1}.shape, dtype=np.{dtype})", P_ATOM, (1, P_ATOM), choose=1,
                 jit="empty_rows({0}, {1})", helpers=("empty_rows",)),  # huge pages for large ones
        elementwise=False, fresh=True, nondiff=True, uninitialized=True,
        shape=lambda q, args, p: (q.sym(args[0]),) + q.shape(args[1]),  # rows of like's shape
        jvp_joint=lambda b, tans, out, n, like:
            None if tans[1] is None else b.op("tape_alloc", n, tans[1]), reads_output=False,
        never_raises=True, batch=lambda bt, op, a, isb: bt.alloc(op, a, isb))
defprim("tape_put", 3, lambda t, k, v: t, Spelling("{0}[{1}] = {2}", "{0}[{1}] = {2}", 0, (0, 1, 1)),
        elementwise=False, inplace=True, fresh=True, shape=D.like(0), vjp=_TAPE_WRITE_VJP,
        jvp_joint=_tape_write("tape_put"), reads_output=False, tape_row=True,
        indexes=1, batch=B_INDEX)
defprim("tape_push", 3, lambda t, k, v: t, helper("tape_push", arity=3), elementwise=False,
        fresh=True, shape=D.like(0), vjp=_TAPE_WRITE_VJP, jvp_joint=_tape_write("tape_push"),
        reads_output=False, tape_row=True,
        batch="a tape that grows as a while loop runs")
# reading row k: its adjoint is added into row k of the tape's adjoint (reverse over reverse)
defprim("tape_get", 2, lambda t, k: _array_of_rows(t),
        Spelling("{0}[{1}]", "{0}[{1}]", P_ATOM, (P_ATOM, 0)), elementwise=False, view=True,
        tape_row=True,
        reads_values=False, vjp=(lambda b, g, out, tape, k: ("index", g, (("i",),)), None),
        jvp=(lambda b, t, out, tape, k: b.tape_get(t, k),), reads_output=False,
        indexes=1, batch=B_INDEX)
defprim("zeros_like", 1, T.same, call("np.zeros_like"), elementwise=False, fresh=True,
        allocates=True, shape_args=(0,), nondiff=True, reads_values=False, shape=D.like(0),
        reads_output=False,
        never_raises=True, batch=B_SAME)
defprim("ones_like", 1, T.same, call("np.ones_like"), elementwise=False, fresh=True,
        allocates=True, shape_args=(0,), nondiff=True, reads_values=False, shape=D.like(0),
        reads_output=False,
        never_raises=True, batch=B_SAME)
defprim("undef", 0, lambda *ts, **p: p["type"],
        Spelling("None", "np.empty((0,) * {ndim}, dtype=np.{dtype})", P_ATOM, ()),
        elementwise=False, fresh=True, nondiff=True, reads_output=False, uninitialized=True,
        batch="takes no operands")
defprim("astype", 1, lambda x, dtype: T.with_dtype(x, dtype),
        Spelling("np.{dtype}({0})", "{0}.astype(np.{dtype})", P_ATOM, (P_ATOM,)), elementwise=False,
        allocates=True, reads_values=False, shape=D.like(0),
        vjp=(lambda b, g, out, x, dtype: g if g.type.dtype == x.type.dtype
             else b.astype(g, dtype=x.type.dtype),),    # the adjoint goes back to x's dtype
        jvp=(lambda b, t, out, x, dtype: b.astype(t, dtype=dtype),), reads_output=False,
        never_raises=True, linear_in="each", batch=B_SAME)
# (sum_to returns c itself where no axis was broadcast: a view, never written in place)
defprim("sum_to", 2, lambda c, v: T.with_dtype(v, c.dtype), helper("sum_to", arity=2),
        elementwise=False, shape=D.like(1), view=True, shape_args=(1,),
        # linear in c: its adjoint broadcasts back (reverse over reverse needs it)
        vjp=(lambda b, g, out, c, like: b.unreduce(g, c), None),
        jvp=(lambda b, t, out, c, like: b.sum_to(t, like), None), reads_output=False,
        diagonal=True, never_raises=True,
        linear_in="first", batch=lambda bt, op, a, isb: bt.summed(op, a, isb))


# ======================================================================= arrays
# Shapes are dynamic; types carry dtype and ndim. Spellings that NumPy has but Numba
# lacks (axis + keepdims reductions, scatter-add) have a third, ``jit`` spelling that
# calls a helper from flatgrad.runtime.support, which flatgrad teaches to Numba.

def _reduce_type(x, axis=None, keepdims=False):
    if axis is None:
        return T.Array(x.dtype, x.ndim) if keepdims else T.Scalar(x.dtype)
    n = x.ndim if keepdims else x.ndim - (len(axis) if isinstance(axis, tuple) else 1)
    return T.Array(x.dtype, n) if n else T.Scalar(x.dtype)


def _sum_type(x, axis=None, keepdims=False):
    t = _reduce_type(x, axis, keepdims)
    return T.with_dtype(t, "int64") if t.dtype == "bool" else t


def _reduction(np_name: str) -> Spelling:
    def spell(a, p):
        ax, kd = p.get("axis"), p.get("keepdims", False)
        extra = (f", axis={ax!r}" if ax is not None else "") + (", keepdims=True" if kd else "")
        return f"np.{np_name}({a[0]}{extra})"

    def jit(a, p):
        ax, kd = p.get("axis"), p.get("keepdims", False)
        if ax is None and not kd:
            return f"np.{np_name}({a[0]})"
        return f"reduce_{np_name}({a[0]}, {ax!r}, {kd!r})"

    return Spelling(spell, spell, P_ATOM, (1,), jit=jit, helpers=(f"reduce_{np_name}",))


def _unreduce(b, g, x, axis, keepdims):
    return b.unreduce(g, x, axis=axis, keepdims=keepdims)


def _chooser(b, g, out, x, axis=None, keepdims=False):
    """max/min along axes: the adjoint goes to the maximal entries, split evenly on ties."""
    mask = b.eq(x, _unreduce(b, out, x, axis, keepdims))
    count = _count(b, mask, x, axis, keepdims)
    return b.div(b.mul(_unreduce(b, g, x, axis, keepdims), mask), _unreduce(b, count, x, axis, keepdims))


def _count(b, mask, x, axis, keepdims):
    """The number of maximal entries; in float32 for float32 ``x`` (an int64 count would
    make the share float64, as NumPy promotes)."""
    count = b.sum(mask, axis=axis, keepdims=keepdims)
    return b.astype(count, dtype="float32") if x.type.dtype == "float32" else count


def _chooser_jvp(b, t, out, x, axis=None, keepdims=False):
    mask = b.eq(x, _unreduce(b, out, x, axis, keepdims))
    return b.div(b.sum(b.mul(t, mask), axis=axis, keepdims=keepdims),
                 _count(b, mask, x, axis, keepdims))


def _prod_others(b, x, axis, keepdims):
    """The product of the other elements along ``axis``, for each element of ``x``: (the
    product of those before it) * (the product of those after it), two cumulative products.
    No division, so it is exact where elements are zero, and so are its own derivatives:
    cumprod's rules are division-free too (library/cumulative.py), which makes the Hessian of
    np.prod exact at zeros. (Selecting out / x, or a constant where x has zeros, gave the right
    gradient, but a constant branch has no derivative: d2 prod / dx_i dx_j came out 0 at a
    zero.)"""
    if axis is None:
        if x.type.ndim != 1:
            flat = b.reshape(x, Const(-1, T.I64))
            return b.reshape_like(_prod_others(b, flat, 0, False), x)
        axis = 0
    before = b.shift(b.cumprod(x, axis=axis), axis=axis, k=1, fill=1.0)
    back = _flip(b, x, axis)
    after = _flip(b, b.shift(b.cumprod(back, axis=axis), axis=axis, k=1, fill=1.0), axis)
    return b.mul(before, after)


def _flip(b, x, axis):
    """x[..., ::-1, ...] along ``axis`` (a view)."""
    spec = tuple(("s", False, False, True) if k == axis else ("s", False, False, False)
                 for k in range(x.type.ndim))
    return b.getitem(x, Const(-1, T.I64), spec=spec)


defprim("sum", 1, _sum_type, _reduction("sum"), elementwise=False, costly=True,
        reads_values=False, shape=D.reduced,
        vjp=(lambda b, g, out, x, axis=None, keepdims=False:
             g if axis is None and not keepdims else _unreduce(b, g, x, axis, keepdims),),
        jvp=(lambda b, t, out, x, axis=None, keepdims=False: b.sum(t, axis=axis, keepdims=keepdims),),
        reads_output=False,
        never_raises=True, linear_in="first", batch=B_REDUCE, shifts=True)
defprim("amax", 1, _reduce_type, _reduction("max"), elementwise=False, costly=True,
        shape=D.reduced, vjp=(_chooser,), jvp=(_chooser_jvp,),
        never_raises=True, batch=B_REDUCE, shifts=True)
defprim("amin", 1, _reduce_type, _reduction("min"), elementwise=False, costly=True,
        shape=D.reduced, vjp=(_chooser,), jvp=(_chooser_jvp,),
        never_raises=True, batch=B_REDUCE, shifts=True)
defprim("prod", 1, _sum_type, _reduction("prod"), elementwise=False, costly=True,
        shape=D.reduced,
        vjp=(lambda b, g, out, x, axis=None, keepdims=False:
             b.mul(_unreduce(b, g, x, axis, keepdims), _prod_others(b, x, axis, keepdims)),),
        jvp=(lambda b, t, out, x, axis=None, keepdims=False:
             b.sum(b.mul(t, _prod_others(b, x, axis, keepdims)), axis=axis, keepdims=keepdims),),
             reads_output=False,
        never_raises=True, batch=B_REDUCE)


def _matmul_type(a, b):
    nd = {(2, 2): 2, (2, 1): 1, (1, 2): 1, (1, 1): 0}.get((a.ndim, b.ndim))
    if nd is None:
        return T.Array(T.promote_dtype(a.dtype, b.dtype), max(a.ndim, b.ndim))
    dt = T.promote_dtype(a.dtype, b.dtype)
    return T.Array(dt, nd) if nd else T.Scalar(dt)


def _matmul_shape(q, args, params):
    a, c = q.shape(args[0]), q.shape(args[1])
    return {(2, 2): (a[:1] + c[1:]), (2, 1): a[:1], (1, 2): c[1:]}.get((len(a), len(c)))


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


defprim("matmul", 2, _matmul_type, infix("@", P_MUL), elementwise=False, costly=True,
        allocates=True,
        shape=_matmul_shape, vjp=(_matmul_vjp_a, _matmul_vjp_b),
        jvp=(lambda b, t, out, x, y: b.matmul(t, y), lambda b, t, out, x, y: b.matmul(x, t)),
        reads_output=False, diagonal=True,
        never_raises=True, batch=B_PRODUCT)
defprim("outer", 2, lambda a, b: T.Array(T.promote_dtype(a.dtype, b.dtype), 2),
        call("np.outer", arity=2), elementwise=False, costly=True, allocates=True,
        shape=lambda q, args, p: q.shape(args[0])[:1] + q.shape(args[1])[:1],
        vjp=(lambda b, g, out, x, y: b.matmul(g, y), lambda b, g, out, x, y: b.matmul(x, g)),
        jvp=(lambda b, t, out, x, y: b.outer(t, y), lambda b, t, out, x, y: b.outer(x, t)),
        reads_output=False,
        never_raises=True, batch=B_PRODUCT)


def _inverse(axes):
    return None if axes is None else tuple(sorted(range(len(axes)), key=axes.__getitem__))


def _transpose_spell(a, p):
    return f"{a[0]}.T" if p.get("axes") is None else f"np.transpose({a[0]}, {p['axes']!r})"


def _transpose_shape(q, args, p):
    d, axes = q.shape(args[0]), p.get("axes")
    return tuple(reversed(d)) if axes is None else tuple(d[i] for i in axes)


def _dims(a, p) -> str:
    return a[0] if len(a) == 1 else "(" + ", ".join(a) + ")"


def _has_methods(a: str) -> str:
    """``a`` spelled so that it has array methods: a literal number (``2.0``, which Python
    reads as a float) as a NumPy value."""
    try:
        float(a)
    except ValueError:
        return a
    return f"np.asarray({a})"


def _reshape_shape(q, args, p):
    return tuple(q.sym(a) if not (isinstance(a, Const) and a.value == -1) else D.unknown()
                 for a in args[1:])


def _expand_shape(q, args, p):
    d = list(q.shape(args[0]))
    d.insert(p["axis"], 1)
    return tuple(d)


defprim("transpose", 1, lambda x, axes=None: x,
        Spelling(_transpose_spell, _transpose_spell, P_ATOM, (P_ATOM,)), elementwise=False,
        view=True, reads_values=False, shape=_transpose_shape,
        vjp=(lambda b, g, out, x, axes=None: b.transpose(g, axes=_inverse(axes)),),
        jvp=(lambda b, t, out, x, axes=None: b.transpose(t, axes=axes),), reads_output=False,
        never_raises=True, linear_in="first", batch=B_SHAPED)
# Numba reshapes C-contiguous arrays only (NumPy copies the others): its spelling makes one
defprim("reshape", -1, lambda x, *dims: T.Array(x.dtype, len(dims)),
        replace(variadic(lambda a, p: f"{_has_methods(a[0])}.reshape({_dims(a[1:], p)})"),
                jit=lambda a, p: f"np.ascontiguousarray({a[0]}).reshape({_dims(a[1:], p)})"),
        elementwise=False,
        view=True, reads_values=False, shape=_reshape_shape,
        # (back to a number: the one element, as a sum; a number has no .shape under Numba)
        vjp=(lambda b, g, out, x, *dims: b.reshape_like(g, x) if T.is_array(x.type)
             else b.op("sum", g),),
        jvp=(lambda b, t, out, x, *dims: b.reshape(t, *dims),), reads_output=False,
        never_raises=True, linear_in="first", batch=B_SHAPED)
defprim("reshape_like", 2, lambda x, like: T.Array(x.dtype, like.ndim) if T.is_array(like)
        else T.Scalar(x.dtype), Spelling("{0}.reshape({1}.shape)", "{0}.reshape({1}.shape)",
                                         P_ATOM, (P_ATOM, P_ATOM),
                                         jit="np.ascontiguousarray({0}).reshape({1}.shape)"),
        elementwise=False,
        view=True, reads_values=False, shape=D.like(1), shape_args=(1,),
        vjp=(lambda b, g, out, x, like: b.reshape_like(g, x), None),
        jvp=(lambda b, t, out, x, like: b.reshape_like(t, like), None), reads_output=False,
        never_raises=True, linear_in="first", batch=B_SHAPED)
defprim("expand_dims", 1, lambda x, axis: T.Array(x.dtype, T.ndim(x) + 1),
        Spelling("np.expand_dims({0}, {axis})", "np.expand_dims({0}, {axis})", P_ATOM, (1,)),
        elementwise=False, view=True, reads_values=False, shape=_expand_shape,
        vjp=(lambda b, g, out, x, axis: b.reshape_like(g, x),),
        jvp=(lambda b, t, out, x, axis: b.expand_dims(t, axis=axis),), reads_output=False,
        never_raises=True, linear_in="first", batch=B_SHAPED)


def _unreduce_spell(a, p):
    if p.get("keepdims") or p.get("axis") is None:
        return f"np.broadcast_to({a[0]}, {a[1]}.shape)"
    return f"np.broadcast_to(np.expand_dims({a[0]}, {p['axis']}), {a[1]}.shape)"


def _unreduce_vjp(b, g, out, gx, x, axis=None, keepdims=False):
    """The adjoint of broadcasting is summing over the broadcast axes."""
    if not T.is_array(gx.type):
        return b.sum(g)
    if axis is None:
        # an array ``gx`` broadcast to ``x``'s shape (forward.fit's broadcast of a lower-rank
        # tangent, which reverse over forward differentiates): summed back to its own shape
        return b.sum_to(g, gx)
    return b.sum(g, axis=axis, keepdims=keepdims)


# unreduce broadcasts an adjoint back over reduced axes (linear: forward over reverse needs it)
defprim("unreduce", 2, lambda g, x, axis=None, keepdims=False: T.Array(g.dtype, x.ndim),
        Spelling("np.full({1}.shape, {0})", _unreduce_spell, P_ATOM, (1, P_ATOM), choose=0),
        elementwise=False, view=True, reads_values=False, shape=D.like(1), shape_args=(1,),
        read_only=lambda g, x: T.is_array(g),      # np.full for a number: a new array
        vjp=(_unreduce_vjp, None),
        jvp=(lambda b, t, out, gx, x, axis=None, keepdims=False:
             b.unreduce(t, x, axis=axis, keepdims=keepdims), None), reads_output=False,
        never_raises=True, batch=lambda bt, op, a, isb: bt.summed(op, a, isb), shifts=True)
defprim("dim", 1, lambda x, axis: T.I64, Spelling("{0}.shape[{axis}]", "{0}.shape[{axis}]",
                                                  P_ATOM, (P_ATOM,)),
        elementwise=False, nondiff=True, reads_values=False, safe=True, reads_output=False,
        shape_args=(0,),
        never_raises=True, batch=lambda bt, op, a, isb: bt.dims_of(op, a, isb))
defprim("size", 1, lambda x: T.I64, Spelling("{0}.size", "{0}.size", P_ATOM, (P_ATOM,)),
        elementwise=False, nondiff=True, reads_values=False, safe=True, reads_output=False,
        shape_args=(0,),
        never_raises=True, batch=lambda bt, op, a, isb: bt.dims_of(op, a, isb))
# run-time checks that fancy-index writes name distinct positions (NumPy's last-write-wins
# has no useful gradient)
defprim("distinct", 2, lambda i, n: i, helper("distinct_index", arity=2), elementwise=False,
        nondiff=True, reads_output=False,
        batch="a write through an index array that differs between examples")
defprim("distinct2", 4, lambda a, n, b, m: a, helper("distinct_pairs", arity=4), elementwise=False,
        nondiff=True, reads_output=False,
        batch="a write through index arrays that differ between examples")


def _ctor_spell(np_name):
    return lambda a, p: f"np.{np_name}({_dims(a, p)}" + (
        f", dtype=np.{p['dtype']})" if p.get("dtype", "float64") != "float64" else ")")


for _name in ("zeros", "ones", "empty"):
    defprim(_name, -1, lambda *dims, dtype="float64": T.Array(dtype, len(dims)),
            Spelling(_ctor_spell(_name), _ctor_spell(_name), P_ATOM, (1,)), elementwise=False,
            fresh=True, allocates=True, nondiff=True, uninitialized=_name == "empty",
            shape=lambda q, args, p: tuple(q.sym(a) for a in args),
            reads_output=False, batch=NO_BATCH_SHAPE)
defprim("full", -1, lambda *dims, dtype="float64": T.Array(dtype, len(dims) - 1),
        variadic(lambda a, p: f"np.full({_dims(a[:-1], p)}, {a[-1]})", first=0),
        elementwise=False, fresh=True, allocates=True, nondiff=True,
        shape=lambda q, args, p: tuple(q.sym(a) for a in args[:-1]), reads_output=False,
        batch=NO_BATCH_SHAPE)
defprim("eye", 1, lambda n: T.Array("float64", 2), call("np.eye"), elementwise=False, fresh=True,
        allocates=True,
        nondiff=True, shape=lambda q, args, p: (q.sym(args[0]), q.sym(args[0])),
        reads_output=False,
        batch=NO_BATCH_SHAPE)
def _arange_spell(a, p):
    return f"np.arange({', '.join(a)})"


defprim("arange", -1, lambda *a: T.Array(T.promote_dtype("int64", *(x.dtype for x in a)), 1),
        replace(variadic(_arange_spell, first=0),    # Numba: one integer runs as one loop
                jit=lambda a, p: f"arange({a[0]})" if len(a) == 1 else _arange_spell(a, p),
                helpers=("arange",)), elementwise=False,
        nondiff=True, shape=lambda q, args, p: (q.sym(args[0]),) if len(args) == 1 else None,
        reads_output=False,
        batch=NO_BATCH_SHAPE)
defprim("copy_array", 1, T.same, Spelling("{0}.copy()", "{0}.copy()", P_ATOM, (P_ATOM,)),
        elementwise=False, fresh=True, allocates=True, reads_values=False, shape=D.like(0),
        linear=(lambda b, s: s,), reads_output=False,
        never_raises=True, linear_in="first", batch=B_SAME)


# ---- indexing

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


def _index_tuple(a: list, p: dict) -> str:
    """The index of ``x[...]`` as a tuple expression (slices as ``slice(...)``), for np.add.at."""
    parts, it = [], iter(a)
    for entry in p["spec"]:
        if entry[0] in ("i", "a"):
            parts.append(next(it))
        else:
            parts.append("slice(" + ", ".join(next(it) if present else "None"
                                              for present in entry[1:]) + ")")
    return "(" + ", ".join(parts) + ",)"


def _index_add(a, p):
    if _advanced(p):
        return f"np.add.at({a[0]}, {_index_tuple(a[2:], p)}, {a[1]})"
    return f"{a[0]}[{_index_text(a[2:], p)}] += {a[1]}"


def _index_add_jit(a, p):
    """Numba has no np.add.at: integer-array indices only go to ``scatter_add``; one index
    array among slices goes to ``scatter_add_axis`` on the view the slices select."""
    spec = p["spec"]
    if not _advanced(p):
        return f"{a[0]}[{_index_text(a[2:], p)}] += {a[1]}"
    if all(e[0] in ("i", "a") for e in spec):
        return f"scatter_add({a[0]}, {a[1]}, {', '.join(a[2:])})"
    if sum(e[0] == "a" for e in spec) == 1:
        # the view the other entries select (the index array's axis kept whole), then
        # a scatter along that axis
        k = next(i for i, e in enumerate(spec) if e[0] == "a")
        j = sum(sum(e[1:]) if e[0] == "s" else 1 for e in spec[:k])     # its operand
        view = spec[:k] + (("s", False, False, False),) + spec[k + 1:]
        axis = sum(e[0] != "i" for e in spec[:k])
        idx = a[2:]
        text = _index_text(idx[:j] + idx[j + 1:], {"spec": view})
        # integers apart from the array (x[0, :, idx]) are advanced indices too: NumPy puts
        # the array's axis first in the gather, so first in g
        adv = [i for i, e in enumerate(spec) if e[0] != "s"]
        front = ", True" if adv[-1] - adv[0] + 1 != len(adv) else ""
        return f"scatter_add_axis({a[0]}[{text}], {a[1]}, {idx[j]}, {axis}{front})"
    return _index_add(a, p)      # Numba rejects np.add.at: a CompileError, never a wrong result


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


# ``acc += c`` on an array nothing else holds: emitted by optimize.accumulate_in_place after
# every transform has run, so it never needs a derivative rule
defprim("add_into", 2, lambda acc, c: acc, Spelling("{0} += {1}", "{0} += {1}", 0, (P_ATOM, 0)),
        elementwise=False, inplace=True, fresh=True, reads_values=False, shape=D.like(0),
        reads_output=False,
        accumulates=True, batch="emitted after every transform has run (never batched)")
def _getitem_jit(a, p):
    """Numba's advanced indexing with index arrays alone (``x[rows, cols]``) costs about
    half a second of compile: such gathers go to ``gather``, a loop; the rest index."""
    if _advanced(p) and all(e[0] in ("i", "a") for e in p["spec"]):
        return f"gather({', '.join(a)})"
    return f"{a[0]}[{_index_text(a[1:], p)}]"


defprim("getitem", -1, _getitem_type,
        replace(variadic(lambda a, p: f"{a[0]}[{_index_text(a[1:], p)}]"), jit=_getitem_jit,
                helpers=("gather",)),
        elementwise=False, view=True, reads_values=False, shape=D.getitem,
        # the adjoint of a gather is a scatter-add into the adjoint of x (reverse.py)
        vjp=(lambda b, g, out, x, *idx, spec: ("index", g),),
        jvp=(lambda b, t, out, x, *idx, spec: b.getitem(t, *idx, spec=spec),), reads_output=False,
        indexes=1, linear_in="first", batch=B_INDEX)
defprim("setitem", -1, lambda x, v, *idx, spec: x,
        Spelling(lambda a, p: f"{a[0]}[{_index_text(a[2:], p)}] = {a[1]}",
                 lambda a, p: f"{a[0]}[{_index_text(a[2:], p)}] = {a[1]}", 0, (P_ATOM, 1)),
        elementwise=False, inplace=True, fresh=True, reads_values=False, shape=D.like(0),
        region=D.region,     # the value's adjoint, the region's, is summed back to its shape
        vjp=(lambda b, g, out, x, v, *idx, spec: b.setitem(b.copy_array(g), 0.0, *idx, spec=spec),
             lambda b, g, out, x, v, *idx, spec: b.getitem(g, *idx, spec=spec)),
        jvp=(lambda b, t, out, x, v, *idx, spec: b.setitem(b.copy_array(t), 0.0, *idx, spec=spec),
             lambda b, t, out, x, v, *idx, spec: b.setitem(b.zeros_like(out), t, *idx, spec=spec)),
             reads_output=False,
        indexes=2, batch=B_INDEX)
defprim("index_add", -1, lambda acc, g, *idx, spec: acc,
        Spelling(_index_add, _index_add, 0, (P_ATOM, 1), jit=_index_add_jit,
                 helpers=("scatter_add", "scatter_add_axis")), elementwise=False,
        inplace=True, fresh=True, reads_values=False, shape=D.like(0), region=D.region,
        # linear in (acc, g): the adjoint of g is the gather its scatter transposes
        vjp=(lambda b, G, out, acc, g, *idx, spec: G,
             lambda b, G, out, acc, g, *idx, spec: b.getitem(G, *idx, spec=spec)),
        jvp_joint=_index_add_jvp, reads_output=False,
        accumulates=True, indexes=2, batch=B_INDEX)


# ---- np.array([a, b, ...])

def _pack_type(*xs):
    if xs and all(x.dtype == "bool" for x in xs):     # np.array([True, False]): a mask
        return T.Array("bool", 1)
    return T.Array(T.promote_dtype("float64" if any(T.is_float(x) for x in xs) else "int64",
                                   *(x.dtype for x in xs)), 1)


class _PackRules:
    """The VJP of element ``i`` of a pack is ``g[i]``, for any number of elements."""

    def __getitem__(self, i):
        return lambda b, g, out, *xs: b.getitem(g, Const(i, T.I64), spec=(("i",),))

    def __len__(self):
        return 1 << 30


def _pack_jvp(b, tans, out, *xs):
    if all(t is None for t in tans):
        return None
    return b.pack(*[t if t is not None else Const(0.0, T.F64) for t in tans])


defprim("pack", -1, _pack_type, variadic(lambda a, p: f"np.array([{', '.join(a)}])", first=0),
        elementwise=False, fresh=True, reads_values=False, jvp_joint=_pack_jvp, reads_output=False,
        shape=lambda q, args, p: (1 if len(args) == 1 else ("const", len(args)),)
        + q.shape(args[0]),
        batch=lambda bt, op, a, isb: bt.pack(op, a, isb))
PRIMS["pack"].vjp = _PackRules()
