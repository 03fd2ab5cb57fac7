"""break, continue and return, end to end: the value and gradient of each function in
exit_funcs.py against the function itself and central differences, on both targets, at
points that take each exit and points that do not."""
import ast
import inspect
import sys

import numpy as np
import pytest

import flatgrad as fg

from . import exit_errors as X
from . import exit_funcs as E
from .numeric import num_grad


def _exits_taken(f, x):
    """The points each function is checked at must not sit on a condition's edge: the
    function is smooth around ``x`` (its differences at two step sizes agree)."""
    a, b = num_grad(f, (x,), 0, eps=1e-6), num_grad(f, (x,), 0, eps=1e-5)
    return np.allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("f", E.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", range(len(E.INPUTS)))
def test_python_target_against_differences(f, k):
    x = E.INPUTS[k]
    assert _exits_taken(f, x)
    value, grad = fg.value_and_grad(f, target="python")(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(grad, num_grad(f, (x,), 0), rtol=1e-5, atol=1e-7)


def test_the_inputs_take_every_exit():
    """Every break, continue and return in exit_funcs.py runs at one of the inputs at
    least (else the tests above would check fewer paths than they claim)."""
    tree = ast.parse(inspect.getsource(E))
    exits = {n.lineno for n in ast.walk(tree) if isinstance(n, (ast.Break, ast.Continue, ast.Return))}
    ran = set()

    def trace(frame, event, arg):
        if frame.f_code.co_filename == E.__file__ and event == "line":
            ran.add(frame.f_lineno)
        return trace

    sys.settrace(trace)
    try:
        for f in E.FUNCS:
            for x in E.INPUTS:
                f(x)
    finally:
        sys.settrace(None)
    assert exits - ran == set()


@pytest.mark.parametrize("f, line, message", [
    (X.bare_return, 2, "return without a value"),
    (X.returns_a_module, 2, "a function or module cannot be returned"),
    (X.after_break, 3, "this statement can never run: it follows a return, break or continue"),
    (X.falls_off_the_end, 0, "'falls_off_the_end' can reach its end without returning a value"),
    (X.break_in_tuple_loop, 1, "break and continue are not supported in a loop over a tuple"),
], ids=lambda v: getattr(v, "__name__", None))
def test_rejected_exits_say_where(f, line, message):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(0.5)
    assert message in str(e.value)
    assert f"exit_errors.py:{inspect.getsourcelines(f)[1] + line}:" in str(e.value)


@pytest.mark.slow
def test_cpu_target_against_python_and_differences():
    compiled = {f: fg.value_and_grad(f, target="cpu") for f in E.FUNCS}
    for f in E.FUNCS:
        for x in E.INPUTS:
            value, grad = compiled[f](x)
            ref_value, ref_grad = fg.value_and_grad(f, target="python")(x)
            np.testing.assert_allclose(value, f(x), rtol=1e-12)
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(grad, num_grad(f, (x,), 0), rtol=1e-5, atol=1e-7)
