"""Frontend: Python source -> IR, compared with golden dumps (read them as the spec)."""
import textwrap

import pytest

from flatgrad.compiler import types as T
from flatgrad.compiler.verify import check
from flatgrad.compiler.frontend import lower_function
from flatgrad.compiler.ir import dump

from . import funcs


def lower(fn, *types):
    types = types or (T.F64,) * fn.__code__.co_argcount
    return lower_function(fn, types)


def golden(text):
    return textwrap.dedent(text).strip("\n")


def test_straight_line():
    assert dump(lower(funcs.straight)) == golden("""
        func straight(%0(x): f64, %1(y): f64):
          %2(a): f64 = mul %0(x) %1(y)  # funcs.py:10
          %3(b): f64 = add %2(a) %0(x)  # funcs.py:11
          return %3(b)
    """)


def test_reassignment_makes_versions():
    assert dump(lower(funcs.versions)) == golden("""
        func versions(%0(x): f64):
          %1(y): f64 = add %0(x) 1.0  # funcs.py:16
          %2(y): f64 = mul %1(y) %0(x)  # funcs.py:17
          %3(y): f64 = sub %2(y) 2.0  # funcs.py:18
          return %3(y)
    """)


def test_augmented_assignment():
    # `s = x` only renames x; each `s op= ...` is a new version of s
    assert dump(lower(funcs.aug)) == golden("""
        func aug(%0(x): f64, %1(y): f64):
          %2(s): f64 = add %0(x) %1(y)  # funcs.py:24
          %3(s): f64 = mul %2(s) %1(y)  # funcs.py:25
          %4(s): f64 = sub %3(s) 1.0  # funcs.py:26
          %5(s): f64 = div %4(s) %0(x)  # funcs.py:27
          return %5(s)
    """)


def test_tuple_unpacking_swaps_without_ops():
    # a, b = y, x computes nothing; the unnamed result is called L
    assert dump(lower(funcs.unpack)) == golden("""
        func unpack(%0(x): f64, %1(y): f64):
          %2(L): f64 = sub %1(y) %0(x)  # funcs.py:33
          return %2(L)
    """)


def test_user_function_is_inlined_with_its_own_locations():
    assert dump(lower(funcs.calls)) == golden("""
        func calls(%0(x): f64):
          %1: f64 = mul %0(x) %0(x)  # funcs.py:37
          %2(L): f64 = add %1 1.0  # funcs.py:41
          return %2(L)
    """)


def test_module_constant_and_math_pi_are_inlined():
    assert dump(lower(funcs.module_const)) == golden("""
        func module_const(%0(x): f64):
          %1: f64 = mul 3.0 %0(x)  # funcs.py:45
          %2(L): f64 = add %1 3.141592653589793  # funcs.py:45
          return %2(L)
    """)


def test_if_else_is_a_region_yielding_the_changed_variable():
    assert dump(lower(funcs.branch)) == golden("""
        func branch(%0(x): f64):
          %1: bool = gt %0(x) 0  # funcs.py:53
          %4(y) = if %1:  # funcs.py:53
            %2(y): f64 = mul %0(x) 2.0  # funcs.py:54
            yield %2(y)
          else:
            %3(y): f64 = neg %0(x)  # funcs.py:56
            yield %3(y)
          return %4(y)
    """)


def test_for_loop_carries_int_accumulator_promoted_to_float():
    ir = lower(funcs.loop, T.F64, T.I64)
    text = dump(ir)
    # `s = 0` then `s += x*x`: the carried s is a float from the start
    assert "from (0.0):" in text
    assert "range(0, %1(n), 1)" in text
    assert ir.results[0].type == T.F64


def test_int_argument_keeps_int_type():
    ir = lower(funcs.straight, T.I64, T.F64)
    assert str(ir.params[0].type) == "i64"
    assert ir.results[0].type == T.F64


@pytest.mark.parametrize("name", ["straight", "versions", "aug", "unpack", "calls",
                                  "module_const", "branch", "mixed", "shared"])
def test_lowered_ir_passes_checker(name):
    check(lower(getattr(funcs, name)))


def test_while_ir_passes_checker():
    check(lower(funcs.whileloop))
