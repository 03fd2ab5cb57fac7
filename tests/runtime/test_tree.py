"""Result nesting as data: treedefs over tuples, lists and dicts, used by every transform."""
import math

import numpy as np
import pytest

from flatgrad.compiler.tree import LEAF, TreeDef, expression, flatten, graft, leaves, unflatten
from flatgrad.runtime import support


@pytest.mark.parametrize("obj", [1.0, (1.0,), (1.0, (2.0, 3.0)), [1.0, {"b": 2.0, "a": (3.0,)}],
                                 {"w": np.ones(2), "b": (np.zeros(3), 4.0)}, ()])
def test_flatten_unflatten_round_trip(obj):
    vals, tree = flatten(obj)
    again = unflatten(tree, vals)
    assert flatten(again)[1] == tree
    assert all(a is b for a, b in zip(flatten(again)[0], vals))
    assert tree.num_leaves == len(vals)


def test_dict_keys_are_sorted_so_equal_structures_have_equal_treedefs():
    _, t1 = flatten({"b": 1.0, "a": 2.0})
    vals, t2 = flatten({"a": 2.0, "b": 1.0})
    assert t1 == t2 and hash(t1) == hash(t2) and repr(t1) == "{'a': *, 'b': *}"
    assert vals == [2.0, 1.0]


def test_expression_is_the_return_statement_text():
    tree = TreeDef("tuple", (LEAF, leaves(2)))
    assert expression(tree, ["L", "gx", "gy"]) == "(L, (gx, gy))"
    assert expression(leaves(1), ["g"]) == "(g,)"
    assert expression(LEAF, ["g"]) == "g"
    _, d = flatten({"x": 0.0, "y": [0.0]})
    assert expression(d, ["a", "b"]) == "{'x': a, 'y': [b]}"


def test_graft_puts_a_tree_at_every_leaf():
    assert graft(leaves(2), leaves(3)) == TreeDef("tuple", (leaves(3), leaves(3)))
    assert graft(LEAF, leaves(2)) == leaves(2)
    assert unflatten(graft(leaves(2), leaves(2)), range(4)) == ((0, 1), (2, 3))


def test_wrong_number_of_leaves_is_an_error():
    with pytest.raises(ValueError, match="2 leaves, got 3"):
        unflatten(leaves(2), [1, 2, 3])
    with pytest.raises(ValueError, match="2 leaves, got 1"):
        expression(leaves(2), ["a"])


def test_sigmoid_formula_is_one_function_for_scalars_and_arrays():
    xs = np.concatenate([np.linspace(-800, 800, 2001), [-0.0, 0.0, 1e-300, -1e-300]])
    arr = support.sigmoid(xs)
    for x, a in zip(xs, arr):
        s = support.sigmoid(float(x))
        assert s == support.sigmoid_scalar(float(x))
        ref = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        assert s == ref                                   # bit for bit, the branchy formula
        assert a == pytest.approx(s, rel=1e-15, abs=0)    # NumPy's exp vs libm's: an ulp
    assert support.softplus(np.array([-3.0, 5.0])).tolist() == [support.softplus_scalar(-3.0),
                                                                support.softplus_scalar(5.0)]
    assert support.relu(-2.0) == 0.0 and support.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
