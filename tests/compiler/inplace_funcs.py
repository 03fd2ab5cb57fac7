"""Functions whose backward passes sum adjoints into arrays (tests/compiler/test_in_place.py).
Written with autograd.numpy-compatible calls: autograd is the oracle."""
import numpy as np


def energy(p):
    """p's adjoint: two scatters (p[0], p[1]) and one full contribution, from p * p."""
    return np.sum((p * p - 1.0) ** 2) + 0.1 * p[0] * p[1]


def two_paths(x):
    """x's adjoint: three full contributions (sin, cos, the cube)."""
    return np.sum(np.sin(x) * np.cos(x)) + np.sum(x ** 3)


def broadcast_sum(x, Y):
    """x (3,) against Y (4, 3): a contribution summed over the broadcast axis."""
    return np.sum(x * Y) + np.sum(np.tanh(x)) + np.sum(Y * Y)


def shared_adjoint(x):
    """y's adjoint flows into x's unchanged: they must stay two arrays."""
    y = x * 1.0
    z = y + x
    return np.sum(z * z) + np.sum(y * x)


def scatter_only(x):
    """Every contribution is a scatter: the zeros stay."""
    return x[0] * x[1] + x[2] ** 2


def written_between(a):
    """t is computed before b is written in place: moving t later would read the new b."""
    b = a * 1.0
    t = b * 2.0
    b[0] = 5.0
    return np.sum(t * b)


def rows(W, x):
    """Scatter rows into a matrix adjoint, then a full contribution from the matmul."""
    h = np.tanh(W @ x)
    return np.sum(h * h) + np.sum(W[0] * W[1])


def loop_sum(W, xs):
    """An array carried through a loop: the forward sum is taped (read twice), the backward
    sum into grad_W is the loop's own buffer."""
    acc = W * 0.5
    for i in range(3):
        acc = acc + W * xs[i]
    return np.sum(acc * acc) + np.sum(np.sin(W))


def scatters_then_two_sums(x, y):
    """x's adjoint: two scatters, then two full contributions (the second sum must add into
    the array the scatters went into, not redo them)."""
    return np.sum(np.exp(x)) + np.sum(np.sin(x) * y) + x[0, 1] * 3.0 + x[0, 0] * y[0, 0]
