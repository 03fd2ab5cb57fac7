"""Static lists and read-only objects describing a model (issue 25, item 6): values and
gradients against plain NumPy and finite differences; arrays inside objects are read at
each call; an object argument whose attributes change is compiled again, never served
stale code; attribute writes are located CompileErrors."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import model_funcs as M
from .numeric import num_grad

RNG = np.random.default_rng(6)
X = RNG.normal(size=(5, 3))
FLAT = RNG.normal(size=3 * 4 + 4 * 2) * 0.5
LAYERS = [M.Dense(3, 4), M.Scaled(4, 2, np.array([0.5, 1.5]))]

CASES = [
    (M.mlp_over_sizes, (FLAT, X)),
    (M.unpack_by_shapes, (RNG.normal(size=3 * 4 + 4 + 4 * 2 + 2),)),
    (M.closure_sizes([2, 3]), (RNG.normal(size=4),)),
    (M.read_config, (RNG.normal(size=3),)),
    (M.convnet_style, (FLAT, X)),
    (M.layers_argument, (FLAT, X, LAYERS)),
    (M.layers_argument, (FLAT, X, tuple(LAYERS))),
    (M.net_argument, (FLAT, X, M.Net(LAYERS))),
    (M.closed_over_net, (FLAT, X)),
    (M.skip_last_activation, (FLAT, X, LAYERS)),
    (M.list_attribute, (X,)),
    (M.sizes_argument, (RNG.normal(size=30), [3, 4, 2])),
    (M.sizes_argument, (RNG.normal(size=30), (3, 4, 2))),
    (M.shapes_argument, (RNG.normal(size=20), [(3, 4), (4,), (2, 2)])),
]


@pytest.mark.parametrize("f, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_model_description_value_and_gradient(f, args):
    value, grad = fg.value_and_grad(f, target="python")(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    np.testing.assert_allclose(grad, num_grad(f, args, 0), rtol=1e-5, atol=1e-7)


def test_array_attribute_is_read_at_each_call():
    g = fg.grad(M.convnet_style, target="python")
    before = g(FLAT, X)
    old = M.LAYERS[1].scale
    try:
        M.LAYERS[1].scale = old * 3.0          # the same object, a new array
        after = g(FLAT, X)
        np.testing.assert_allclose(after, num_grad(M.convnet_style, (FLAT, X), 0), rtol=1e-5)
        assert not np.allclose(before, after)
    finally:
        M.LAYERS[1].scale = old


def test_changed_object_argument_is_not_served_stale_code():
    layers = [M.Dense(3, 4), M.Scaled(4, 2, np.array([0.5, 1.5]))]
    g = fg.value_and_grad(M.layers_argument, target="python")
    v1, _ = g(FLAT, X, layers)
    layers[1].scale[0] = 2.0                  # an array changed in place: read at the call
    v2, _ = g(FLAT, X, layers)
    assert v2 == pytest.approx(M.layers_argument(FLAT, X, layers), rel=1e-12)
    layers[0].shape = (3, 4)                  # unchanged numbers: still the same
    small = [M.Dense(3, 2)]                   # other sizes: another compilation
    v3, g3 = g(FLAT[:6], X, small)
    assert v3 == pytest.approx(M.layers_argument(FLAT[:6], X, small), rel=1e-12)
    np.testing.assert_allclose(g3, num_grad(M.layers_argument, (FLAT[:6], X, small), 0),
                               rtol=1e-5)
    layers[1].shape = (2, 4)                  # a number changed: compiled again, not stale
    layers[0].n_out = 2                       # (so the sizes still fit FLAT)
    layers[0].shape = (3, 2)
    layers[1].n_in, layers[1].n_out = 2, 4
    layers[1].scale = np.ones(4)
    v4, g4 = g(FLAT[:14], X, layers)
    assert v4 == pytest.approx(M.layers_argument(FLAT[:14], X, layers), rel=1e-12)
    np.testing.assert_allclose(g4, num_grad(M.layers_argument, (FLAT[:14], X, layers), 0),
                               rtol=1e-5)


def test_object_argument_has_no_gradient():
    with pytest.raises(TypeError, match="static data without a gradient"):
        fg.grad(M.layers_argument, argnums=2, target="python")(FLAT, X, LAYERS)


def test_attribute_write_is_rejected_with_location():
    with pytest.raises(CompileError, match=r"model_funcs\.py:\d+:\d+: cannot assign to the "
                                           r"attribute 'n_in': objects are read-only") as e:
        fg.grad(M.writes_attribute, target="python")(FLAT, X, LAYERS[0])
    assert "^" in str(e.value)


def test_unreadable_attribute_is_rejected():
    with pytest.raises(CompileError, match=r"'Holder.f' is a complex"):
        fg.grad(M.unreadable_attribute, target="python")(1.0)


def test_array_in_a_helpers_closure_object_is_read_at_each_call():
    # the helper is reached by its module name, its closure holds the object (issue 26: a
    # helper's closure arrays are read through the names that reach it)
    g = fg.grad(M.helper_closure_array, target="python")
    layer = M._HELPER.__closure__[0].cell_contents
    saved = layer.scale
    try:
        np.testing.assert_allclose(g(np.ones(2)), 2.0 * layer.scale)
        layer.scale = np.array([7.0, 1.0])
        np.testing.assert_allclose(g(np.ones(2)), [14.0, 2.0])
    finally:
        layer.scale = saved


def test_convnet_style_parser_keyed_by_layer_objects():
    n, loss = M.make_nn_funs((1, 4, 4), [M.PoolLayer((2, 2)), M.TanhLayer(3), M.TanhLayer(2)])
    args = (RNG.normal(size=int(n)) * 0.5, RNG.normal(size=(5, 1, 4, 4)))
    value, grad = fg.value_and_grad(loss, target="python")(*args)
    assert value == pytest.approx(loss(*args), rel=1e-12)
    np.testing.assert_allclose(grad, num_grad(loss, args, 0), rtol=1e-5, atol=1e-7)
