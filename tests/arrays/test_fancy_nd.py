"""Integer-array indices of two or more dimensions, and ``...`` (fancy_nd_funcs.py): values against
NumPy, gradients against central differences and autograd, on both targets; higher
order and vmap through them; the refusal that is left."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad
from . import fancy_nd_funcs as F

ARGS = F.inputs()


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_python_target_against_differences(f):
    check_value_and_grad(f, ARGS[f.__name__], 0, rtol=1e-6, atol=1e-8)


# autograd differentiates neither item assignment nor np.take: those functions are checked
# against differences only (above)
AUTOGRAD = [f for f in F.FUNCS if f not in (F.write_matrix, F.take_matrix, F.ellipsis_writes)]


@pytest.mark.parametrize("f", AUTOGRAD, ids=lambda f: f.__name__)
def test_against_autograd(f):
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    args = ARGS[f.__name__]
    clone = type(f)(f.__code__, {**f.__globals__, "np": anp}, f.__name__)
    np.testing.assert_allclose(fg.grad(f, target="python")(*args), ag.grad(clone)(*args),
                               rtol=1e-10, atol=1e-12)


def test_the_gather_is_one_flat_gather_unfolded():
    g = fg.grad(F.rows_by_matrix, target="python")
    g(*ARGS["rows_by_matrix"])
    src = g.source
    assert "np.add.at(" in src                  # the repeated rows' adjoints accumulate
    assert ".reshape(" in src


def test_hessian_and_jvp_through_a_2d_gather():
    x, vx, vy = ARGS["bilinear"]
    f = lambda x: F.bilinear(x, vx, vy)               # noqa: E731
    H = fg.hessian(f, target="python")(x)
    g = fg.grad(f, target="python")
    v = np.cos(np.arange(x.size)).reshape(x.shape)
    np.testing.assert_allclose(H.reshape(x.size, x.size) @ v.ravel(),
                               ((g(x + 1e-5 * v) - g(x - 1e-5 * v)) / 2e-5).ravel(),
                               rtol=1e-5, atol=1e-7)
    _, t = fg.jvp(f, (x,), (v,), target="python")
    assert t == pytest.approx(np.sum(g(x) * v), rel=1e-10)


def test_vmap_of_the_gradient_over_fields():
    x, vx, vy = ARGS["bilinear"]
    xs = np.stack([x, 2 * x, -x])
    per = fg.vmap(fg.grad(F.bilinear, target="python"), in_axes=(0, None, None))(xs, vx, vy)
    g = fg.grad(F.bilinear, target="python")
    np.testing.assert_allclose(per, np.stack([g(xi, vx, vy) for xi in xs]), rtol=1e-10)


def test_broadcast_shapes_that_disagree_raise_as_numpy_does():
    def f(x, i, j):
        return np.sum(x[i, j])
    x = np.ones((4, 4))
    with pytest.raises(ValueError):
        fg.grad(f, target="python")(x, np.zeros((2, 3), int), np.zeros((2, 2), int))


def test_two_ellipses_are_refused():
    def f(x):
        return np.sum(x[..., 0, ...])
    with pytest.raises(fg.CompileError, match="single ellipsis"):
        fg.grad(f, target="python")(np.ones((2, 3)))


def test_an_array_written_through_2d_indices_and_slices_is_refused():
    def f(x, idx):
        z = np.zeros((4, 4, 3))
        z[idx, :, 0] = x
        return np.sum(z)
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(np.ones((2, 2, 4)), np.array([[0, 1], [2, 3]]))
    assert "mixed with slices" in str(e.value)
    assert "fancy_nd" not in str(e.value) or "test_fancy_nd.py:" in str(e.value)


@pytest.mark.slow
@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_cpu_target_against_python(f):
    check_cpu_matches_python([f], [ARGS[f.__name__]], spread=True)
