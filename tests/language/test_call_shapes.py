"""``*args``, keyword-only parameters and ``**kwargs`` in the differentiated function (one
compiled function per call shape: compiler/frontend/arity.py), ``functools.partial`` (at the API, at
module level and in the function: frontend/partials.py) and list items written
(``xs[i] = v``): values and gradients against plain Python and finite differences."""
from functools import partial

import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad, \
    num_grad
from . import call_shape_funcs as F

W = np.array([0.3, -1.2, 0.7])
V = np.array([1.5, -0.4])
M = np.arange(9.0).reshape(3, 3) / 7.0


def _fd(f, args, i):
    return num_grad(f, args, i)


@pytest.mark.parametrize("args", [(W,), (W, V), (W, V, W)], ids=["one", "two", "three"])
def test_star_args_each_call_shape(args):
    for i in range(len(args)):
        g = fg.grad(F.total, argnums=i, target="python")(*args)
        np.testing.assert_allclose(g, _fd(F.total, args, i), rtol=1e-6, atol=1e-8)
    gs = fg.grad(F.total, argnums=tuple(range(len(args))), target="python")(*args)
    assert len(gs) == len(args)


def test_keyword_only_parameters_and_their_defaults():
    g = fg.grad(F.scaled, target="python")
    np.testing.assert_allclose(g(W), _fd(F.scaled, (W,), 0), rtol=1e-6)
    for kw in ({"scale": 3.0}, {"mode": "cos"}, {"scale": 0.5, "mode": "cos"}):
        f = partial(F.scaled, **kw)
        np.testing.assert_allclose(g(W, V, **kw), _fd(f, (W, V), 0), rtol=1e-6, atol=1e-8)
    value, grads = fg.value_and_grad(F.scaled, argnums=(0, 1), target="python")(W, V, mode="cos")
    assert value == pytest.approx(F.scaled(W, V, mode="cos"), rel=1e-12)
    np.testing.assert_allclose(grads[1], _fd(lambda v: F.scaled(W, v, mode="cos"), (V,), 0),
                               rtol=1e-6)


def test_kwargs_and_positional_only():
    g = fg.grad(F.with_options, target="python")(W, w=1.5, s=2.0)
    np.testing.assert_allclose(g, _fd(lambda x: F.with_options(x, w=1.5, s=2.0), (W,), 0),
                               rtol=1e-6)
    g = fg.grad(F.positional_only, argnums=(0, 1), target="python")(W, -W)
    np.testing.assert_allclose(g[1], _fd(F.positional_only, (W, -W), 1), rtol=1e-6)


def test_lambda_with_star_args():
    g = fg.grad(lambda *a: a[0] * np.sin(a[1]), argnums=(0, 1), target="python")(2.0, 3.0)
    np.testing.assert_allclose(g, (np.sin(3.0), 2.0 * np.cos(3.0)))


