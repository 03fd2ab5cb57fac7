"""assert and raise in differentiated functions, and strings as values known while compiling
(check_funcs.py): gradients against central differences on both targets and under the other
transforms; the same exception as plain Python, with its message and the user's line, where
Python raises; a condition known while compiling leaves no code."""
import re

import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_refused, check_value_and_grad
from . import check_funcs as F

RNG = np.random.default_rng(31)
W, X = RNG.normal(size=3), RNG.normal(size=(4, 3))


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("w", [W, -0.5 * W], ids=["w", "-w/2"])
def test_python_target_against_differences(f, w):
    check_value_and_grad(f, (w, X), 0, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [(W, X), (-0.5 * W, X)], spread=True)


def _python_error(f, w, x):
    try:
        f(w, x)
    except Exception as e:      # noqa: BLE001 - the oracle's exception, whatever it is
        return e
    return None


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f,w,scale,exc", F.RAISES, ids=lambda v: getattr(v, "__name__", None))
def test_raises_what_python_raises(f, w, scale, exc, target):
    x = X if scale is None else scale * X
    want = _python_error(f, w, x)
    assert type(want) is (exc or type(None))
    for transform in (fg.grad(f, target=target), fg.value_and_grad(f, target=target),
                      fg.hessian(f, target=target)):
        if want is None:
            transform(w, x)
            continue
        with pytest.raises(exc) as got:
            transform(w, x)
        text = str(got.value)
        # the message as Python formats it, as far as it is known while compiling
        assert str(want).startswith(text.split("\n")[0].split("{")[0]), (text, str(want))
        assert re.search(r"in \w+ at .*check_funcs\.py:\d+", text), text


def test_a_message_is_filled_in_with_what_is_known_while_compiling():
    with pytest.raises(ValueError, match=r"^w is too large \(1-D\): \{s:.3g\}\n  in raise_in_branch at"):
        fg.grad(F.raise_in_branch, target="python")(np.full(3, 10.0), X)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_forward_mode_and_hessian_against_differences(f):
    v = np.array([0.3, -0.2, 0.5])
    _, tangent = fg.jvp(f, (W, X), (v, np.zeros_like(X)), target="python")
    eps = 1e-6
    np.testing.assert_allclose(tangent, (f(W + eps * v, X) - f(W - eps * v, X)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)
    g = fg.grad(f, target="python")
    H = fg.hessian(f, target="python")(W, X)
    fdh = np.array([(g(W + eps * e, X) - g(W - eps * e, X)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(H, fdh, rtol=1e-5, atol=1e-6)


def test_vmap_checks_every_example():
    Ws = np.stack([W, 2 * W, -W])
    per = np.stack([fg.grad(F.runtime_assert, target="python")(w, X) for w in Ws])
    mapped = fg.vmap(fg.grad(F.runtime_assert), in_axes=(0, None), target="python")
    np.testing.assert_allclose(mapped(Ws, X), per, rtol=1e-12)
    assert "if not np.all(" in mapped.source          # one check of the whole batch
    Ws[1, 0] = np.inf
    with pytest.raises(AssertionError, match="z must be finite"):
        mapped(Ws, X)


def test_vmap_of_a_raise_on_a_mapped_condition():
    Ws = np.stack([W, 0.5 * W])
    mapped = fg.vmap(fg.grad(F.raise_in_branch), in_axes=(0, None), target="python")
    np.testing.assert_allclose(mapped(Ws, X), [fg.grad(F.raise_in_branch, target="python")(w, X)
                                               for w in Ws], rtol=1e-12)
    Ws[1] = 10.0
    with pytest.raises(ValueError, match="w is too large"):
        mapped(Ws, X)


def test_the_generated_code_raises_in_the_forward_pass_only():
    g = fg.grad(F.raise_in_else, target="python")
    g(W, X)
    src = g.source
    assert src.count("raise RuntimeError('w[0] out of range')") == 1
    static = fg.grad(F.static_assert, target="python")
    static(W, X)
    assert "a matrix" not in static.source      # x.ndim is known while compiling
    assert static.source.count("raise AssertionError('')") == 1    # its shape is not
    rt = fg.grad(F.runtime_assert, target="python")
    rt(W, X)
    assert rt.source.count("raise AssertionError('z must be finite')") == 1


@pytest.mark.parametrize("f, what", [
    (F.nonbuiltin, "flatgrad raises built-in exceptions only"),
    (F.bare, "bare raise"),
    (F.always, "raises here on every path"),
    (F.formatted_outside, "this f-string reads 'w', known only at run time"),
], ids=lambda v: getattr(v, "__name__", None))
def test_refused_with_a_location(f, what):
    check_refused(f, (W, X), what, "check_funcs.py")


def test_a_string_where_a_number_is_needed_is_located():
    def bad(w):
        return np.sum(w) * "two"
    with pytest.raises(fg.CompileError, match="arithmetic on a string needs values known while compiling"):
        fg.grad(bad, target="python")(W)
