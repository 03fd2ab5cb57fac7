"""scipy.linalg.expm as users call it: weighted entries, the trace, a propagator expm(t K) v,
the loss of a linear ODE's solution at several times, a Markov chain's transition matrix, and
a stack of matrices."""
import numpy as np
import scipy.linalg

rng = np.random.default_rng(11)
W = rng.normal(size=(3, 3))
K = rng.normal(size=(3, 3)) * 0.5
v = rng.normal(size=3)
x0 = np.array([1.0, -0.5, 0.25])
times = np.array([0.1, 0.5, 1.0, 2.0])
ys = rng.normal(size=(4, 3))


def weighted(A):
    return np.sum(W * scipy.linalg.expm(A))


def trace(A):
    return np.trace(scipy.linalg.expm(A))


def squares(A):
    E = scipy.linalg.expm(A)
    return np.sum(E * E.T) + np.sum(E[0] ** 2)


def propagate(t):
    return np.sum((scipy.linalg.expm(t * K) @ v) ** 2)


def ode_loss(A):
    """x(t) = expm(t A) x0 against observations at four times."""
    loss = 0.0
    for i in range(4):
        x = scipy.linalg.expm(times[i] * A) @ x0
        loss = loss + np.sum((x - ys[i]) ** 2)
    return loss


def markov(r):
    """A 3-state chain with rates r (3 off-diagonal pairs): P(t=1) = expm(Q), Q's rows sum
    to zero; the probability of ending in state 2 from state 0, and a log-likelihood term."""
    Q = np.array([[0.0, r[0], r[1]], [r[2], 0.0, r[0]], [r[1], r[2], 0.0]])
    Q = Q - np.diag(np.sum(Q, axis=1))
    P = scipy.linalg.expm(Q)
    return P[0, 2] + np.log(P[1, 1])


def stacked(A3):
    """A (2, 3, n, n) stack."""
    return np.sum(W[0, 0] * scipy.linalg.expm(A3) ** 2)


def one_by_one(A):
    return np.sum(scipy.linalg.expm(A)) * 2.0


def of_number(x):
    return np.sum(scipy.linalg.expm(x * 0.5))


def of_vector(a):
    return np.sum(scipy.linalg.expm(a))


def matrix(A):
    return scipy.linalg.expm(A)


MATRIX_FUNCS = [weighted, trace, squares, ode_loss]
