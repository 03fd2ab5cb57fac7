"""ufunc.outer (compiler/library/ufunc_methods.py): values against NumPy's own method,
gradients against central differences and against autograd's gradient of the same function
written with broadcasting; both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import ufunc_outer_funcs as F

X = np.array([0.71, 0.23, 1.37, 0.93])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, X[::-1] * 0.6 + 0.1], ids=["x", "other"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, same", [(F.outer_sub, F.outer_sub_broadcast),
                                     (F.outer_mul, F.outer_mul_broadcast)],
                         ids=["subtract", "multiply"])
def test_against_autograd_on_the_broadcast_form(f, same):
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    clone = type(same)(same.__code__, {**same.__globals__, "np": anp}, same.__name__)
    np.testing.assert_allclose(fg.grad(f, target="python")(X), ag.grad(clone)(X), rtol=1e-12)


def test_vmap():
    xs = np.stack([X, X * 0.5, X[::-1]])
    g = fg.grad(F.outer_sub, target="python")
    np.testing.assert_allclose(fg.vmap(g, target="python")(xs), np.stack([g(x) for x in xs]),
                               rtol=1e-12)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [X])
