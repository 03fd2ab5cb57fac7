"""fg.vmap against a plain per-example Python loop of the unbatched transform, on the
python target, with both methods: every composition, pytrees, None axes, out_axes,
negative axes, control flow and nested vmap."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError
from flatgrad.api import forward

from . import programs as P
from .oracle import assert_close, loop

PY = "python"
METHODS = ("batch", "loop")
rng = np.random.default_rng(7)


def mlp_params(k=4, h=5, o=3):
    return {"W1": rng.normal(size=(k, h)), "b1": rng.normal(size=h),
            "W2": rng.normal(size=(h, o)), "b2": rng.normal(size=o)}


def method_used(t) -> str:
    """The method the compiled vmap ran ('batch', or 'loop ...' with the reason)."""
    return dict(t.ir.meta).get("vmap", "")


@pytest.mark.parametrize("method", METHODS)
def test_plain_function(method):
    x, A, b = rng.normal(size=(6, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    v = fg.vmap(P.affine, in_axes=(0, None, None), target=PY, method=method)
    assert_close(v(x, A, b), loop(P.affine, (x, A, b), (0, None, None)))
    assert method_used(v).startswith(method)


@pytest.mark.parametrize("method", METHODS)
def test_per_example_gradients_of_a_dict_of_parameters(method):
    params, X, Y = mlp_params(), rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    g = fg.vmap(fg.grad(P.mlp_loss), in_axes=(None, 0, 0), target=PY, method=method)
    want = loop(fg.grad(P.mlp_loss, target=PY), (params, X, Y), (None, 0, 0))
    got = g(params, X, Y)
    assert_close(got, want)
    assert got["W1"].shape == (7, 4, 5)
    assert method_used(g).startswith(method)


def test_per_example_weight_gradient_is_one_einsum():
    W, X, Y = rng.normal(size=(4, 3)), rng.normal(size=(9, 4)), rng.normal(size=(9, 3))
    g = fg.vmap(fg.grad(P.linear_loss), in_axes=(None, 0, 0), target=PY, method="batch")
    assert_close(g(W, X, Y), loop(fg.grad(P.linear_loss, target=PY), (W, X, Y), (None, 0, 0)))
    src = g.source
    assert "np.einsum('ni,nj->nij'" in src and "for " not in src
    assert "x @ W" in src                 # the forward pass: one matrix product for the batch


@pytest.mark.parametrize("method", METHODS)
def test_value_and_grad_with_argnums(method):
    W, X, Y = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    t = fg.value_and_grad(P.linear_loss, argnums=(0, 1))
    g = fg.vmap(fg.value_and_grad(P.linear_loss, argnums=(0, 1), target=PY),
                in_axes=(None, 0, 0), method=method)
    want = loop(fg.value_and_grad(P.linear_loss, argnums=(0, 1), target=PY), (W, X, Y),
                (None, 0, 0))
    assert_close(g(W, X, Y), want)
    assert t is not None


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", ("rev", "fwd"))
def test_jacobian(method, mode):
    x, A, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 2, 3)), rng.normal(size=2)
    j = fg.vmap(fg.jacobian(P.affine, argnums=(0, 1), mode=mode, target=PY),
                in_axes=(0, 0, None), method=method)
    want = loop(fg.jacobian(P.affine, argnums=(0, 1), mode=mode, target=PY), (x, A, b),
                (0, 0, None))
    assert_close(j(x, A, b), want)


@pytest.mark.parametrize("method", METHODS)
def test_hessian(method):
    W, X, Y = rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    h = fg.vmap(fg.hessian(P.linear_loss, argnums=1, target=PY), in_axes=(None, 0, 0),
                method=method)
    want = loop(fg.hessian(P.linear_loss, argnums=1, target=PY), (W, X, Y), (None, 0, 0))
    assert_close(h(W, X, Y), want)
    assert h(W, X, Y).shape == (4, 3, 3)


@pytest.mark.parametrize("method", METHODS)
def test_scalar_functions_and_forward_mode(method):
    x, y = rng.normal(size=6), rng.normal(size=6)
    v = fg.vmap(fg.grad(P.scalar_poly, argnums=(0, 1), target=PY), method=method)
    assert_close(v(x, y), loop(fg.grad(P.scalar_poly, argnums=(0, 1), target=PY), (x, y)))
    fwd = forward(P.scalar_poly, argnums=0, target=PY)     # (x, y, tangent0)
    t = rng.normal(size=6)
    vf = fg.vmap(fwd, in_axes=(0, None, 0), method=method)
    assert_close(vf(x, 2.0, t), loop(fwd, (x, 2.0, t), (0, None, 0)))


@pytest.mark.parametrize("method", METHODS)
def test_out_axes_and_negative_axes(method):
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(5, 3))
    # x mapped along its last axis (-1), y along axis 0; the results' batch axes at -1 and 0
    v = fg.vmap(P.two_results, in_axes=(-1, 0), out_axes=(-1, 0), target=PY, method=method)
    want = loop(P.two_results, (x, y), (1, 0), (1, 0))
    assert_close(v(x, y), want)
    v1 = fg.vmap(P.affine, in_axes=(1, None, None), out_axes=1, target=PY, method=method)
    A, b = rng.normal(size=(2, 3)), rng.normal(size=2)
    assert_close(v1(x, A, b), loop(P.affine, (x, A, b), (1, None, None), 1))


@pytest.mark.parametrize("method", METHODS)
def test_unmapped_results_and_axis_size(method):
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    v = fg.vmap(P.unmapped_result, in_axes=(0, None), out_axes=(0, None), target=PY,
                method=method)
    assert_close(v(x, W), loop(P.unmapped_result, (x, W), (0, None), (0, None)))
    # a result that does not depend on the batch, with an int out_axes: broadcast
    b = fg.vmap(P.unmapped_result, in_axes=(0, None), target=PY, method=method)
    assert_close(b(x, W), loop(P.unmapped_result, (x, W), (0, None)))
    # nothing mapped: axis_size gives the batch
    s = fg.vmap(P.affine, in_axes=None, axis_size=3, target=PY, method=method)
    A, b2, x1 = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=3)
    assert_close(s(x1, A, b2), loop(P.affine, (x1, A, b2), None, axis_size=3))


@pytest.mark.parametrize("method", METHODS)
def test_pytree_in_axes_map_part_of_a_container(method):
    """An ensemble: the weights mapped, the bias shared, inside one dict."""
    params = {"w": rng.normal(size=(8, 3)), "b": 0.5}
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=10)
    spec = ({"w": 0, "b": None}, None, None)
    g = fg.vmap(fg.value_and_grad(P.ensemble_loss, target=PY), in_axes=spec, method=method)
    want = loop(fg.value_and_grad(P.ensemble_loss, target=PY), (params, X, Y),
                ({"w": 0, "b": None}, None, None))
    assert_close(g(params, X, Y), want)


@pytest.mark.parametrize("method", METHODS)
def test_nested_vmap_pairwise(method):
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    inner = fg.vmap(P.pair, in_axes=(None, 0), target=PY, method=method)   # one x, every y
    outer = fg.vmap(inner, in_axes=(0, None), method=method)               # every x
    want = np.array([[P.pair(x, y) for y in Y] for x in X])
    assert_close(outer(X, Y), want)


@pytest.mark.parametrize("method", METHODS)
def test_if_on_a_per_example_value(method):
    x, t = rng.normal(size=(12, 3)), rng.normal(size=12)
    v = fg.vmap(P.branchy, target=PY, method=method)
    assert_close(v(x, t), loop(P.branchy, (x, t)))
    g = fg.vmap(fg.grad(lambda x, t: np.sum(P.branchy(x, t) ** 2), target=PY),
                method=method)
    assert_close(g(x, t), loop(fg.grad(lambda x, t: np.sum(P.branchy(x, t) ** 2),
                                       target=PY), (x, t)))


def test_if_whose_arm_may_raise_falls_back_to_the_loop():
    x, i = rng.normal(size=(5, 4)), np.array([0, -1, 3, 2, -2])
    v = fg.vmap(P.branchy_unsafe, target=PY, method="batch")
    assert_close(v(x, i), loop(P.branchy_unsafe, (x, i)))
    assert method_used(v).startswith("loop")


@pytest.mark.parametrize("method", METHODS)
def test_loops(method):
    x, W = rng.normal(size=(6, 3)), rng.normal(size=(3, 3))
    v = fg.vmap(P.loop_fixed, in_axes=(0, None), target=PY, method=method)
    assert_close(v(x, W), loop(P.loop_fixed, (x, W), (0, None)))
    assert method_used(v).startswith(method)       # an unbatched trip count batches
    n = np.array([0, 1, 3, 2, 3, 1])
    r = fg.vmap(P.loop_ragged, target=PY, method=method)
    assert_close(r(x, n), loop(P.loop_ragged, (x, n)))
    a = np.array([2.0, 9.0, 0.25, 1e4])
    w = fg.vmap(P.newton_sqrt, target=PY, method=method)
    assert_close(w(a), np.sqrt(a))
    gw = fg.vmap(fg.grad(P.newton_sqrt, target=PY), method=method)
    assert_close(gw(a), loop(fg.grad(P.newton_sqrt, target=PY), (a,)), rtol=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_integer_labels_index_per_example(method):
    W, X = rng.normal(size=(4, 3)), rng.normal(size=(6, 4))
    labels = np.array([0, 2, 1, 1, 0, 2])
    g = fg.vmap(fg.grad(P.xent), in_axes=(None, 0, 0), target=PY, method=method)
    assert_close(g(W, X, labels), loop(fg.grad(P.xent, target=PY), (W, X, labels),
                                       (None, 0, 0)))


def test_static_argument_passes_through():
    W, X = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))
    v = fg.vmap(fg.grad(P.act_loss), in_axes=(None, 0, None), target=PY)
    assert_close(v(W, X, np.tanh), loop(fg.grad(P.act_loss, target=PY), (W, X, np.tanh),
                                        (None, 0, None)))


def _total(W, X):
    return np.sum(_per_example(W, X))


_per_example = fg.vmap(P.pair, in_axes=(None, 0), target=PY)


@pytest.mark.parametrize("method", METHODS)
def test_grad_through_a_vmapped_function(method):
    """grad of a function that calls vmap'd code, and grad / jacobian of a vmap itself."""
    global _per_example
    _per_example = fg.vmap(P.pair, in_axes=(None, 0), target=PY, method=method)
    W, X = rng.normal(size=3), rng.normal(size=(5, 3))
    g = fg.grad(_total, target=PY)(W, X)
    want = sum(fg.grad(P.pair, target=PY)(W, x) for x in X)
    assert_close(g, want)
    J = fg.jacobian(fg.vmap(P.pair, in_axes=(None, 0), method=method), target=PY)(W, X)
    assert_close(J, np.stack([fg.grad(P.pair, target=PY)(W, x) for x in X]))


