"""functools.reduce, range inside zip/enumerate, np.full_like and lists read as arrays
(builtin_funcs.py): values
and gradients against the functions themselves and central differences, both targets."""
import numpy as np
import pytest

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import builtin_funcs as F

X = np.array([0.3, -1.2, 0.7])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -0.5 * X], ids=["x", "-x/2"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, -0.5 * X])


def test_reduce_over_an_arrays_items_is_pythons_loop():
    check_value_and_grad(F.reduce_rows, (X,), 0, rtol=1e-6, atol=1e-8)
    check_value_and_grad(lambda x: np.sum(F.reduce_rows(x) ** 2), (np.outer(X, X),), 0,
                         rtol=1e-6, atol=1e-8)


def test_comparing_tuples_is_refused():
    check_refused(F.compares_tuples, (X,), "does not compare tuples", "builtin_funcs.py")


def test_dot_with_a_stack_on_the_right_is_numpys_product():
    # np.dot sums a's last axis with c's second to last (not matmul's stacks of products)
    check_value_and_grad(F.dot_with_a_stack, (X,), 0, rtol=1e-6, atol=1e-8)


def test_max_and_min_of_a_tuple_or_list_of_numbers():
    check_value_and_grad(F.max_of_a_list, (X,), 0, rtol=1e-6, atol=1e-8)
    check_value_and_grad(lambda x: max(x) - min(x), (X,), 0, rtol=1e-6, atol=1e-8)
    check_refused(lambda x: max(x), (np.outer(X, X),), "max() needs two or more numbers",
                  "test_builtins.py")     # (Python compares the rows: ambiguous)
