"""Matrix products, shape manipulation, constructors and shape reads (target "python")."""
import numpy as np
import pytest

from . import funcs as F
from .check import assert_grads, rand

MATMULS = [F.mm_op, F.mm_dot, F.mm_matmul, F.mm_method_dot]

# (shape of a, shape of b, shape of the product)
PRODUCT_SHAPES = [((3, 4), (4, 5), (3, 5)),     # 2D @ 2D
                  ((3, 4), (4,), (3,)),         # 2D @ 1D
                  ((4,), (4, 5), (5,))]         # 1D @ 2D


@pytest.mark.parametrize("f", MATMULS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", PRODUCT_SHAPES, ids=str)
def test_matrix_products(f, shapes):
    sa, sb, sout = shapes
    assert_grads(f, (rand(*sa), rand(*sb), rand(*sout)), (0, 1))


@pytest.mark.parametrize("f", [F.vv_op, F.vv_dot, F.inner], ids=lambda f: f.__name__)
def test_vector_dot_products(f):
    a, b = rand(6), rand(6)
    ga, gb = assert_grads(f, (a, b), (0, 1))
    scale = 2.0 if f is F.inner else 1.0
    np.testing.assert_allclose(ga, scale * b, rtol=1e-12)   # d(a.b)/da = b, by hand
    np.testing.assert_allclose(gb, scale * a, rtol=1e-12)


def test_outer():
    a, b, w = rand(3), rand(4), rand(3, 4)
    ga, gb = assert_grads(F.outer, (a, b, w), (0, 1))
    np.testing.assert_allclose(ga, w @ b, rtol=1e-12)
    np.testing.assert_allclose(gb, a @ w, rtol=1e-12)


def test_norm_wx_lecture_001():
    """||W x||^2 of lecture 001: dL/dW = 2 (W x) x^T, dL/dx = 2 W^T (W x)."""
    n = 6
    W, x = rand(n, n), rand(n)
    gW, gx = assert_grads(F.norm_wx, (W, x), (0, 1))
    np.testing.assert_allclose(gW, 2 * np.outer(W @ x, x), rtol=1e-12)
    np.testing.assert_allclose(gx, 2 * W.T @ (W @ x), rtol=1e-12)


@pytest.mark.parametrize("f, xshape, wshape", [
    (F.transpose_attr, (3, 4), (4, 3)),
    (F.transpose_fn, (3, 4), (4, 3)),
    (F.transpose_axes, (2, 3, 4), (4, 2, 3)),
    (F.transpose_method_axes, (2, 3, 4), (3, 4, 2)),
    (F.reshape_method, (3, 4), (2, 6)),
    (F.reshape_tuple, (3, 4), (6, 2)),
    (F.reshape_fn_neg1, (3, 4), (4, 3)),
    (F.ravel_fn, (3, 4), (12,)),
    (F.ravel_method, (3, 4), (12,)),
    (F.col_vector, (4,), (4, 4)),
    (F.expand_dims, (4,), (4, 4)),
    (F.copy_astype, (3, 4), (3, 4)),
], ids=lambda v: getattr(v, "__name__", None))
def test_shape_manipulation(f, xshape, wshape):
    assert_grads(f, (rand(*xshape), rand(*wshape)), (0,))


@pytest.mark.parametrize("f", [F.shape_reads, F.shape_tuple_unpack], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3, 4), (5, 2)], ids=str)
def test_shape_len_size(f, shape):
    assert_grads(f, (rand(*shape),), (0,))




@pytest.mark.parametrize("f", [F.ctor_zeros_ones, F.ctor_like,
                               F.ctor_full_eye, F.ctor_arange,
                               F.ctor_empty_fill, F.ctor_zeros_2d],
                         ids=lambda f: f.__name__)
def test_constructors(f):
    assert_grads(f, (rand(5),), (0,))


def test_constructor_values_by_hand():
    import flatgrad as fg
    x = rand(5)
    (g,) = fg.grad(F.ctor_arange, argnums=(0,), target="python")(x)
    np.testing.assert_allclose(g, 2 * np.arange(5) * x, rtol=1e-12)
