"""Loops record the costly array values their backward pass reads (matrix products, tanh)
instead of recomputing them, and still differentiate exactly."""
import numpy as np

import flatgrad as fg
from flatgrad.compiler import types as T

from flatgrad.runtime.gradcheck import numeric_grad
from . import tape_funcs as F

RNG = np.random.default_rng(9)
WH, WX = 0.5 * RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))
XS, H0 = RNG.normal(size=(5, 2)), RNG.normal(size=3)
A2, A1 = T.Array("float64", 2), T.Array("float64", 1)


def test_rnn_backward_reads_taped_activations_instead_of_recomputing():
    src = fg.grad(F.rnn, (0, 1), target="python").build_source((A2, A2, A2, A1))
    backward = src.split("for t_1 in range(")[1]
    assert "np.tanh(" not in backward and "Wh @" not in backward
    assert "tape_push(" in src


def test_rnn_gradient_and_hessian_vector_product():
    g = fg.grad(F.rnn, (0, 1, 3), target="python")
    got = g(WH, WX, XS, H0)
    for i, gi in zip((0, 1, 3), got):
        np.testing.assert_allclose(gi, numeric_grad(F.rnn, [WH, WX, XS, H0], i), rtol=1e-5, atol=1e-7)
    v = tuple(RNG.normal(size=a.shape) for a in (WH, WX, XS, H0))
    _, hv = fg.jvp(g, (WH, WX, XS, H0), v, target="python")
    eps = 1e-6
    up = g(*(a + eps * d for a, d in zip((WH, WX, XS, H0), v)))
    down = g(*(a - eps * d for a, d in zip((WH, WX, XS, H0), v)))
    for h, p, m in zip(hv, up, down):
        np.testing.assert_allclose(h, (p - m) / (2 * eps), rtol=1e-5, atol=1e-6)


def test_while_loop_tapes_its_activations():
    g = fg.grad(F.rnn_while, (0, 1), target="python")
    got = g(WH, H0, 6)
    for i, gi in zip((0, 1), got):
        np.testing.assert_allclose(gi, numeric_grad(F.rnn_while, [WH, H0, 6], i), rtol=1e-5, atol=1e-7)
