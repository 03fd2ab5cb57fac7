"""Writes into an array that a tuple, list or dict also holds, and writes through a view.

NumPy changes every holder of a buffer written into. A write into an array a container also
holds was accepted and computed as if the container had a copy: a wrong value and gradient,
silently (``A = np.zeros(3); L = [A]; A[0] = x; L[0][0]`` gave 0, NumPy x). Those writes are
refused now, at the write. A view of an array nothing else can reach
(``np.zeros(6).reshape(2, 3)``, a helper's ``np.array([...]).reshape(...)``, ``.T`` of a
fresh array) is written as NumPy writes it; a view of an array another name, a container or
the caller holds stays refused. Values against NumPy, gradients against central differences.
"""
import inspect
from dataclasses import dataclass

import numpy as np
import pytest

import flatgrad as fg

from .test_broadcast_items import _check


# ------------------------------------------------------------------ refused: a holder would change

def in_a_list(x):
    A = np.zeros(3)
    L = [A]
    A[0] = x
    return L[0][0] * x + A[0]


def in_a_dict(x):
    A = np.zeros(3)
    d = {"a": A}
    A[0] = x
    return d["a"][0] * x + A[0]


def in_a_tuple(x):
    A = np.zeros(3)
    t = (A, 1.0)
    A[0] = x
    return t[0][0] * x + A[0]


@dataclass
class _Box:
    a: np.ndarray
    b: float


def in_an_object(x):
    A = np.zeros(3)
    p = _Box(A, 1.0)
    A[0] = x
    return p.a[0] * x + A[0]


def appended_then_written(x):
    z = np.zeros(2)
    out = []
    out.append(z)
    z[0] = x
    return out[0][0] * x


def appended_each_trip(x):
    z = np.zeros(2)
    out = []
    for i in range(2):
        z[i] = x * (i + 1)
        out.append(z)
    return out[0][1] + out[1][0]


def listed_before_a_loop(x):
    A = np.zeros(3)
    L = [A]
    for i in range(3):
        A[i] = x * i
    return np.sum(L[0])


def view_of_a_named_array(x):
    A = np.zeros(6)
    Z = A.reshape(2, 3)
    Z[0, 1] = x
    return np.sum(A) + np.sum(Z)


def view_of_a_named_array_iadd(x):
    A = np.zeros(6)
    Z = A.reshape(2, 3)
    Z += x
    return np.sum(A)


def _write_into_a_view_of(B, x):
    V = B[1:]
    V[0] = x
    return np.sum(V)


def view_of_the_callers_array(x):
    A = np.ones(6)
    return _write_into_a_view_of(A, x) + np.sum(A)


@pytest.mark.parametrize("f,words", [
    (in_a_list, "'L' holds the array 'A'"), (in_a_dict, "'d' holds the array 'A'"),
    (in_a_tuple, "'t' holds the array 'A'"), (in_an_object, "'p' holds the array 'A'"),
    (appended_then_written, "'out' holds the array 'z'"),
    (appended_each_trip, "'out' holds the array 'z'"),
    (listed_before_a_loop, "'L' holds the array 'A'"),
    (view_of_a_named_array, "view into another array"),
    (view_of_a_named_array_iadd, "view into another array"),
    (view_of_the_callers_array, "never mutates an argument or a view of one"),
], ids=lambda v: v.__name__ if callable(v) else "")
def test_a_write_a_holder_would_see_is_refused_at_the_write(f, words):
    with pytest.raises(fg.CompileError, match=words) as e:
        fg.grad(f, target="python")(0.7)
    written = []          # (the caller's array: the write is in the helper)
    for fn in (f, _write_into_a_view_of):
        lines, first = inspect.getsourcelines(fn)
        written += [first + k for k, ln in enumerate(lines) if "] = " in ln or " += " in ln]
    assert any(f":{n}:" in str(e.value) for n in written), str(e.value)


# ------------------------------------------------------------------ accepted: nothing else sees it

def reshaped_constant(x):
    Z = np.array([1.0, 2.0, 3.0, 4.0]).reshape(2, 2)
    Z[0, 1] = x
    return np.sum(Z * x)


def _table():
    return np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).reshape(2, 3)


def helpers_reshaped_table(x):
    Z = _table()
    Z[1, 2] = x * x
    return np.sum(Z * x)


def transposed_and_added(x):
    Z = np.arange(6.0).reshape(2, 3).T
    Z += x
    Z[1, 0] = x * x
    return np.sum(Z ** 2)


def slice_of_zeros_in_a_branch(x):
    Z = np.zeros((3, 4))[1:]
    Z[0, 1] = x
    if x > 0:
        Z[1, 1] = 2 * x
    return np.sum(Z * x)


def reshaped_zeros_in_a_loop(x):
    Z = np.zeros(6).reshape(2, 3)
    for i in range(3):
        Z[0, i] = x * i
        Z[1, i] = np.sin(x) + Z[0, i]
    return np.sum(Z * Z)


def written_before_it_is_listed(x):
    out = []
    for i in range(2):
        z = np.zeros(2)
        z[i] = x * (i + 1)
        out.append(z)
    return out[0][0] + out[1][1] * x


ACCEPTED = [reshaped_constant, helpers_reshaped_table, transposed_and_added,
            slice_of_zeros_in_a_branch, reshaped_zeros_in_a_loop, written_before_it_is_listed]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f", ACCEPTED, ids=[f.__name__ for f in ACCEPTED])
@pytest.mark.parametrize("x", [0.7, -0.4])
def test_a_write_nothing_else_sees_matches_numpy_and_differences(f, x, target):
    _check(f, (x,), target, True)
