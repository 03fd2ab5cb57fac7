"""Gradients of @njit functions (and of functions calling @njit helpers); keyword arguments
and defaults at call time."""
import numpy as np
import pytest

import flatgrad as fg

from . import embed_funcs as F

X = np.array([0.3, -0.5])
TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_grad_of_an_njit_function_calling_an_njit_helper(target):
    gx, gw = fg.grad(F.loss, argnums=(0, 1), target=target)(X, 0.7)
    t = np.tanh(X * 0.7)
    np.testing.assert_allclose(gx, 2 * t * (1 - t * t) * 0.7)
    np.testing.assert_allclose(gw, np.sum(2 * t * (1 - t * t) * X))


@pytest.mark.parametrize("target", TARGETS)
def test_keywords_and_defaults_at_call_time(target):
    g = fg.grad(F.withdef, target=target)
    assert g(1.5) == pytest.approx(6.0)
    assert g(1.5, beta=3.0) == pytest.approx(9.0)
    assert g(1.5, gamma=5.0, beta=1.0) == pytest.approx(3.0)
    assert g(x=1.5) == pytest.approx(6.0)
    v, d = fg.value_and_grad(F.withdef, target=target)(1.5, gamma=0.5)
    assert (v, d) == pytest.approx((2.0 * 2.25 + 0.5, 6.0))
    # Numba code called from Python: once a scalar signature is hot, Numba's own C dispatcher
    # binds the arguments (runtime/hot.py), and words a wrong keyword its way
    numba = "|some keyword arguments unexpected" if target == "cpu" else ""
    with pytest.raises(TypeError, match="delta" + numba):
        g(1.5, delta=1.0)
    with pytest.raises(TypeError, match="beta" + numba):
        g(1.5, 2.0, beta=3.0)
