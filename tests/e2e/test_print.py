"""print inside differentiated functions (issue 20 §5).

The oracle for what is printed is the plain Python call of the same function: every
transform prints the same lines, once, in the same order (never again in the backward
pass, in recomputed branches and loop trips, in checkpointed segments, or in the
Jacobian's seed copies), with the same numbers; and the derivatives match finite
differences as if there were no print.
"""
import re

import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError
from flatgrad.runtime.gradcheck import numeric_grad

from . import print_funcs as F

X = np.array([0.3, -0.8, 0.5])
CASES = [(F.straight, (X, 1.5)), (F.in_loop, (0.3, 1.2)), (F.in_branch, (0.9, 1.1)),
         (F.in_branch, (0.2, 1.1)), (F.in_array_loop, (X, 0.7)), (F.via_helper, (0.4, 1.3)),
         (F.unused_value, (0.3, 0.4)), (F.in_while, (1.2, 0.3)), (F.empty_line, (0.5, 2.0))]
IDS = [f"{f.__name__}{i}" for i, (f, _) in enumerate(CASES)]

TRANSFORMS = {
    "grad": lambda f, a: fg.grad(f, (0, 1), target="python")(*a),
    "value_and_grad-O0": lambda f, a: fg.value_and_grad(f, (0, 1), target="python",
                                                        optimize=False)(*a),
    "checkpoint": lambda f, a: fg.grad(f, (0, 1), target="python", checkpoint=True)(*a),
    "checkpoint2": lambda f, a: fg.grad(f, (0, 1), target="python", checkpoint=2)(*a),
    "jvp": lambda f, a: fg.jvp(f, a, tuple(np.ones_like(v) for v in a), target="python"),
    "hessian": lambda f, a: fg.hessian(f, 1, target="python")(*a),
    "jacobian-fwd": lambda f, a: fg.jacobian(f, 0, mode="fwd", target="python")(*a),
    "grad-of-grad": lambda f, a: fg.grad(fg.grad(f, 1), 1, target="python")(*a),
}

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def captured(capfd, call):
    """(result of ``call()``, what it printed to the process's stdout)."""
    capfd.readouterr()
    result = call()
    return result, capfd.readouterr().out


def assert_same_output(got: str, want: str, rtol=1e-12):
    """The same lines and words; numbers (also inside printed arrays) equal to ``rtol``
    (Numba spells some floats with one digit less than Python's repr)."""
    g, w = got.splitlines(), want.splitlines()
    assert len(g) == len(w), (got, want)
    for lg, lw in zip(g, w):
        tg, tw = lg.replace("[", " ").replace("]", " ").split(), \
            lw.replace("[", " ").replace("]", " ").split()
        assert len(tg) == len(tw), (lg, lw)
        for a, b in zip(tg, tw):
            if _NUMBER.match(a) and _NUMBER.match(b):
                assert float(a) == pytest.approx(float(b), rel=rtol, abs=1e-300), (lg, lw)
            else:
                assert a == b, (lg, lw)


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_prints_once_what_python_prints(capfd, f, args, transform):
    _, want = captured(capfd, lambda: f(*args))
    assert want.strip() or f is F.empty_line
    _, got = captured(capfd, lambda: TRANSFORMS[transform](f, args))
    assert_same_output(got, want)


@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_gradients_are_unchanged(capfd, f, args):
    got = fg.grad(f, (0, 1), target="python")(*args)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)


def test_print_stays_in_the_forward_part_of_the_generated_code():
    src = fg.grad(F.in_loop, (0, 1), target="python").source
    lines = [ln.strip() for ln in src.splitlines()]
    assert sum(ln.startswith("print(") for ln in lines) == 1
    first_adjoint = next(i for i, ln in enumerate(lines) if ln.startswith("grad_"))
    assert next(i for i, ln in enumerate(lines) if ln.startswith("print(")) < first_adjoint


def test_a_printed_value_nothing_else_needs_is_still_computed(capfd):
    _, out = captured(capfd, lambda: fg.grad(F.unused_value, target="python")(0.3, 0.4))
    assert out.split()[:2] == ["cos", repr(float(np.cos(0.3)))]


def test_shadowed_print_is_the_users_function():
    assert fg.grad(F.print_shadowed, target="python")(0.4) == pytest.approx(np.cos(0.4))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_an_fstring_prints_its_text_and_values(capfd, target):
    """print(f"...") prints the text with the values in it (those known while compiling
    formatted as Python would); print's own space beside a run-time value is the only
    difference from Python's line, as compiled code formats no numbers."""
    _, got = captured(capfd, lambda: fg.grad(F.print_fstring, target=target)(0.5))
    _, want = captured(capfd, lambda: F.print_fstring(0.5))
    assert got.replace(" ", "") == want.replace(" ", ""), (got, want)
    assert got.startswith("x= 0.5 (1 of 2) n=3;")


@pytest.mark.parametrize("f,args,match", [
    (F.print_sep, (0.5,), r"print's sep= and end= are not supported"),
    (F.print_to_file, (0.5,), r"print\(\.\.\., file=\.\.\.\) writes to a file"),
    (F.print_tuple, (0.5,), r"print takes numbers, arrays and literal strings; this is a tuple"),
    (F.print_shape, (X,), r"print takes numbers, arrays and literal strings; this is a tuple"),
    (F.saves, (X,), r"the call np\.save\(\.\.\.\) is only useful for its side effects"),
])
def test_other_effects_and_print_forms_are_rejected(f, args, match):
    with pytest.raises(CompileError, match=r"print_funcs\.py:\d+:\d+: " + match):
        fg.grad(f, target="python")(*args)


# ---- the Numba target: Numba prints to the C stdout (capfd sees it)

CPU = [(F.in_loop, (0.3, 1.2)), (F.in_branch, (0.2, 1.1)), (F.in_array_loop, (X, 0.7)),
       (F.unused_value, (0.3, 0.4))]


@pytest.fixture(scope="module")
def cpu_grads():
    return {f.__name__: fg.grad(f, (0, 1), target="cpu", checkpoint=2) for f, _ in CPU}


@pytest.mark.slow
def test_cpu_target_prints_once_and_keeps_gradients(capfd, cpu_grads):
    for f, args in CPU:
        _, want = captured(capfd, lambda: f(*args))
        got_grads, got = captured(capfd, lambda: cpu_grads[f.__name__](*args))
        assert_same_output(got, want)
        for i, g in enumerate(got_grads):
            np.testing.assert_allclose(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)
