"""Second derivatives at the special points of the rules, against SymPy.

A rule may take a separate branch at a special value (``x == 0`` in sinc, xlogy, x**y;
zeros in np.prod) to avoid 0/0. The branch must be right as a *function*, not only as a
value: Hessians differentiate the rule again, and a constant put in at one point has
derivative 0 there. Every smooth primitive with a SymPy form is checked here on a grid of
special values (0, ±1, ±1/2, 2 and ties), in both orders that build a Hessian (forward over
reverse, as ``fg.hessian``, and reverse over reverse), wherever SymPy says the primitive is
twice differentiable around the point; then np.prod and np.cumprod with zeros, through the
public API.
"""
import itertools
import math

import numpy as np
import pytest
import sympy as sp

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.compiler.builder import Builder
from flatgrad.compiler.ir import Block, Function
from flatgrad.compiler.pipeline import render
from flatgrad.compiler.primitives import PRIMS
from flatgrad.compiler.steps import Step, apply_steps

from .test_sympy import SMOOTH

VALUES = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0)
# arguments that are not real numbers (polygamma's order) are not on the grid; nor are the
# Bessel functions of any order (no derivative in the order, which a full Hessian asks for)
# or the functions SymPy cannot evaluate at exact points (erfinv and its kin, i0e through
# Abs, the zeta functions: RecursionError, "Cannot convert expression to float").
# tests/library/test_bessel.py and test_specfun.py check their Hessians in the point
# against differences of gradients.
SCALAR = [n for n in SMOOTH if n not in ("polygamma", "jv", "yv", "iv", "ive", "kv", "kve",
                                          "erfinv", "erfcinv", "ndtri", "i0e", "zetac",
                                          "hurwitz_zeta")]
ORDERS = {"fwd-over-rev": "fwd", "rev-over-rev": "rev"}
_X = sp.symbols("x0 x1", real=True)


def _hessian_fn(name, order):
    b = Builder()
    arity = PRIMS[name].arity
    params = tuple(b.fresh(T.F64, h) for h in ("x", "y")[:arity])
    out = b.op(name, *params)
    fn = Function(name, params, Block((), tuple(b.stmts), (out,)))
    wrt = tuple(range(arity))
    h = apply_steps(fn, (Step("rev", wrt), Step("jac", wrt, mode=ORDERS[order])))
    src = render([h], "python", f"<hessian of {name}>")
    ns = {}
    exec(compile(src, f"<hessian of {name}>", "exec"), ns)
    return ns[h.name], src


def _flat(v):
    """The Hessian's entries, row by row, as floats."""
    return [float(e) for item in (v if isinstance(v, tuple) else (v,)) for e in _flat_one(item)]


def _flat_one(item):
    return _flat(item) if isinstance(item, tuple) else [item]


def _real(v):
    v = complex(sp.N(v, 30))
    return v.real if abs(v.imag) < 1e-12 and math.isfinite(v.real) else None


def _sympy_hessian(name, point):
    """SymPy's Hessian at ``point``, or None where the primitive is not twice differentiable
    around it (undefined or complex nearby, a kink, a pole)."""
    args = _X[:len(point)]
    expr = PRIMS[name].sympy(*args)
    point = [sp.Rational(v) for v in point]        # exact: no cancellation near the point
    entries = [sp.diff(expr, args[i], args[j])
               for i, j in itertools.product(range(len(args)), repeat=2)]
    values = [_smooth_value(e, args, point) for e in [expr] + entries]   # f real around it too
    return None if any(v is None for v in values) else values[1:]


def _smooth_value(e, args, point):
    """The value of ``e`` at ``point`` (a limit at a removable singularity of one variable),
    or None unless it is real and continuous there."""
    at = dict(zip(args, point))
    v = _real(e.subs(at))
    if v is None and len(args) == 1:                # sinc'' at 0
        lo, hi = (sp.limit(e, args[0], point[0], d) for d in ("-", "+"))
        v = _real(lo) if lo == hi else None
    if v is None:
        return None
    for k, s in itertools.product(range(len(args)), (-1, 1)):
        near = dict(at)
        near[args[k]] = point[k] + s * sp.Rational(1, 10**7)
        w = _real(e.subs(near))
        if w is None or abs(w - v) > 1e-4 * (1 + abs(v)):
            return None
    return v


@pytest.fixture(scope="module")
def hessians():
    cache = {}

    def get(name, order):
        if (name, order) not in cache:
            cache[name, order] = _hessian_fn(name, order)
        return cache[name, order]
    return get


@pytest.mark.parametrize("name", SCALAR)
def test_every_smooth_primitive_has_its_hessian_at_the_special_values(name, hessians):
    checked = 0
    for point in itertools.product(VALUES, repeat=PRIMS[name].arity):
        want = _sympy_hessian(name, point)
        if want is None:
            continue
        checked += 1
        for order in ORDERS:
            fn, src = hessians(name, order)
            got = fn(*point)
            got = _flat(got)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), \
                f"{name}{point} {order}: flatgrad {got}, SymPy {want}\n{src}"
    assert checked or name in ("isnan", "isinf", "isfinite"), f"no smooth point of {name} on the grid"


