"""Joining, splitting, axes, flipping, rolling, repetition and padding (compiler/library/shape.py).

Each function is checked as an array-valued function: the compiled forward value equals
NumPy's exactly (shape, dtype and values); the JVP matches central finite differences along
a random direction; the VJP of a random cotangent matches autograd's; and the two agree
(<ct, J t> == <J^T ct, t>). The python target runs here; the cpu (Numba) target compiles a
few functions grouping many checks, in the slow tests.
"""
from __future__ import annotations

import types

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

RNG = np.random.default_rng(1103)


def rand(*shape):
    return RNG.uniform(-1.0, 1.0, shape)


def _autograd_version(f):
    """``f`` with ``np`` meaning autograd.numpy."""
    g = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__,
                           f.__defaults__, f.__closure__)
    return g


def _flat(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _floats(args):
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


def _numeric_vjp(f, args, i, cts, h):
    """d/d args[i] of sum_j <cts[j], f(args)[j]>, by central differences per element."""
    def phi(a):
        xs = list(args)
        xs[i] = a
        return sum(float(np.sum(np.asarray(c, dtype=float) * np.asarray(o, dtype=float)))
                   for c, o in zip(cts, _flat(f(*xs))))
    x = np.asarray(args[i])
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros(x.shape, dtype=x.dtype)
        e[k] = h
        out[k] = (phi(x + e) - phi(x - e)) / (2 * h)
    return out if x.ndim else float(out)


def _dot2(f):
    def dot(x, n, ct):
        return np.sum(ct * f(x, n))
    return dot


def check(f, *args, target="python", autograd_check=True):
    """Forward value (exactly NumPy's), JVP vs finite differences, VJP vs finite differences
    and (``autograd_check``) autograd, and <ct, J t> == <J^T ct, t>."""
    args = tuple(args)
    fl = _floats(args)
    expected = _flat(f(*args))
    single = [np.asarray(a).dtype == np.float32 for a in args + expected]
    h, tol = (1e-3, 1e-3) if any(single) else (1e-6, 1e-6)
    tans = tuple(rand(*np.shape(a)).astype(np.asarray(a).dtype) if i in fl else np.zeros(np.shape(a))
                 for i, a in enumerate(args))
    tans = tuple(float(t) if np.ndim(t) == 0 else t for t in tans)
    val, tan = fg.jvp(f, args, tans, target=target)
    val, tan = _flat(val), _flat(tan)
    assert len(val) == len(expected)
    for v, e in zip(val, expected):
        assert np.shape(v) == np.shape(e), (np.shape(v), np.shape(e))
        assert np.asarray(v).dtype == np.asarray(e).dtype, (np.asarray(v).dtype, np.asarray(e).dtype)
        np.testing.assert_array_equal(v, e)
    # the JVP vs central differences along the tangent
    up = _flat(f(*(a + h * t if i in fl else a for i, (a, t) in enumerate(zip(args, tans)))))
    dn = _flat(f(*(a - h * t if i in fl else a for i, (a, t) in enumerate(zip(args, tans)))))
    for t, u, d in zip(tan, up, dn):
        assert np.shape(t) == np.shape(u)
        np.testing.assert_allclose(t, (np.asarray(u, float) - np.asarray(d, float)) / (2 * h),
                                   rtol=tol, atol=tol)
    # the VJP of a random cotangent vs central differences and autograd
    cts = tuple(rand(*np.shape(e)) for e in expected)
    cts = tuple(float(c) if np.ndim(c) == 0 else c for c in cts)
    if not fl:
        grads = ()
    elif len(fl) == len(args):
        _, vjp_fn = fg.vjp(f, *args, target=target)
        grads = _flat(vjp_fn(cts if len(cts) > 1 else cts[0]))
    else:   # fg.vjp types int arguments as floats: take the gradient of <ct, f(x, n)> instead
        assert len(args) == 2 and fl == [0] and len(cts) == 1
        grads = (fg.grad(_dot2(f), target=target)(args[0], args[1], cts[0]), None)
    for i in fl:
        assert np.shape(grads[i]) == np.shape(args[i])
        np.testing.assert_allclose(grads[i], _numeric_vjp(f, args, i, cts, h), rtol=tol, atol=tol)
    if autograd_check and fl:
        ag = _autograd_version(f)
        ct = cts[0] if len(cts) == 1 else np.concatenate([np.ravel(c) for c in cts])
        for i in fl:
            def fi(a, i=i):
                xs = list(args)
                xs[i] = a
                out = ag(*xs)
                return out if not isinstance(out, (tuple, list)) else anp.concatenate(
                    [anp.ravel(o) for o in out])
            vjp_ag, _ = autograd.make_vjp(fi)(args[i])
            np.testing.assert_allclose(grads[i], vjp_ag(ct), rtol=1e-6, atol=1e-8)
    lhs = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in zip(cts, tan))
    rhs = sum(float(np.sum(np.asarray(grads[i]) * np.asarray(tans[i]))) for i in fl)
    assert abs(lhs - rhs) <= 1e-6 * (1 + abs(lhs)), (lhs, rhs)
    return val


