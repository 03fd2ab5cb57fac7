"""namedtuples (named_funcs.py): against the functions themselves and central differences
on both targets, and autograd."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad, num_grad
from . import named_funcs as F

RNG = np.random.default_rng(5)
W, X = RNG.normal(size=8), RNG.normal(size=(4, 3))
P = F.Params(RNG.normal(size=(3, 2)), RNG.normal(size=2))


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -X], ids=["x", "-x"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (W, x), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_namedtuple_argument_is_read_by_field(target):
    g = fg.grad(F.as_argument, target=target)(P, X)
    assert type(g) is F.Params                     # the gradient has the argument's class
    assert g.W.shape == P.W.shape and g.b.shape == P.b.shape
    np.testing.assert_allclose(g[0], num_grad(lambda W: F.as_argument(F.Params(W, P.b), X),
                                              (P.W,), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g[1], num_grad(lambda b: F.as_argument(F.Params(P.W, b), X),
                                              (P.b,), 0), rtol=1e-6, atol=1e-8)


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    f = F.carried
    clone = type(f)(f.__code__, {**f.__globals__, "np": anp}, f.__name__)
    np.testing.assert_allclose(fg.grad(f, target="python")(W, X), ag.grad(clone)(W, X),
                               rtol=1e-10)


def test_a_missing_field_is_a_located_error():
    def f(w):
        return np.sum(F.Params(w).W)
    with pytest.raises(fg.CompileError, match="missing the field 'b'"):
        fg.grad(f, target="python")(W)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [(W, X)], spread=True)


def test_per_example_gradients_of_a_namedtuple_keep_its_class():
    xs = RNG.normal(size=(5, 4, 3))
    per = fg.vmap(fg.grad(F.as_argument, target="python"), in_axes=(None, 0))(P, xs)
    assert type(per) is F.Params and per.W.shape == (5, 3, 2)
    one = fg.grad(F.as_argument, target="python")(P, xs[3])
    np.testing.assert_allclose(per.W[3], one.W, rtol=1e-12)
    d = fg.grad(lambda d, x: F.as_argument(d["p"], x) * d["s"],
                target="python")({"p": P, "s": 2.0}, X)
    assert type(d["p"]) is F.Params
