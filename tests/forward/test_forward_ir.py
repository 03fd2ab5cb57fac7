"""forward_ad on IR: well-formed output, reverse-mode runtime prims, missing rules, CLI."""
import math
import subprocess
import sys

import pytest

import flatgrad as fg
from flatgrad.compiler import types as T
from flatgrad.compiler.verify import check
from flatgrad.compiler.errors import SourceLoc
from flatgrad.compiler.forward import forward_ad
from flatgrad.compiler.frontend import lower_function
from flatgrad.compiler.ir import Block, Function, Op, Var, dump, walk
from flatgrad.compiler.primitives import PRIMS, call, defprim
from flatgrad.compiler.reverse import reverse_ad
from flatgrad.compiler.vjp import reverse_seeded


def looped(x, y):
    s = x
    for i in range(3):
        s = s * s + y
    return s * y


def test_forward_over_reverse_ir_is_well_formed_and_tapes_tangents():
    rev = reverse_ad(lower_function(looped), (0, 1))
    fwd = forward_ad(rev, (0,))
    check(fwd)
    prims = [s.prim for s in walk(fwd.body) if isinstance(s, Op)]
    assert prims.count("tape_alloc") == 2          # the tape and its tangent tape
    assert prims.count("tape_put") == 2 and prims.count("tape_get") == 2
    assert [p.hint for p in fwd.params] == ["x", "y", "tan_x"]
    assert len(fwd.results) == 4


def test_forward_ad_leaves_independent_code_alone():
    def f(x, y):
        return math.exp(y) + x
    fwd = forward_ad(lower_function(f), (0,), with_value=False)
    text = dump(fwd)
    assert "tan %" not in text.split("exp")[1].splitlines()[0]
    assert "tan_y" not in text


def test_missing_jvp_rule_is_a_compile_error_with_location():
    defprim("opaque_test_prim", 1, T.floating, call("opaque"))
    assert PRIMS["opaque_test_prim"].jvp is None
    x = Var(0, T.F64, "x")
    out = Var(1, T.F64)
    loc = SourceLoc("model.py", 7, 4)
    fn = Function("f", (x,), Block((), (Op("opaque_test_prim", (x,), (out,), (), loc),), (out,)))
    with pytest.raises(fg.CompileError, match=r"model\.py:7:5: no forward-mode \(JVP\) rule for "
                                              r"'opaque_test_prim'"):
        forward_ad(fn, (0,))
    forward_ad(fn, ())   # nothing differentiated: no rule needed


def test_reverse_seeded_takes_cotangent_parameters():
    def two(x, y):
        return x * y, x + y
    v = reverse_seeded(lower_function(two), (0, 1))
    check(v)
    assert [p.hint for p in v.params] == ["x", "y", "grad_out0", "grad_out1"]


def test_cli_show_mode_fwd(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f(x, y):\n    return x * y + x\n")
    r = subprocess.run([sys.executable, "-m", "flatgrad", "show", f"{src}::f", "--mode", "fwd",
                        "--wrt", "x"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "def f_jvp(x, y, tan_x):" in r.stdout and "tan_L" in r.stdout