# ---------------------------------------------------------------------- errors

def test_mismatched_sizes_name_the_arguments():
    v = fg.vmap(P.pair, target=PY)
    with pytest.raises(ValueError, match=r"'x' has 3; 'y' has 4"):
        v(np.ones((3, 2)), np.ones((4, 2)))
    tree = fg.vmap(fg.grad(P.mlp_loss), in_axes=({"W1": 0, "b1": None, "W2": None, "b2": None},
                                                 0, 0), target=PY)
    p = mlp_params()
    p["W1"] = np.ones((2, 4, 5))
    with pytest.raises(ValueError, match=r"params\['W1'\]' has 2"):
        tree(p, np.ones((3, 4)), np.ones((3, 3)))


def test_inner_size_check_without_names():
    """Through another transform the compiled code still checks the sizes."""
    g = fg.jacobian(fg.vmap(P.pair), target=PY)
    with pytest.raises(ValueError, match="different sizes"):
        g(np.ones((3, 2)), np.ones((4, 2)))


def test_bad_specs():
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        fg.vmap(P.pair, in_axes=(0,), target=PY)(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="rank should be at least 3"):
        fg.vmap(P.pair, in_axes=(2, 0), target=PY)(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="at least one argument"):
        fg.vmap(P.pair, in_axes=None, target=PY)(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="do not match the structure"):
        fg.vmap(P.mlp_loss, in_axes=({"W": 0}, 0, 0), target=PY)(mlp_params(), np.ones((3, 4)),
                                                                  np.ones((3, 3)))
    with pytest.raises(ValueError, match="method"):
        fg.vmap(P.pair, method="fast")
    with pytest.raises(CompileError, match="out_axes None depends on a mapped"):
        fg.vmap(P.pair, out_axes=None, target=PY)(np.ones((3, 2)), np.ones((3, 2)))


