"""Issue 9 class 4: functions with several returns of tuples."""
import numpy as np
import pytest

import flatgrad as fg

from . import funcs as F
from .test_broadcast_items import _check


def test_tuple_on_one_path_scalar_on_another_is_rejected():
    with pytest.raises(fg.CompileError, match="tuple on one path and a different"):
        fg.value_and_grad(F.tuple_or_scalar, target="python")(0.5)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("x,y", [(0.5, 1.5), (-0.5, 1.5)])
def test_tuple_returns_jacobian(x, y, target):
    J = fg.jacobian(F.two_tuple_returns, argnums=(0, 1), target=target)(x, y)
    if x > 0:
        expected = ((y, x), (1.0, 1.0))
    else:
        expected = ((0.0, 1.0), (2 * x, 0.0))
    np.testing.assert_allclose(np.array(J, dtype=float), expected)
    out, tangents = fg.jvp(F.two_tuple_returns, (x, y), (1.0, 0.0), target=target)
    np.testing.assert_allclose(out, F.two_tuple_returns(x, y))
    np.testing.assert_allclose(tangents, [row[0] for row in expected])


@pytest.mark.parametrize("f,args", [(F.helper_early_tuple, (0.5,)), (F.helper_early_tuple, (1.5,)),
                                    (F.swap_in_branch, (0.5, 0.2)), (F.swap_in_branch, (0.1, 0.2))])
@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_tuple_merges(f, args, optimize):
    _check(f, args, "python", optimize)


@pytest.mark.parametrize("x", [0.1, 0.4])
def test_tuple_return_in_loop(x):
    J = fg.jacobian(F.tuple_in_loop, target="python")(x)
    eps = 1e-6
    fd = (np.array(F.tuple_in_loop(x + eps)) - np.array(F.tuple_in_loop(x - eps))) / (2 * eps)
    np.testing.assert_allclose(np.array(J, dtype=float), fd, rtol=1e-6)


def test_unreachable_statements_are_rejected_at_their_line():
    import inspect
    line = inspect.getsourcelines(F.unreachable_print)[1] + 4
    with pytest.raises(fg.CompileError, match="can never run") as e:
        fg.grad(F.unreachable_print, target="python")(1.0)
    assert f":{line}:" in str(e.value)
