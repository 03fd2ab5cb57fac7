"""Writes whose value NumPy broadcasts into the region written (issue 20 §3).

Every write form (item, row, column, slice, strided slice, fancy index, ``+=`` and the other
augmented writes, in loops, branches and while loops) with every value rank from 0 up to the
region's rank, with and without length-1 axes: reverse mode (both the array written into and
the value) and forward mode against central finite differences.
"""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError
from flatgrad.api import forward
from flatgrad.runtime.gradcheck import numeric_grad

from . import write_funcs as W
from .check import assert_grads

RNG = np.random.default_rng(2026_12_06)

# function -> (shape of h0, the value shapes that broadcast into its region)
R2 = [(), (1,), (4,), (2, 1), (1, 4), (1, 1), (2, 4)]          # into a (2, 4) region
WRITES = {
    "w_item": ((3, 4), [()]),
    "w_row": ((3, 4), [(), (1,), (4,)]),
    "w_column": ((3, 4), [(), (1,), (3,)]),
    "w_slice": ((3, 4), R2),
    "w_step_slice": ((3, 4), [(), (1,), (2,), (2, 1), (1, 2), (2, 2)]),
    "w_fancy": ((3, 4), R2),
    "w_fancy_column": ((3, 4), [(), (1,), (2,)]),
    "w_block3": ((2, 3, 4), [(), (4,), (3, 1), (1, 4), (1, 1), (3, 4)]),
    "w_mid3": ((2, 3, 4), [(), (2,), (2, 1), (1, 2), (2, 2)]),
    "w_all3": ((2, 3, 4), [(), (4,), (3, 1), (1, 3, 4), (2, 1, 1), (2, 1, 4), (2, 3, 4)]),
    "w_add_slice": ((3, 4), R2),
    "w_sub_row": ((3, 4), [(), (1,), (4,)]),
    "w_mul_row": ((3, 4), [(), (1,), (4,)]),
    "w_div_fancy": ((3, 4), R2),
    "w_pow_column": ((3, 4), [(), (1,), (3,)]),
    "w_loop_rows": ((3, 4), [(), (1,), (4,)]),
    "w_loop_accumulate": ((3, 4), [(), (1,), (4,)]),
    "w_branch": ((3, 4), [(), (1,), (4,)]),
    "w_while": ((3, 4), [(), (1,), (4,)]),
}
CASES = [(name, hs, vs) for name, (hs, vss) in WRITES.items() for vs in vss]


def _ids(case):
    name, _, vs = case
    return f"{name}-v{'x'.join(map(str, vs)) or 'scalar'}"


def _draw(shape, sign=1.0):
    """Values away from 0 (``**`` and ``/`` stay smooth), of either sign."""
    x = RNG.uniform(0.3, 1.0, shape) * sign
    return x if shape else float(x)


def _args(hs, vs, sign):
    return _draw(hs, sign), _draw(vs)


