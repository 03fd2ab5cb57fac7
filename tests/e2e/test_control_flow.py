"""Control flow end to end: every case of cases.py against central finite differences,
on the python target and (slow) on the Numba cpu target."""
import pytest

import flatgrad as fg

from ..helpers import assert_close, fd
from .cases import CASES, case_id

IDS = [case_id(c) for c in CASES]

# the value half of value_and_grad: same cases
VALUE_CASES = [pytest.param(*(c.values if hasattr(c, "values") else c)) for c in CASES]


def check(fn, args, argnums, target):
    got = fg.grad(fn, argnums, target=target)(*args)
    want = tuple(fd(fn, args, i) for i in argnums)
    assert_close(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,args,argnums", CASES, ids=IDS)
def test_python_target(fn, args, argnums):
    check(fn, args, argnums, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn,args,argnums", CASES, ids=IDS)
def test_cpu_target(fn, args, argnums):
    check(fn, args, argnums, "cpu")


@pytest.mark.parametrize("fn,args,argnums", VALUE_CASES, ids=IDS)
def test_value_and_grad_value_is_the_function_value(fn, args, argnums):
    value, _ = fg.value_and_grad(fn, argnums, target="python")(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)


CPU_VALUE = {"if_elif_else", "nested_loops", "while_break", "loop_init_is_param"}


@pytest.mark.slow
@pytest.mark.parametrize("fn,args,argnums",
                         [c for c, i in zip(VALUE_CASES, IDS) if i.split("(")[0] in CPU_VALUE],
                         ids=[i for i in IDS if i.split("(")[0] in CPU_VALUE])
def test_value_and_grad_value_on_cpu(fn, args, argnums):
    value, _ = fg.value_and_grad(fn, argnums, target="cpu")(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
