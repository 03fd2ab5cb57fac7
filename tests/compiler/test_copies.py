"""The late copy analysis (compiler/copies.py, issue 23 item 5): it finds the writes the
stages' copies protect, and with ``FLATGRAD_COPIES=pass`` it alone protects the batcher's."""
import os
import subprocess
import sys
import textwrap

import numpy as np

import flatgrad as fg
from flatgrad.compiler import copies
from flatgrad.compiler.ir import Block, For, Function, If, Op, While
from flatgrad.compiler.pipeline import Request, transform
from flatgrad.compiler import types as T
from flatgrad.compiler.steps import steps_of


def written_between(a):
    z = np.zeros(3)
    z[0] = 10.0 * a[0]
    y = z * 2.0
    z[1] = a[1] * a[1]
    z[2] = a[2] * a[2]
    return np.sum(y * a) + np.sum(z * z)


def _strip_copies(fn: Function) -> Function:
    """``fn`` with every ``copy_array`` dropped (its result renamed to its operand)."""
    from flatgrad.compiler.rewrite import map_block
    m = {}

    def block(b: Block) -> Block:
        out = []
        for s in b.stmts:
            if isinstance(s, Op) and s.prim == "copy_array":
                m[s.outs[0].id] = s.args[0]
                continue
            if isinstance(s, If):
                s = type(s)(s.cond, block(s.then), block(s.orelse), s.outs, s.loc)
            elif isinstance(s, For):
                s = type(s)(s.start, s.stop, s.step, s.init, block(s.body), s.outs, s.loc, s.parallel)
            elif isinstance(s, While):
                s = type(s)(s.init, block(s.cond), block(s.body), s.outs, s.loc)
            out.append(s)
        return Block(b.params, tuple(out), b.yields)

    return Function(fn.name, fn.params, map_block(block(fn.body), m), fn.loc, fn.meta)


def _grad_ir(f, types):
    return transform(f, [T.parse(t) for t in types], Request(steps_of("grad", (0,), True)))


def test_the_stages_copies_leave_no_hazard_and_each_one_is_needed():
    fn = _grad_ir(written_between, ["f64[:]"])
    n = copies.count_copies(fn)
    assert n >= 1 and copies.hazards(fn) == []
    bare = _strip_copies(fn)
    found = copies.hazards(bare)
    assert any(h.write.prim == "setitem" for h in found), found   # z written after y = z * 2
    again = copies.insert_copies(bare)
    assert copies.hazards(again) == [] and 1 <= copies.count_copies(again) <= n


def test_a_write_into_an_argument_is_foreign():
    def f(a):
        z = np.zeros(3)
        z[0] = a[0] * a[0]
        return np.sum(z * a)
    fn = _grad_ir(f, ["f64[:]"])
    bare = _strip_copies(fn)
    assert copies.hazards(fn) == []
    for h in copies.hazards(bare):
        assert h.reason in ("read later", "foreign")


JAC = textwrap.dedent("""
    import numpy as np, flatgrad as fg
    from flatgrad.compiler import copies

    def f(x):
        z = x * 1.0
        z[0] = x[1] * x[1]
        z[2] = z[2] + 3.0 * x[0]
        return z * x

    x = np.array([0.3, -1.2, 0.7])
    got = fg.jacobian(f, target="python")(x)
    eps, want = 1e-6, np.zeros((3, 3))
    for j in range(3):
        e = np.zeros(3); e[j] = eps
        want[:, j] = (f((x + e).copy()) - f((x - e).copy())) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)
    print("ok")
""")


def test_jacobian_writes_into_the_seed_under_the_late_pass(tmp_path):
    """With FLATGRAD_COPIES=pass the batcher writes into the identity seed without its own
    copy; the late pass must copy it where it is read after (central differences)."""
    script = tmp_path / "jac.py"
    script.write_text(JAC)
    for flag in ("", "pass"):
        env = dict(os.environ, FLATGRAD_COPIES=flag, FLATGRAD_DEBUG="1",
                   FLATGRAD_CACHE_DIR=str(tmp_path / f"cache{flag}"))
        r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
        assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-3000:]
