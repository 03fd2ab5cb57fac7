"""Loops over arrays' rows, enumerate, zip and tuples; loop variables after a loop that
provably runs; errors inside helpers name the call site too."""
import inspect

import numpy as np
import pytest

import flatgrad as fg

from . import loop_form_funcs as F

M = np.arange(6.0).reshape(2, 3) * 0.3
W = np.array([0.5, -1.0, 2.0])
CASES = [(F.rows, (M, W)), (F.enum, (M, W)), (F.zipped, (W, 2 * W)), (F.after, (1.5,)),
         (F.tup, (0.3, 0.7)), (F.params_loop, (W, 0.1 * np.outer(W, W) + np.eye(3), 0.5 * np.eye(3)))]


@pytest.mark.parametrize("f,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_python(f, args):
    value, grads = fg.value_and_grad(f, argnums=tuple(range(len(args))), target="python")(*args)
    np.testing.assert_allclose(value, f(*args))
    fg.check_grad(f, *args, argnums=tuple(range(len(args))), target="python")


@pytest.mark.slow
@pytest.mark.parametrize("f,args", CASES[:3], ids=[c[0].__name__ for c in CASES[:3]])
def test_cpu(f, args):
    fg.check_grad(f, *args, argnums=tuple(range(len(args))), target="cpu")


def test_loop_variable_after_a_loop_that_provably_runs():
    assert fg.grad(F.after, target="python")(1.5) == pytest.approx(2.0)
    assert fg.grad(F.runs_zero_times, target="python")(1.5) == pytest.approx(1.0)


def test_errors_inside_a_helper_name_the_helper_line_and_the_call():
    with pytest.raises(fg.CompileError) as e:
        fg.grad(F.calls_bad_helper, target="python")(1.0)
    text = str(e.value)
    helper_line = inspect.getsourcelines(F._bad_helper)[1] + 1
    call_line = inspect.getsourcelines(F.calls_bad_helper)[1] + 2
    assert f"loop_form_funcs.py:{helper_line}:" in text
    assert f"loop_form_funcs.py:{call_line}:" in text and "in the call from here" in text


def test_an_if_on_what_is_known_while_compiling_lowers_only_its_branch():
    np.testing.assert_allclose(fg.grad(F.by_rank, target="python")(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(fg.grad(F.by_rank, target="python")(np.ones((2, 2))),
                               [[3.0, 0.0], [3.0, 0.0]])
