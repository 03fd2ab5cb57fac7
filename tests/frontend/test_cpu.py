"""Issue 25's constructs (slice objects, *args helpers, model objects, grown lists) on the
Numba target: compiled once per module, checked against the python target and finite
differences."""
import numpy as np
import pytest

import flatgrad as fg

from . import cpu_funcs as C
from . import model_funcs as M
from .numeric import num_grad

pytestmark = pytest.mark.slow

RNG = np.random.default_rng(8)
FLAT = RNG.normal(size=3 * 4 + 4 * 2) * 0.5
X = RNG.normal(size=(6, 3))
LAYERS = [M.Dense(3, 4), M.Scaled(4, 2, np.array([0.5, 1.5]))]


@pytest.fixture(scope="module")
def compiled():
    return {f: fg.value_and_grad(f, target="cpu") for f in (C.combined, M.convnet_style)}


@pytest.mark.parametrize("f, args", [(C.combined, (FLAT, X, LAYERS)),
                                     (M.convnet_style, (FLAT, X))],
                         ids=["combined", "closure_objects"])
def test_issue25_constructs_on_cpu(compiled, f, args):
    value, grad = compiled[f](*args)
    ref_value, ref_grad = fg.value_and_grad(f, target="python")(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10)
    np.testing.assert_allclose(grad, num_grad(f, args, 0), rtol=1e-5, atol=1e-7)
    if f is C.combined:       # fewer rows: the grown list is shorter, the same compilation
        short = (FLAT, X[:4], LAYERS)
        np.testing.assert_allclose(compiled[f](*short)[1], num_grad(f, short, 0), rtol=1e-5,
                                   atol=1e-7)
