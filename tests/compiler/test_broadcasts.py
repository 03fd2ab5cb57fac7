"""optimize's ``broadcasts`` pass: an ``unreduce`` view read by an elementwise op whose other
operand has the full shape is read as its source, and nowhere else."""
import numpy as np

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.compiler.broadcasts import elide_broadcasts
from flatgrad.compiler.builder import Builder
from flatgrad.compiler.ir import Block, Function
from flatgrad.compiler.verify import check

from ..arrays.check import assert_grads, rand

M = T.Array("float64", 2)


def _fn(body):
    """f(x, z) over two matrices; ``body(b, x, z)`` returns the results."""
    b = Builder()
    x, z = b.fresh(M, "x"), b.fresh(M, "z")
    results = body(b, x, z)
    fn = Function("f", (x, z), Block((), tuple(b.stmts), tuple(results)))
    check(fn)
    return fn


def _args(fn, prim):
    return [s.args for s in fn.body.stmts if s.prim == prim]


def test_a_broadcast_next_to_a_full_operand_reads_its_source():
    def body(b, x, z):
        g = b.sum(x, axis=1, keepdims=True)
        return (b.mul(b.unreduce(g, x, axis=1, keepdims=True), x),)
    out = elide_broadcasts(_fn(body))
    check(out)
    (args,) = _args(out, "mul")
    assert args[0] is next(s.outs[0] for s in out.body.stmts if s.prim == "sum")


def test_two_broadcasts_with_no_full_operand_stay():
    """Each view proves the other's shape only by being a view: replacing both would give the
    product the reduced shape."""
    def body(b, x, z):
        u = b.unreduce(b.sum(x, axis=1, keepdims=True), x, axis=1, keepdims=True)
        v = b.unreduce(b.sum(x, axis=1, keepdims=True), x, axis=1, keepdims=True)
        return (b.mul(u, v),)
    fn = _fn(body)
    assert elide_broadcasts(fn) == fn


def test_an_operand_of_unproven_shape_proves_nothing():
    """``z`` may have x's shape or not (then the product raises, or broadcasts g against a
    size-1 axis): the view stays."""
    def body(b, x, z):
        u = b.unreduce(b.sum(x, axis=1, keepdims=True), x, axis=1, keepdims=True)
        return (b.mul(u, z),)
    fn = _fn(body)
    assert elide_broadcasts(fn) == fn


def softmax_rows(x, w):
    p = np.exp(x - np.max(x, axis=1, keepdims=True))
    p = p / np.sum(p, axis=1, keepdims=True)
    return np.sum(w * p)


def test_softmax_gradient_broadcasts_only_into_sums_and_matches_differences():
    """The two keepdims adjoints read by ``*`` and ``==`` lose their views; the one summed into
    ``grad_p`` keeps it (a sum into an adjoint keeps full terms)."""
    x, w = rand(4, 5), rand(4, 5)
    g = fg.grad(softmax_rows, argnums=(0,), target="python")
    assert_grads(softmax_rows, (x, w), (0,), g=g)
    views = [line.strip() for line in g.source.splitlines() if "broadcast_to" in line]
    assert len(views) == 1 and " += np.broadcast_to(" in views[0], views


def var_or_mean(a, unused):
    return max(np.var(a), np.mean(a))


def test_sums_into_adjoints_keep_full_terms():
    """Forward over reverse: the tangent of an adjoint sum (``tan_grad += ...``) is made in
    place from its terms, which must keep the adjoint's shape (fuzz seed 9000123)."""
    dvar = fg.grad(var_or_mean, argnums=0, target="python")

    def f(y):
        return dvar(np.zeros(2) + y + 0.0137 * np.arange(1, 3), np.ones(3))

    y, ty, eps = -0.56, 0.3, 1e-6
    _, tan = fg.jvp(f, (y,), (ty,), target="python")
    want = (f(y + eps) - f(y - eps)) / (2 * eps) * ty
    np.testing.assert_allclose(tan, want, rtol=1e-6, atol=1e-8)
