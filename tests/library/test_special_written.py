"""SciPy's entr, rel_entr, kl_div, huber, pseudo_huber, boxcox, boxcox1p and the ufuncs that
are primitives under another name (log1p, expm1, cbrt, exp2): values equal SciPy's at edges
(0, negative points, infinities, the Box-Cox lambda thresholds), gradients against central
differences and JAX inside the domains, both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import special_written_funcs as F

EDGE = np.array([-1.5, -0.0, 0.0, 1e-300, 0.3, 0.5, 2.0, 40.0, np.inf])
X = np.array([0.71, 0.23, 1.37, 0.93])


@pytest.mark.parametrize("f", F.EDGES, ids=lambda f: f.__name__)
def test_values_at_the_edges_are_scipys(f):
    out, _ = fg.vjp(f, EDGE, target="python")
    np.testing.assert_array_equal(out, f(EDGE))


@pytest.mark.parametrize("x", [X, X[::-1] * 1.3], ids=["x", "other"])
def test_gradients_inside_the_domains(x):
    check_value_and_grad(F.smooth, (x,), 0, rtol=1e-6, atol=1e-8)


def test_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jsp, jnp = jax.scipy.special, jax.numpy

    def same(x):        # entr, rel_entr and kl_div as JAX has them
        p = x / jnp.sum(x)
        return jnp.sum(jsp.entr(p) * 2.0) + jnp.sum(jsp.rel_entr(p, x)) + jnp.sum(jsp.kl_div(x, p))

    def ours(x):
        from scipy import special
        p = x / np.sum(x)
        return np.sum(special.entr(p) * 2.0) + np.sum(special.rel_entr(p, x)) + np.sum(special.kl_div(x, p))
    np.testing.assert_allclose(fg.grad(ours, target="python")(X), jax.grad(same)(X), rtol=1e-12)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python([F.smooth], [X])
    for f in F.EDGES:
        np.testing.assert_array_equal(fg.vjp(f, EDGE, target="cpu")[0], f(EDGE))