def rejects(f, *args, match):
    with pytest.raises(CompileError, match=match):
        fg.jvp(f, args, tuple(np.zeros_like(np.asarray(a, dtype=float)) for a in args),
               target="python")


# ============================================================== joining

def concat0(x, y):
    return np.concatenate([x, y])


def concat1(x, y):
    return np.concatenate((x, y, x), axis=1)


def concat_neg(x, y):
    return np.concatenate([x, y], axis=-1)


def concat_none(x, y):
    return np.concatenate([x, y], axis=None)


def concat_one(x, y):
    return np.concatenate([x]) * 2.0 + 0.0 * np.sum(y)


def concat_mixed_dtype(x, n):
    return np.concatenate([x, n])


@pytest.mark.parametrize("m,n,k", [(2, 3, 4), (0, 3, 1), (1, 1, 0), (3, 0, 2)])
def test_concatenate(m, n, k):
    check(concat0, rand(m, n), rand(k, n))
    check(concat1, rand(n, m), rand(n, k))
    check(concat_neg, rand(n, m), rand(n, k))
    check(concat_none, rand(m, n), rand(k, m), autograd_check=False)   # autograd: no axis=None
    check(concat_one, rand(m, n), rand(k))


def _concat_along(axis):
    def f(a, b):
        return np.concatenate([a, b * b], axis=axis)
    return f


def test_concatenate_3d_all_axes():
    x = rand(2, 3, 4)
    for axis in range(-3, 3):
        f = _concat_along(axis)
        shape = list(x.shape)
        shape[axis] = 2
        check(f, x, rand(*shape))


def test_concatenate_promotes_dtypes():
    check(concat_mixed_dtype, rand(3), np.arange(4))
    out = check(concat_mixed_dtype, rand(3).astype(np.float32), rand(2))
    assert out[0].dtype == np.float64


def stack0(x, y):
    return np.stack([x, y])


def stack_last(x, y):
    return np.stack((x, y, x), axis=-1)


def stack_mid(x, y):
    return np.stack([x, y], axis=1)


def stack_scalars(a, b):
    return np.stack([a, b * a])


@pytest.mark.parametrize("shape", [(3,), (2, 3), (0, 2), (1, 1)])
def test_stack(shape):
    x, y = rand(*shape), rand(*shape)
    check(stack0, x, y)
    check(stack_last, x, y)
    check(stack_mid, x, y)


def test_stack_scalars():
    check(stack_scalars, 0.5, -2.0)


def vstack(x, y):
    return np.vstack([x, y])


def hstack(x, y):
    return np.hstack((x, y))


def dstack(x, y):
    return np.dstack((x, y))


def column_stack(x, y):
    return np.column_stack((x, y))


def hstack_scalar(x, a):
    return np.hstack([x, a, x])


def vstack_mixed(x, y):
    return np.vstack([x, y[0]])


@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 0)])
def test_v_h_d_column_stack(shape):
    x, y = rand(*shape), rand(*shape)
    for f in (vstack, hstack, column_stack):
        check(f, x, y)
    check(dstack, x, y, autograd_check=False)       # autograd's dstack VJP gives zeros


