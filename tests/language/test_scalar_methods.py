"""Numbers answer the array methods NumPy scalars have (``(x @ x).sum()``), one-element arrays
``.item()``, real values ``.real``/``.imag``/``.conj()``; dict comprehensions over what is
known while compiling; f-strings of values known while compiling. Values against the plain
Python call, gradients against central differences."""
import warnings

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import scalar_method_funcs as F

X = np.array([0.3, 0.5, 0.9])
A = np.arange(6.0).reshape(2, 3) / 7


def numeric(f, args, i=0, eps=1e-6):
    return numeric_grad(f, list(args), i, eps)


CASES = [(F.dot_then_sum, (X,)), (F.sum_then_mean, (X,)), (F.number_item, (X,)),
         (F.one_element_item, (X,)), (F.item_at, (X,)), (F.item_2d, (A,)),
         (F.number_astype_reshape, (X,)), (F.conj_real_imag, (X,)),
         (F.number_reductions, (X,)), (F.literal_numbers_as_arrays, (X,)),
         (F.fstring_keys_and_modes, (X,)), (F.errstate_block, (X - 0.4,)),
         (F.set_of_modes, (X,)), (F.strings_known_while_compiling, (X,)),
         (F.dict_comprehension, (X, {"W": A, "b": 0.4, "skip": 1.0}))]


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_values_and_gradients(f, args):
    value, g = fg.value_and_grad(f, target="python")(*args)
    assert value == pytest.approx(f(*args), rel=1e-13)
    np.testing.assert_allclose(g, numeric(f, args), rtol=1e-6, atol=1e-9)


def test_dict_comprehension_gradient_in_the_dict():
    p = {"W": A, "b": 0.4, "skip": 1.0}
    g = fg.grad(F.dict_comprehension, 1, target="python")(X, p)
    np.testing.assert_allclose(g["W"], numeric(lambda W: F.dict_comprehension(
        X, {**p, "W": W}), (A,)), rtol=1e-6)
    assert g["b"] == pytest.approx(np.sum(np.tanh(A)) * (1 - np.tanh(0.4) ** 2), rel=1e-12)
    assert g["skip"] == 0.0


def test_float_of_an_array_is_what_numpy_says():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = F.float_of_array(X)
        except TypeError:
            want = None
    if want is None:          # NumPy >= 2.4: only 0-d arrays convert
        with pytest.raises(fg.CompileError, match=r"float\(\) of an array") as e:
            fg.grad(F.float_of_array, target="python")(X)
        assert "a.item()" in str(e.value)
    else:
        value, g = fg.value_and_grad(F.float_of_array, target="python")(X)
        assert value == pytest.approx(want)
        np.testing.assert_allclose(g, [0.5, 0.3, 0.0])


@pytest.mark.parametrize("f, message", [
    (F.dict_over_rows, "a dict comprehension runs over range"),
    (F.fstring_of_a_run_time_value, "this f-string reads 'x\\[0\\]', known only at run time"),
    (F.set_of_run_time_values, "a set holds values known while compiling"),
    (F.str_of_a_run_time_value, "str\\(\\) of a value known only at run time"),
])
def test_refusals_are_located(f, message):
    with pytest.raises(fg.CompileError, match=message) as e:
        fg.grad(f, target="python")(X)
    assert "scalar_method_funcs.py" in str(e.value) and "^" in str(e.value)


@pytest.mark.slow
def test_cpu_target():
    for f, args in CASES[:10]:
        value, g = fg.value_and_grad(f, target="cpu")(*args)
        assert value == pytest.approx(f(*args), rel=1e-13)
        np.testing.assert_allclose(g, numeric(f, args), rtol=1e-6, atol=1e-9)
