"""Builtins over items known only at run time (any/all/max/min of generators, reduce over an
array's rows), np.argwhere, np.unravel_index, np.ix_, np.vdot, np.ldexp, math.isclose and
itertools' product/combinations/permutations: values against the plain Python call,
gradients against central differences, both targets for a few."""
import functools
import itertools
import math
import operator

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

X1 = np.array([0.3, -0.5, 0.9])
X2 = np.arange(6.0).reshape(3, 2) / 5 - 0.3


def any_of_generator(x):
    return np.sum(x) if any(v > 0.8 for v in x) else np.sum(x ** 2)


def all_of_generator(x):
    return np.sum(x ** 3) if all(v > -1 for v in x) else np.sum(x ** 2)


def any_all_of_tuples(x):
    a = x[0] if any((x[1] > 0, x[2] > 0)) else x[1]
    return a + (x[2] if all([True, x[0] > 0.5]) else 2 * x[2]) + (x[1] if any(x > 0.8) else 0.0)


def max_min_of_generators(x):
    return max(v ** 2 for v in x) + min(np.sin(v) for v in x) + max(x) - min([2 * v for v in x])


def reduce_over_an_array(x):
    return functools.reduce(lambda a, b: a + b * b, x, 0.0) + functools.reduce(operator.mul, x)


def reduce_over_rows(X):
    return np.sum(functools.reduce(lambda a, r: a * r + 1.0, X))


def argwhere_rows(x):
    return np.sum(x[np.argwhere(x > 0)[:, 0]] ** 2)


def flat_helpers(X):
    return np.vdot(X, X) + np.sum(np.ldexp(X, 3)) + np.sum(np.ldexp(X[0], np.array([1, -2])))


def unravel(X):
    i, j = np.unravel_index(np.argmax(X), X.shape)
    k, m = np.unravel_index(3, X.shape, order="F")
    return X[i, j] * X[k, m]


def open_meshes(X):
    return np.sum(X[np.ix_([0, 2], [1])] ** 2) + np.sum(
        X[np.ix_(np.array([True, False, True]), [0, 1])] ** 3)


def close_enough(x):
    near = math.isclose(x[1], -0.4, abs_tol=0.2) and not math.isclose(x[0], 0.31)
    return x[0] * x[2] if near else x[1]


def iterated_pairs(x):
    return (sum(x[i] * x[j] for i, j in itertools.product(range(3), range(3)))
            + sum(a * b for a, b in itertools.product((x[0], x[1]), repeat=2))
            + sum(x[i] * x[j] ** 2 for i, j in itertools.combinations(range(3), 2))
            + sum(x[i] - x[j] ** 3 for i, j in itertools.permutations(range(3), 2)))


CASES = [(any_of_generator, X1), (all_of_generator, X1), (any_all_of_tuples, X1),
         (max_min_of_generators, X1), (reduce_over_an_array, X1), (reduce_over_rows, X2),
         (argwhere_rows, X1), (flat_helpers, X2), (unravel, X2), (open_meshes, X2),
         (close_enough, X1), (iterated_pairs, X1)]


@pytest.mark.parametrize("f, x", CASES, ids=[f.__name__ for f, _ in CASES])
def test_values_and_gradients(f, x):
    value, g = fg.value_and_grad(f, target="python")(x)
    assert value == pytest.approx(f(x), rel=1e-13)
    np.testing.assert_allclose(g, numeric_grad(f, [x], 0), rtol=1e-6, atol=1e-9)


def test_the_run_time_branches_follow_the_values():
    """any/all decide at run time: the other side of each test, as Python takes it."""
    y = np.array([0.3, -1.5, 0.2])
    for f in (any_of_generator, all_of_generator):
        value, g = fg.value_and_grad(f, target="python")(y)
        assert value == pytest.approx(f(y), rel=1e-13)
        np.testing.assert_allclose(g, numeric_grad(f, [y], 0), rtol=1e-6, atol=1e-9)


def product_over_run_time_items(x):
    return sum(a for a, b in itertools.product(x, x))


@pytest.mark.parametrize("f, message", [
    (product_over_run_time_items, "itertools.product runs over tuples, lists or ranges"),
])
def test_refusals_are_located(f, message):
    with pytest.raises(fg.CompileError, match=message) as e:
        fg.grad(f, target="python")(X1)
    assert "test_indices.py" in str(e.value)


@pytest.mark.slow
def test_cpu_target():
    for f, x in CASES[3:6]:
        value, g = fg.value_and_grad(f, target="cpu")(x)
        assert value == pytest.approx(f(x), rel=1e-13)
        np.testing.assert_allclose(g, numeric_grad(f, [x], 0), rtol=1e-6, atol=1e-9)
