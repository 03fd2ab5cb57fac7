"""Bounds-check elimination (issue 24 item 1): compiler/ranges.py proves indices in range on
the optimised IR; the cpu target compiles proven-only functions without Numba's boundscheck
and checks the other indices with an explicit check_index that raises the located IndexError."""
import inspect

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler.ranges import analyse

from ..helpers import fd_array
from . import range_funcs as F


def _ir(f, *args):
    g = fg.grad(f, target="python")
    return g.build_ir(g.signature(args)[0])


def _line(f, k: int) -> int:
    """The line number of line ``k`` after ``def`` in ``f``."""
    return inspect.getsourcelines(f)[1] + k


def _unproven(f, *args) -> set[tuple[int, str]]:
    """(line after def, primitive) of each access of ``f``'s gradient not proven in range."""
    first = _line(f, 0)
    return {(a.line - first, a.prim) for a in analyse(_ir(f, *args)).accesses if not a.proven}


X = np.linspace(-1.0, 1.3, 7)
A = np.linspace(-1.0, 1.0, 12).reshape(3, 4)


@pytest.mark.parametrize("f", [F.rosenbrock, F.mirrored, F.reversed_diffs, F.same_length_buffer,
                               F.stepped])
def test_loop_indices_tied_to_the_loop_bound_are_proven(f):
    b = analyse(_ir(f, X))
    assert b.accesses and b.all_proven, b
    # the forward reads and the reverse pass's grad_x[i] += ... writes both count
    assert {a.prim for a in b.accesses} >= {"index_add"}


def test_both_axes_of_a_triangle_loop_are_proven():
    b = analyse(_ir(F.rows_and_columns, A))
    assert len(b.accesses) >= 4 and b.all_proven, b


def test_loop_tape_rows_are_proven():
    """The tape of a loop has one row per trip (len(range(...))): its writes in the forward
    loop and reads in the reversed one are in range, in nested loops too."""
    b = analyse(_ir(F.recurrence, X, 0.5))
    assert {"tape_put", "tape_get"} <= {a.prim for a in b.accesses} and b.all_proven, b
    b = analyse(_ir(F.nested_recurrence, A, 0.5))
    assert {"tape_put", "tape_get"} <= {a.prim for a in b.accesses} and b.all_proven, b


def test_an_index_one_past_the_end_is_not_proven():
    assert _unproven(F.one_past_the_end, X) == {(3, "getitem"), (3, "index_add")}


def test_another_arrays_length_is_not_the_loop_bound():
    assert _unproven(F.other_array, X, X) == {(3, "getitem")}     # y[i]; grad_x[i] is proven


def test_a_carried_array_that_shrinks_is_not_proven():
    assert (5, "getitem") in _unproven(F.shrinking, X)


def test_constant_indices_and_constant_trip_counts_need_the_length():
    # nothing says x has 4 elements
    assert {p for _, p in _unproven(F.constant_index, X)} == {"getitem", "index_add"}
    assert _unproven(F.fixed_trip_count, X) == {(3, "getitem"), (3, "index_add")}


def test_an_index_array_keeps_numbas_checks():
    b = analyse(_ir(F.by_an_index_array, X, np.array([0, 2])))
    assert b.opaque and not b.all_proven


def test_constant_sizes_are_known_and_not_mistaken_for_values():
    """np.zeros(3) has 3 elements for range(3), not for range(x.shape[0]) (shapes.py once
    named a constant size 3 as it names the value with id 3)."""
    # buf[i] (line 3) is proven; x[0] there is not (x may be empty); out[i] (line 6) is not
    assert _unproven(F.constant_buffer, X) == {(3, "getitem"), (3, "index_add"),
                                               (6, "setitem"), (6, "getitem")}


_fd = fd_array


@pytest.mark.parametrize("f", [F.rosenbrock, F.mirrored, F.reversed_diffs, F.stepped,
                               F.same_length_buffer])
def test_python_gradients_match_finite_differences(f):
    np.testing.assert_allclose(fg.grad(f, target="python")(X), _fd(f, X), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- the cpu target (Numba)

@pytest.fixture(scope="module")
def cpu():
    """The cpu-target gradients, compiled once for the module."""
    return {f.__name__: fg.grad(f, target="cpu") for f in
            (F.rosenbrock, F.mirrored, F.reversed_diffs, F.rows_and_columns, F.one_past_the_end,
             F.other_array, F.by_an_index_array, F.recurrence, F.stepped_recurrence,
             F.nested_recurrence, F.same_length_buffer, F.stepped)}


def _source(g, *args):
    return g.build_source(g.signature(args)[0])


@pytest.mark.slow
def test_cpu_proven_functions_compile_without_boundscheck(cpu):
    for name in ("rosenbrock", "mirrored", "reversed_diffs"):
        text = _source(cpu[name], X)
        assert "boundscheck=False" in text and "check_index" not in text, text
        assert "proven in range" in text
        np.testing.assert_allclose(cpu[name](X), _fd(getattr(F, name), X), rtol=1e-6, atol=1e-6)
    text = _source(cpu["rows_and_columns"], A)
    assert "boundscheck=False" in text and "check_index" not in text, text
    np.testing.assert_allclose(cpu["rows_and_columns"](A), _fd(F.rows_and_columns, A),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_cpu_gradients_of_loops_match_finite_differences(cpu):
    """Proven (no check) and partly checked loops, tapes included, against central
    differences of the plain Python function."""
    for name in ("recurrence", "stepped_recurrence"):
        f = getattr(F, name)
        np.testing.assert_allclose(cpu[name](X, 0.7), _fd(lambda x: f(x, 0.7), X),
                                   rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(cpu["nested_recurrence"](A, 0.7),
                               _fd(lambda a: F.nested_recurrence(a, 0.7), A), rtol=1e-6, atol=1e-8)
    for name in ("same_length_buffer", "stepped"):
        f = getattr(F, name)
        np.testing.assert_allclose(cpu[name](X), _fd(f, X), rtol=1e-6, atol=1e-6)
    assert "check_index" not in _source(cpu["recurrence"], X, 0.7)
    assert "check_index" not in _source(cpu["nested_recurrence"], A, 0.7)


@pytest.mark.slow
def test_cpu_unproven_indices_raise_the_located_index_error(cpu):
    g = cpu["one_past_the_end"]
    text = _source(g, X)
    assert "boundscheck=False" in text and "check_index(" in text, text
    for _ in range(2):          # the first call and a dispatched one
        with pytest.raises(IndexError, match=f"range_funcs.py:{_line(F.one_past_the_end, 3)}"):
            g(X)
    g = cpu["other_array"]
    with pytest.raises(IndexError, match=f"range_funcs.py:{_line(F.other_array, 3)}"):
        g(X, X[:3])
    np.testing.assert_allclose(g(X, X + 1.0), X + 1.0)


@pytest.mark.slow
def test_cpu_index_arrays_keep_numbas_checks(cpu):
    g, idx = cpu["by_an_index_array"], np.array([0, 2])
    assert "boundscheck=True" in _source(g, X, idx)
    with pytest.raises(IndexError, match=f"range_funcs.py:{_line(F.by_an_index_array, 1)}"):
        g(X, np.array([0, 10**9]))
