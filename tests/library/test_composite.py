"""np.cov, np.corrcoef, np.ptp, np.average, np.logspace, np.linalg.multi_dot, math.fsum/prod, np.fmod,
np.searchsorted/np.digitize, np.triu_indices/np.tril_indices (composite_funcs.py): values
against NumPy, gradients against central differences and JAX, both targets, vmap."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import composite_funcs as F

X = np.array([0.71, 0.23, 1.37, 0.93])
POINTS = [X, X[::-1] * 0.8 + 0.05, np.array([0.12, 0.61, 0.44, 1.9])]


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", POINTS, ids=["x", "reversed", "other"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [F.cov1, F.cov2, F.corr, F.cov_xy, F.logspace_, F.multidot, F.ptp_,
                               F.avg_plain, F.avg_w, F.select_, F.select_nodefault],
                         ids=lambda f: f.__name__)
def test_against_jax(f):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    clone = type(f)(f.__code__, {**f.__globals__, "np": jax.numpy}, f.__name__)
    np.testing.assert_allclose(fg.grad(f, target="python")(X), jax.grad(clone)(X), rtol=1e-9)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, POINTS[:2])


@pytest.mark.parametrize("f", [F.cov2, F.corr, F.search, F.fmod_], ids=lambda f: f.__name__)
def test_vmap_of_the_gradient_is_the_gradient_of_each_row(f):
    xs = np.stack(POINTS)
    g = fg.grad(f, target="python")
    np.testing.assert_allclose(fg.vmap(g, target="python")(xs), np.stack([g(x) for x in xs]),
                               rtol=1e-12, atol=1e-14)


def test_fmod_is_cs_remainder_with_the_dividends_sign():
    x = np.array([-2.5, -0.3, 0.3, 2.5, 6.9])
    f = lambda x: np.sum(np.fmod(x, 0.7) * np.arange(5.0))
    check_value_and_grad(f, (x,), 0)
    assert fg.value_and_grad(f, target="python")(x)[0] == f(x)


def test_cov_of_a_matrix_with_one_row_says_so_at_run_time():
    with pytest.raises(ValueError, match="one variable"):
        fg.grad(F.cov_of_one_row, target="python")(X)


def test_average_with_weights_summing_to_zero_is_numpys_error():
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        fg.grad(F.avg_zero_weights, target="python")(X)
