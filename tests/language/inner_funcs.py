"""Functions for test_inner_transforms.py: transforms called inside differentiated code
(flatgrad reads their source, so they live in a module). ``np`` is rebound to autograd.numpy
and ``fg`` to autograd for the oracle (see the test's ``autograd_version``)."""
import numpy as np
from scipy.special import gammaln

import flatgrad as fg

DATA = np.array([3.0, 5.0, 0.0, 8.0, 2.0, 9.0, 1.0, 4.0, 12.0, 6.0, 7.0, 3.0])


def negbin_loglike(r, p, x):
    return np.sum(gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p)
                  + r * np.log(1 - p))


# --- the negative binomial Newton fit (autograd's example), module level
loglike = lambda r, p: np.sum(negbin_loglike(r, p, DATA))       # noqa: E731
p_of = lambda r: np.sum(DATA) / np.sum(r + DATA)                # noqa: E731
rprime = lambda r: fg.grad(loglike)(r, p_of(r))                 # noqa: E731
dloglike = fg.grad(loglike, target="python")
rprime_outside = lambda r: dloglike(r, p_of(r))                 # noqa: E731
p_two = lambda r, x: np.sum(x) / np.sum(r + x)                  # noqa: E731
rprime_two = lambda r: dloglike(r, p_two(r, DATA))              # noqa: E731 (issue 26, item 2)


def fit_rprime(x):
    """The same fit written inside a function, as autograd's example: every lambda closes
    over the data ``x`` (a closure array)."""
    loglike = lambda r, p: np.sum(negbin_loglike(r, p, x))      # noqa: E731
    p = lambda r: np.sum(x) / np.sum(r + x)                     # noqa: E731
    rprime = lambda r: fg.grad(loglike)(r, p(r))                # noqa: E731
    return rprime


# --- nestings of transforms
def _poly(x, y):
    return np.sum(np.sin(x) * y ** 2 + x ** 3 * y)


def grad_argnums_inside(x, y):
    gy = fg.grad(_poly, argnums=1)(x, y)
    gx, gy2 = fg.grad(_poly, argnums=(0, 1))(x, y)
    return np.sum(gy * x) + np.sum(gx * gy2)


def value_and_grad_inside(x):
    v, g = fg.value_and_grad(_poly)(x, 2.0 * x)
    return v * np.sum(g ** 2)


def hessian_inside(x):
    H = fg.hessian(lambda z: np.sum(np.exp(z) * z[0]))(x)
    return np.sum(H * np.outer(x, x))


def jacobian_inside(x):
    J = fg.jacobian(lambda z: np.tanh(z) * np.sum(z))(x)
    return np.sum(J ** 2)


def local_closure(x, w):
    """A local function reading the enclosing function's variables (``s`` depends on x): the
    inner gradient holds them constant, the outer one differentiates through them."""
    s = np.sum(x * w)

    def inner(z):
        return np.sum(np.cos(z * s)) + s * np.sum(z ** 2)

    return np.sum(fg.grad(inner)(x) * w) + s


def grad_of_grad_inside(x):
    g2 = fg.grad(fg.grad(lambda t: t ** 3 * np.sin(t)))(x)
    return g2 * x


def jvp_inside(x, v):
    out, tan = fg.jvp(_poly, (x, v), (v, None))
    return out + np.sum(tan) * 2.0


def vjp_inside(x):
    out, back = fg.vjp(lambda a, b: np.sin(a) * b, x, 3.0)
    ga, gb = back(np.cos(x))
    return np.sum(out) + np.sum(ga * x) + gb


def tree_argument(params, x):
    """A container argument through an inner transform."""
    g = fg.grad(lambda p, z: np.sum(np.tanh(p["W"] @ z + p["b"])))(params, x)
    return np.sum(g["W"] ** 2) + np.sum(g["b"] * x[:2])


HVP_INNER = fg.hvp(lambda z: np.sum(z ** 4), target="python")


def hvp_outside(x):
    return np.sum(HVP_INNER(x, x * 2.0))


def inner_in_loop(x):
    acc = 0.0
    for k in range(3):
        acc = acc + fg.grad(lambda z: np.sum(z ** (k + 2)))(x)[k]
    return acc


def rprime_python(r):
    """rprime's value from plain Python (its inner gradient on the python target)."""
    return fg.grad(loglike, target="python")(r, p_of(r))


def _min_plus(a0, a1):
    return np.sum(np.min(a0, axis=0) + a1)


def jvp_broadcast_inside(x, A, B, T):
    """Reverse over forward through a tangent broadcast to a larger shape (the tangent of
    ``min(a0, axis=0) + a1`` with none for a1): its adjoint sums back over the broadcast
    axis only (it summed over every axis: a fuzzer find, 3x the gradient)."""
    return fg.jvp(_min_plus, (A * x, B), (T * x, None))[1]
