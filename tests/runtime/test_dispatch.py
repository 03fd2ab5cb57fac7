"""Dispatch: the fast paths straight into Numba must never change what a call means."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.runtime.dispatch import default_signature

from . import dispatch_funcs as F


@pytest.fixture(scope="module")
def neuron_grad():
    g = fg.grad(F.neuron, argnums=(0, 1, 2, 3, 4))
    g(2.0, -1.0, -3.0, -2.0, -3.0)
    return g


@pytest.mark.slow
def test_hot_path_accepts_ints_and_numpy_floats(neuron_grad):
    want = neuron_grad(2.0, -1.0, -3.0, -2.0, -3.0)
    assert neuron_grad._hot_dispatcher is not None
    np.testing.assert_allclose(neuron_grad(2, -1, -3, -2, -3), want)
    np.testing.assert_allclose(neuron_grad(*map(np.float64, (2, -1, -3, -2, -3))), want)


@pytest.mark.slow
def test_hot_path_still_reports_bad_calls(neuron_grad):
    with pytest.raises(TypeError, match="takes 5 argument"):
        neuron_grad(1.0, 2.0)
    with pytest.raises(TypeError, match="'x0'"):
        neuron_grad(1.0, "a", 1.0, 1.0, 1.0)


@pytest.mark.slow
def test_array_signature_takes_other_layouts_and_ndims():
    g = fg.grad(F.weighted)
    x = np.arange(8.0)
    np.testing.assert_allclose(g(x, x), x)
    np.testing.assert_allclose(g(x[::2], x[::2]), x[::2])            # non-contiguous
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(g(X, 2 * X), 2 * X)                   # another ndim
    np.testing.assert_allclose(g(X.T, X.T), X.T)                     # Fortran order


def test_annotations_give_the_default_signature():
    assert default_signature(F.annotated) == (T.Array("float64", 2), T.Array("float64", 1))
    src = fg.grad(F.annotated, target="python").source
    assert "X @ v" in src


def test_parse_types():
    assert T.parse("f64[:, :]") == T.Array("float64", 2)
    assert T.parse("int") == T.I64
    with pytest.raises(ValueError):
        T.parse("f64[3]")