def test_auto_rule():
    """auto: batch array programs; loop where control flow depends on the example, and for
    scalar code under Numba (plain NumPy batches scalar code too)."""
    def used(v, *args):
        sig, _, _ = v.signature(args)
        return dict(v.build_ir(sig).meta)["vmap"]      # (builds the IR only: no Numba compile)
    x, y, W = np.ones(4), np.ones(4), np.ones((3, 2))
    assert used(fg.vmap(P.scalar_poly, target="cpu"), x, y) == "loop"
    assert used(fg.vmap(P.scalar_poly, target="python"), x, y) == "batch"
    assert used(fg.vmap(P.newton_sqrt, target="python"), x) == "loop"
    assert used(fg.vmap(P.branchy, target="cpu"), np.ones((4, 3)), y) == "loop"
    assert used(fg.vmap(fg.grad(P.linear_loss), in_axes=(None, 0, 0), target="cpu"),
                W, np.ones((4, 3)), np.ones((4, 2))) == "batch"


@fg.custom_vjp
def _clip_grad(x):
    return np.sin(x)


_clip_grad.defvjp(lambda x: (np.sin(x), x), lambda x, g: (g * 0.5 * np.cos(x),))


def _uses_custom(x):
    return np.sum(_clip_grad(x) * x)


@pytest.mark.parametrize("method", METHODS)
def test_custom_vjp_inside_vmap_loops_over_the_examples(method):
    from flatgrad.compiler.primitives import PRIMS
    x = rng.normal(size=(4, 3))
    g = fg.vmap(fg.grad(_uses_custom, target=PY), method=method)
    assert_close(g(x), loop(fg.grad(_uses_custom, target=PY), (x,)))
    assert all(p.batch is not None for p in PRIMS.values())


