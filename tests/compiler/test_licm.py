"""Loop-invariant code motion: what moves out of a loop, and what must stay."""
import numpy as np

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.compiler.verify import check
from flatgrad.compiler.ir import For, Op
from flatgrad.compiler.optimize import hoist
from flatgrad.compiler.pipeline import Request, transform

from . import licm_funcs as F

A1, A2 = T.Array("float64", 1), T.Array("float64", 2)


def loop_ops(fn):
    loop = next(s for s in fn.body.stmts if isinstance(s, For))
    return [s.prim for s in loop.body.stmts if isinstance(s, Op)]


def test_invariant_array_work_leaves_the_loop():
    ir = transform(F.invariant_matvec, (A1, A2, T.I64), Request(optimize=False))
    after = hoist(ir)
    check(after)
    assert "matmul" in loop_ops(ir) and "matmul" not in loop_ops(after)
    assert "tanh" not in loop_ops(after)


def test_a_scalar_op_that_can_raise_stays_in_the_loop():
    # math.log(x) raises for x <= 0 in plain Python; hoisting it out of a loop that may
    # not run would raise where the program does not
    ir = transform(F.unsafe_log, (T.F64, T.I64), Request(optimize=False))
    assert "log" in loop_ops(hoist(ir))
    assert fg.grad(F.unsafe_log, target="python")(-1.0, 0) == 0.0


def test_reads_of_an_array_the_loop_writes_stay():
    ir = transform(F.carried_array, (T.F64, T.I64), Request(optimize=False))
    assert "sum" in loop_ops(hoist(ir))
    value, g = fg.value_and_grad(F.carried_array, target="python")(0.5, 7)
    assert np.isclose(value, F.carried_array(0.5, 7))


def test_gradients_unchanged_by_licm():
    x, W = np.array([0.3, -0.2]), np.array([[0.5, 1.0], [-1.5, 0.25]])
    a = fg.grad(F.invariant_matvec, (0, 1), target="python")(x, W, 4)
    b = fg.grad(F.invariant_matvec, (0, 1), target="python", optimize=False)(x, W, 4)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-12)


def regularised(W):
    return 0.5 * 0.01 * np.sum(W * W)


def test_fold_scales_makes_one_pass_over_the_array():
    src = fg.source(regularised, types=(A2,))
    body = [ln.strip() for ln in src.splitlines() if "=" in ln and "W" in ln and "def " not in ln]
    assert len(body) == 1 and "W" in body[0], body        # grad_W = <scalar> * W
    W = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(fg.grad(regularised, target="python")(W), 0.01 * W, rtol=1e-15)
