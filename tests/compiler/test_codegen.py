"""Codegen: the flat listing of the lecture's sigmoid neuron, and naming rules."""
import re

import pytest

import flatgrad as fg
from flatgrad.compiler import types as T

from . import funcs

LECTURE = """\
s0 = w0 * x0
s1 = w1 * x1
s2 = s0 + s1
s3 = s2 + w2
L = sigmoid(s3)
grad_L = 1.0
grad_s3 = grad_L * (1.0 - L) * L
grad_w2 = grad_s3
grad_s2 = grad_s3
grad_s0 = grad_s2
grad_s1 = grad_s2
grad_w1 = grad_s1 * x1
grad_x1 = grad_s1 * w1
grad_w0 = grad_s0 * x0
grad_x0 = grad_s0 * w0""".splitlines()


def body(src):
    """The stripped lines of the generated function's body."""
    lines = src.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("def "))
    return [ln.strip() for ln in lines[start + 1:] if ln.strip()]


@pytest.fixture(scope="module")
def o0():
    return fg.source(funcs.neuron, argnums=(0, 1, 2, 3, 4), optimize=False, target="python")


@pytest.fixture(scope="module")
def o1():
    return fg.source(funcs.neuron, argnums=(0, 1, 2, 3, 4), optimize=True, target="python")


def test_o0_contains_every_lecture_line(o0):
    lines = body(o0)
    for want in LECTURE:
        assert want in lines, f"missing {want!r} in\n{o0}"


def test_o0_function_name_signature_and_return(o0):
    assert "def neuron_grad(w0, x0, w1, x1, w2):" in o0
    ret = body(o0)[-1]
    assert re.fullmatch(r"return \(?grad_w0, grad_x0, grad_w1, grad_x1, grad_w2\)?", ret), ret


def test_o0_is_one_assignment_per_line(o0):
    for ln in body(o0)[:-1]:
        assert re.fullmatch(r"\w+ = [^=]+", ln), ln


def test_o0_follows_lecture_order_up_to_siblings(o0):
    """Every lecture line is there; forward lines come in the lecture's order and each adjoint
    after the adjoints it reads. Sibling adjoints of one node come in argument order (the
    lecture lists them either way: grad_w2 before grad_s2, but grad_s0 before grad_s1)."""
    lines = [ln for ln in body(o0) if ln in LECTURE]
    assert sorted(lines) == sorted(LECTURE)
    pos = {ln.split(" = ")[0]: i for i, ln in enumerate(lines)}
    for ln in lines:
        lhs, rhs = ln.split(" = ")
        for name in re.findall(r"grad_\w+", rhs):
            assert pos[name] < pos[lhs], ln
    forward = [ln for ln in lines if not ln.startswith("grad_")]
    assert forward == [ln for ln in LECTURE if not ln.startswith("grad_")]


def test_o1_is_shorter_and_equivalent(o0, o1):
    assert len(body(o1)) < len(body(o0))
    ns0, ns1 = {}, {}
    exec(compile(o0, "<o0>", "exec"), ns0)
    exec(compile(o1, "<o1>", "exec"), ns1)
    args = (2.0, -1.0, -3.0, -2.0, -3.0)
    assert ns0["neuron_grad"](*args) == pytest.approx(ns1["neuron_grad"](*args), rel=1e-12)


def test_o1_drops_the_seed_multiplication(o1):
    assert "grad_L * " not in o1
    assert "* 1.0" not in o1


def test_versions_get_suffixes():
    lines = body(fg.source(funcs.versions, optimize=False))
    assert lines[:3] == ["y = x + 1.0", "y_1 = y * x", "y_2 = y_1 - 2.0"]
    assert "grad_y_2 = 1.0" in lines


def test_unnamed_result_is_L_and_inlined_callee_temporaries_are_s():
    lines = body(fg.source(funcs.calls, optimize=False))
    assert lines[0] == "s0 = x * x"
    assert lines[1] == "L = s0 + 1.0"


def test_emitted_loop_is_python_for():
    src = fg.source(funcs.loop, types=(T.F64, T.I64), optimize=True)
    assert re.search(r"^\s+for \w+ in range\(", src, re.M)
    compile(src, "<loop>", "exec")


def test_generated_source_is_deterministic():
    a = fg.source(funcs.mixed, argnums=(0, 1))
    b = fg.source(funcs.mixed, argnums=(0, 1))
    assert a == b