@pytest.mark.parametrize("name,point,want", [
    ("sinc", (0.0,), [-math.pi ** 2 / 3]),
    ("pow", (2.0, 0.0), [0.0, 0.5, 0.5, math.log(2.0) ** 2]),
    ("xlogy", (0.0, 2.0), [0.0, 0.5, 0.5, 0.0]),
    ("xlog1py", (0.0, 2.0), [0.0, 1 / 3, 1 / 3, 0.0]),
])
def test_the_points_that_were_wrong(name, point, want, hessians):
    """Each gave a wrong (even asymmetric) Hessian before its rule was mended."""
    for order in ORDERS:
        got = hessians(name, order)[0](*point)
        got = _flat(got)
        assert got == pytest.approx(want, rel=1e-13, abs=1e-15), order


def test_sinc_slope_is_accurate_near_zero_where_the_quotient_cancels():
    """sinc'(x) near 0, against the series computed in exact arithmetic by SymPy."""
    g = fg.grad(lambda x: np.sinc(x), target="python")
    x = sp.Symbol("x")
    d = sp.diff(sp.sin(sp.pi * x) / (sp.pi * x), x)
    for v in (1e-12, -3e-9, 1e-5, 0.01, 0.2499, 0.25, 0.3, -0.7, 1.5):
        want = float(sp.N(d.subs(x, sp.Rational(v)), 30))
        assert g(v) == pytest.approx(want, rel=2e-15, abs=1e-300), v


# ---------------------------------------------------------------- np.prod, np.cumprod

def _sym_hessian(expr_of, values):
    xs = sp.symbols(f"x0:{len(values)}")
    expr = expr_of(xs)
    at = dict(zip(xs, values))
    return np.array([[float(sp.diff(expr, a, c).subs(at)) for c in xs] for a in xs])


PROD_VECTORS = [[1.5, 0.0, 2.0, 3.0], [0.0, 0.0, 2.0, 3.0], [0.0, 1.5, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0], [1.5, -0.5, 2.0, 3.0], [2.0, 3.0, 0.0]]


@pytest.mark.parametrize("x", PROD_VECTORS, ids=str)
def test_hessian_of_prod_is_exact_at_zeros(x):
    x = np.array(x)
    want = _sym_hessian(lambda xs: sp.Mul(*xs), x)
    f = lambda v: np.prod(v)            # noqa: E731
    np.testing.assert_allclose(fg.hessian(f, target="python")(x), want, rtol=1e-14, atol=0)
    np.testing.assert_allclose(fg.jacobian(fg.grad(f, target="python"), target="python")(x), want,
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(fg.grad(f, target="python")(x),
                               [float(sp.Mul(*np.delete(x, i))) for i in range(len(x))], rtol=1e-15)


def prod_axes(A):
    return (np.sum(np.prod(A, axis=0) ** 2) + np.sum(np.prod(A, axis=1, keepdims=True) * A)
            + np.prod(A) + np.sum(np.prod(A, axis=(0, 1)) * A))


def cumprod_sum(v):
    return np.sum(np.cumprod(v) * np.arange(1.0, 5.0))


@pytest.mark.parametrize("A", [[[0.0, 2.0, -1.0], [1.5, 0.0, 0.5]], [[0.0, 0.0, 2.0], [0.0, 3.0, 0.0]],
                               [[1.5, 2.0, -1.0], [0.5, 3.0, 0.7]]], ids=str)
def test_hessian_of_prod_along_axes_is_exact_at_zeros(A):
    A = np.array(A)

    def sym(xs):
        M = sp.Matrix(2, 3, xs)
        p0 = [M[0, j] * M[1, j] for j in range(3)]
        p1 = [M[i, 0] * M[i, 1] * M[i, 2] for i in range(2)]
        full = sp.Mul(*xs)
        return (sum(p ** 2 for p in p0) + sum(p1[i] * M[i, j] for i in range(2) for j in range(3))
                + full + full * sum(xs))

    want = _sym_hessian(sym, A.ravel()).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(fg.hessian(prod_axes, target="python")(A), want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("v", [[1.5, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 0.5]], ids=str)
def test_hessian_of_cumprod_is_exact_at_zeros(v):
    v = np.array(v)

    def sym(xs):
        return sum((k + 1) * sp.Mul(*xs[:k + 1]) for k in range(4))

    want = _sym_hessian(sym, v)
    np.testing.assert_allclose(fg.hessian(cumprod_sum, target="python")(v), want, rtol=1e-14, atol=0)


def prod_and_sinc(A):
    return np.sinc(A[0, 0]) * np.prod(A) + np.sum(np.prod(A, axis=0) ** 2)


@pytest.mark.slow
def test_prod_and_sinc_hessians_at_zeros_on_the_cpu_target():
    A = np.array([[0.0, 2.0, -1.0], [1.5, 0.0, 0.5]])
    want = fg.hessian(prod_and_sinc, target="python")(A)
    assert np.abs(want).max() > 1.0
    np.testing.assert_allclose(fg.hessian(prod_and_sinc, target="cpu")(A), want, rtol=1e-13, atol=1e-13)
