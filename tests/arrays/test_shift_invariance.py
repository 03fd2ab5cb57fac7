"""Shift invariance (compiler/invariance.py): a softmax's or log-sum-exp's maximum carries no
gradient when every use of ``x - max`` cancels a shift of it, and keeps its full gradient
when one does not. Every case against central finite differences; the listing says which:
the maximum's adjoint routes through its tie mask (``s == m``), which is absent where proven."""
import numpy as np
import pytest

import flatgrad as fg

from .check import assert_grads, rand


def log_softmax_nll(s, y):
    shifted = s - np.max(s, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(logp[np.arange(s.shape[0]), y]) / s.shape[0]


def softmax_columns(s, t):
    e = np.exp(s - np.max(s, axis=0, keepdims=True))
    p = e / np.sum(e, axis=0, keepdims=True)
    return np.sum(t * np.log(p))


def logsumexp_by_hand(x):
    m = np.max(x)
    return np.log(np.sum(np.exp(x - m))) + m


def shifted_by_an_argument(x, c):
    return np.log(np.sum(np.exp(x - c))) + c


def softmax_weighted(s, w):
    m = np.max(s, axis=1, keepdims=True)
    e = np.exp(s - m) * w
    return np.sum(np.log(e / np.sum(e, axis=1, keepdims=True) + 1.0))


def squared_deviation_from_max(s):
    return np.sum((s - np.max(s, axis=1, keepdims=True)) ** 2)


def summed_along_the_other_axis(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(s - m), axis=0, keepdims=True)))


def shifted_also_read_plainly(s):
    shifted = s - np.max(s, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return np.sum(logp) + 0.1 * np.sum(shifted)


def maximum_also_returned(s):
    m = np.max(s, axis=1, keepdims=True)
    e = np.exp(s - m)
    return np.sum(np.log(e / np.sum(e, axis=1, keepdims=True))) + np.sum(m)


def scaled_before_exp(s):
    m = np.max(s, axis=1, keepdims=True)
    e = np.exp(2.0 * (s - m))
    return np.sum(np.log(np.sum(e, axis=1, keepdims=True)))


TIED = np.array([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, 0.5, 0.5], [2.0, -1.0, 0.0, 2.0]])
S = rand(5, 4)
Y = np.array([0, 3, 3, 1, 2])

PROVEN = {
    "log_softmax_nll": (log_softmax_nll, (S, Y), (0,)),
    "log_softmax_nll_tied_maxima": (log_softmax_nll, (TIED, np.array([1, 0, 3])), (0,)),
    "softmax_columns": (softmax_columns, (S, rand(5, 4)), (0, 1)),
    "logsumexp_by_hand": (logsumexp_by_hand, (rand(7),), (0,)),
    "logsumexp_by_hand_2d": (logsumexp_by_hand, (TIED,), (0,)),
    "shifted_by_an_argument": (shifted_by_an_argument, (rand(6), 0.7), (0, 1)),
    "softmax_weighted": (softmax_weighted, (S, rand(5, 4, lo=0.5, hi=2.0)), (0, 1)),
}
KEPT = {
    "squared_deviation_from_max": (squared_deviation_from_max, (S,), (0,)),
    "summed_along_the_other_axis": (summed_along_the_other_axis, (S,), (0,)),
    "shifted_also_read_plainly": (shifted_also_read_plainly, (S,), (0,)),
    "maximum_also_returned": (maximum_also_returned, (S,), (0,)),
    "scaled_before_exp": (scaled_before_exp, (S,), (0,)),
}


@pytest.mark.parametrize("name", sorted(PROVEN))
def test_a_cancelled_shift_carries_no_gradient(name):
    f, args, argnums = PROVEN[name]
    g = fg.grad(f, argnums=argnums)
    assert_grads(f, args, argnums, g=g)
    assert " == " not in g.source, g.source      # no tie mask: the maximum is inactive


@pytest.mark.parametrize("name", sorted(KEPT))
def test_a_shift_that_does_not_cancel_keeps_its_gradient(name):
    f, args, argnums = KEPT[name]
    g = fg.grad(f, argnums=argnums)
    assert_grads(f, args, argnums, g=g)
    assert " == " in g.source, g.source          # the maximum's adjoint, through its tie mask


def test_the_shifting_argument_gets_an_exact_zero():
    """The result does not depend on ``c`` at all: its gradient is 0, not rounding noise."""
    g = fg.grad(shifted_by_an_argument, argnums=(0, 1))
    gx, gc = g(rand(6), 0.7)
    assert gc == 0.0
    np.testing.assert_allclose(np.sum(gx), 1.0, rtol=1e-12)   # the softmax sums to one


def test_second_derivatives_through_a_cancelled_shift():
    """The Hessian of log-sum-exp (diag(p) - p p^T), with the maximum inactive in both
    passes, against differences of the gradient and the closed form."""
    x = rand(6)
    h = fg.hessian(logsumexp_by_hand)(x)
    p = np.exp(x - np.max(x))
    p /= p.sum()
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), atol=1e-12)
    g = fg.grad(logsumexp_by_hand)
    eps = 1e-6
    cols = [(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(6)]
    np.testing.assert_allclose(h, np.array(cols).T, atol=1e-7)


def test_vjp_through_a_cancelled_shift():
    """The cotangent of a log-softmax (every result invariant), against the closed form
    g - softmax * sum(g) per row."""
    def log_softmax(s):
        shifted = s - np.max(s, axis=1, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    ct = rand(5, 4)
    _, pull = fg.vjp(log_softmax, S)
    (got,) = pull(ct)
    p = np.exp(S - np.max(S, axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, ct - p * ct.sum(axis=1, keepdims=True), atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["log_softmax_nll", "log_softmax_nll_tied_maxima",
                                  "softmax_columns"])
def test_a_cancelled_shift_on_the_cpu_target(name):
    f, args, argnums = PROVEN[name]
    assert_grads(f, args, argnums, target="cpu")


def test_jvp_through_a_cancelled_shift():
    """Forward mode: the tangent of a log-softmax is t - sum(softmax * t) per row; the
    maximum's tangent is not computed."""
    def log_softmax(s):
        shifted = s - np.max(s, axis=1, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    t = rand(5, 4)
    value, tangent = fg.jvp(log_softmax, (S,), (t,))
    p = np.exp(S - np.max(S, axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(value, np.log(p), atol=1e-12)
    np.testing.assert_allclose(tangent, t - np.sum(p * t, axis=1, keepdims=True), atol=1e-12)


def nll_of_a_layer(W, X, y):
    return log_softmax_nll(X @ W, y)


def test_hessian_vector_product_through_a_cancelled_shift():
    """Forward over reverse: the gradient's own IR still shifts by the maximum and cancels it;
    neither pass computes the maximum's derivative. Against differences of the gradient."""
    W, X, y = rand(3, 4), rand(5, 3), Y
    v = rand(3, 4)
    h = fg.hvp(nll_of_a_layer, argnums=0)
    got = h(W, X, y, v)
    g = fg.grad(nll_of_a_layer, argnums=0)
    eps = 1e-6
    np.testing.assert_allclose(got, (g(W + eps * v, X, y) - g(W - eps * v, X, y)) / (2 * eps),
                               atol=1e-7)
    assert " == " not in h.source, h.source
