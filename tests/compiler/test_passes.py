"""Each optimisation pass on a small hand-built IR, and the checker after every pass."""
import textwrap

import pytest

from flatgrad.compiler import types as T
from flatgrad.compiler.builder import Builder
from flatgrad.compiler.verify import check
from flatgrad.compiler.frontend import lower_function
from flatgrad.compiler.ir import Block, Const, Function, dump
from flatgrad.compiler.optimize import O1, copy_propagation, cse, dce, simplify
from flatgrad.compiler.reverse import reverse_ad

from . import funcs


def golden(text):
    return textwrap.dedent(text).strip("\n")


def build(nparams, body):
    """A Function f(x, y, ...) whose statements ``body(b, *params)`` emits; it returns the results."""
    b = Builder()
    params = tuple(b.fresh(T.F64, hint) for hint in "xyzw"[:nparams])
    results = body(b, *params)
    fn = Function("f", params, Block((), tuple(b.stmts), tuple(results)))
    check(fn)
    return fn


def test_copy_propagation_removes_inner_copies():
    fn = build(1, lambda b, x: [b.mul(b.copy(x), b.copy(x))])
    out = copy_propagation(fn)
    check(out)
    assert dump(out) == golden("""
        func f(%0(x): f64):
          %3: f64 = mul %0(x) %0(x)
          return %3
    """)


def test_copy_propagation_keeps_copies_that_are_results():
    fn = build(1, lambda b, x: [b.copy(x)])
    assert dump(copy_propagation(fn)) == dump(fn)


def test_simplify_multiplication_by_one():
    fn = build(1, lambda b, g: [b.sin(b.mul(g, 1.0))])
    out = simplify(fn)
    check(out)
    assert dump(out) == golden("""
        func f(%0(x): f64):
          %2: f64 = sin %0(x)
          return %2
    """)


@pytest.mark.parametrize("make", [
    lambda b, x: b.add(x, 0.0), lambda b, x: b.add(0.0, x), lambda b, x: b.sub(x, 0.0),
    lambda b, x: b.mul(1.0, x), lambda b, x: b.div(x, 1.0), lambda b, x: b.neg(b.neg(x)),
    lambda b, x: b.pow(x, 1.0),
], ids=["x+0", "0+x", "x-0", "1*x", "x/1", "--x", "x**1"])
def test_simplify_identities(make):
    out = dce(simplify(build(1, lambda b, x: [b.exp(make(b, x))])))
    check(out)
    (op,) = out.body.stmts
    assert op.prim == "exp" and op.args == out.params


def test_simplify_folds_constants():
    fn = build(1, lambda b, x: [b.mul(x, b.add(b.const(2.0), 3.0))])
    out = simplify(fn)
    check(out)
    assert dump(out).splitlines()[1].endswith("= mul %0(x) 5.0")
    assert len(out.body.stmts) == 1


def test_simplify_does_not_fold_division_by_zero():
    fn = build(1, lambda b, x: [b.mul(x, b.div(b.const(1.0), 0.0))])
    out = simplify(fn)
    check(out)
    assert any(s.prim == "div" for s in out.body.stmts)


def test_cse_merges_repeated_pure_ops():
    fn = build(1, lambda b, x: [b.add(b.sin(x), b.sin(x))])
    out = cse(fn)
    check(out)
    assert dump(out) == golden("""
        func f(%0(x): f64):
          %1: f64 = sin %0(x)
          %3: f64 = add %1 %1
          return %3
    """)


def test_cse_distinguishes_arguments():
    fn = build(2, lambda b, x, y: [b.add(b.sub(x, y), b.sub(y, x))])
    assert len(cse(fn).body.stmts) == 3


def test_dce_drops_unused_values():
    def body(b, x):
        b.cos(x)
        b.mul(x, x)
        return [b.sin(x)]
    out = dce(build(1, body))
    check(out)
    assert dump(out) == golden("""
        func f(%0(x): f64):
          %3: f64 = sin %0(x)
          return %3
    """)


def test_o1_on_gradient_is_shorter_and_still_checks():
    ir = reverse_ad(lower_function(funcs.neuron, (T.F64,) * 5), (0, 1, 2, 3, 4))
    opt = ir
    for _ in range(3):
        for _name, p in O1:
            opt = p(opt)
            check(opt)
    assert len(list(opt.body.stmts)) < len(list(ir.body.stmts))


PIPELINE_CASES = [
    ("straight", (T.F64, T.F64)), ("versions", (T.F64,)), ("aug", (T.F64, T.F64)),
    ("unpack", (T.F64, T.F64)), ("calls", (T.F64,)), ("module_const", (T.F64,)),
    ("neuron", (T.F64,) * 5), ("branch", (T.F64,)), ("loop", (T.F64, T.I64)),
    ("shared", (T.F64, T.F64)), ("mixed", (T.F64, T.F64)),
]


@pytest.mark.parametrize("name,types", PIPELINE_CASES, ids=[c[0] for c in PIPELINE_CASES])
def test_checker_passes_after_every_pass(name, types):
    fn = lower_function(getattr(funcs, name), types)
    check(fn)
    ir = reverse_ad(fn, (0,))
    check(ir)
    for _round in range(2):
        for pass_name, p in O1:
            ir = p(ir)
            check(ir), pass_name


def test_checker_passes_after_every_pass_while():
    test_checker_passes_after_every_pass("whileloop", (T.F64,))


def test_simplify_keeps_the_shape_of_an_arrays_and_or():
    """``and(mask, False)`` of a mask array is an array of False, not the scalar False: folding
    it to the scalar left a later select typed as an array with only scalar operands (the
    verifier's type rule failed under FLATGRAD_DEBUG=1 for np.linspace(a, b, 1)'s JVP)."""
    def body(b, x):
        mask = b.op("gt", b.op("ones_like", b.op("pack", x)), 0.0)
        none = b.op("and", mask, Const(False, T.BOOL))
        same = b.op("or", Const(False, T.BOOL), mask)
        return [b.op("select", none, x, b.op("select", same, x, 0.0))]
    fn = build(1, body)
    check(fn)
    out = simplify(fn)
    check(out)
    assert out.body.yields[0].type == fn.body.yields[0].type
    text = dump(out)
    assert "and " in text and "select False" not in text
