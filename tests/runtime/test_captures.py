"""Arrays a function reads from its module or closure: read at every call, never baked in,
no gradient into them."""
import numpy as np
import pytest

import flatgrad as fg

from . import capture_data as data
from . import capture_funcs as F

W = np.array([0.3, -0.2])
TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


def _ls_grad(w):
    return 2 * data.X.T @ (data.X @ w - data.y) + 2 * (w - F.W0)


@pytest.fixture
def restore():
    X, y = data.X, data.y
    yield
    data.X, data.y = X, y


@pytest.mark.parametrize("target", TARGETS)
def test_module_arrays_are_read_at_every_call(target, restore):
    g = fg.grad(F.least_squares, target=target)
    np.testing.assert_allclose(g(W), _ls_grad(W))
    data.y = np.array([5.0, 5.0, 5.0])                  # new values, same type
    np.testing.assert_allclose(g(W), _ls_grad(W))
    data.X = np.array([[1.0, 0.0], [0.0, 2.0]])        # another shape
    data.y = np.array([1.0, 1.0])
    np.testing.assert_allclose(g(W), _ls_grad(W))
    data.X = data.X.astype(np.float32)                 # another dtype: compiles again
    np.testing.assert_allclose(g(W), _ls_grad(W), rtol=1e-6)
    assert "X" in g.source and "[[" not in g.source    # passed in, not baked into the code


@pytest.mark.parametrize("target", TARGETS)
def test_helpers_and_closures(target):
    g = fg.grad(F.via_helper, target=target)
    np.testing.assert_allclose(g(W), 2 * data.X.T @ (data.X @ W - data.y))
    A, b = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([0.1, -0.1])
    loss = F.make_loss(A, b)
    t = np.tanh(A @ W - b)
    np.testing.assert_allclose(fg.grad(loss, target=target)(W), A.T @ (1 - t * t))
    v, gv = fg.value_and_grad(loss, target=target)(W)
    assert v == pytest.approx(loss(W))


def test_scalar_functions_reading_data_and_decorated_ones():
    assert fg.grad(F.scalar_with_data, target="python")(2.0) == pytest.approx(0.0)
    np.testing.assert_allclose(F.decorated(W), 2 * F.W0 * W)


def test_jvp_and_hessian_with_captured_data():
    out, tan = fg.jvp(F.least_squares, (W,), (np.array([1.0, 0.0]),), target="python")
    assert tan == pytest.approx(_ls_grad(W)[0])
    H = fg.hessian(F.least_squares, target="python")(W)
    np.testing.assert_allclose(H, 2 * data.X.T @ data.X + 2 * np.eye(2))


def test_arrays_in_helpers_closures_are_read_at_every_call():
    """A helper the function closes over (and a helper of that helper) reads its own
    closure's arrays through the cells on the way, at every call."""
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    g = fg.grad(F.make_helper_with_closure(A), target="python")
    np.testing.assert_allclose(g(W), A.T @ np.ones(2))
    A[0, 0] = 3.0                                        # the same array, new values
    np.testing.assert_allclose(g(W), A.T @ np.ones(2))
    b = np.array([0.1, -0.3])
    loss = F.make_nested_helpers(A, b)
    t = np.tanh(A @ W - b)
    np.testing.assert_allclose(fg.grad(loss, target="python")(W), A.T @ (2 * t * (1 - t * t)))
    assert fg.value_and_grad(loss, target="python")(W)[0] == pytest.approx(loss(W))


def test_what_is_not_supported_says_so():
    with pytest.raises(fg.CompileError, match="closure of a helper"):
        fg.grad(F.via_global_helper, target="python")(W)
    with pytest.raises(fg.CompileError, match="vectorize"):
        fg.vectorize(F.scalar_with_data)(np.ones(3))