def test_stacks_with_scalars_and_mixed_ranks():
    check(hstack_scalar, rand(3), 0.25)
    check(vstack_mixed, rand(4), rand(3, 4))


def array_of_arrays(x, y):
    return np.array([x, y * 2.0, x])


def array_nested_literal(a, b):
    return np.array([[1.0, a], [b, a * b]])


def array_nested_3d(a, b):
    return np.array([[[a, b]], [[b, 3.0]]])


def array_of_rows(x):
    return np.array([x[0], x[2]]) * 1.5


def array_dtype(a, b):
    return np.array([a, b], dtype=np.float32)


def asarray_list(x, y):
    return np.asarray([x, y])


def array_copy(x):
    y = np.array(x)
    y[0] = 5.0
    return y * x


def test_np_array_of_arrays_and_nested_literals():
    check(array_of_arrays, rand(3), rand(3))
    check(array_of_arrays, rand(2, 0), rand(2, 0))
    check(array_nested_literal, 0.3, -1.2)
    check(array_nested_3d, 0.3, -1.2)
    check(array_of_rows, rand(4, 3))
    check(array_dtype, 0.3, -1.2)
    check(asarray_list, rand(2), rand(2), autograd_check=False)    # autograd: asarray is a constant
    check(array_copy, rand(3), autograd_check=False)     # autograd cannot assign items


def ragged(x, y):
    return np.array([x, y])


def ragged_nested(a):
    return np.array([[a, a], [a]])


def concat_scalar(x, a):
    return np.concatenate([x, a])


def concat_ranks(x, y):
    return np.concatenate([x, y])


def test_joining_rejections():
    rejects(ragged, rand(3), rand(2, 3), match="ragged")
    rejects(ragged_nested, 1.0, match="ragged")
    rejects(concat_scalar, rand(3), 1.0, match="zero-dimensional")
    rejects(concat_ranks, rand(3), rand(2, 3), match="same number of dimensions")
    rejects(concat1, rand(3), rand(3), match="out of bounds")


def appends(x, y):
    return np.append(x, y), np.append(x, y, axis=0), np.append(x, 2.5)


def appends_cols(x, y):
    return np.append(x, y, axis=1)


def test_append():
    check(appends, rand(2, 3), rand(1, 3))
    check(appends, rand(0, 3), rand(2, 3))
    check(appends_cols, rand(2, 3), rand(2, 1))


def blocks(a, b, c):
    return (np.block([a, b]), np.block([[a], [a * b[0]]]), np.block([[c, c], [c, c * 2.0]]),
            np.block([[[a]], [[a]]]), np.block([c, c]), np.block([[a, b]]))


def block_scalars(s, t):
    return np.block([[s, t], [t, 1.0]])


def test_block():
    check(blocks, rand(3), rand(2), rand(2, 2), autograd_check=False)   # autograd has no block
    check(blocks, rand(0), rand(1), rand(0, 1), autograd_check=False)
    check(block_scalars, 0.5, -1.5, autograd_check=False)


def matrix_transposes(x):
    return np.matrix_transpose(x), np.permute_dims(x, (1, 0, 2))


def test_matrix_transpose():
    check(matrix_transposes, rand(2, 3, 4), autograd_check=False)
    check(matrix_transposes, rand(0, 1, 2), autograd_check=False)


def unstack(x):
    return np.unstack(x)


def test_unstack():      # its number of results: the length of an axis, a fact of the signature's
    check(unstack, rand(2, 3), autograd_check=False)
    check(unstack, rand(3, 1), autograd_check=False)


# ============================================================== splitting

def split3(x):
    a, b, c = np.split(x, 3)
    return a * 2.0, b, c * c


def split_axis1(x):
    a, b = np.split(x, 2, axis=1)
    return a - b


# (NumPy returns a list; fg.vjp reads a list result as one value, so these return tuples)
def split_indices(x):
    a, b, c = np.split(x, [1, 3], axis=-1)
    return a, b, c


def split_indices_odd(x):
    a, b, c, d, e = np.split(x, [4, 2, -1, 10])
    return a, b, c, d, e


def array_split3(x):
    a, b, c = np.array_split(x, 3)
    return a, b, c


def array_split_axis(x):
    a, b, c, d = np.array_split(x, 4, axis=1)
    return a, b, c, d


