"""np.isclose / allclose (also in an assert), np.nan_to_num, np.iscomplex / isreal /
iscomplexobj / isrealobj (known while compiling: flatgrad's values are real), np.int64 and
dtype names in astype: values against NumPy, gradients against differences (autograd's own
test_logic and test_numpy cases among them), both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad

X = np.array([0.3, 1.2, -0.7, 0.9])
Y = np.array([0.0, np.nan, np.inf, -np.inf])


def nan_to_num(x):                         # autograd's test_nan_to_num
    return np.sum(np.sin(np.nan_to_num(x + Y))) + np.sum(np.nan_to_num(x + Y, nan=1.5, posinf=2.0, neginf=-3.0) ** 2)


def asserts_allclose(x):                   # autograd's test_assert
    assert np.allclose(x, (x * 3.0) / 3.0)
    return np.sum(x) + np.sum(np.isclose(x, x[::-1])) + np.sum(np.isclose(x, x + 1e-9, atol=0.0))


def falsy_complex(x):                      # autograd's test_falseyness
    return np.sum(x ** 2 if np.iscomplex(x).any() or np.iscomplexobj(x) else np.sin(x)) + \
        np.sum(np.where(np.isreal(x), x, 0.0)) * float(np.isrealobj(x))


def cast_to_int(x):                        # autograd's test_cast_to_int, in one function
    W = np.stack([x, x * 2.0])
    idx = np.int64(np.abs(x[:2]) * 2.0)
    return np.sum(W[:, idx]) + np.sum(np.sin(x.astype("float64"))) + np.sum(x.astype("f8") ** 2)


FUNCS = [nan_to_num, asserts_allclose, falsy_complex, cast_to_int]


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
    def f(x):
        assert np.allclose(x, x + 1.0), "not close"
        return np.sum(x)
    with pytest.raises(AssertionError, match="not close"):
        fg.grad(f, target="python")(X)


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
