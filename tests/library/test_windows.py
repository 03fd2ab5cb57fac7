"""np.lib.stride_tricks.sliding_window_view: NumPy's values (the view, copied), gradients
against central differences and against the same convolution written as a loop, forward
mode, second derivatives and vmap, on the shapes and axis forms NumPy documents."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

RNG = np.random.default_rng(5)


def windows_1d(x):
    return sliding_window_view(x, 3)


def windows_2d(x):
    return sliding_window_view(x, (2, 3))


def windows_axis(x):
    return sliding_window_view(x, 2, axis=0)


def windows_negative_axes(x):
    return sliding_window_view(x, window_shape=(2, 2), axis=(-1, 0))


def windows_repeated_axis(x):
    return sliding_window_view(x, (2, 3), axis=(1, 1))


def windows_of_kernel_shape(k, x):
    return np.einsum("ijkl,kl->ij", sliding_window_view(x, k.shape), k)


def conv_loop(k, x):
    h, w = k.shape
    out = np.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + h, j:j + w] * k)
    return out


def moving_average(x):
    return np.mean(sliding_window_view(x, 4), axis=-1)


def loss(f):
    return lambda *a: np.sum(np.sin(f(*a)) * np.arange(f(*a).size).reshape(f(*a).shape))


def numeric(f, args, i=0, eps=1e-6):
    return numeric_grad(f, list(args), i, eps)


CASES = [(windows_1d, (7,)), (windows_2d, (4, 5)), (windows_axis, (4, 3)),
         (windows_negative_axes, (3, 4, 5)), (windows_repeated_axis, (2, 6)),
         (moving_average, (9,))]


@pytest.mark.parametrize("f, shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_values_and_gradients(f, shape):
    x = RNG.normal(size=shape)
    out = f(x)
    weights = RNG.normal(size=out.shape)

    def objective(x):
        return np.sum(np.sin(f(x)) * weights)

    value, g = fg.value_and_grad(objective, target="python")(x)
    assert value == pytest.approx(objective(x), rel=1e-13)
    np.testing.assert_allclose(g, numeric(objective, (x,), 0), rtol=1e-6, atol=1e-8)
    _, tan = fg.jvp(objective, (x,), (np.ones(shape),), target="python")
    assert tan == pytest.approx(np.sum(g), rel=1e-10)


def test_values_equal_numpy_through_a_compiled_function():
    x = RNG.normal(size=(3, 4, 5))
    for f in (windows_1d, windows_2d, windows_axis, windows_negative_axes):
        y = x[0, 0] if f is windows_1d else (x[0] if f is not windows_negative_axes else x)
        got = fg.vjp(f, y, target="python")[0]
        np.testing.assert_array_equal(got, f(y))


def by_windows(k, x):
    return np.sum(np.tanh(windows_of_kernel_shape(k, x)) ** 2)


def assert_same_gradients(got, want):
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_convolution_matches_the_loop_and_its_hessian():
    k, x = RNG.normal(size=(2, 3)), RNG.normal(size=(5, 6))

    def by_loop(k, x):
        return np.sum(np.tanh(conv_loop(k, x)) ** 2)

    assert_same_gradients(fg.grad(by_windows, (0, 1), target="python")(k, x),
                          fg.grad(by_loop, (0, 1), target="python")(k, x))
    np.testing.assert_allclose(fg.hessian(by_windows, target="python")(k, x),
                               fg.hessian(by_loop, target="python")(k, x), rtol=1e-10,
                               atol=1e-12)


def test_vmap_over_signals():
    xs = RNG.normal(size=(4, 8))
    got = fg.vmap(moving_average, target="python")(xs)
    np.testing.assert_allclose(got, np.stack([moving_average(x) for x in xs]), rtol=1e-14)
    g = fg.vmap(fg.grad(lambda x: np.sum(moving_average(x) ** 2), target="python"))(xs)
    np.testing.assert_allclose(g[1], numeric(lambda x: np.sum(moving_average(x) ** 2),
                                             (xs[1],), 0), rtol=1e-6, atol=1e-9)


def writeable(x):
    return np.sum(sliding_window_view(x, 2, writeable=True))


def too_few_sizes(x):
    return np.sum(sliding_window_view(x, (2,)))


def axis_not_constant(x):
    return np.sum(sliding_window_view(x, 2, axis=x.shape[0] - 3))


@pytest.mark.parametrize("f, message", [
    (writeable, "writeable=True is not supported"),
    (too_few_sizes, "1 window sizes for 2 axes"),
])
def test_refusals_are_located(f, message):
    with pytest.raises(fg.CompileError, match=message) as e:
        fg.grad(f, target="python")(np.ones((3, 3)))
    assert "test_windows.py" in str(e.value) and "^" in str(e.value)


@pytest.mark.slow
def test_cpu_target():
    k, x = RNG.normal(size=(2, 2)), RNG.normal(size=(4, 5))

    assert_same_gradients(fg.grad(by_windows, (0, 1), target="cpu")(k, x),
                          fg.grad(by_windows, (0, 1), target="python")(k, x))
