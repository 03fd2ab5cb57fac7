"""Loops unrolled (over tuples; over constant ranges growing a list: desugar/unroll.py) and
loops whose first trip is peeled (a name first assigned in the body read after it:
desugar/peel.py), end to end: values and gradients against the functions themselves and
central differences, on both targets."""
import numpy as np
import pytest

import flatgrad as fg

from tests.helpers import fd


def peel_read_after(x):
    for i in range(3):
        t = x * i
        s = t + np.sin(x)
    return t + s


def peel_counting_down_with_if(x):
    for i in range(5, 0, -2):
        if x > i * 0.1:
            t = x * i
        else:
            t = x - i
    return t * x


def peel_single_trip(x):
    acc = 0.0
    for i in range(1, 2):
        t = np.sin(x) * i
        acc = acc + t
    return acc + t


def peel_nested(x):
    for i in range(2):
        for j in range(3):
            u = x * j + i
        v = u * np.cos(x)
    return v + u


def append_unrolled(x):
    out = []
    for i in range(3):
        t = x * (i + 1)
        out.append(t * t)
    return np.sum(np.array(out)) + t


def return_from_tuple_loop(x):
    for w in (x, 2.0 * x, 3.0):
        if w > 1.0:
            return w * x
        x = x + w
    return x


def enumerate_and_zip_over_tuples(x):
    ws = (1.0, 2.0)
    for k, w in enumerate(ws):
        t = w * x + k
    for a, b in zip(ws, (x, x * x)):
        t = t + a * b
    return t


FUNCS = [peel_read_after, peel_counting_down_with_if, peel_single_trip, peel_nested,
         append_unrolled, return_from_tuple_loop, enumerate_and_zip_over_tuples]
POINTS = [0.7, 0.2, 1.3, -0.45]


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    vg = fg.value_and_grad(f, target="python")
    for x in POINTS:
        value, grad = vg(x)
        assert value == pytest.approx(f(x), rel=1e-12)
        assert grad == pytest.approx(fd(f, [x], 0), rel=1e-6, abs=1e-8)


def test_a_return_from_a_tuple_loop_leaves_the_loop():
    # at 0.7 the first item does not return, the second does (1.4 * 1.4 = 4 x^2);
    # the third must not run after it
    assert fg.grad(return_from_tuple_loop, target="python")(0.7) == pytest.approx(8 * 0.7)
    assert fg.grad(return_from_tuple_loop, target="python")(1.3) == pytest.approx(2 * 1.3)


@pytest.mark.slow
def test_cpu_target_against_python():
    for f in FUNCS:
        vg, ref = fg.value_and_grad(f, target="cpu"), fg.value_and_grad(f, target="python")
        for x in POINTS:
            value, grad = vg(x)
            assert value == pytest.approx(f(x), rel=1e-12)
            assert grad == pytest.approx(ref(x)[1], rel=1e-10, abs=1e-14)
            assert grad == pytest.approx(fd(f, [x], 0), rel=1e-6, abs=1e-8)
