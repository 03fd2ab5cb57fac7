"""*args, keyword-only parameters and **kwargs in helpers (issue 25, item 4): inlined per
call site; checked against plain NumPy and finite differences."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import args_funcs as A
from .numeric import check_value_and_grad

RNG = np.random.default_rng(4)
x5 = RNG.normal(size=5) + 2.0

CASES = [
    (A.rnn_step, (RNG.normal(size=(6, 3)), RNG.normal(size=(4, 2)), RNG.normal(size=(4, 3))), 0),
    (A.rnn_step, (RNG.normal(size=(6, 3)), RNG.normal(size=(4, 2)), RNG.normal(size=(4, 3))), 2),
    (A.varargs_counts, (x5,), 0),
    (A.keyword_only, (x5,), 0),
    (A.keyword_dict, (x5,), 0),
    (A.local_varargs, (x5,), 0),
    (A.mixed_parameters, (x5,), 0),
]


@pytest.mark.parametrize("f, args, i", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_helper_parameters_value_and_gradient(f, args, i):
    check_value_and_grad(f, args, i, atol=1e-6)


def test_differentiated_function_takes_varargs():
    # one compiled function per call shape (compiler/frontend/arity.py; tests/language/test_call_shapes.py)
    assert fg.grad(A.differentiated_varargs, target="python")(1.0) == 1.0
    assert fg.grad(A.differentiated_varargs, argnums=1, target="python")(1.0, 2.0) == 0.0


@pytest.mark.parametrize("f, words", [
    (A.too_few, "missing the keyword-only argument 'shift'"),
    (A.unexpected_keyword, "unexpected keyword argument 'y'"),
])
def test_bad_calls_are_located(f, words):
    with pytest.raises(CompileError, match=rf"args_funcs\.py:\d+:\d+: .*{words}") as e:
        fg.grad(f, target="python")(x5)
    assert "^" in str(e.value)
