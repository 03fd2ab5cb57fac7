"""np.polyval, np.linspace, np.trapezoid, np.clip with keywords, np.argmax/argmin, and local
functions (def and lambda inside the differentiated function): tests/library/test_numeric.py."""
import numpy as np
import scipy.special as ss


def polyval_array(c, x):
    return np.sum(np.polyval(c, x) ** 2)


def polyval_list(x):
    return np.sum(np.polyval([1.0, -2.0, 0.5], x))


def polyval_scalar(c, t):
    return np.polyval(c, t)


def linspace_grid(a, b):
    return np.sum(np.sin(a * np.linspace(0.0, b, 11)))


def linspace_open(a, b):
    return np.sum(np.exp(np.linspace(a, b, 7, endpoint=False)))


def trapezoid_dx(y):
    return np.trapezoid(y ** 2, dx=0.1)


def trapezoid_x(y, x):
    return np.trapezoid(np.sin(y), x)


def trapezoid_axis0(Y):
    return np.sum(np.trapezoid(Y ** 2, np.linspace(0.0, 1.0, Y.shape[0]), axis=0))


def clip_keywords(x):
    return np.sum(np.clip(x, a_min=-0.5, a_max=None) ** 3) + np.sum(np.clip(x, None, 0.1))


def argmax_pick(x, W):
    return np.sum(W[np.argmax(x)] * x) + x[np.argmin(x)]


def argmin_rows(X):
    i = np.argmin(X, axis=1)
    return np.sum(X[np.arange(X.shape[0]), i] ** 2)


def local_def(x, k):
    scale = 2.0 * k

    def f(v, p=2):
        return scale * v ** p

    acc = 0.0
    for i in range(3):
        acc = acc + f(x[i]) + f(x[i], 3)
    return acc


def local_lambda(x, w):
    act = lambda v: np.tanh(v) * w  # noqa: E731 - users write this
    return np.sum(act(x) ** 2) + act(1.0)


def local_nested(x):
    def outer(v):
        def inner(u):
            return u * x[0]
        return inner(v) + v
    return np.sum(outer(x) ** 2)


def local_late_binding(x):
    c = 1.0
    g = lambda v: v * c  # noqa: E731
    c = 3.0
    return g(x)


def local_writes_outer(x):
    Z = np.zeros(3)

    def bump(v):
        Z[0] = v
        return Z
    return np.sum(bump(x[0]))


def logsumexp_rows(x):
    return np.sum(ss.logsumexp(x, axis=1))


def softmax_cols(x):
    return np.sum(ss.softmax(x, axis=0) ** 2)


def _layer(x, act=np.tanh, scale=1.0):
    return act(x) * scale


def helper_with_function_default(x):
    return np.sum(_layer(x) + _layer(x, np.sin, scale=2.0))


def median_all(x):
    return np.median(x)


def median_rows_keep(x):
    return np.sum(np.median(x, axis=1, keepdims=True) * 2.0)


def quantile_cols(x):
    return np.sum(np.quantile(x, 0.75, axis=0) ** 2)


def polyval_constant(x):
    """A polynomial of degree 0 still has x's shape (NumPy's Horner starts from zeros_like(x))."""
    return np.sum(np.polyval([2.0], x)) + np.sum(np.polyval([1.0, 0.5], x) ** 2)
