"""Generator helpers (generator_funcs.py): run to their end where they are called, as
list(gen(...)) would, against the functions themselves and central differences, and
autograd; the loops whose bodies could make Python's lazy generator yield something else
are refused, as are generators flatgrad cannot run."""
import numpy as np
import pytest

import flatgrad as fg

from . import generator_funcs as F
from .numeric import check_cpu_matches_python, check_refused, check_value_and_grad


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, (F.input_of(f),), 0, rtol=1e-6, atol=1e-8)


def test_bnn_against_autograd():
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    f = F.bnn
    g = {**f.__globals__, "np": anp}
    clone = type(f)(f.__code__, g, f.__name__)
    g["unpack_layers"] = type(F.unpack_layers)(F.unpack_layers.__code__, g, "unpack_layers")
    w = F.input_of(f)
    np.testing.assert_allclose(fg.grad(f, target="python")(w), ag.grad(clone)(w), rtol=1e-10)


def test_a_generator_over_a_run_time_count_grows_a_list():
    g = fg.grad(F.walk, target="python")
    g(F.input_of(F.walk))
    assert "for " in g.source and "range(" in g.source       # a loop, not unrolled


@pytest.mark.parametrize("f, what", [
    (F.writes_what_it_reads, "changes 'z', which the generator may read after a yield"),
    (F.rebinds_what_it_reads, "changes 'k', which the generator may read after a yield"),
    (F.breaks_early, "has a while loop and this loop may leave early"),
    (F.tuples_at_run_time, "this loop yields tuples"),
    (F.is_a_generator, "generators (yield) in the function it differentiates"),
    (F.sends, "yield as a statement only"),
    (F.stops_at_run_time, "returns a tuple on one path and a different value on another"),
], ids=lambda v: getattr(v, "__name__", "")[:0] or None)
def test_refused_with_a_location(f, what):
    check_refused(f, (np.arange(1.0, 6.0),), what, "generator_funcs.py")


def test_list_of_a_generator_is_what_the_refused_loop_can_say():
    def f(w):
        z = w.copy()

        def items():
            for i in range(3):
                yield z[i]
        total = 0.0
        for v in list(items()):
            z[0] = v
            total = total + v * z[1]
        return total
    w = np.arange(1.0, 6.0)
    check_value_and_grad(f, (w,), 0)


@pytest.mark.slow
def test_cpu_target_against_python():
    for f in F.FUNCS:
        check_cpu_matches_python([f], [F.input_of(f)])