def hsplit(x):
    a, b = np.hsplit(x, 2)
    return a, b


def vsplit(x):
    a, b = np.vsplit(x, [1])
    return a, b


def test_split():
    check(split3, rand(6))
    check(split3, rand(0, 2))
    check(split_axis1, rand(3, 4))
    check(split_indices, rand(2, 5))
    check(split_indices, rand(2, 0))
    check(split_indices_odd, rand(6, 2), autograd_check=False)   # autograd: wrong on unsorted indices
    check(hsplit, rand(3, 4))
    check(hsplit, rand(4), autograd_check=False)      # autograd: hsplit of a vector fails
    check(vsplit, rand(3, 4))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8])
def test_array_split(n):
    check(array_split3, rand(n))
    check(array_split_axis, rand(2, n))


def test_uneven_split_raises_like_numpy():
    x = rand(7)
    with pytest.raises(ValueError, match="equal division"):
        fg.jvp(split3, (x,), (x,), target="python")


def split_var(x, n):
    return np.split(x, n)


def test_split_rejections():
    rejects(split_var, rand(4), 2, match="constant")
    rejects(split3, 1.0, match="needs an array")


# ============================================================== axes

def newaxis(x):
    return x[np.newaxis] * 2.0 + x[:, np.newaxis, None] * 0.0 + 0.0 * x[None, :, np.newaxis]


def test_newaxis():
    check(newaxis, rand(3, 2))


def squeeze0(x):
    return np.squeeze(x, axis=0) * 3.0


def squeeze_many(x):
    return np.squeeze(x, axis=(0, -1))


def squeeze_scalar(x):
    return np.squeeze(x[:1, :1], 1) + np.squeeze(x[:1], axis=0)[0]


def test_squeeze():
    check(squeeze0, rand(1, 4))
    check(squeeze0, rand(1, 0))
    check(squeeze_many, rand(1, 3, 1))
    check(squeeze_scalar, rand(2, 2))
    for x in (rand(2, 3), rand(0, 3)):
        with pytest.raises(ValueError, match="size not equal to one"):
            fg.jvp(squeeze0, (x,), (x,), target="python")


def methods(x):
    return x[:1].squeeze(0), x.swapaxes(0, 1), x.repeat(2), x.repeat(3, axis=1), x[:, :1].squeeze(axis=-1)


def _flip_along(x, axis=None):
    return np.flip(x, axis)


def helper_none(x):
    return _flip_along(x), _flip_along(x, 1), np.roll(x, 1, axis=None), np.concatenate([x, x], axis=None)


def test_methods_and_none_through_helpers():
    check(methods, rand(2, 3))
    check(helper_none, rand(2, 3), autograd_check=False)


def squeeze_all(x):
    return np.squeeze(x)


def squeeze_all_of_masked_rows(x):
    return np.squeeze(x[x[:, 0] > 0.0])


def squeeze_all_of_a_product(x):
    return np.squeeze(x * 2.0)


def test_squeeze_without_axis():
    # of an argument: which axes have length 1 is part of the signature (compiler/facts.py)
    check(squeeze_all, rand(1, 3))
    check(squeeze_all, rand(3, 1, 2))
    # of an array computed inside: its sizes follow from the argument's (facts.py)
    check(squeeze_all_of_a_product, rand(1, 3))
    check(squeeze_all_of_a_product, rand(3, 1))
    # of rows a mask picks: unknown while compiling
    rejects(squeeze_all_of_masked_rows, rand(1, 3), match="axis")


def expand_tuple(x):
    return np.expand_dims(x, (0, -1))


def expand_neg(x):
    return np.expand_dims(x, -1) * 2.0 + np.expand_dims(x, axis=-2)


def expand_scalar(a):
    return np.expand_dims(a, (0, 1))


def test_expand_dims():
    check(expand_tuple, rand(2, 3))
    check(expand_neg, rand(3))
    check(expand_neg, rand(2, 3))
    check(expand_scalar, 0.5)


def atleast(a, x, y):
    return (np.atleast_1d(a), np.atleast_2d(a), np.atleast_3d(a), np.atleast_1d(x),
            np.atleast_2d(x), np.atleast_3d(x), np.atleast_2d(y), np.atleast_3d(y))


