"""Recursive helpers are inlined call by call (frontend/inline.py ``check_recursion``): one
whose depth is decided while compiling differentiates as the calls it makes; one that stops
on a run-time value is a located CompileError, soon."""
import time

import numpy as np
import pytest

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import recursion_funcs as F

W = np.array([0.3, -0.6, 0.8])


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_against_differences(f):
    check_value_and_grad(f, (W,), 0, rtol=1e-6, atol=1e-8)


def test_a_recursion_that_stops_at_run_time_is_refused_quickly():
    t0 = time.perf_counter()
    check_refused(F.by_run_time_stop, (W,), "recursive call to 'halve' more than 24 deep",
                  "recursion_funcs.py")
    assert time.perf_counter() - t0 < 30


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [W, -W])
