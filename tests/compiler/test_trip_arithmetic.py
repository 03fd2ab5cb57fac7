"""The arithmetic of one reverse trip: an adjoint seed a loop carries unchanged is its value
(so the constant folds reach it), ``c1 * (c2 * x)`` folds where that is exact, and two
scatters of numbers into the same element become one (issue 24: the Rosenbrock element loop).
Values are checked against central differences, the listings for what each pass promises."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.compiler.builder import Builder
from flatgrad.compiler.ir import Block, Const, Function, dump
from flatgrad.compiler.optimize import merge_scatters, simplify
from flatgrad.compiler.verify import check

from ..helpers import fd_array
from .range_funcs import rosenbrock


def neighbours(x):
    """x[i] and x[i + 1] each read once a trip: two scatters at different indices."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += x[i] * x[i + 1] + np.sin(x[i + 1])
    return s


def rows_twice(X):
    """Row i read twice a trip: the row's two contributions are arrays."""
    s = 0.0
    for i in range(X.shape[0]):
        s += np.sum(X[i] ** 2) + np.sum(np.sin(X[i]))
    return s


def stencil(x):
    s = 0.0
    for i in range(1, x.shape[0] - 1):
        s += (x[i - 1] - 2.0 * x[i] + x[i + 1]) ** 2 + x[i] ** 3 * x[i - 1]
    return s


def with_buffer(x):
    """x[i] read in two statements, around a write into another array."""
    y = np.zeros(x.shape[0])
    s = 0.0
    for i in range(x.shape[0]):
        y[i] = x[i] * x[i]
        s += np.sin(x[i]) + y[i] * x[i]
    return s + np.sum(y)


def grid(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s += A[i, j] ** 2 * np.cos(A[i, j]) + A[i, j] * A[i, 0]
    return s


def branches(x):
    s = 0.0
    k = 0
    while k < x.shape[0]:
        if x[k] > 0.0:
            s += x[k] ** 2
        s += np.exp(-x[k]) * x[k]
        k += 1
    return s


def while_sum(x):
    """A while loop carries the seed of s's adjoint through every trip unchanged."""
    s = 0.0
    i = 0
    while i < 5:
        s = s + x * x * i
        i += 1
    return s


def _loop_lines(src: str) -> list[str]:
    body = src.split("for ", 1)[1].splitlines()[1:]
    return [ln.strip() for ln in body if ln.startswith("        ")]


PROGRAMS = [(rosenbrock, (7,)), (neighbours, (6,)), (rows_twice, (4, 3)), (stencil, (6,)),
            (with_buffer, (5,)), (grid, (3, 4)), (branches, (7,))]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f,shape", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
def test_gradients_match_central_differences(f, shape, target):
    x = np.random.default_rng(3).uniform(-1.5, 1.5, shape)
    g = fg.grad(f, target=target)(x)
    np.testing.assert_allclose(g, fd_array(f, x), rtol=1e-6, atol=1e-6)


def test_an_element_read_twice_a_trip_is_scattered_once():
    src = fg.source(rosenbrock, target="python", types=[T.parse("f64[:]")])
    lines = _loop_lines(src)
    assert sum(ln.startswith("grad_x[i] += ") for ln in lines) == 1, src
    assert sum(ln.startswith("grad_x[") for ln in lines) == 2, src


def test_the_seed_a_loop_carries_unchanged_is_folded():
    """``grad_s`` is 1.0 on every trip: the adjoint of ``100 * d ** 2`` is ``200.0 * d``."""
    src = fg.source(rosenbrock, target="python", types=[T.parse("f64[:]")])
    assert "grad_s, " not in src and "200.0 * " in src, src
    assert fg.grad(while_sum, target="python")(0.7) == pytest.approx(2 * 0.7 * 10)
    assert fg.grad(fg.grad(while_sum), target="python")(0.7) == pytest.approx(20.0)


def test_scatters_at_other_indices_stay_apart():
    src = fg.source(neighbours, target="python", types=[T.parse("f64[:]")])
    lines = _loop_lines(src)
    assert sum(ln.startswith("grad_x[") for ln in lines) == 2, src


def _two_scatters(g_second_array=False, other_index=False):
    b = Builder()
    x = b.fresh(T.Array("float64", 1), "x")
    i = b.fresh(T.I64, "i")
    j = b.fresh(T.I64, "j")
    acc = b.op("zeros_like", x)
    a = b.op("sin", b.op("getitem", x, i, spec=(("i",),)))
    first = b.op("index_add", acc, a, i, spec=(("i",),))
    if g_second_array:
        c = b.op("cos", x)
        second = b.op("index_add", first, c, spec=(("s", None, None, None),))
    else:
        c = b.op("cos", b.op("getitem", x, i, spec=(("i",),)))
        second = b.op("index_add", first, c, j if other_index else i, spec=(("i",),))
    fn = Function("f", (x, i, j), Block((), tuple(b.stmts), (second,)))
    check(fn)
    return fn


def test_merge_scatters_on_the_ir():
    out = merge_scatters(_two_scatters())
    check(out)
    text = dump(out)
    assert text.count("index_add") == 1 and "add %" in text, text
    for variant in (dict(other_index=True), dict(g_second_array=True)):
        fn = _two_scatters(**variant)
        assert dump(merge_scatters(fn)) == dump(fn), variant


def _scaled(c1, c2):
    b = Builder()
    x = b.fresh(T.F64, "x")
    y = b.op("mul", Const(c1, T.F64), b.op("mul", x, Const(c2, T.F64)))
    fn = Function("f", (x,), Block((), tuple(b.stmts), (y,)))
    out = simplify(fn)
    check(out)
    return dump(out)


def test_scaling_twice_folds_only_where_exact():
    assert "mul 6.0 %0(x)" in _scaled(2.0, 3.0)
    assert "mul 0.75 %0(x)" in _scaled(3.0, 0.25)
    assert "mul 15.0" not in _scaled(3.0, 5.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_fold_is_bit_exact_for_powers_of_two(dtype):
    """The reason the fold is allowed: scaling by 2**k commutes with rounding."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000).astype(dtype) * dtype(1e3)
    for k in (-3, 1, 4):
        p = dtype(2.0 ** k)
        c = rng.standard_normal(1).astype(dtype)[0]
        np.testing.assert_array_equal(p * (c * x), (p * c) * x)
        np.testing.assert_array_equal(c * (p * x), (c * p) * x)
    c1, c2 = dtype(3.0), dtype(0.1)
    assert np.any(c1 * (c2 * x) != (c1 * c2) * x)      # not exact otherwise: not folded