def atleast_many(x, y):
    p, q = np.atleast_2d(x, y)
    return p * 2.0, q


def test_atleast():
    check(atleast, 0.5, rand(3), rand(2, 3))
    check(atleast, 0.5, rand(0), rand(0, 1))
    check(atleast_many, rand(3), rand(2, 2), autograd_check=False)   # autograd: one argument


def swap(x):
    return np.swapaxes(x, 0, -1), np.swapaxes(x, 1, 1)


def move(x):
    return (np.moveaxis(x, 0, -1), np.moveaxis(x, -1, 0), np.moveaxis(x, (0, 1), (2, 0)),
            np.moveaxis(x, [0, 2], [-1, 0]))


def transpose_axes(x):
    return np.transpose(x, (1, 2, 0)), np.transpose(x, axes=(-1, 0, 1)), np.transpose(x)


def transpose_method(x):
    return x.transpose(-1, 0, 1), x.transpose((1, -1, 0)) * 2.0


def transpose_bad(x):
    return x.transpose(0, 0, 1)


def test_axes():
    check(transpose_method, rand(2, 3, 4), autograd_check=False)
    rejects(transpose_bad, rand(2, 3, 4), match="permutation")
    for shape in [(2, 3, 4), (1, 0, 2)]:
        x = rand(*shape)
        check(swap, x)
        check(move, x)
        check(transpose_axes, x, autograd_check=False)   # autograd: no negative axes


def flips(x):
    return np.flip(x), np.flip(x, 0), np.flip(x, axis=-1), np.flip(x, (0, 1)), np.flipud(x), np.fliplr(x)


def test_flip():
    for shape in [(3, 4), (1, 0), (2, 3, 2)]:
        check(flips, rand(*shape), autograd_check=False)     # autograd has no VJP for flip


def rot90s(x):
    return (np.rot90(x), np.rot90(x, 2), np.rot90(x, -1), np.rot90(x, k=4), np.rot90(x, 1, (1, 0)),
            np.rot90(x, 3, axes=(0, -1)))


def test_rot90():
    for shape in [(2, 3), (1, 0), (2, 3, 2)]:
        check(rot90s, rand(*shape), autograd_check=False)    # autograd has no VJP for flip


def rolls(x):
    return np.roll(x, 1), np.roll(x, -7, axis=0), np.roll(x, 2, axis=-1)


def rolls_many(x):     # autograd cannot roll by a tuple
    return np.roll(x, (1, 2), axis=(0, 1)), np.roll(x, 5, axis=(0, 1)), np.roll(x, (1, -1), axis=1)


def roll_var(x, s):
    return np.roll(x, s, axis=0)


def test_roll():
    for shape in [(3, 4), (1, 2), (0, 3), (2, 0)]:
        check(rolls, rand(*shape))
        check(rolls_many, rand(*shape), autograd_check=False)
    for s in (-5, 0, 2, 9):
        check(roll_var, rand(3, 2), s)


def bcast(x, a):
    return np.broadcast_to(x, (2, 3)) * 1.0, np.broadcast_to(a, (4,)), np.broadcast_to(x[0], (0, 3))


def bcast_shape_of(x, y):
    return np.broadcast_to(x, y.shape)


def bcast_write(x):
    y = np.broadcast_to(x, (2, 3))
    y[0, 0] = 1.0
    return y


def test_broadcast_to():
    # autograd's broadcast_to cannot add leading axes
    check(bcast, rand(1, 3), 0.5, autograd_check=False)
    check(bcast, rand(3), 0.5, autograd_check=False)
    check(bcast_shape_of, rand(3, 1), rand(2, 3, 4), autograd_check=False)
    rejects(bcast_write, rand(3), match="view")


# ============================================================== repetition and padding

def repeats(x):
    return np.repeat(x, 3), np.repeat(x, 2, axis=0), np.repeat(x, 1, axis=-1), np.repeat(x, 0, axis=1)


def repeat_var(x, n):
    return np.repeat(x, n, axis=1)


def repeat_scalar(a):
    return np.repeat(a, 3)


