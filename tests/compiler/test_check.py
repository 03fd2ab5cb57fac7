"""The IR checker fed deliberately broken IR must raise, pointing at the problem."""
import pytest

from flatgrad.compiler import types as T
from flatgrad.compiler.verify import IRError, check
from flatgrad.compiler.ir import Block, Const, For, Function, If, Op, Var


X = Var(0, T.F64, "x")


def fn(stmts, yields, params=(X,)):
    return Function("f", params, Block((), tuple(stmts), tuple(yields)))


def test_well_formed_ir_passes():
    y = Var(1, T.F64, "y")
    check(fn([Op("mul", (X, X), (y,))], [y]))


def test_use_before_def():
    y, z = Var(1, T.F64), Var(2, T.F64)
    bad = fn([Op("mul", (X, z), (y,)), Op("sin", (X,), (z,))], [y])
    with pytest.raises(IRError, match="out of scope"):
        check(bad)


def test_use_of_undefined_value_in_yield():
    ghost = Var(7, T.F64, "ghost")
    with pytest.raises(IRError, match="ghost"):
        check(fn([], [ghost]))


def test_double_definition():
    y = Var(1, T.F64)
    bad = fn([Op("sin", (X,), (y,)), Op("cos", (X,), (y,))], [y])
    with pytest.raises(IRError, match="defined twice"):
        check(bad)


def test_redefining_a_parameter():
    bad = fn([Op("sin", (X,), (X,))], [X])
    with pytest.raises(IRError, match="defined twice"):
        check(bad)


def test_wrong_result_type():
    y = Var(1, T.I64)   # sin of a float is a float
    with pytest.raises(IRError, match="type"):
        check(fn([Op("sin", (X,), (y,))], [y]))


def test_comparison_must_be_bool():
    y = Var(1, T.F64)
    with pytest.raises(IRError, match="type"):
        check(fn([Op("lt", (X, Const(0.0, T.F64)), (y,))], [y]))


def test_wrong_arity():
    y = Var(1, T.F64)
    with pytest.raises(IRError, match="args"):
        check(fn([Op("mul", (X,), (y,))], [y]))


def test_unknown_primitive():
    y = Var(1, T.F64)
    with pytest.raises(IRError, match="unknown primitive"):
        check(fn([Op("frobnicate", (X,), (y,))], [y]))


def test_value_defined_in_branch_used_outside():
    c, inner, out = Var(1, T.BOOL), Var(2, T.F64), Var(3, T.F64)
    region = If(c, Block((), (Op("sin", (X,), (inner,)),), (inner,)), Block((), (), (X,)), (out,))
    bad = fn([Op("gt", (X, Const(0.0, T.F64)), (c,)), region], [inner])
    with pytest.raises(IRError, match="out of scope"):
        check(bad)


def test_if_arms_yield_wrong_number_of_values():
    c, out = Var(1, T.BOOL), Var(3, T.F64)
    region = If(c, Block((), (), (X, X)), Block((), (), (X,)), (out,))
    with pytest.raises(IRError, match="yields"):
        check(fn([Op("gt", (X, Const(0.0, T.F64)), (c,)), region], [out]))


def test_for_body_params_mismatch():
    i, s, out = Var(1, T.I64), Var(2, T.F64), Var(3, T.F64)
    zero, n = Const(0, T.I64), Const(3, T.I64)
    # body declares only the index, but one value is carried
    loop = For(zero, n, Const(1, T.I64), (X,), Block((i,), (), (X,)), (out,))
    with pytest.raises(IRError):
        check(fn([loop], [out]))
    good = For(zero, n, Const(1, T.I64), (X,), Block((i, s), (), (s,)), (out,))
    check(fn([good], [out]))


# ---- in-place writes: a buffer is not read after a write into it (check_writes)

A = Var(10, T.Array("float64", 1), "a")
_ROW = (("i",),)


def _write(into, out_id, value=Const(1.0, T.F64)):
    out = Var(out_id, into.type)
    return out, Op("setitem", (into, value, Const(0, T.I64)), (out,), (("spec", _ROW),))


def test_a_read_through_the_written_name_passes():
    b, w = _write(A, 11)
    s = Var(12, T.F64)
    check(fn([w, Op("sum", (b,), (s,))], [s], params=(A,)))


def test_reading_the_old_name_after_a_write_is_caught():
    b, w = _write(A, 11)
    s = Var(12, T.F64)
    bad = fn([w, Op("sum", (A,), (s,))], [s], params=(A,))
    with pytest.raises(IRError, match="read .* after setitem wrote into its buffer"):
        check(bad)


def test_a_view_made_before_the_write_is_stale_too():
    v = Var(13, A.type)
    b, w = _write(A, 11)
    s = Var(12, T.F64)
    bad = fn([Op("transpose", (A,), (v,)), w, Op("sum", (v,), (s,))], [s], params=(A,))
    with pytest.raises(IRError, match="v13 read"):
        check(bad)


def test_a_read_inside_a_later_region_or_a_yield_is_caught():
    b, w = _write(A, 11)
    s = Var(12, T.F64)
    cond = Var(14, T.BOOL)
    branch = If(cond, Block((), (Op("sum", (A,), (s,)),), (s,)),
                Block((), (), (Const(0.0, T.F64),)), (Var(15, T.F64),))
    with pytest.raises(IRError, match="v10 read"):
        check(fn([Op("gt", (X, Const(0.0, T.F64)), (cond,)), w, branch], [X], params=(X, A)))
    with pytest.raises(IRError, match="v10 yielded"):
        check(fn([w], [A], params=(A,)))


def test_a_read_of_the_shape_only_is_no_hazard():
    b, w = _write(A, 11)
    z = Var(12, A.type)
    check(fn([w, Op("zeros_like", (A,), (z,))], [z], params=(A,)))