@pytest.mark.parametrize("method", METHODS)
def test_hessian_vector_products_per_example(method):
    W, X, Y = rng.normal(size=(3, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    V = rng.normal(size=(5, 3))
    h = fg.hvp(P.linear_loss, argnums=1, target=PY)          # (W, x, y, v) -> H_x @ v
    v = fg.vmap(h, in_axes=(None, 0, 0, 0), method=method)
    assert_close(v(W, X, Y, V), loop(h, (W, X, Y, V), (None, 0, 0, 0)))


@pytest.mark.parametrize("method", METHODS)
def test_odeint_per_example(method):
    y0, k = rng.uniform(0.5, 1.5, size=(3, 2)), rng.uniform(0.1, 1.0, size=3)
    v = fg.vmap(fg.value_and_grad(P.ode_final, argnums=(0, 1), target=PY), method=method)
    got = v(y0, k)
    assert_close(got, loop(fg.value_and_grad(P.ode_final, argnums=(0, 1), target=PY), (y0, k)))
    assert_close(got[0], np.exp(-k) * y0.sum(axis=1), rtol=1e-7)


def mean_then_column(x):
    """The adjoint of ``x.mean()`` is a number broadcast to x's shape (``np.full``, written in
    place by the scatter of ``x[:, 1]``'s adjoint); batched, that number is one per example."""
    return np.mean(x) * 2.0 + np.sum(np.ones(3) @ x[:, 1]) * np.mean(x)


@pytest.mark.parametrize("method", METHODS)
def test_a_broadcast_adjoint_written_in_place(method):
    # fuzz seed 2207000075: the batched broadcast is a read-only view ("output array is
    # read-only" from the scatter); it is copied before the write
    xs = rng.normal(size=(4, 3, 3))
    g = fg.vmap(fg.value_and_grad(mean_then_column, target=PY), method=method)
    assert_close(g(xs), loop(fg.value_and_grad(mean_then_column, target=PY), (xs,)))
    h = 1e-6
    e = np.zeros((3, 3))
    e[2, 1] = h
    fd = (mean_then_column(xs[1] + e) - mean_then_column(xs[1] - e)) / (2 * h)
    assert abs(g(xs)[1][1][2, 1] - fd) < 1e-6


@pytest.mark.parametrize("method", ["batch", "loop"])
def test_parameters_with_defaults_are_not_mapped_unless_passed(method):
    xs = np.random.default_rng(3).normal(size=(4, 3))
    f = P.with_default
    got = fg.vmap(f, method=method, target="python")(xs)
    np.testing.assert_allclose(got, [f(x) for x in xs], rtol=1e-12)
    g = fg.grad(f, target="python")
    np.testing.assert_allclose(fg.vmap(g, method=method, target="python")(xs),
                               np.stack([g(x) for x in xs]), rtol=1e-12)
    # passed: mapped or not as in_axes says (one entry per argument passed)
    scales = np.array([0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, 0), method=method, target="python")(
        xs, scales), [f(x, s) for x, s in zip(xs, scales)], rtol=1e-12)
    g2 = fg.grad(f, argnums=(0, 1), target="python")
    got = fg.vmap(g2, in_axes=(0, None), method=method, target="python")(xs, 3.0)
    np.testing.assert_allclose(got[1], [g2(x, 3.0)[1] for x in xs], rtol=1e-12)
