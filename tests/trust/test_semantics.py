"""Issue 9 classes 6 and 11: IndexError with the user's line on every target, IEEE results
instead of exceptions, gradients in each argument's dtype."""
import inspect
import warnings

import numpy as np
import pytest

import flatgrad as fg

from . import funcs as F

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


def _line(f, k):
    return f"{inspect.getsourcefile(f)}:{inspect.getsourcelines(f)[1] + k}"


@pytest.mark.parametrize("target", TARGETS)
def test_out_of_range_index_raises_with_the_users_line(target):
    A = np.arange(3.0)
    g = fg.grad(F.out_of_range, target=target)
    for _ in range(2):      # the first call and a later (dispatched) one
        with pytest.raises(IndexError, match=_line(F.out_of_range, 1)):
            g(A)
    np.testing.assert_allclose(fg.grad(F.out_of_range, target=target)(np.arange(6.0)),
                               [1, 0, 0, 0, 0, 2])
    gg = fg.grad(F.gather_out_of_range, target=target)
    with pytest.raises(IndexError, match=_line(F.gather_out_of_range, 1)):
        gg(A, np.array([0, 10**9]))
    np.testing.assert_allclose(gg(A, np.array([2, 0])), [0.0, 0.0, 4.0])


@pytest.mark.parametrize("target", TARGETS)
def test_float32_gradients_keep_each_arguments_dtype(target):
    W = np.ones((2, 3), np.float32)
    x = np.linspace(0, 1, 3).astype(np.float32)
    value, grads = fg.value_and_grad(F.f32_mixed, argnums=(0, 1, 2), target=target)(
        W, x, np.float32(0.5))
    assert [g.dtype for g in grads[:2]] == [np.float32, np.float32]
    np.testing.assert_allclose(value, F.f32_mixed(W, x, np.float32(0.5)), rtol=1e-6)
    np.testing.assert_allclose(grads[2], 0.5 + 2.0, rtol=1e-6)
    b = np.arange(6.0).reshape(2, 3)
    ga, gb = fg.grad(F.f32_with_f64, argnums=(0, 1), target=target)(W, b)
    assert ga.dtype == np.float32 and gb.dtype == np.float64
    np.testing.assert_allclose(ga, 3 * b, rtol=1e-6)
    np.testing.assert_allclose(gb, 3 * W, rtol=1e-6)


@pytest.mark.parametrize("target", TARGETS)
def test_scalar_math_follows_ieee(target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, grad = fg.value_and_grad(F.scalar_ieee, target=target)(0.0)
        assert np.isnan(value) or np.isinf(value)
        assert not np.isfinite(grad)
        value, grad = fg.value_and_grad(F.scalar_domain, target=target)(0.5)
        assert np.isnan(value) and np.isnan(grad)


def test_source_of_an_array_function_says_how_to_give_types():
    with pytest.raises(fg.CompileError, match=r"fg.source compiled X, n as float scalars|"
                                              r"fg.source compiled X as float scalar"):
        fg.source(F.matrix_only)
    from flatgrad.compiler import types as T
    assert "grad_X" in fg.source(F.matrix_only, types=[T.parse("f64[:, :]"), T.F64])


@pytest.mark.parametrize("target", TARGETS)
def test_mixed_precision_matmul(target):
    W = np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32)
    x = np.array([0.5, -0.25, 1.0])
    gW, gx = fg.grad(F.mixed_matmul, argnums=(0, 1), target=target)(W, x)
    assert gW.dtype == np.float32 and gx.dtype == np.float64
    eps = 1e-6
    fd = [(F.mixed_matmul(W, x + eps * e) - F.mixed_matmul(W, x - eps * e)) / (2 * eps)
          for e in np.eye(3)]
    np.testing.assert_allclose(gx, fd, rtol=1e-5)


@pytest.mark.slow
def test_boundscheck_can_be_turned_off_for_speed(monkeypatch):
    g = fg.grad(F.out_of_range, target="cpu")
    # A[5] on an array of unknown length: checked explicitly (compiler/ranges.py)
    assert "check_index(5, " in g.build_source(g.signature((np.arange(6.0),))[0])
    monkeypatch.setenv("FLATGRAD_BOUNDSCHECK", "0")
    g = fg.grad(F.out_of_range, target="cpu")
    text = g.build_source(g.signature((np.arange(6.0),))[0])
    assert "boundscheck=False" in text and "check_index" not in text
    np.testing.assert_allclose(g(np.arange(6.0)), [1, 0, 0, 0, 0, 2])


@pytest.mark.parametrize("target", TARGETS)
def test_reshape_of_a_non_contiguous_array(target):
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(fg.grad(F.reshape_transposed, target=target)(x),
                               [[0.0, 2.0, 4.0], [7.0, 3.0, 5.0]])


@pytest.mark.parametrize("target", TARGETS)
def test_a_comparison_of_comparisons_keeps_its_parentheses(target):
    x = np.array([1.0, 2.0, 3.0])
    vg = fg.value_and_grad(F.compared_comparisons, argnums=(0, 1), target=target)
    for a in [2.0, 4.0, 7.0, -1.0]:          # every combination of the two ifs' outcomes
        value, (ga, gx) = vg(a, x)
        assert value == pytest.approx(F.compared_comparisons(a, x))
        h = 1e-6
        fd = (F.compared_comparisons(a + h, x) - F.compared_comparisons(a - h, x)) / (2 * h)
        assert ga == pytest.approx(fd, rel=1e-5)


def test_invert_of_masks_and_round_of_constants():
    x = np.array([0.3, -0.7, 1.1, -0.45])
    value, g = fg.value_and_grad(F.invert_and_round, target="python")(x)
    assert value == pytest.approx(F.invert_and_round(x))
    np.testing.assert_allclose(g, [0.12, -1.4 + 3 + 0.12, 0.12, -0.9 + 0.12], rtol=1e-12)
    with pytest.raises(fg.CompileError, match="supports ~ on booleans"):
        fg.grad(lambda x: np.sum(~np.arange(3) * x), target="python")(x[:3])
    # round(x) of a run-time number is Python's int (no gradient); round(x, n) is refused
    np.testing.assert_allclose(fg.grad(lambda x: round(x[0]) * x[1], target="python")(x),
                               [0.0, round(x[0]), 0.0, 0.0])
    with pytest.raises(fg.CompileError, match="of a number known only at run time"):
        fg.grad(lambda x: round(x[0], 1) * x[1], target="python")(x)


@pytest.mark.parametrize("target", TARGETS)
def test_array_methods_mean_their_numpy_functions(target):
    from ..frontend.numeric import num_grad
    x = np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.9])
    value, g = fg.value_and_grad(F.array_methods, target=target)(x)
    assert value == pytest.approx(F.array_methods(x))
    np.testing.assert_allclose(g, num_grad(F.array_methods, (x,), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", TARGETS)
def test_a_list_index_is_an_index_array(target):
    x = np.array([0.3, -1.2, 0.7])
    value, g = fg.value_and_grad(F.list_indices, target=target)(x)
    assert value == pytest.approx(F.list_indices(x), rel=1e-12)
    h = 1e-6
    fd = [(F.list_indices(x + h * e) - F.list_indices(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
