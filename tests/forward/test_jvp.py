"""Forward mode: jvp against finite-difference directional derivatives, generated code."""
import math

import pytest

import flatgrad as fg
from flatgrad import sigmoid

from .conftest import fd


def poly(x, y):
    return x * x * y + 3.0 * y - x / y


def trig(x, y):
    return math.sin(x * y) + math.exp(-x) * math.cos(y) + math.atan2(y, x)


def branchy(x, y):
    if x * y > 1.0:
        z = x ** 3
    else:
        z = y * math.log(1.0 + x * x)
    return z + max(x, y)


def looped(x, n):
    acc = 0.0
    p = 1.0
    for i in range(n):
        p = p * x
        acc = acc + p / (i + 1)
    return acc


def whiled(x):
    s = x
    k = 0
    while s < 100.0:
        s = s * 1.5 + x
        k += 1
    return s


def breaking(x, y):
    s = 0.0
    for i in range(20):
        s = s + x * i + y
        if s > 10.0:
            break
    return s * y


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def two(x, y):
    return x * y, math.sin(x) + y * y, x


CASES = [
    (poly, (1.3, -0.7)), (trig, (0.4, 1.1)), (branchy, (2.0, 1.5)), (branchy, (0.2, 0.3)),
    (whiled, (1.7,)), (breaking, (0.8, 0.5)), (neuron, (2.0, -1.0, -3.0, -2.0, -3.0)),
]


@pytest.mark.parametrize("f,args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_jvp_matches_directional_finite_difference(f, args):
    n = len(args)
    tangents = tuple(0.3 * (i + 1) * (-1) ** i for i in range(n))
    out, tan = fg.jvp(f, args, tangents, target="python")
    assert out == pytest.approx(f(*args))
    # the directional derivative: d/dh f(args + h * tangents) at h = 0
    num = fd(lambda h: f(*(a + h * t for a, t in zip(args, tangents))), (0.0,), 0)
    assert tan == pytest.approx(num, rel=1e-6, abs=1e-7)


def test_jvp_with_integer_argument():
    out, tan = fg.jvp(looped, (1.2, 5), (1.0, 0.0), target="python")
    assert out == pytest.approx(looped(1.2, 5))
    assert tan == pytest.approx(fd(looped, (1.2, 5), 0), rel=1e-6)


def test_jvp_tuple_output():
    outs, tans = fg.jvp(two, (0.5, 2.0), (1.0, -2.0), target="python")
    assert outs == pytest.approx(two(0.5, 2.0))
    dx, dy = fd(two, (0.5, 2.0), 0), fd(two, (0.5, 2.0), 1)
    assert tans == pytest.approx(tuple(a * 1.0 + b * -2.0 for a, b in zip(dx, dy)), rel=1e-6)


def test_jvp_zero_tangent_gives_zero():
    assert fg.jvp(poly, (1.0, 2.0), (0.0, 0.0), target="python")[1] == 0.0


def test_jvp_checks_lengths():
    with pytest.raises(ValueError):
        fg.jvp(poly, (1.0, 2.0), (1.0,), target="python")
    with pytest.raises(TypeError):
        fg.jvp(poly, (1.0,), (1.0,), target="python")


def test_forward_source_is_flat_and_names_tangents():
    src = fg.source(neuron, argnums=(0, 1, 2, 3, 4), mode="fwd", optimize=False, target="python")
    assert "def neuron_jvp(w0, x0, w1, x1, w2, tan_w0, tan_x0, tan_w1, tan_x1, tan_w2):" in src
    assert "tan_L = tan_s3 * (1.0 - L) * L" in src
    assert "return (L, tan_L)" in src


def test_symbolic_zero_tangents_are_not_materialised():
    def f(x, y):
        a = math.exp(y) * 2.0     # does not depend on x
        return a * x
    src = fg.source(f, argnums=0, mode="fwd", optimize=False, target="python")
    assert "tan_a" not in src and "tan_y" not in src
    assert "tan_L = tan_x * a" in src.replace("a * tan_x", "tan_x * a")