def test_repeat():
    check(repeats, rand(2, 3))
    check(repeats, rand(0, 2))
    check(repeat_scalar, 0.5, autograd_check=False)   # autograd cannot repeat a number
    for n in (0, 1, 4):
        check(repeat_var, rand(2, 3), n)
    x = rand(2, 3)
    with pytest.raises(ValueError, match="negative"):
        fg.jvp(repeat_var, (x, -1), (x, 0.0), target="python")


def repeat_array(x, r):
    return np.repeat(x, r)


def test_repeat_per_element_rejected():
    rejects(repeat_array, rand(3), np.arange(3), match="one integer count")


def tiles(x):
    return np.tile(x, 2), np.tile(x, (2, 1)), np.tile(x, (1, 3, 2)), np.tile(x, 0), np.tile(x, (1, 1))


def tile_var(x, n):
    return np.tile(x, (n, 2))


def test_tile():
    # autograd's tile VJP is wrong when reps is shorter than the array's rank
    for shape in [(3,), (2, 3), (0, 2), (1, 1, 2)]:
        check(tiles, rand(*shape), autograd_check=False)
    check(tile_var, rand(2), 3)
    check(tile_var, rand(2, 2), 0, autograd_check=False)


def pads(x):
    return (np.pad(x, 1), np.pad(x, (1, 2)), np.pad(x, ((0, 1), (2, 0))), np.pad(x, 2, constant_values=1.5),
            np.pad(x, ((1,), (2,)), "constant"), np.pad(x, 0))


def pads_edge(x):
    return (np.pad(x, 1, mode="edge"), np.pad(x, ((0, 2), (3, 1)), mode="edge"),
            np.pad(x, 5, mode="wrap"), np.pad(x, (4, 7), mode="reflect"),
            np.pad(x, (7, 4), mode="symmetric"))


def pad_value(x, c):
    return np.pad(x, 2, constant_values=c)


def pad_var(x, n):
    return np.pad(x, (n, 1), mode="edge")


def pad_var_constant(x, n):
    return np.pad(x, n)


def test_pad():
    # autograd pads in constant mode only, and its VJP of np.pad is broken
    check(pads, rand(2, 3), autograd_check=False)
    check(pads, rand(0, 2), autograd_check=False)
    check(pads_edge, rand(2, 3), autograd_check=False)
    check(pads_edge, rand(1, 4), autograd_check=False)
    check(pads_edge, rand(5, 1), autograd_check=False)
    check(pad_value, rand(3), 0.7, autograd_check=False)
    check(pad_value, rand(2, 2), 0.7, autograd_check=False)
    for f in (pad_var, pad_var_constant):
        check(f, rand(3), 2, autograd_check=False)
        check(f, rand(2, 3), 0, autograd_check=False)


def test_pad_edge_of_empty_axis_raises():
    x = rand(0, 2)
    with pytest.raises((ValueError, IndexError)):     # NumPy: ValueError; flatgrad: IndexError
        fg.jvp(pads_edge, (x,), (x,), target="python")


def pad_int(x):
    return np.pad(x, 1, constant_values=2.5)


def test_pad_int_array():
    check(pad_int, np.arange(4), autograd_check=False)


def float32_all(x, y):
    return (np.concatenate([x, y]), np.stack([x, y], axis=1), np.pad(x, 1, constant_values=0.5),
            np.pad(x, (1, 2), mode="reflect"), np.repeat(x, 2), np.tile(x, 2), np.roll(x, 1),
            np.broadcast_to(x, (2, 3)), np.array([x, y]), np.flip(x))


def test_float32_stays_float32():
    x, y = rand(3).astype(np.float32), rand(3).astype(np.float32)
    for v in check(float32_all, x, y, autograd_check=False):
        assert v.dtype == np.float32


def pad_mean(x):
    return np.pad(x, 1, mode="mean")


def pad_neg(x):
    return np.pad(x, -1)


def test_pad_rejections():
    rejects(pad_mean, rand(3), match="'mean' is not supported")
    rejects(pad_neg, rand(3), match="negative")


# ============================================================== composed, through grad

