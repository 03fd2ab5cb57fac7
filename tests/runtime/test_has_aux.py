"""grad and value_and_grad with has_aux=True (aux_funcs.py), as JAX: the gradient of the
value against central differences, aux equal to what the function returns, in JAX's
nesting, on both targets; inside a compiled function and under vmap; results nested in
dicts and tuples for the other transforms."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import num_grad
from . import aux_funcs as F

W = np.array([0.4, -0.7, 1.1])


def _value(f):
    return lambda w, X, y: f(w, X, y)[0]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f", [F.loss, F.loss_tuple_aux], ids=lambda f: f.__name__)
def test_grad_and_value_and_grad_with_aux(f, target):
    args = (W, F.X, F.Y)
    want_value, want_aux = f(*args)
    g, aux = fg.grad(f, has_aux=True, target=target)(*args)
    (value, aux2), g2 = fg.value_and_grad(f, has_aux=True, target=target)(*args)
    ref = num_grad(_value(f), args, 0)
    for got in (g, g2):
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    for a in (aux, aux2):
        assert type(a) is type(want_aux)
        got_leaves = [a[k] for k in sorted(a)] if isinstance(a, dict) else list(a)
        want_leaves = [want_aux[k] for k in sorted(want_aux)] if isinstance(a, dict) else list(want_aux)
        for x, y in zip(got_leaves, want_leaves):
            np.testing.assert_allclose(x, y, rtol=1e-12)


def test_several_argnums_with_aux():
    (gw, gX), aux = fg.grad(F.loss_tuple_aux, argnums=(0, 1), has_aux=True,
                            target="python")(W, F.X, F.Y)
    np.testing.assert_allclose(gX, num_grad(_value(F.loss_tuple_aux), (W, F.X, F.Y), 1),
                               rtol=1e-6, atol=1e-8)
    assert len(aux) == 2


def test_has_aux_inside_a_compiled_function():
    np.testing.assert_allclose(fg.grad(F.outer, target="python")(W), num_grad(F.outer, (W,), 0),
                               rtol=1e-5, atol=1e-7)


def test_vmap_of_grad_with_aux():
    Ws = np.stack([W, -W, 2 * W])
    G, (H, M) = fg.vmap(fg.grad(F.loss_tuple_aux, has_aux=True), in_axes=(0, None, None),
                        target="python")(Ws, F.X, F.Y)
    for k, w in enumerate(Ws):
        g, (h, m) = fg.grad(F.loss_tuple_aux, has_aux=True, target="python")(w, F.X, F.Y)
        np.testing.assert_allclose(G[k], g, rtol=1e-12)
        np.testing.assert_allclose(H[k], h, rtol=1e-12)
        np.testing.assert_allclose(M[k], m, rtol=1e-12)


def test_nested_results_of_other_transforms():
    out, tangent = fg.jvp(F.nested, (W, F.X, F.Y), (np.ones(3), np.zeros_like(F.X), np.zeros(6)),
                          target="python")
    assert sorted(out) == ["loss", "parts"] and isinstance(out["parts"], tuple)
    eps = 1e-6
    up, down = F.nested(W + eps, F.X, F.Y), F.nested(W - eps, F.X, F.Y)
    np.testing.assert_allclose(tangent["loss"], (up["loss"] - down["loss"]) / (2 * eps), rtol=1e-6)
    np.testing.assert_allclose(tangent["parts"][0], (up["parts"][0] - down["parts"][0]) / (2 * eps),
                               rtol=1e-6)


def test_has_aux_needs_a_pair():
    with pytest.raises(fg.CompileError, match=r"has_aux=True needs 'not_a_pair' to return a pair"):
        fg.grad(F.not_a_pair, has_aux=True, target="python")(W, F.X, F.Y)
    with pytest.raises(TypeError, match="has_aux must be True or False"):
        fg.grad(F.loss, has_aux="yes")
