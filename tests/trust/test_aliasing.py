"""Issue 9 class 3 (in-place operators) and more of class 2 (writes after reads in regions)."""
import numpy as np
import pytest

import flatgrad as fg

from . import funcs as F
from .test_broadcast_items import _check

X3 = np.array([0.3, -1.2, 0.7])
CASES = [
    (F.local_iadd, (X3, 0.4)),
    (F.read_in_arm_write_after, (0.7, 1.0)),
    (F.read_in_arm_write_after, (0.7, -1.0)),
    (F.exposed_then_loop_write, (0.7, X3)),
    (F.write_in_loop_in_arm, (0.7, 1.0)),
    (F.write_in_loop_in_arm, (0.7, -1.0)),
    (F.branch_write_loop, (0.6,)),
    (F.outer_read_in_loop, (0.6,)),
]
IDS = [f"{c[0].__name__}{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_python(f, args, optimize):
    _check(f, args, "python", optimize)


@pytest.mark.slow
@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_cpu(f, args):
    _check(f, args, "cpu", True)


@pytest.mark.parametrize("f,line,words", [
    (F.alias_iadd, 3, "same array"),
    (F.view_imul, 3, "view"),
    (F.arg_iadd, 1, "never mutates an argument"),
    (F.arg_imul, 1, "never mutates an argument"),
    (F.alias_made_in_a_loop, 4, "same array"),
])
def test_in_place_through_aliases_is_rejected(f, line, words):
    import inspect
    first = inspect.getsourcelines(f)[1]
    with pytest.raises(fg.CompileError, match=words) as e:
        fg.grad(f, argnums=(0, 1), target="python")(np.ones((2, 3)) if f is F.view_imul else X3, 0.5)
    assert f":{first + line}:" in str(e.value)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f", [F.fancy_write, F.fancy_iadd])
def test_repeated_indices_in_writes(f, target):
    g = fg.grad(f, argnums=0, target=target)
    x = np.array([0.5, -0.25])
    idx = np.array([3, 1])
    got = g(x, idx)
    eps = 1e-6
    fd = np.array([(f(x + eps * e, idx) - f(x - eps * e, idx)) / (2 * eps) for e in np.eye(2)])
    np.testing.assert_allclose(got, fd, rtol=1e-6)
    with pytest.raises(ValueError, match="same position twice"):
        g(x, np.array([2, 2]))
