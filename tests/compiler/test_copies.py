"""The late copy analysis (compiler/copies.py, issue 23 item 5): it finds the writes the
stages' copies protect, and with ``FLATGRAD_COPIES=pass`` it alone protects the batcher's."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

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


# ---- tape rows (issue 23 item 5): rows different trips name apart are disjoint; a tape's
# contents before its rows are written are undefined. Each hand-built program runs twice:
# as emitted (writes in place) and with a copy before every write (the IR's functional
# reading, the oracle): they differ exactly where hazards() finds a write.

F1, F2 = T.Array("float64", 1), T.Array("float64", 2)
I64 = T.I64


def _c(v, t=I64):
    from flatgrad.compiler.ir import Const
    return Const(v, t)


class _Ir:
    """A tiny IR builder: fresh ids, ops appended to the current list of statements."""

    def __init__(self):
        from flatgrad.compiler.ir import Var
        self.Var, self.n, self.stmts = Var, 100, []

    def v(self, t, hint=None):
        self.n += 1
        return self.Var(self.n, t, hint)

    def op(self, prim, args, t, **params):
        out = self.v(t)
        self.stmts.append(Op(prim, tuple(args), (out,), tuple(params.items())))
        return out

    def loop(self, start, stop, step, init, body):
        """``body(ir, k, *carried) -> yields``, built in a fresh statement list."""
        outer, self.stmts = self.stmts, []
        k = self.v(I64, "k")
        params = [self.v(a.type) for a in init]
        ylds = body(self, k, *params)
        blk = Block((k, *params), tuple(self.stmts), tuple(ylds))
        self.stmts = outer
        outs = tuple(self.v(a.type) for a in init)
        self.stmts.append(For(_c(start), _c(stop), _c(step), tuple(init), blk, outs))
        return outs


_ROW0 = (("spec", (("i",),)),)


def _filled(ir, x, rows=4):
    """A tape of ``rows`` rows, row k = x * (k + 1), filled by a loop over k."""
    t0 = ir.op("tape_alloc", (_c(rows), x), F2)

    def fill(ir, k, tp):
        k1 = ir.op("add", (k, _c(1)), I64)
        row = ir.op("mul", (x, ir.op("float", (k1,), T.F64)), F1)
        return [ir.op("tape_put", (tp, k, row), F2)]
    return ir.loop(0, rows, 1, [t0], fill)[0]


def _backward(row_of, extra=None, after=None):
    """f(x): a tape of 4 rows, then a loop over k = 3..0 that views row ``row_of(ir, k)`` of
    it, adds the view's sum to a total, writes 0 into its first entry and adds its sum again;
    ``extra(ir, tape, k, total)`` reads more on each trip, ``after(ir, tape, total)`` after
    the loop."""
    ir = _Ir()
    x = ir.Var(1, F1, "x")
    tape = _filled(ir, x)

    def back(ir, k, acc):
        r = ir.op("tape_get", (tape, row_of(ir, k)), F1)
        acc = _plus_sum(ir, acc, r)
        r2 = ir.op("setitem", (r, _c(0.0, T.F64), _c(0)), F1, **dict(_ROW0))
        acc = _plus_sum(ir, acc, r2)
        return [extra(ir, tape, k, acc) if extra else acc]
    total = ir.loop(3, -1, -1, [_c(0.0, T.F64)], back)[0]
    if after:
        total = after(ir, tape, total)
    return Function("f", (x,), Block((), tuple(ir.stmts), (total,)))


def _plus_sum(ir, acc, a):
    return ir.op("add", (acc, ir.op("sum", (a,), T.F64, axis=None, keepdims=False)), T.F64)


def _run(fn: Function, *args):
    """Run ``fn`` as the python target emits it."""
    from flatgrad.compiler.pipeline import render
    ns: dict = {}
    exec(compile(render([fn], "python", "test_copies"), "<test_copies>", "exec"), ns)
    return ns[fn.name](*args)


def _copy_every_write(fn: Function) -> Function:
    """``fn`` with a ``copy_array`` before each in-place write: the functional reading."""
    from dataclasses import replace
    from flatgrad.compiler.ir import max_id, walk
    from flatgrad.compiler.primitives import PRIMS
    every = [s for s in walk(fn.body) if isinstance(s, Op) and copies._writes_into(PRIMS[s.prim])]
    hs = [copies.Hazard(s, "read later", None) for s in every]
    orig = copies.hazards
    try:
        copies.hazards = lambda f, analysis=None: hs
        return copies.insert_copies(fn)
    finally:
        copies.hazards = orig


def _verdict(fn: Function):
    """(hazards found, whether running in place changes the result)."""
    from flatgrad.compiler.verify import check
    check(fn)
    x = np.array([1.0, 2.0, 3.0])
    got, want = _run(fn, x), _run(_copy_every_write(fn), x)
    return copies.hazards(fn), not np.allclose(got, want)


def test_a_row_written_by_its_own_trip_is_no_hazard():
    fn = _backward(lambda ir, k: k)
    found, differs = _verdict(fn)
    assert found == [] and not differs
    slot = _backward(lambda ir, k: ir.op("floordiv", (ir.op("sub", (k, _c(0)), I64), _c(1)), I64))
    assert copies.hazards(slot) == []          # (k - start) // step: one row per trip too


def test_a_row_another_trip_reads_is_a_hazard():
    def ahead(ir, tape, k, acc):               # row k + 1, written by the trip before
        k1 = ir.op("min", (ir.op("add", (k, _c(1)), I64), _c(3)), I64)
        return _plus_sum(ir, acc, ir.op("tape_get", (tape, k1), F1))
    found, differs = _verdict(_backward(lambda ir, k: k, extra=ahead))
    assert differs and [h.write.prim for h in found] == ["setitem"]


def test_a_row_two_trips_share_is_a_hazard():
    half = _backward(lambda ir, k: ir.op("floordiv", (k, _c(2)), I64))
    found, differs = _verdict(half)
    assert differs and [h.write.prim for h in found] == ["setitem"]


def test_the_same_row_read_after_the_write_or_the_tape_after_the_loop_is_a_hazard():
    def again(ir, tape, k, acc):               # row k, after this trip wrote it
        return _plus_sum(ir, acc, ir.op("tape_get", (tape, k), F1))
    found, differs = _verdict(_backward(lambda ir, k: k, extra=again))
    assert differs and len(found) == 1
    found, differs = _verdict(_backward(lambda ir, k: k, after=lambda ir, t, acc: _plus_sum(ir, acc, t)))
    assert differs and len(found) == 1


def _refilled(make):
    """f(x): a tape made once by ``make``, refilled on each trip of an outer loop over
    s = 2..0 by an inner loop writing rows 0..s (row r = x * (r + s)); each outer trip sums
    rows 0..1 of its tape (on the last trip row 1 is not rewritten: what the functional
    reading has there is ``make``'s, what the in-place program has is the earlier trip's)."""
    ir = _Ir()
    x = ir.Var(1, F1, "x")
    t0 = make(ir, x)

    def outer(ir, s, acc):
        def inner(ir, r, tp):
            rs = ir.op("float", (ir.op("add", (r, s), I64),), T.F64)
            return [ir.op("tape_put", (tp, r, ir.op("mul", (x, rs), F1)), F2)]
        s1 = ir.op("add", (s, _c(1)), I64)
        outer_stmts, ir.stmts = ir.stmts, []
        r, tp = ir.v(I64), ir.v(F2)
        ylds = inner(ir, r, tp)
        blk = Block((r, tp), tuple(ir.stmts), tuple(ylds))
        ir.stmts = outer_stmts
        filled = ir.v(F2)
        ir.stmts.append(For(_c(0), s1, _c(1), (t0,), blk, (filled,)))
        rows = ir.op("getitem", (filled, _c(0), _c(2)), F2,
                     spec=(("s", True, True, False),))
        return [_plus_sum(ir, acc, rows)]
    total = ir.loop(2, -1, -1, [_c(0.0, T.F64)], outer)[0]
    return Function("f", (x,), Block((), tuple(ir.stmts), (total,)))


def test_a_refilled_tape_is_no_hazard_but_a_refilled_array_of_values_is():
    """An uninitialized tape (``tape_alloc``: its contents undefined) refilled on every trip
    holds, in rows not yet rewritten, what an earlier trip wrote, which no correct program
    reads: no hazard. The same refill of a zeros array is one: its zeros are values."""
    alloc = _refilled(lambda ir, x: ir.op("tape_alloc", (_c(3), x), F2))
    assert copies.hazards(alloc) == []
    zeros = _refilled(lambda ir, x: ir.op("zeros", (_c(3), _c(3)), F2))
    found, differs = _verdict(zeros)
    assert differs and [h.write.prim for h in found] == ["tape_put"]


def test_the_trip_step_of_the_rows():
    from flatgrad.compiler import trips
    assert trips.mul([2, 0], [None, _c(3)]) == 6 and trips.mul([..., 0], [None, _c(-1)]) is ...
    assert trips.floordiv([4, 0], [None, _c(2)]) == 2 and trips.floordiv([1, 0], [None, _c(2)]) is None
    assert trips.sub([1, 1], [None, None]) == 0 and trips.add([..., 1], [None, None]) is None
    assert trips.mul([1, 1], [None, None]) is None and trips.mul([1, 0], [None, _c(0)]) is None


def nested_writes(x):
    Z = np.ones(3)
    k = 0
    while k < 2:
        k += 1
        for i in range(2):
            Z[np.array([2, 0])] = np.sin(Z[:2] * x[i])      # a nested loop writes the carried Z
        Z += 0.5 * k
    return np.sum(Z * x)


def written_each_trip(x):
    Z = np.ones(3)
    for i in range(5):
        Z[0] = Z[1] * x[i % 3]
        for j in range(2):
            Z[j + 1] = np.cos(Z[j]) + x[j]
        Z = np.tanh(Z + x)
    return np.sum(Z * Z)


def _differences(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", [nested_writes, written_each_trip])
@pytest.mark.parametrize("checkpoint", [None, 2, True])
def test_tape_rows_written_by_the_replay_leave_no_hazard(f, checkpoint):
    """The replay of a trip writes into the tape row it read (a view), and a checkpointed
    loop refills its segment tapes: hazards() finds nothing at -O0 and -O1, and the gradient
    matches central differences."""
    import flatgrad as fg
    for optimize in (True, False):
        fn = transform(f, [T.parse("f64[:]")],
                       Request(steps_of("grad", (0,), True, checkpoint=checkpoint), optimize))
        assert copies.hazards(fn) == [], (optimize, [str(h) for h in copies.hazards(fn)])
    x = np.array([0.3, -0.7, 0.5])
    np.testing.assert_allclose(fg.grad(f, checkpoint=checkpoint, target="python")(x),
                               _differences(f, x), rtol=1e-6, atol=1e-8)


def test_the_verifier_names_the_write_and_the_later_read():
    from flatgrad.compiler.verify import IRError, check_final
    def again(ir, tape, k, acc):
        return _plus_sum(ir, acc, ir.op("tape_get", (tape, k), F1))
    check_final(_backward(lambda ir, k: k))
    with pytest.raises(IRError, match=r"1 in-place write\(s\) need a copy:\n  setitem into "
                                      r"%\d+ at None: %\d+ is read after it"):
        check_final(_backward(lambda ir, k: k, extra=again))


def test_a_tape_push_writes_into_its_tape_unless_it_grows():
    """tape_push writes row k into its tape's buffer when the row fits (a grown tape is a new
    buffer): the tape's old value read after it is a hazard, unless its contents are undefined."""
    def pushed(make):
        ir = _Ir()
        x = ir.Var(1, F1, "x")
        t0 = make(ir, x)
        t1 = ir.op("tape_push", (t0, _c(0), x), F2)
        total = _plus_sum(ir, ir.op("sum", (t1,), T.F64, axis=None, keepdims=False), t0)
        return Function("f", (x,), Block((), tuple(ir.stmts), (total,)))
    found, differs = _verdict(pushed(lambda ir, x: ir.op("zeros", (_c(2), _c(3)), F2)))
    assert differs and [h.write.prim for h in found] == ["tape_push"]
    assert copies.hazards(pushed(lambda ir, x: ir.op("tape_alloc", (_c(2), x), F2))) == []
