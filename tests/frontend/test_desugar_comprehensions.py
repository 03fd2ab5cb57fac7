"""Comprehensions written out (compiler/frontend/desugar/comprehensions.py): the pure
rewrite's output read back with ast.unparse, given the facts the Lowerer would find; then
end to end, values and gradients against the plain Python functions and central
differences, and the forms still refused, with their carets."""
import ast

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.compiler.frontend.desugar.comprehensions import (Item, substituted,
                                                              unrolled_comprehension)
from tests.helpers import fd


def _fd_vector(f, x, eps=1e-6):
    """Central differences of scalar ``f`` in each element of ``x``."""
    return np.array([fd(lambda t, k=k: f(np.where(np.arange(x.size) == k, t, x)), [x[k]], 0, eps)
                     for k in range(x.size)])


def _expr(text):
    return ast.parse(text, mode="eval").body


def _const(v):
    return ast.Constant(v)


def _name(n):
    return ast.Name(id=n, ctx=ast.Load())


def _unparse(node, items):
    return ast.unparse(unrolled_comprehension(_expr(node), items))


# ------------------------------------------------------------------ the rewrite

def test_a_list_comprehension_over_a_range_becomes_a_list_display():
    items = [Item({"i": _const(k)}) for k in range(3)]
    assert _unparse("[x[i] ** 2 for i in range(3)]", items) == "[x[0] ** 2, x[1] ** 2, x[2] ** 2]"


def test_a_generator_becomes_a_tuple_and_failed_conditions_drop_their_items():
    items = [Item({"w": _name(f"c{k}")}, held=k != 1) for k in range(3)]
    assert _unparse("(w @ h for w in ws if w is not None)", items) == "(c0 @ h, c2 @ h)"
    assert _unparse("[w for w in ws if False]", [Item({"w": _const(1)}, held=False)]) == "[]"
    assert _unparse("(w for w in ())", []) == "()"


def test_tuple_targets_spell_each_name():
    items = [Item({"i": _const(k), "w": _name(f"w{k}")}) for k in range(2)]
    assert _unparse("[i * w for i, w in enumerate(ws)]", items) == "[0 * w0, 1 * w1]"


def test_nested_fors_take_the_inner_items_of_each_outer_one():
    # for i in range(3) for j in range(i): the inner range depends on the outer item
    items = [Item({"i": _const(i)}, inner=tuple(Item({"j": _const(j)}) for j in range(i)))
             for i in range(3)]
    assert _unparse("[x[i, j] for i in range(3) for j in range(i)]", items) == \
        "[x[1, 0], x[2, 0], x[2, 1]]"
    # an item whose condition failed has no inner items, and gives no element
    items = [Item({"i": _const(0)}, held=False), Item({"i": _const(1)}, inner=(
        Item({"j": _const(5)}), Item({"j": _const(6)}, held=False)))]
    assert _unparse("[(i, j) for i in r if i for j in s if j < 6]", items) == "[(1, 5)]"


def test_an_inner_for_rebinding_a_name_takes_it_over():
    items = [Item({"i": _const(1)}, inner=(Item({"i": _const(7)}),))]
    assert _unparse("[i for i in a for i in b(i)]", items) == "[7]"


def test_other_names_and_the_input_are_left_alone():
    node = _expr("[np.sin(i * x) + y for i in range(2)]")
    before = ast.dump(node)
    out = unrolled_comprehension(node, [Item({"i": _const(k)}) for k in range(2)])
    assert ast.unparse(out) == "[np.sin(0 * x) + y, np.sin(1 * x) + y]"
    assert ast.dump(node) == before          # a pure function: it works on copies


def test_the_spellings_take_the_names_positions():
    node = _expr("[1.0 +  w for w in ws]")
    out = unrolled_comprehension(node, [Item({"w": _name("c1")})])
    spelled = out.elts[0].right
    assert (spelled.id, spelled.lineno, spelled.col_offset) == ("c1", 1, 8)


def test_lambdas_and_inner_comprehensions_keep_their_own_names():
    names = {"i": _const(3)}
    assert ast.unparse(substituted(_expr("(lambda i, j=i: i + j)(i)"), names)) == \
        "(lambda i, j=3: i + j)(3)"
    assert ast.unparse(substituted(_expr("(lambda y: y * i)"), names)) == "lambda y: y * 3"
    # an inner comprehension's first iterable is outside it; the rest is its own scope
    assert ast.unparse(substituted(_expr("[i + k for i in f(i) for k in g(i)]"), names)) == \
        "[i + k for i in f(3) for k in g(i)]"
    assert ast.unparse(substituted(_expr("[i + k for k in f(i) if k < i]"), names)) == \
        "[3 + k for k in f(3) if k < 3]"


# ------------------------------------------------------------------ end to end

def tuple_iterable(x):
    ws = (x, 2.0 * x, np.sin(x))
    return sum([w * w for w in ws])


def range_generator(x):
    return sum(np.cos(x * i) for i in range(1, 4))


def enumerate_zip(x):
    ws, bs = (x, x * x, 3.0), (1.0, 2.0, x)
    a = sum(i * w for i, w in enumerate(ws))
    return a + sum(w * b for w, b in zip(ws, bs))


SCALE = {"a": 1.5, "b": -0.5}


def dict_keys(x):
    return sum(SCALE[k] * np.sin(x * SCALE[k]) for k in SCALE)


def nested_fors(x):
    return sum([x[i] * x[j] for i in range(3) for j in range(i)])


def conditions_on_the_item(x):
    return sum([x[i] ** 2 for i in range(5) if i % 2 == 0 if i != 2]) + \
        sum(x[k] for k, b in zip(range(3), (None, 1.0, None)) if b is None)