def _assert_jvp(f, args, tangents, tangent):
    """``tangent`` is the directional derivative of ``f`` along ``tangents``."""
    eps = 1e-6
    up = f(*[a + eps * t for a, t in zip(args, tangents)])
    down = f(*[a - eps * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(tangent, (up - down) / (2 * eps), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_reverse_mode(case, sign):
    name, hs, vs = case
    assert_grads(getattr(W, name), _args(hs, vs, sign), (0, 1))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_forward_mode(case):
    name, hs, vs = case
    f = getattr(W, name)
    args, tangents = _args(hs, vs, 1.0), _args(hs, vs, -1.0)
    value, tangent = fg.jvp(f, args, tangents, target="python")
    assert np.isclose(value, f(*args))
    _assert_jvp(f, args, tangents, tangent)
    # the value's tangent alone: a number (or row) spread over the region
    _, alone = fg.jvp(f, args, (None, tangents[1]), target="python")
    _assert_jvp(f, args, (0.0 * args[0], tangents[1]), alone)


@pytest.mark.parametrize("vs", [(), (2, 1)])
def test_hessian_of_a_broadcast_write(vs):
    """Forward over reverse: the summed-back adjoint is differentiated again."""
    f = W.w_slice
    h0, v = _args((3, 4), vs, 1.0)
    v = np.atleast_1d(v)
    hess = fg.hessian(f, argnums=1, target="python")(h0, v)
    g = fg.grad(f, argnums=1, target="python")
    num = np.stack([numeric_grad(lambda w: g(h0, w.reshape(v.shape)).ravel()[k], [v.ravel()], 0)
                    for k in range(v.size)])
    np.testing.assert_allclose(np.reshape(hess, num.shape), num, rtol=1e-5, atol=1e-6)


TANGENT = ["init_array_grad_maybe_active", "init_array_rows_scaled", "init_array_rows_accumulate",
           "init_array_rows_recurrent", "init_array_column", "init_array_block",
           "init_array_maybe_branch"]


@pytest.mark.parametrize("name", TANGENT)
def test_tangent_init_array_grad_maybe_active(name):
    """google/tangent's test function (a number written into each row of a new array) and
    variants: scaled, accumulated, recurrent, columns, blocks, chosen by a branch."""
    f = getattr(W, name)
    x = RNG.normal(size=5)
    assert_grads(f, (x,), (0,))
    t = RNG.normal(size=5)
    _, tangent = fg.jvp(f, (x,), (t,), target="python")
    _assert_jvp(f, (x,), (t,), tangent)


def test_tangent_init_array_exact_gradient():
    """sum(h * h) with every row of h equal to x[t]: d/dx[t] = 2 * 3 * x[t]."""
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(fg.grad(W.init_array_grad_maybe_active, target="python")(x), 6 * x)


def test_rows_of_a_vector_times_a_number():
    assert_grads(W.init_array_vector_rows, (RNG.normal(size=4), RNG.normal(size=2)), (0, 1))


@pytest.mark.parametrize("hdtype,v", [("float64", np.float32(0.5)), ("float32", 0.25),
                                      ("float64", np.ones((2, 1), np.float32)),
                                      ("float32", np.linspace(0.2, 0.8, 4))])
def test_dtypes(hdtype, v):
    """Each gradient comes back in its argument's dtype; float32 writes stay float32."""
    h0 = RNG.uniform(0.3, 1.0, (3, 4)).astype(hdtype)
    gh, gv = fg.grad(W.w_slice, argnums=(0, 1), target="python")(h0, v)
    assert gh.dtype == h0.dtype and np.asarray(gv).dtype == np.asarray(v).dtype
    assert np.shape(gv) == np.shape(v)
    wide = (h0.astype(np.float64), np.float64(v) if np.ndim(v) == 0 else v.astype(np.float64))
    np.testing.assert_allclose(np.asarray(gv, float), numeric_grad(W.w_slice, list(wide), 1),
                               rtol=1e-4, atol=1e-5)


def test_integer_value_has_no_gradient_but_the_array_has():
    h0 = _draw((3, 4))
    (gh,) = assert_grads(W.w_slice, (h0, 3), (0,))
    assert np.all(gh[1:3] == 0.0)


def test_value_of_higher_rank_than_the_region_is_rejected():
    with pytest.raises(CompileError, match=r"write_funcs\.py:\d+:\d+: the value written has 2 "
                                           r"dimension\(s\) but the region 'h\[1\]' has 1"):
        fg.grad(W.w_row, argnums=(0, 1), target="python")(_draw((3, 4)), _draw((1, 4)))


# ---- the Numba target: a few forms, one shared compiled fixture

CPU = {"w_row": ((3, 4), [(), (4,)]), "w_fancy": ((3, 4), [(2, 1), ()]),
       "w_block3": ((2, 3, 4), [(3, 1)]), "w_branch": ((3, 4), [()]),
       "w_add_slice": ((3, 4), [(1, 4)])}


@pytest.fixture(scope="module")
def cpu():
    """name -> (grad, forward) on target "cpu", compiled once per module."""
    cache = {}

    def get(name):
        if name not in cache:
            f = getattr(W, name)
            cache[name] = (fg.grad(f, argnums=(0, 1), target="cpu"),
                           forward(f, argnums=(0, 1), target="cpu"))
        return cache[name]
    return get


@pytest.mark.slow
def test_cpu_target(cpu):
    for name, (hs, vss) in CPU.items():
        f = getattr(W, name)
        g, fwd = cpu(name)
        for vs in vss:
            args, tangents = _args(hs, vs, 1.0), _args(hs, vs, -1.0)
            assert_grads(f, args, (0, 1), g=g)
            _, tangent = fwd(*args, *tangents)
            _assert_jvp(f, args, tangents, tangent)
    x = RNG.normal(size=5)
    assert_grads(W.init_array_grad_maybe_active, (x,), (0,),
                 g=fg.grad(W.init_array_grad_maybe_active, argnums=(0,), target="cpu"))
