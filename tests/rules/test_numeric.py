"""Every VJP and JVP rule against central finite differences of the primitive itself.

Rules are evaluated twice: directly, with a numeric builder whose ``b.mul(x, y)`` is
``PRIMS["mul"].evaluate(x, y)``, and compiled, through reverse_ad and the python
target's code generator (which also checks each primitive's spelling).
"""
import itertools

import pytest

from flatgrad.compiler import types as T
from flatgrad.compiler.builder import Builder
from flatgrad.compiler.ir import Block, Function
from flatgrad.compiler.pipeline import render
from flatgrad.compiler.library import BUILTIN
from flatgrad.compiler.primitives import PRIMS
from flatgrad.compiler.reverse import reverse_ad

from ..helpers import fd
from flatgrad.compiler.errors import CompileError

from .table import INTERNAL, KINKS, NO_DERIVATIVE, SMOOTH_POINTS, is_float_arg


class NumBuilder:
    """Duck-types Builder: every primitive call is evaluated on Python numbers."""

    loc = None          # no source position (a rule that refuses names it in its error)

    def zeros_like(self, x):
        return 0.0 * x

    def const(self, v, t=None):
        return v

    def __getattr__(self, name):
        return lambda *args, **params: PRIMS[name].evaluate(*args)


WITH_RULES = sorted(n for n, p in PRIMS.items() if n in BUILTIN
                    and p.vjp is not None and p.evaluate is not None and n not in INTERNAL)
CASES = [(n, i, args) for n in WITH_RULES for args in SMOOTH_POINTS.get(n, [()])
         for i in range(PRIMS[n].arity)]


def test_table_covers_every_primitive_with_a_rule():
    missing = [n for n in WITH_RULES if n not in SMOOTH_POINTS]
    assert not missing, f"add rows to tests/rules/table.py for {missing}"


def _fd(name, args, i):
    ev = PRIMS[name].evaluate
    return fd(lambda *a: float(ev(*a)), args, i)


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
@pytest.mark.parametrize("name,i,args", CASES, ids=[f"{n}-{i}-{a}" for n, i, a in CASES])
def test_rule_matches_finite_differences(mode, name, i, args):
    prim = PRIMS[name]
    rule = getattr(prim, mode + "_rule")(i)
    if not is_float_arg(args[i]):
        assert rule is None, f"{name}: argument {i} is not a float but has a {mode} rule"
        return
    if i in NO_DERIVATIVE.get(name, ()):
        with pytest.raises(CompileError, match="cannot differentiate"):
            rule(NumBuilder(), 1.0, prim.evaluate(*args), *args)
        return
    expected = _fd(name, args, i)
    if rule is None:
        # "no gradient" must be true: locally constant in this argument
        assert expected == pytest.approx(0.0, abs=1e-9)
        return
    out = prim.evaluate(*args)
    for seed in (1.0, -2.5):
        got = rule(NumBuilder(), seed, out, *args)
        assert float(got) == pytest.approx(seed * expected, rel=1e-6, abs=1e-8)


def _grad_module(name, arg_types, wrt):
    b = Builder()
    params = tuple(b.fresh(t, h) for t, h in zip(arg_types, "xyz"))
    out = b.op(name, *params)
    fn = Function(name, params, Block((), tuple(b.stmts), (out,)))
    g = reverse_ad(fn, wrt)
    src = render([g], "python", f"<rule {name}>")
    ns = {}
    exec(compile(src, f"<rule {name}>", "exec"), ns)
    return ns[g.name], src


DIFFERENTIABLE = [n for n in WITH_RULES if any(PRIMS[n].vjp_rule(i) is not None
                                                for i in range(PRIMS[n].arity))]
COMPILED = [(n, args) for n in DIFFERENTIABLE for args in SMOOTH_POINTS[n]]


@pytest.mark.parametrize("name,args", COMPILED, ids=[f"{n}-{a}" for n, a in COMPILED])
def test_compiled_gradient_matches_finite_differences(name, args):
    types = tuple(T.F64 if is_float_arg(a) else T.of_value(a) for a in args)
    wrt = tuple(i for i, a in enumerate(args) if is_float_arg(a) and i not in NO_DERIVATIVE.get(name, ()))
    gfn, src = _grad_module(name, types, wrt)
    got = gfn(*args)
    got = got if isinstance(got, tuple) else (got,)
    for k, i in enumerate(wrt):
        assert float(got[k]) == pytest.approx(_fd(name, args, i), rel=1e-6, abs=1e-8), src


KINK_CASES = [(n, a, e) for n, rows in KINKS.items() for a, e in rows]


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
@pytest.mark.parametrize("name,args,expected", KINK_CASES, ids=[f"{n}{a}" for n, a, _ in KINK_CASES])
def test_rule_at_non_differentiable_point_follows_jax(mode, name, args, expected):
    prim = PRIMS[name]
    out = prim.evaluate(*args)
    for i, rule in enumerate(getattr(prim, mode)):
        assert float(rule(NumBuilder(), 1.0, out, *args)) == expected[i]


@pytest.mark.parametrize("name,args,expected", KINK_CASES, ids=[f"{n}{a}" for n, a, _ in KINK_CASES])
def test_compiled_gradient_at_non_differentiable_point(name, args, expected):
    gfn, src = _grad_module(name, (T.F64,) * len(args), tuple(range(len(args))))
    got = gfn(*args)
    got = got if isinstance(got, tuple) else (got,)
    assert tuple(map(float, got)) == expected, src
