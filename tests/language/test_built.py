"""Objects built in the function (built_funcs.py): against the functions themselves and
central differences on both targets, and autograd; what would need a mutable object is
refused with a location."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import built_funcs as F

RNG = np.random.default_rng(9)
W, X = RNG.normal(size=11), RNG.normal(size=(4, 3))


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -X], ids=["x", "-x"])
def test_python_target_against_differences(f, x):
    check_value_and_grad(f, (W, x), 0, rtol=1e-6, atol=1e-8)


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    # the module run again with autograd's numpy (its classes read np from the module)
    src = open(F.__file__).read().replace("import numpy as np", "import autograd.numpy as np")
    g = {"__name__": "built_autograd"}
    exec(compile(src, F.__file__, "exec"), g)
    assert g["np"] is not np
    for name in ("model", "rebuilt", "dataclass_layer"):
        np.testing.assert_allclose(fg.grad(getattr(F, name), target="python")(W, X),
                                   ag.grad(g[name])(W, X), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("f, what", [
    (F.method_in_init, "a method of the object __init__ is building"),
    (F.written_after, "cannot assign to the attribute 'W'"),
    (F.super_init, "calls super()"),
], ids=lambda v: getattr(v, "__name__", None))
def test_refused_with_a_location(f, what):
    check_refused(f, (W, X), what, "built_funcs.py")


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [(W, X)], spread=True)
