import math
import numpy as np

def logreg(w, X, y):
    z = X @ w
    return np.mean(np.log1p(np.exp(-y * z)))

def dot_loop(x, w):
    total = 0.0
    for i in range(len(x)):
        total += x[i] * w[i]
    return total ** 2

def norm(x):
    return np.linalg.norm(x)

def converge(a):
    x = 1.0
    it = 0
    while abs(x * x - a) > 1e-10 and it < 100:
        x = x - (x * x - a) / (2 * x)
        it += 1
    return x

def huber(r, delta):
    if abs(r) <= delta:
        return 0.5 * r * r
    return delta * (abs(r) - 0.5 * delta)

def piecewise_arr(x):
    return np.sum(np.where(x > 0, x ** 2, -x))

def poly(c, x):
    acc = 0.0
    for k in range(len(c) - 1, -1, -1):
        acc = acc * x + c[k]
    return acc

def methods(x):
    return x.sum() + x.mean() * x.max() - x.min() + (x ** 2).sum()

def matrix_ops(A, B):
    C = A @ B.T
    return np.trace(C) if False else np.sum(np.diag(C)) if False else np.sum(C * C)

def vec_update(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, x.shape[0]):
        y[i] = 0.5 * y[i - 1] + x[i]
    return np.sum(y ** 2)

def kwargs_call(x, scale=2.0):
    return helper(x, power=3) * scale

def helper(v, power=2):
    return v ** power

def tuple_ret(x, y):
    def_v = x * y
    return def_v

def nested_fn(x):
    return helper(helper(x)) + math.exp(-x)

def reductions_keep(X):
    mu = X.mean(axis=0, keepdims=True)
    sd = np.sqrt(((X - mu) ** 2).mean(axis=0, keepdims=True) + 1e-8)
    return np.sum(((X - mu) / sd) ** 3)

from flatgrad import logsumexp
def lse(x):
    return logsumexp(x)
def lse_axis(X):
    return np.sum(logsumexp(X, axis=1))
def stats(X):
    return np.sum(np.var(X, axis=0)) + np.std(X)
def norm_axis(X):
    return np.sum(np.linalg.norm(X, axis=1))


def packed(x, y):
    v = np.array([x * y, np.sin(x), y ** 2])
    return np.sum(v * v) + np.float64(x)


def packed_grad_style(w):
    g = np.array([w[0] * 2.0, w[1] * w[0]])
    return np.linalg.norm(g)

def early_exit_arr(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < -1.0:
            return s
        s = s + x[i] ** 2
    return s

def while_arr(x):
    i = 0
    total = 0.0
    while i < x.shape[0] and total < 5.0:
        total += np.exp(x[i])
        i += 1
    return total

def branch_arrays(x, flag):
    if flag > 0:
        y = x * 2.0
    else:
        y = np.sin(x)
    return np.sum(y)

def matrix_loop(W, x):
    h = x
    for _ in range(3):
        h = np.maximum(W @ h, 0.0)
    return h @ h

def cumsum_loop(x):
    out = np.zeros_like(x)
    acc = 0.0
    for i in range(x.shape[0]):
        acc = acc + x[i]
        out[i] = acc
    return np.sum(out * out)

def two_d_index(A):
    s = 0.0
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            if i != j:
                s += A[i, j] * A[j % n, i % m]
    return s

def slice_ops(x):
    d = x[1:] - x[:-1]
    return np.sum(d ** 2) + x[-1] * x[0]

def reverse_step(x):
    s = 0.0
    for i in range(x.shape[0] - 1, -1, -2):
        s = s * 0.5 + x[i]
    return s

def nested_tuple(x, y):
    a, (b, c) = x + y, (x * y, x - y)
    return a * b * c

def continue_arr(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            continue
        s += x[i] * x[i]
    return s

def ifexp_arr(x):
    return np.sum(x ** 2 if x.shape[0] > 2 else x)

def argmax_like(x):
    best = x[0]
    for i in range(1, x.shape[0]):
        if x[i] > best:
            best = x[i]
    return best * 2.0

def outer_loop_matrix(A, v):
    M = np.zeros((A.shape[0], A.shape[0]))
    for i in range(A.shape[0]):
        M[i, :] = A[i, :] * v[i]
    return np.sum(M @ A)


def shape_clash(W, x):
    h = W @ x
    z = h * x
    return np.sum(z)

def simulate(k, x0, v0):
    x = x0
    v = v0
    for t in range(100):
        a = -k * x - 0.1 * v
        v = v + 0.01 * a
        x = x + 0.01 * v
    return np.sum(x ** 2)

def gauss_nll(mu, log_sigma, X):
    sigma = np.exp(log_sigma)
    z = (X - mu) / sigma
    return np.sum(0.5 * z ** 2 + log_sigma + 0.5 * math.log(2 * math.pi))

def kmeans_loss(C, X):
    total = 0.0
    for i in range(X.shape[0]):
        best = 1e30
        for j in range(C.shape[0]):
            d = np.sum((X[i] - C[j]) ** 2)
            best = min(best, d)
        total += best
    return total

def attention(Q, K, V):
    s = Q @ K.T / math.sqrt(Q.shape[1])
    s = s - np.max(s, axis=1, keepdims=True)
    p = np.exp(s)
    p = p / np.sum(p, axis=1, keepdims=True)
    return np.sum((p @ V) ** 2)

def layer_norm(x, g, b):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return np.sum((g * (x - mu) / np.sqrt(var + 1e-5) + b) ** 2)

def euler_scalar(theta, omega, steps):
    for _ in range(steps):
        omega = omega - 0.01 * math.sin(theta)
        theta = theta + 0.01 * omega
    return theta
