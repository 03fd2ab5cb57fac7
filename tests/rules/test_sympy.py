"""Every hand-written elementwise rule PROVED equal to ``sympy.diff`` of the primitive.

A SympyBuilder duck-types Builder: ``b.cos(x)`` is ``PRIMS["cos"].sympy(x)``. Rule
constants written as floats (``0.5``, ``2/sqrt(pi)``, ``log(2)``) are turned back into
exact SymPy numbers so that ``simplify`` can reach exactly zero. Non-smooth primitives
(abs, relu, max, min) are proved on each smooth region separately.
"""
import math

import pytest
import sympy as sp

from flatgrad.compiler.errors import CompileError
from flatgrad.compiler.library import BUILTIN
from flatgrad.compiler.primitives import PRIMS

_EXACT = [sp.pi, 2 / sp.sqrt(sp.pi), sp.log(2), sp.log(10), 1 / sp.log(2), 1 / sp.log(10)]


def exact(v):
    if isinstance(v, bool):
        return sp.Integer(int(v))
    if isinstance(v, int):
        return sp.Integer(v)
    if isinstance(v, float):
        for c in _EXACT:
            for s in (1, -1):
                if math.isclose(v, s * float(c), rel_tol=1e-15):
                    return s * c
        return sp.nsimplify(v, rational=True)
    return v


def _indicator(rel):
    return lambda a, b: sp.Piecewise((1, rel(a, b)), (0, True))


_CMP = {"gt": _indicator(lambda a, b: a > b), "lt": _indicator(lambda a, b: a < b),
        "ge": _indicator(lambda a, b: a >= b), "le": _indicator(lambda a, b: a <= b),
        "eq": _indicator(sp.Eq), "ne": _indicator(sp.Ne)}


class SympyBuilder:
    """``b.<prim>(*args)`` applies the primitive's SymPy form (comparisons as 0/1 indicators)."""

    loc = None          # where a rule that refuses says it does

    def zeros_like(self, x):
        return sp.Integer(0)

    def const(self, v, t=None):
        return exact(v)

    def select(self, c, a, b):
        return sp.Piecewise((exact(a), sp.Eq(exact(c), 1)), (exact(b), True))

    def __getattr__(self, name):
        def apply(*args, **params):
            args = [exact(a) for a in args]
            if name in _CMP:
                return _CMP[name](*args)
            fn = PRIMS[name].sympy
            assert fn is not None, f"rule uses {name}, which has no SymPy form"
            return fn(*args)
        return apply


g, t = sp.symbols("g t")
x, y = sp.symbols("x y", positive=True)
d = sp.Symbol("d", positive=True)
xn = sp.Symbol("x", negative=True)
K = sp.Symbol("K", integer=True)

NON_SMOOTH = {"abs", "relu", "max", "min", "mod", "sign", "floordiv"}
SMOOTH = sorted(n for n, p in PRIMS.items() if n in BUILTIN and p.sympy is not None and p.vjp is not None
                and n not in NON_SMOOTH)


def _prove(rule, seed, out, args, wrt, expr, replace=None):
    got = rule(SympyBuilder(), seed, out, *args)
    if replace:
        got = got.subs(*replace)
    diff = sp.simplify(got - seed * sp.diff(expr, wrt))
    assert diff == 0, f"rule gives {got}, sympy.diff gives {seed * sp.diff(expr, wrt)}"


def test_smooth_list_is_not_empty():
    assert {"sin", "exp", "sigmoid", "atan2", "pow", "div"} <= set(SMOOTH)


# rules that switch to a truncated series near a removable singularity (|x| < 1/4 for sinc):
# proved beyond it; the series is checked against exact arithmetic in test_special_points.py
SERIES_BELOW = {"sinc": sp.Rational(1, 4)}


def refuses(rule, expr, args) -> bool:
    """A rule that raises a CompileError (a Bessel function's order: no closed form) has no
    derivative to prove; the transforms call it only where that gradient is asked for."""
    try:
        rule(SympyBuilder(), g, expr, *args)
    except CompileError:
        return True
    return False


@pytest.mark.parametrize("mode,seed", [("vjp", g), ("jvp", t)])
@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_rule_equals_sympy_diff(name, mode, seed):
    prim = PRIMS[name]
    args = (x, y)[:prim.arity]
    expr = prim.sympy(*args)
    for i, rule in enumerate(getattr(prim, mode)):
        if rule is None or refuses(rule, expr, args):
            continue
        if name in SERIES_BELOW:           # x > 0, so x + 1/4 is beyond the series
            beyond = (x, x + SERIES_BELOW[name])
            got = rule(SympyBuilder(), seed, expr, *args).subs(*beyond)
            want = (seed * sp.diff(expr, args[i])).subs(*beyond)
            assert sp.simplify(got - want) == 0, (got, want)
        else:
            _prove(rule, seed, expr, args, args[i], expr)


@pytest.mark.parametrize("mode,seed", [("vjp", g), ("jvp", t)])
@pytest.mark.parametrize("sym", [x, xn], ids=["positive", "negative"])
@pytest.mark.parametrize("name", ["abs", "relu"])
def test_kinked_unary_rule_on_each_side(name, sym, mode, seed):
    prim = PRIMS[name]
    expr = prim.sympy(sym)
    _prove(getattr(prim, mode)[0], seed, expr, (sym,), sym, expr)


@pytest.mark.parametrize("mode,seed", [("vjp", g), ("jvp", t)])
@pytest.mark.parametrize("other", [x - d, x + d], ids=["first-wins", "second-wins"])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_rule_away_from_ties(name, other, mode, seed):
    prim = PRIMS[name]
    # substitute the second argument after differentiation: y = x -/+ d
    expr = prim.sympy(x, y)
    for i, rule in enumerate(getattr(prim, mode)):
        got = rule(SympyBuilder(), seed, expr.subs(y, other), x, other)
        want = (seed * sp.diff(expr, (x, y)[i])).subs(y, other)
        assert sp.simplify(got - want) == 0, (got, want)


@pytest.mark.parametrize("mode,seed", [("vjp", g), ("jvp", t)])
def test_mod_rule_where_floor_is_locally_constant(mode, seed):
    prim = PRIMS["mod"]
    # mod(x, y) = x - y*floor(x/y), and floor(x/y) = K is constant between jumps
    expr = x - y * K
    for i, rule in enumerate(getattr(prim, mode)):
        _prove(rule, seed, prim.sympy(x, y), (x, y), (x, y)[i], expr,
               replace=(sp.floor(x / y), K))


@pytest.mark.parametrize("name", ["sign", "floordiv", "floor", "ceil", "trunc", "int"])
def test_piecewise_constant_prims_have_no_rule(name):
    prim = PRIMS[name]
    assert all(prim.vjp_rule(i) is None and prim.jvp_rule(i) is None for i in range(prim.arity))