def test_higher_order_and_forward_transforms_of_star_args():
    f = F.scaled
    h = fg.hessian(f, target="python")(W, V)
    grad = fg.grad(f, target="python")
    fd = np.array([(grad(W + 1e-6 * e, V) - grad(W - 1e-6 * e, V)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.hvp(f, target="python")(W, V, np.ones(3)), h @ np.ones(3),
                               rtol=1e-10)
    out, tangent = fg.jvp(f, (W, V), (np.ones(3), np.zeros(2)), target="python")
    assert tangent == pytest.approx(grad(W, V) @ np.ones(3), rel=1e-10)
    out, back = fg.vjp(f, W, V, target="python")
    np.testing.assert_allclose(back(2.0)[1], 2.0 * _fd(lambda v: f(W, v), (V,), 0), rtol=1e-6)


def test_a_call_python_refuses_is_a_type_error():
    with pytest.raises(TypeError, match="positional_only"):
        fg.grad(F.positional_only, target="python")(x=W, y=W)
    with pytest.raises(TypeError):
        fg.jvp(F.positional_only, (W,), (W,), target="python")


def test_source_before_and_after_a_call():
    g = fg.grad(F.scaled, target="python")
    assert "def scaled_grad(x)" in g.source           # the named parameters, as float scalars
    g(W, V)
    assert "def scaled_grad(x, rest_0)" in g.source


def test_grad_of_a_partial_object():
    f = partial(F.loss, data=F.X, scale=2.0)
    np.testing.assert_allclose(fg.grad(f, target="python")(W), _fd(f, (W,), 0), rtol=1e-6)
    f2 = partial(partial(F.loss, W), scale=0.5)        # w bound by position: d/d data
    np.testing.assert_allclose(fg.grad(f2, target="python")(F.X), _fd(f2, (F.X,), 0),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fg.grad(f2, target="python")(F.X, scale=3.0),
                               _fd(partial(f2, scale=3.0), (F.X,), 0), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("f", [F.module_partials, F.local_partials, F.partial_of_stats,
                               F.list_items, F.list_of_arrays], ids=lambda f: f.__name__)
def test_against_differences(f):
    check_value_and_grad(f, (W,), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("x", [W, -W], ids=["plus", "minus"])
def test_list_items_carried_by_loops_and_branches(x):
    for f in (F.list_in_a_while_loop, F.list_in_branches):
        check_value_and_grad(f, (x,), 0, rtol=1e-6, atol=1e-8)
    check_value_and_grad(F.list_in_a_run_time_loop, (x, 4), 0, rtol=1e-6, atol=1e-8)


def test_symmetrized_argument_autograd_style():
    g = fg.grad(F.symmetrized, argnums=1, target="python")(W, M)
    np.testing.assert_allclose(g, _fd(F.symmetrized, (W, M), 1), rtol=1e-6, atol=1e-9)


def test_a_list_read_at_an_index_known_at_run_time():
    for n in (1, 2, 3):
        check_value_and_grad(F.list_read_at_run_time, (W, n), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, args, what", [
    (F.write_argument_list, ([1.0, 2.0],), "never mutates an argument"),
    (F.write_aliased_list, (W,), "also held by 'b'"),
    (F.write_at_run_time, (W, 2), "a list is written at an index known while compiling"),
    (F.write_tuple, (W,), "is a tuple, which cannot be assigned into"),
    (F.add_into_a_listed_array, (W,), "would change the array the list holds in place"),
], ids=["argument", "aliased", "run-time index", "tuple", "in place"])
def test_refused_list_writes(f, args, what):
    check_refused(f, args, what, "call_shape_funcs.py")


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [W, -W])
    for args in ((W,), (W, V)):
        np.testing.assert_allclose(fg.grad(F.scaled, target="cpu")(*args, mode="cos"),
                                   fg.grad(F.scaled, target="python")(*args, mode="cos"),
                                   rtol=1e-12)


def test_a_dict_spread_into_keywords():
    check_value_and_grad(F.spread_options, (W,), 0, rtol=1e-6, atol=1e-8)


def test_flags_and_strings_passed_by_keyword_are_known_while_compiling():
    cov = np.diag([2.0, 1.0, 0.5])
    g = fg.grad(F.mvn_by_keywords, target="python")
    np.testing.assert_allclose(
        g(W, np.zeros(3), cov, allow_singular=False),     # the library needs it constant
        _fd(lambda x: F.mvn_by_keywords(x, np.zeros(3), cov), (W,), 0), rtol=1e-6)
    g = fg.grad(F.scaled, target="python")
    for mode in ("sum", "cos", "sum"):
        np.testing.assert_allclose(g(W, V, mode=mode), _fd(partial(F.scaled, mode=mode), (W, V), 0),
                                   rtol=1e-6, atol=1e-8)
    assert len(g._shapes) == 2                 # one compiled shape per mode


def test_other_transforms_of_star_args_and_partials():
    ws = np.stack([W, 2.0 * W, -W])
    per_example = np.stack([fg.grad(F.total, target="python")(w) for w in ws])
    np.testing.assert_allclose(fg.vmap(fg.grad(F.total), target="python")(ws), per_example,
                               rtol=1e-12)
    np.testing.assert_allclose(fg.vmap(F.total, target="python")(ws, ws),
                               [2 * F.total(w) for w in ws], rtol=1e-12)
    bound = partial(F.loss, data=F.X, scale=2.0)
    np.testing.assert_allclose(fg.vmap(fg.grad(bound), target="python")(ws),
                               np.stack([_fd(bound, (w,), 0) for w in ws]), rtol=1e-6, atol=1e-9)
    _, tangent = fg.jvp(bound, (W,), (np.ones(3),), target="python")
    assert tangent == pytest.approx(_fd(bound, (W,), 0).sum(), rel=1e-6)
    np.testing.assert_allclose(fg.elementwise_grad(partial(np.multiply, 2.5), target="python")(W),
                               np.full(3, 2.5))


def test_transforms_of_star_args_inside_compiled_code():
    def f(x):
        return np.sum(fg.grad(F.total, argnums=1)(x, x * 2.0) ** 2)
    np.testing.assert_allclose(fg.grad(f, target="python")(W), _fd(f, (W,), 0), rtol=1e-6)
    def g(x):
        out, back = fg.vjp(F.total, x, x[:2])
        return out + np.sum(back(1.0)[1])
    np.testing.assert_allclose(fg.grad(g, target="python")(W), _fd(g, (W,), 0), rtol=1e-6)
