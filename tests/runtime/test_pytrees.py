"""Containers of parameters (JAX's pytrees): a tuple, list or dict of arrays and numbers as
one argument, the gradient returned in the same structure. The oracle is autograd, which
differentiates containers too, running the same source with autograd's NumPy."""
import inspect
import types

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.misc.flatten import flatten as ag_flatten

import flatgrad as fg

from . import tree_funcs as F

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]
rng = np.random.default_rng(7)


def _twin_module():
    """tree_funcs run by autograd: the same source with autograd.numpy as np."""
    mod = types.ModuleType("tree_funcs_autograd")
    mod.__dict__["np"] = anp
    exec(compile(inspect.getsource(F).replace("import numpy as np", ""), F.__file__, "exec"),
         mod.__dict__)
    return mod


A = _twin_module()


def assert_tree_close(got, want, rtol=1e-9, atol=1e-12):
    assert type(got) is type(want) or (np.ndim(want) == 0 and np.ndim(got) == 0), (got, want)
    if isinstance(want, dict):
        assert sorted(got) == sorted(want)
        for k in want:
            assert_tree_close(got[k], want[k], rtol, atol)
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_tree_close(a, b, rtol, atol)
    else:
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def mlp_args():
    params = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2))
    return params, rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def cases():
    x = rng.normal(size=(4, 3))
    return [
        ("mlp", mlp_args()),
        ("layers", ([(rng.normal(size=(3, 3)), rng.normal(size=3)),
                     (rng.normal(size=(3, 2)), rng.normal(size=2))], x)),
        ("dense", ({"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "scale": 0.7}, x)),
        ("nested", ({"inner": {"c": 1.3, "w": rng.normal(size=(3, 2))},
                     "pair": (0.4, rng.normal(size=3))}, x)),
        ("items_loop", ({"a": rng.normal(size=3), "b": rng.normal(size=3)}, rng.normal(size=3))),
        ("indexed", ((1.5, rng.normal(size=2), -0.5), 2.0)),
    ]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name, args", cases(), ids=[c[0] for c in cases()])
def test_gradient_has_the_structure_of_the_argument(target, name, args):
    got = fg.grad(getattr(F, name), target=target)(*args)
    want = autograd.grad(getattr(A, name))(*args)
    assert_tree_close(got, want)


@pytest.mark.parametrize("target", TARGETS)
def test_value_and_grad_and_several_argnums(target):
    p = (rng.normal(size=3), 0.3)
    q = {"a": rng.normal(size=3), "b": 2.0}
    v, (gp, gq) = fg.value_and_grad(F.two_trees, argnums=(0, 1), target=target)(p, q)
    assert v == pytest.approx(F.two_trees(p, q))
    assert_tree_close(gp, autograd.grad(A.two_trees, 0)(p, q))
    assert_tree_close(gq, autograd.grad(A.two_trees, 1)(p, q))
    # only the second container: the first is data
    assert_tree_close(fg.grad(F.two_trees, argnums=1, target=target)(p, q),
                      autograd.grad(A.two_trees, 1)(p, q))


def test_grad_of_grad_and_hessian_nest_twice():
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "scale": 0.7}
    x = rng.normal(size=(4, 3))
    H = fg.hessian(F.dense, target="python")(p, x)
    flat, unflatten = ag_flatten(p)
    H_ag = autograd.hessian(lambda v: A.dense(unflatten(v), x))(flat)
    keys = sorted(p)
    sizes = [np.size(p[k]) for k in keys]
    starts = np.cumsum([0] + sizes)
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            block = H_ag[starts[i]:starts[i + 1], starts[j]:starts[j + 1]]
            assert np.shape(H[ki][kj]) == np.shape(p[ki]) + np.shape(p[kj])
            np.testing.assert_allclose(np.reshape(H[ki][kj], block.shape), block, atol=1e-10)


@pytest.mark.parametrize("target", TARGETS)
def test_jvp_and_vjp_take_tangents_and_give_cotangents_as_trees(target):
    p = {"inner": {"c": 1.3, "w": rng.normal(size=(3, 2))}, "pair": (0.4, rng.normal(size=3))}
    x = rng.normal(size=(4, 3))
    t = {"inner": {"c": 0.5, "w": rng.normal(size=(3, 2))}, "pair": (-1.0, rng.normal(size=3))}
    out, tan = fg.jvp(F.nested, (p, x), (t, np.zeros_like(x)), target=target)
    g = autograd.grad(A.nested)(p, x)
    fg_flat, _ = ag_flatten(g)
    t_flat, _ = ag_flatten(t)
    assert out == pytest.approx(F.nested(p, x))
    assert tan == pytest.approx(fg_flat @ t_flat)
    out, vjp_fn = fg.vjp(F.returns_pair, {"c": 2.0, "w": rng.normal(size=3)}, np.arange(3.0),
                         target=target)
    gp, gx = vjp_fn((1.0, 0.5))
    assert sorted(gp) == ["c", "w"]
    assert gp["c"] == pytest.approx(0.5 * 0.0) and np.allclose(gp["w"], np.arange(3.0))


def test_lists_of_numbers_are_still_arrays_and_int_leaves_become_floats():
    g = fg.grad(lambda v: np.sum(v ** 2), target="python")([1.0, 2.0, 3.0])
    assert isinstance(g, np.ndarray) and np.allclose(g, [2.0, 4.0, 6.0])
    g = fg.grad(F.indexed, target="python")((1, np.array([1.0, 2.0]), 3), 2.0)
    assert isinstance(g, tuple) and g[0] == 2.0 and isinstance(g[2], float) and g[2] == pytest.approx(18.0)


def test_each_structure_compiles_on_its_own():
    g = fg.grad(F.two_trees, target="python")
    q = {"a": np.ones(2), "b": 1.0}
    assert isinstance(g((np.ones(2), 1.0), q), tuple)
    assert isinstance(g([np.ones(2), 1.0], q), list)    # a list holding arrays is a container


def test_bad_containers_are_clear_errors():
    g = fg.grad(F.dense, target="python")
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match=r"p\['W'\].*dtype"):
        g({"W": np.array(["a"]), "b": np.ones(2), "scale": 1.0}, x)
    with pytest.raises(TypeError, match="keys that are not strings"):
        g({1: np.ones((3, 2))}, x)
    with pytest.raises(fg.CompileError, match="no key 'missing'"):
        fg.grad(F.bad_key, target="python")({"w": 1.0}, 2.0)
    with pytest.raises(fg.CompileError, match="got a dict"):
        fg.grad(lambda p: p * 2.0, target="python")({"w": 1.0})


@pytest.mark.slow
def test_numba_code_is_told_to_pass_arrays_separately():
    from numba import njit
    from numba.core.errors import TypingError

    g = fg.grad(F.two_trees)

    @njit
    def use(p, q):
        return g(p, q)

    with pytest.raises(TypingError, match="container"):
        use((np.ones(2), 1.0), (np.ones(2), 2.0))


# ---------------------------------------------------------------- static arguments

@pytest.mark.parametrize("target", TARGETS)
def test_function_valued_arguments_are_static(target):
    x, w = rng.normal(size=4), 0.7
    g = fg.grad(F.with_activation, argnums=(0, 1), target=target)
    want = autograd.grad(A.with_activation, (0, 1))(x, w)
    assert_tree_close(g(x, w), want)                                  # the default, np.tanh
    assert_tree_close(g(x, w, np.sin), autograd.grad(A.with_activation, (0, 1))(x, w, anp.sin))
    assert_tree_close(g(x, w, F.softsign),                            # a user function
                      autograd.grad(A.with_activation, (0, 1))(x, w, A.softsign))
    a = rng.normal(size=3)
    np.testing.assert_allclose(fg.grad(F.with_reducer, target=target)(a), 2 * a)
    np.testing.assert_allclose(fg.grad(F.with_mode, target=target)(a), 2 * a)
    np.testing.assert_allclose(fg.grad(F.with_mode, target=target)(a, "l1"), np.sign(a))


def test_a_static_argument_has_no_gradient():
    with pytest.raises(TypeError, match="'act'.*no gradient"):
        fg.grad(F.with_activation, argnums=2, target="python")(np.ones(2), 1.0, np.tanh)


def test_each_static_value_compiles_on_its_own():
    g = fg.grad(F.with_activation, target="python")
    x = np.array([0.3, -0.2])
    a, b = g(x, 1.0, np.tanh), g(x, 1.0, np.sin)
    np.testing.assert_allclose(a, 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(b, np.cos(x))
    assert len(g._compiled.by_signature) == 2


def test_vjp_of_a_function_with_a_function_valued_default():
    a = rng.normal(size=3)
    out, vjp_fn = fg.vjp(F.with_reducer, a, target="python")
    assert out == pytest.approx(np.sum(a ** 2))
    (g,) = vjp_fn(2.0)
    np.testing.assert_allclose(g, 4 * a)


def test_jvp_leaves_defaulted_parameters_to_their_defaults():
    a, t = rng.normal(size=3), rng.normal(size=3)
    out, tan = fg.jvp(F.with_reducer, (a,), (t,), target="python")
    assert out == pytest.approx(np.sum(a ** 2)) and tan == pytest.approx(2 * a @ t)
    out, tan = fg.jvp(F.with_activation, (a, 0.5), (t, 0.0), target="python")
    assert tan == pytest.approx(np.sum((1 - np.tanh(a * 0.5) ** 2) * 0.5 * t))
