"""The late copy analysis (compiler/copies.py, issue 23 item 5): it finds the writes the
stages' copies protect, and with ``FLATGRAD_COPIES=pass`` it alone protects the batcher's."""
import os
import subprocess
import sys
import textwrap

import numpy as np

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


PROGRAMS = textwrap.dedent("""
    import numpy as np, flatgrad as fg

    def f(x):
        z = x * 1.0
        z[0] = x[1] * x[1]
        z[2] = z[2] + 3.0 * x[0]
        return z * x

    def mean_then_column(x):
        # the adjoint of x.mean() is a number broadcast to x's shape, written in place by the
        # scatter of x[:, 1]'s adjoint; batched by vmap it is a read-only np.broadcast_to
        return np.mean(x) * 2.0 + np.sum(np.ones(3) @ x[:, 1]) * np.mean(x)

    def differences(h, x, eps=1e-6):
        out = []
        for j in range(x.size):
            e = np.zeros(x.size); e[j] = eps
            e = e.reshape(x.shape)
            out.append((h(x + e) - h(x - e)) / (2 * eps))
        return np.stack(out, axis=-1)

    x = np.array([0.3, -1.2, 0.7])
    np.testing.assert_allclose(fg.jacobian(f, target="python")(x), differences(f, x),
                               rtol=1e-7, atol=1e-8)
    xs = np.random.default_rng(3).normal(size=(4, 3, 3))
    vals, grads = fg.vmap(fg.value_and_grad(mean_then_column, target="python"),
                          method="batch")(xs)
    for k in range(4):
        assert abs(vals[k] - mean_then_column(xs[k])) < 1e-12
        want = differences(mean_then_column, xs[k]).reshape(3, 3)
        np.testing.assert_allclose(grads[k], want, rtol=1e-6, atol=1e-7)
    print("ok")
""")


def test_writes_into_broadcast_adjoints_under_the_late_pass(tmp_path):
    """With FLATGRAD_COPIES=pass the batcher leaves its copy of a read-only broadcast adjoint
    to the late pass, which copies it because ``unreduce`` of an array is ``read_only``
    (without that fact NumPy raises "output array is read-only"); both paths are compared
    with central differences, in a fresh process each (the flag is read per process)."""
    script = tmp_path / "programs.py"
    script.write_text(PROGRAMS)
    for flag in ("", "pass"):
        env = dict(os.environ, FLATGRAD_COPIES=flag, FLATGRAD_DEBUG="1",
                   FLATGRAD_CACHE_DIR=str(tmp_path / f"cache{flag}"))
        r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
        assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-3000:]


def test_read_only_views_are_stanza_facts():
    from flatgrad.compiler.primitives import PRIMS
    assert copies._read_only(Op("unreduce", (_v(T.Array("float64", 1)), _v(T.Array("float64", 2))), ()))
    assert not copies._read_only(Op("unreduce", (_v(T.F64), _v(T.Array("float64", 2))), ()))
    assert PRIMS["broadcast_to"].read_only and not PRIMS["transpose"].read_only


def _v(t):
    from flatgrad.compiler.ir import Var
    return Var(0, t)
