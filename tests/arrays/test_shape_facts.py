"""Size facts in the signature (issue 20 §4): np.squeeze without an axis compiles once per
pattern of length-1 axes of its argument, and only functions that squeeze pay for it."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError
from flatgrad.compiler import types as T

from . import squeeze_funcs as F
from .check import assert_grads

RNG = np.random.default_rng(44)
# shapes by fact: no axis of length 1, some, all
SHAPES = [(3, 2), (3, 1), (1, 3), (2, 1, 3), (1, 3, 1), (1, 1), (1,), (1, 1, 1)]


def _w(x):
    return RNG.uniform(0.5, 1.5, np.squeeze(x).shape) if np.squeeze(x).ndim else 0.7


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_each_fact_gives_numpys_rank_and_gradient(shape):
    x = RNG.normal(size=shape)
    w = _w(x)
    v, _ = fg.value_and_grad(F.squeezed, (0, 1), target="python")(x, w)
    assert v == pytest.approx(F.squeezed(x, w), rel=1e-12)
    assert_grads(F.squeezed, (x, w), (0, 1))
    t = RNG.normal(size=shape)
    _, tan = fg.jvp(F.squeezed, (x, w), (t, None), target="python")
    eps = 1e-6
    fd = (F.squeezed(x + eps * t, w) - F.squeezed(x - eps * t, w)) / (2 * eps)
    assert tan == pytest.approx(fd, rel=1e-6)


@pytest.mark.parametrize("f", [F.method, F.in_helper, F.rank_used])
@pytest.mark.parametrize("shape", [(4, 1), (1, 4), (2, 3), (1, 1), (1, 2, 1)], ids=str)
def test_method_helper_and_rank_dependent_code(f, shape):
    if f is F.rank_used and shape == (1, 1):
        pytest.skip("not a valid call: at (1, 1) the squeeze is 0-d and NumPy itself raises "
                    "IndexError at y[:, 0]")
    assert_grads(f, (RNG.normal(size=shape),), (0,))


def test_one_compilation_per_distinct_fact():
    g = fg.grad(F.squeezed, (0, 1), target="python")
    calls = [(3, 1), (5, 1), (3, 1), (1, 4), (1, 7), (2, 3), (4, 4), (1, 1)]
    counts = []
    for shape in calls:
        x = RNG.normal(size=shape)
        g(x, _w(x))
        counts.append(len(g._compiled.by_signature))
    # a new fact compiles (a 0-d result is also another type of w); the same fact does not
    assert counts == [1, 1, 1, 2, 2, 3, 3, 4]
    units = sorted(t.unit for t, *_ in g._compiled.by_signature)
    assert units == [(), (0,), (0, 1), (1,)]


def test_functions_that_do_not_ask_keep_their_signatures():
    x = RNG.normal(size=(3, 1))
    g = fg.grad(F.no_squeeze, target="python")
    g(x)
    (sig,) = g._compiled.by_signature
    assert type(sig[0]) is T.Array
    s = fg.grad(F.squeezed, (0, 1), target="python")
    s(x, _w(x))
    (sig,) = s._compiled.by_signature
    assert sig[0] == T.Sized("float64", 2, (1,)) and type(sig[1]) is T.Array   # only x asks
    assert s.key(sig) != s.key((T.Sized("float64", 2, (0,)), sig[1]))


def test_arrays_of_unknown_sizes_are_a_compile_error():
    # x * 2.0 has x's shape (its facts serve); rows picked by a mask have a run-time count
    assert_grads(F.intermediate, (RNG.normal(size=(3, 1)),), (0,))
    with pytest.raises(CompileError, match=r"squeeze_funcs\.py:\d+:\d+: np\.squeeze without an "
                                           r"axis: which axes of this array have length 1"):
        fg.grad(F.intermediate_masked, target="python")(np.ones((3, 1)))


def test_without_arguments_the_error_says_to_call():
    with pytest.raises(CompileError, match=r"argument 'x' have length 1 is known only from a "
                                           r"call's arguments(.|\n)*Call the function"):
        fg.source(F.method, types=[T.Array("float64", 2)])


@pytest.mark.slow
def test_cpu_target_one_compilation_per_fact():
    g = fg.grad(F.squeezed, (0, 1), target="cpu")
    for shape in [(3, 1), (1, 3), (3, 1), (2, 3)]:
        x = RNG.normal(size=shape)
        assert_grads(F.squeezed, (x, _w(x)), (0, 1), g=g)
    assert len(g._compiled.by_signature or g._compiled.tiers) == 3      # (tier cpu, or the tiers of auto/python)


# ---- np.unstack: the length of an axis

@pytest.mark.parametrize("f,shapes", [
    (F.unstack_rows, [(3, 2), (1, 4), (5,), (2, 2, 2)]),
    (F.unstack_columns, [(2, 3), (4, 1)]),
    (F.unpack_three, [(3, 2), (3,), (3, 1, 2)]),
    (F.both_facts, [(1, 3), (3, 1), (2, 3)]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_unstack_gradients(f, shapes):
    for shape in shapes:
        assert_grads(f, (RNG.normal(size=shape),), (0,))


def test_unstack_compiles_once_per_length():
    g = fg.grad(F.unstack_rows, target="python")
    counts = []
    for shape in [(3, 2), (3, 5), (4, 2), (3, 1), (4, 4)]:
        g(RNG.normal(size=shape))
        counts.append(len(g._compiled.by_signature))
    assert counts == [1, 1, 2, 2, 2]
    assert sorted(t.lengths for t, in g._compiled.by_signature) == [((0, 3),), ((0, 4),)]


def test_both_facts_of_one_argument():
    g = fg.grad(F.both_facts, target="python")
    g(RNG.normal(size=(1, 3)))
    (sig,) = g._compiled.by_signature
    assert sig[0] == T.Sized("float64", 2, (0,), ((0, 1),))


def test_unstack_errors():
    with pytest.raises(CompileError, match=r"cannot unpack 4 values into 3 names"):
        fg.grad(F.unpack_three, target="python")(np.ones((4, 2)))
    with pytest.raises(CompileError, match=r"np\.unstack: the length of axis 0 of this array is "
                                           r"known only at run time"):
        fg.grad(F.unstack_masked, target="python")(np.ones((4, 2)))


def test_unpacking_an_array_argument_by_rows():
    for shape in [(2, 3), (2,), (2, 1, 2)]:
        x = RNG.normal(size=shape)
        assert_grads(F.unpack_rows, (x, 0.7), (0, 1))
    with pytest.raises(CompileError, match=r"cannot unpack 3 values into 2 names"):
        fg.grad(F.unpack_rows, target="python")(np.ones((3, 2)), 0.7)
    with pytest.raises(CompileError, match=r"unpacking an array: the length of axis 0 of this "
                                           r"array is known only at run time"):
        fg.grad(F.unpack_masked, target="python")(np.ones((2, 2)))


def test_arrays_whose_sizes_follow_from_an_arguments():
    # x * 2.0 has x's shape: the fact of x's axis 0 serves it (one compile per length)
    for shape in [(2, 3), (2, 1)]:
        assert_grads(F.unpack_product, (RNG.normal(size=shape),), (0,))
    for shape in [(4, 2), (3, 1)]:
        assert_grads(F.unstack_intermediate, (RNG.normal(size=shape),), (0,))
    for shape in [(3, 4), (1, 4), (3, 1)]:
        x = RNG.normal(size=shape)
        assert_grads(F.squeeze_intermediates, (x,), (0,))
        # the ranks NumPy's squeeze gives enter the value: flatgrad's must be the same
        value = fg.value_and_grad(F.squeeze_intermediates, target="python")(x)[0]
        np.testing.assert_allclose(value, F.squeeze_intermediates(x), rtol=1e-12)