def loss(x, y):
    z = np.concatenate([x, np.flip(y, 0)], axis=0)
    a, b = np.split(np.roll(z, 1, axis=1), 2, axis=1)
    p = np.pad(a * b, ((1, 0), (0, 1)), mode="edge")
    return np.sum(np.tile(p, (1, 2)) ** 2) + np.sum(np.stack([x, y]) * np.repeat(x, 1, axis=0))


def loss_ag(x, y):      # what autograd can differentiate
    z = np.concatenate([x, y * y], axis=0)
    a, b = np.array_split(np.roll(z, 1, axis=1), 2, axis=1)
    w = np.squeeze(np.expand_dims(a * b, 0), 0)
    return np.sum(np.swapaxes(w, 0, 1) ** 2) + np.sum(np.stack([x, y], axis=-1) * np.repeat(x, 2, axis=1)[:, :4, None])


def test_composed_grad_and_hessian():
    x, y = rand(2, 4), rand(2, 4)
    assert fg.check_grad(loss, x, y, argnums=(0, 1), target="python")
    got = fg.grad(loss_ag, argnums=(0, 1), target="python")(x, y)
    ag = autograd.grad(_autograd_version(loss_ag), (0, 1))(x, y)
    for u, v in zip(got, ag):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    h = fg.hessian(loss_ag, target="python")(x, y)
    np.testing.assert_allclose(h, autograd.hessian(_autograd_version(loss_ag))(x, y), rtol=1e-8, atol=1e-10)
    h = fg.hessian(loss, target="python")(x, y)
    g = fg.grad(loss, target="python")
    num = np.zeros(x.shape + x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = 1e-6
        num[(slice(None),) * 0 + (Ellipsis,) + k] = (g(x + e, y) - g(x - e, y)) / 2e-6
    np.testing.assert_allclose(h, num, rtol=1e-5, atol=1e-6)


# ============================================================== random shapes, every axis

def _along(kind, axis, nd):
    def concat(x, y):
        return np.concatenate([x, y * y, x], axis=axis)

    def stack(x, y):
        return np.stack([x, y * x], axis=axis)

    def roll(x, y):
        return np.roll(x * y, 2, axis=axis)

    def flip(x, y):
        return np.flip(x * y, axis)

    def repeat(x, y):
        return np.repeat(x * y, 2, axis=axis)

    ax = axis % max(nd, 1)
    a0, a1, a2 = int(ax == 0), int(ax == 1), int(ax == 2)

    def pad1(x, y):      # (1, 2) along the axis, nothing along the others
        return np.pad(x * y, (a0, 2 * a0), mode="edge")

    def pad2(x, y):
        return np.pad(x * y, ((a0, 2 * a0), (a1, 2 * a1)), mode="edge")

    def pad3(x, y):
        return np.pad(x * y, ((a0, 2 * a0), (a1, 2 * a1), (a2, 2 * a2)), mode="edge")

    pad = {1: pad1, 2: pad2, 3: pad3}.get(nd)

    def split(x, y):
        a, b, c = np.array_split(x * y, 3, axis=axis)
        return a, b, c

    return {"concat": concat, "stack": stack, "roll": roll, "flip": flip, "repeat": repeat,
            "pad": pad, "split": split}[kind]


SHAPES = [tuple(int(d) for d in np.random.default_rng(seed).integers(0, 4, nd))
          for seed, nd in [(1, 1), (2, 2), (3, 2), (4, 3)]]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["concat", "stack", "roll", "flip", "repeat", "pad", "split"])
def test_random_shapes_every_axis(kind, shape):
    x, y = rand(*shape), rand(*shape)
    for axis in range(-len(shape), len(shape) + (kind == "stack")):
        if kind == "pad" and shape[axis] == 0:
            continue                      # NumPy cannot extend an empty axis
        check(_along(kind, axis, len(shape)), x, y, autograd_check=kind in ("concat", "stack", "roll"))


# ============================================================== the cpu (Numba) target

