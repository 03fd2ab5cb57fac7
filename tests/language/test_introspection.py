"""dtypes (x.dtype, np.finfo, np.iinfo, np.issubdtype), hasattr/getattr, imports inside the
function, sorted() and min/max with key= (introspection_funcs.py): values and gradients
against the functions themselves and central differences, both targets."""
import numpy as np
import pytest

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import introspection_funcs as F

X = np.array([0.31, -1.23, 0.77])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -0.5 * X, X[::-1] * 1.7], ids=["x", "-x/2", "reversed"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X, -0.5 * X])


def test_sorted_keeps_equal_keys_in_order_as_python():
    # keys tie (|x| equal): Python's stable sort keeps the first first; so must the steps
    f = lambda x: sorted([x[0], -x[0], x[1]], key=abs)[0] * 10.0 + sorted([x[0], -x[0], x[1]], key=abs)[1]
    check_value_and_grad(f, (np.array([0.5, 2.0]),), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, words", [
    (F.finfo_of_an_array, "expected a dtype known while compiling"),
    (F.sorted_array, "np.sort(x)"),
    (F.import_fails, "this import fails"),
], ids=["finfo-array", "sorted-array", "import"])
def test_refused_with_the_reason(f, words):
    check_refused(f, (X,), words, "introspection_funcs.py")
