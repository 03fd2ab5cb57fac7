"""Dicts made in the function (dict_funcs.py): values against the functions themselves,
gradients against central differences and autograd, both targets; the writes Python would
make visible through another name are refused."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import dict_funcs as F

RNG = np.random.default_rng(12)
W, X = RNG.normal(size=10), RNG.normal(size=(4, 3))


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -X], ids=["x", "-x"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (W, x), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [F.gathered, F.from_helper], ids=lambda f: f.__name__)
def test_against_autograd(f):
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    g = {**f.__globals__, "np": anp}
    for name in ("predict", "init"):
        h = getattr(F, name)
        g[name] = type(h)(h.__code__, g, name)
    clone = type(f)(f.__code__, g, f.__name__)
    np.testing.assert_allclose(fg.grad(f, target="python")(W, X), ag.grad(clone)(W, X),
                               rtol=1e-10)


@pytest.mark.parametrize("f, what", [
    (F.adds_keys_in_a_loop, "adds keys to this dict"),
    (F.two_names, "'b' is also held by 'a'"),
    (F.helper_writes, "flatgrad never changes a dict passed in"),
    (F.nested, "'inner' is also held by 'outer'"),
], ids=lambda v: getattr(v, "__name__", None))
def test_refused_with_a_location(f, what):
    check_refused(f, (W, X), what, "dict_funcs.py")


def test_a_dict_argument_is_never_written():
    with pytest.raises(fg.CompileError, match="never changes a dict passed in"):
        fg.grad(F.argument, argnums=1, target="python")({"a": 1.0}, X)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [(W, X)], spread=True)