def cpu_join(x, y, a):
    p, q = np.split(x, 2, axis=1)
    r = np.array_split(y, 3)
    return (np.concatenate([x, y], axis=0), np.concatenate((p, q * q), axis=1), np.stack([x, y], axis=1),
            np.vstack([x, y]), np.hstack([x, y]), np.column_stack([x[0], y[1]]), np.dstack([x, y]),
            np.array([[a, 1.0], [2.0, a * a]]), np.array([x, y]), r[0], r[1], r[2],
            np.concatenate([x, y], axis=None), np.block([[x, y], [y, x]]), np.block([a, x[0], y[1]]))


def cpu_shape(x, y, a):
    return (x[np.newaxis], np.squeeze(x[:1], 0), np.expand_dims(x, (0, 2)), np.atleast_3d(x[0]),
            np.atleast_1d(a), np.swapaxes(x, 0, 1), np.moveaxis(y, 0, -1), np.transpose(x, (1, 0)),
            np.flip(x), np.flip(y, 1), np.roll(x, 3, axis=1), np.roll(y, -1), np.broadcast_to(x[0], (3, 4)),
            np.broadcast_to(a, (2,)), np.rot90(x), np.append(x, y), np.append(x, y[:1], axis=0))


def cpu_repeat(x, y, a):
    return (np.repeat(x, 2, axis=1), np.repeat(y, 3), np.tile(x, (2, 1)), np.tile(y[0], 3),
            np.pad(x, 1), np.pad(x, ((1, 0), (0, 2)), mode="edge"), np.pad(y, 2, mode="reflect"),
            np.pad(y, 3, mode="wrap"), np.pad(y, (1, 2), mode="symmetric"), np.pad(x, 1, constant_values=a),
            np.repeat(x, 2, axis=1).reshape(-1), np.tile(x, (1, 2)).reshape(-1))


def cpu_roll(x, y, a):
    """np.roll on the cpu target: its runtime helper, every axis, shifts negative, past the
    length and flat, and a rolled 3-d array."""
    z = np.reshape(np.concatenate([x, y]), (2, 2, 4))
    return (np.roll(x, 1, axis=0), np.roll(x, -3, axis=1), np.roll(x * y, 9, axis=-1), np.roll(y, 3),
            np.roll(x, (1, -2), axis=(0, 1)), np.roll(z, 1, axis=1) * a, np.roll(z, -5, axis=2),
            np.roll(np.roll(x, 2, axis=1) * y, -1, axis=0))


@pytest.mark.slow
@pytest.mark.parametrize("f", [cpu_join, cpu_shape, cpu_repeat, cpu_roll])
def test_cpu_target(f):
    x, y = rand(2, 4), rand(2, 4)
    # against finite differences (the python-target tests compare with autograd)
    check(f, x, y, 0.5, target="cpu", autograd_check=False)
    if f is cpu_join:
        check(f, rand(2, 0), rand(2, 0), 0.5, target="cpu", autograd_check=False)
    if f is cpu_roll:           # a shift known only at run time
        check(roll_var, rand(3, 2), -4, target="cpu", autograd_check=False)


@pytest.mark.slow
def test_cpu_grad():
    x, y = rand(2, 4), rand(2, 4)
    got = fg.grad(loss_ag, argnums=(0, 1), target="cpu")(x, y)
    ag = autograd.grad(_autograd_version(loss_ag), (0, 1))(x, y)
    for a, b in zip(got, ag):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fg.hessian(loss, target="cpu")(x, y),
                               fg.hessian(loss, target="python")(x, y), rtol=1e-12, atol=1e-12)


def cpu_counts(x, n):
    return np.sum(np.repeat(x, n, axis=1) ** 2) + np.sum(np.pad(x, (n, 1), mode="edge")) + np.sum(
        np.tile(x, (1, n)))


@pytest.mark.slow
def test_cpu_run_time_checks():
    x = rand(2, 3)
    g = fg.grad(cpu_counts, target="cpu")
    np.testing.assert_allclose(g(x, 2), fg.grad(cpu_counts, target="python")(x, 2), rtol=1e-12)
    with pytest.raises(ValueError, match="negative"):
        g(x, -1)
    with pytest.raises(ValueError, match="equal division"):
        fg.jvp(split3, (rand(7),), (rand(7),), target="cpu")
    with pytest.raises(ValueError, match="size not equal to one"):
        fg.jvp(squeeze0, (rand(2, 3),), (rand(2, 3),), target="cpu")
