"""Random expressions: flatgrad's gradient against sympy.diff of the same expression."""
import math

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings

import flatgrad as fg

from .exprgen import HEADER, X, Y, expressions, load, points


@pytest.fixture(scope="module")
def srcdir(tmp_path_factory):
    return tmp_path_factory.mktemp("prop_src")


def check_expression(srcdir, expr, x, y, target):
    text, sym = expr
    fn, path = load(srcdir, HEADER + f"def f(x, y):\n    return {text}\n")
    want = [sp.lambdify((X, Y), sp.diff(sym, v), "math")(x, y) for v in (X, Y)]
    if not all(math.isfinite(w) for w in want):
        return
    value = sp.lambdify((X, Y), sym, "math")(x, y)
    assert fn(x, y) == pytest.approx(value, rel=1e-9, abs=1e-12)
    got = fg.grad(fn, (0, 1), target=target)(x, y)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-7, abs=1e-9), f"{text} at x={x}, y={y}:\n{path.read_text()}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=expressions, x=points, y=points)
def test_random_expression_python(srcdir, expr, x, y):
    check_expression(srcdir, expr, x, y, "python")


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=expressions, x=points, y=points)
def test_random_expression_cpu(srcdir, expr, x, y):
    check_expression(srcdir, expr, x, y, "cpu")
