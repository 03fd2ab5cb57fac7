"""np.isclose / allclose (also in an assert), np.nan_to_num, np.iscomplex / isreal /
iscomplexobj / isrealobj (known while compiling: flatgrad's values are real), np.int64 and
dtype names in astype: values against NumPy, gradients against differences (autograd's own
test_logic and test_numpy cases among them), both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import predicate_funcs as F

X = F.X
FUNCS = F.FUNCS


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_against_differences(f):
    check_value_and_grad(f, (X,), 0, rtol=1e-6, atol=1e-8)


def test_isclose_values_are_numpys():
    a = np.array([1.0, np.inf, -np.inf, np.nan, 1.0 + 1e-6, 0.0])
    b = np.array([1.0, np.inf, np.inf, np.nan, 1.0, 1e-9])
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 1e-7}):
        out = fg.vjp(lambda a: np.isclose(a, b, **kw) * 1.0, a, target="python")[0]
        np.testing.assert_array_equal(out, np.isclose(a, b, **kw) * 1.0)


def test_a_failing_allclose_assert_raises():
    with pytest.raises(AssertionError, match="not close"):
        fg.grad(F.asserts_not_close, target="python")(X)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(FUNCS, [X, -X])


def test_casts_of_a_fused_expression_are_parenthesised():
    # np.int64(x * y) on the cpu target is one fused expression: '.astype' binds tighter than
    # '*', so it must read (x * y).astype(...), never x * y.astype(...) (another value)
    import re

    from flatgrad.compiler import types as T

    def f(x, y):
        return np.sum(x * np.int64(x * y)) + np.sum(np.float64(x * 2.0 + 1.0))
    text = fg.source(f, (0,), target="cpu", types=[T.parse("f64[:]"), T.parse("f64[:]")])
    assert ".astype(" in text
    assert not re.search(r"[*+\-/] *[\w.\[\]]+\.astype\(", text), text