def inside_a_loop(x):
    acc = 0.0
    for t in range(3):
        acc = acc + sum([np.sin(x[i] * t) for i in range(2)])
    return acc


def shadowed_names(x):
    i = 10.0
    w = x[0]
    s = sum([x[i] * w for w in (2.0, 3.0) for i in range(2)])
    inner = [[w * v for w in (v, 1.0)] for v in (x[1], x[2])]
    return s + i * w + inner[0][0] + inner[1][1]


def late_binding_helper(x):
    def scaled(y):
        return y * w          # the function's w, not the comprehension's (Python 3)
    w = 2.0
    return sum(scaled(x) for w in (5.0, 7.0)) + w


def lambda_in_element(x):
    return sum([(lambda y: y * w)(x) for w in (x, 3.0)])


def array_elements(x):
    rows = [x * k for k in range(1, 3)]
    return np.sum(np.array(rows) ** 2) + np.sum(np.stack([np.tanh(r) for r in rows]))


def generator_of_arrays_into_a_call(x):
    return np.sum(np.stack([x[i:i + 2] * i for i in range(2)])) + \
        max(*(x[i] for i in range(3)))


SCALARS = [tuple_iterable, range_generator, enumerate_zip, dict_keys, late_binding_helper,
           lambda_in_element]
VECTORS = [nested_fors, conditions_on_the_item, inside_a_loop, shadowed_names, array_elements,
           generator_of_arrays_into_a_call]


@pytest.mark.parametrize("fn", SCALARS, ids=lambda f: f.__name__)
def test_scalar_value_and_gradient(fn):
    x = 0.7
    vg = fg.value_and_grad(fn, target="python")
    v, g = vg(x)
    assert np.isclose(v, fn(x))
    assert np.isclose(g, fd(fn, [x], 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", VECTORS, ids=lambda f: f.__name__)
def test_vector_value_and_gradient(fn):
    x = np.array([0.3, -1.1, 0.8, 1.7, 0.45])
    vg = fg.value_and_grad(fn, target="python")
    v, g = vg(x)
    assert np.isclose(v, fn(x))
    assert np.allclose(g, _fd_vector(fn, x), rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_cpu_target_agrees():
    x = np.array([0.3, -1.1, 0.8, 1.7, 0.45])
    for fn in (nested_fors, shadowed_names):
        assert np.allclose(fg.grad(fn, target="cpu")(x), _fd_vector(fn, x), rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ refused, with carets

def two_fors_over_an_array(x):
    return np.sum(np.array([a * b for a in x for b in x]))


def condition_not_constant(x):
    return sum([x[i] for i in range(3) if x[i] > 0])


def lambda_called_after(x):
    w = 5.0
    fs = [lambda y: y * w for w in (1.0, 2.0)]
    return fs[0](x) + w       # Python: 2x + 5 (the lambdas read the last w)


def assigns_into_a_target(x):
    t = np.zeros(2)
    return sum([x for t[0] in (1.0, 2.0)])


def unpacking_too_many(x):
    return sum([a * b for a, b in ((x, x, x), (x, x, x))])


def unpacking_a_number(x):
    t = (x, 2 * x)
    return sum(a * b for a, b in t)


@pytest.mark.parametrize("fn, args, message, line, caret", [
    (two_fors_over_an_array, (np.ones(3),),
     "a comprehension with several 'for's runs over range(<constants>) or tuples here",
     "return np.sum(np.array([a * b for a in x for b in x]))", "[a * b"),
    (condition_not_constant, (np.ones(3),), "a comprehension's condition must be a constant",
     "return sum([x[i] for i in range(3) if x[i] > 0])", "x[i] > 0"),
    (lambda_called_after, (1.0,), "a function made in a comprehension is called after it ended",
     "fs = [lambda y: y * w for w in (1.0, 2.0)]", "w for"),
    (assigns_into_a_target, (1.0,), "a comprehension's variable must be a name",
     "return sum([x for t[0] in (1.0, 2.0)])", "t[0]"),
    (unpacking_too_many, (1.0,), "cannot unpack 3 values into 2 names",
     "return sum([a * b for a, b in ((x, x, x), (x, x, x))])", "a, b in"),
    (unpacking_a_number, (1.0,), "only tuples can be unpacked",
     "return sum(a * b for a, b in t)", "a, b in"),
], ids=["two-fors", "condition", "late-lambda", "subscript-target", "unpack-count",
        "unpack-number"])
def test_refused_forms_point_at_their_part(fn, args, message, line, caret):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(fn, target="python")(*args)
    text = str(e.value)
    assert message in text
    shown = text.splitlines()
    k = next(i for i, s in enumerate(shown) if s.strip() == line)
    assert shown[k + 1].index("^") == shown[k].index(caret)


def test_unpacking_errors_are_the_assignments():
    with pytest.raises(fg.CompileError, match="cannot unpack 3 values into 2 names"):
        fg.grad(unpacking_too_many, target="python")(1.0)


def lambda_with_its_own_comprehension(x):
    # the lambda's body reads the outer w, and its own comprehension binds a w of its own
    return sum([(lambda y: w * sum([y * w for w in (1.0, 2.0)]) + w)(x) for w in (x, 3.0)])


def test_a_lambda_made_in_a_comprehension_may_hold_one_of_its_own():
    fn = lambda_with_its_own_comprehension
    v, g = fg.value_and_grad(fn, target="python")(0.4)
    assert np.isclose(v, fn(0.4))
    assert np.isclose(g, fd(fn, [0.4], 0), rtol=1e-6)
