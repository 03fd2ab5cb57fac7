"""Programs that once returned wrong gradients without an error (issue 9, classes 1-5)."""
import math

import numpy as np


# -- 1. a scalar broadcast into an array under a reduction
def sum_plus_scalar(x, s):
    return np.sum(x + s)


def mean_sq_plus_scalar(x, s):
    return np.mean(x ** 2 + s)


def sum_scaled_plus_scalar(x, s):
    return np.sum(x * s + s)


def gauss_nll(x, mu, log_sigma):
    z = (x - mu) / np.exp(log_sigma)
    return np.sum(0.5 * z ** 2 + log_sigma)


def laplace_nll(x, mu, log_b):
    return np.sum(np.abs(x - mu) / np.exp(log_b) + log_b + np.log(2.0))


def row_plus_matrix(a):
    return np.sum(np.ones((2, 3)) + a)


def col_plus_matrix(a, M):
    return np.sum((M + a) ** 2)


def scalar_minus_array(s, x):
    return np.sum(s - x) + np.mean(s / (1.0 + x * x))


# -- 2. item updates of local arrays
def branch_item_update(x):
    Z = np.array([1.5, 0.5])
    if x > 0:
        Z[0] = Z[0] * x
    return np.sum(Z * Z)


def dot_then_update(x):
    Z = np.array([1.0, 2.0]) * x
    q = Z @ Z
    Z[0] = 3.0
    return q + np.sum(Z)


def prod_then_update(x):
    Z = np.array([1.0, 2.0, 3.0]) * x
    p = np.prod(Z)
    Z[1] = x
    return p + np.sum(Z * Z)


def _norm2(v):
    return np.sum(v * v)


def helper_then_update(x):
    Z = np.array([1.0, 2.0]) * x
    n = _norm2(Z)
    Z[0] = 0.0
    return n + np.sum(Z)


def loop_fill(x):
    Z = np.zeros(3)
    for j in range(3):
        Z[j] = x
    return np.sum(Z)


def loop_fill_scaled(x):
    Z = np.zeros(4)
    for j in range(4):
        Z[j] = x * j
    return np.sum(Z * Z)


def loop_sum_sin(A, x):
    y = 0.0
    for i in range(1, 3):
        y = y + np.sum(np.sin(A) * x)
    return y


# -- 4. several returns of tuples (value_and_grad of jacobian-style functions)
def early_scalar_return(x):
    if x > 0:
        return x * x
    return 2.0 * x


# -- 5. NumPy semantics
def var_ddof(x):
    return np.var(x, ddof=1)


def std_ddof(x):
    return np.std(x, ddof=1) + np.var(x, ddof=0)


def inner_2d(A, B):
    return np.sum(np.inner(A, B) ** 2)


def inner_1d(a, b):
    return np.inner(a, b)


def transpose_none(A, B):
    return np.sum(np.transpose(A, None) @ B) + np.sum(np.transpose(A, axes=None) * B.T)


def power_zero_base(y):
    return np.power(0.0, y) + y


def ravel_float(x):
    return np.sum(np.ravel(x) * 2.0) + np.sum(np.transpose(x))


# -- 3. in-place operators through aliases and views (rejected), on arguments (rejected)
def alias_iadd(a, x):
    b = a * 1.0
    c = b
    c += x
    return np.sum(b)


def view_imul(M, x):
    L = M * 1.0
    r = L[0]
    r *= x
    return np.sum(L)


def arg_iadd(a, x):
    a += x
    return np.sum(a)


def arg_imul(a, x):
    a *= x
    return np.sum(a)


def local_iadd(a, x):
    b = a * 2.0
    b += x
    b *= x
    return np.sum(b * b)


def fancy_write(x, idx):
    out = np.zeros(4)
    out[idx] = x
    return np.sum(out * np.arange(4.0))


def fancy_iadd(x, idx):
    out = np.ones(4)
    out[idx] += x
    return np.sum(out * out)


# -- 2 (more). writes after reads in regions, loops over exposed arrays
def read_in_arm_write_after(x, c):
    Z = np.array([1.0, 2.0]) * x
    y = 0.0
    if c > 0:
        y = Z[1] * x
    Z[1] = 5.0
    return y + np.sum(Z)


def exposed_then_loop_write(x, w):
    Z = np.array([1.0, 2.0, 3.0]) * x
    q = Z @ w
    for j in range(3):
        Z[j] = Z[j] * x
    return q + np.sum(Z * Z)


def write_in_loop_in_arm(x, c):
    Z = np.array([1.0, 2.0, 3.0]) * x
    if c > 0:
        for j in range(3):
            Z[j] = Z[j] * Z[j]
    return np.sum(Z * x)


def branch_write_loop(x):
    Z = np.zeros(4)
    for j in range(4):
        if j % 2 == 0:
            Z[j] = x * j
        else:
            Z[j] = Z[j - 1] * x
    return np.sum(Z * Z)


def outer_read_in_loop(x):
    A = np.array([1.0, 2.0]) * x
    s = 0.0
    for j in range(2):
        s = s + A[j] * x
    A[0] = 7.0
    return s + np.sum(A)


# -- 4. several returns of tuples
def tuple_or_scalar(x):
    if x > 0:
        return x, 2 * x
    return x * x


def two_tuple_returns(x, y):
    if x > 0:
        return x * y, x + y
    return y, x * x


def _early_pair(x):
    if x > 1.0:
        return x, 1.0
    return 2.0 * x, x * x


def helper_early_tuple(x):
    a, b = _early_pair(x)
    return a * b + a


def tuple_in_loop(x):
    for i in range(5):
        if x * i > 1.0:
            return x * i, x
    return x, 2.0 * x


def swap_in_branch(x, y):
    a, b = x, y
    if x > y:
        a, b = b, a
    return a * 2.0 + b


# -- 6, 11. bounds, IEEE semantics, float32
def out_of_range(A):
    return A[5] * 2.0 + A[0]


def gather_out_of_range(A, idx):
    return np.sum(A[idx] ** 2)


def f32_mixed(W, x, s):
    return np.sum(np.tanh(W @ x) * 2.0 + s) + s * 0.5


def f32_with_f64(a, b):
    return np.sum(a * b * 3.0)


def scalar_ieee(x):
    return 1.0 / x + math.log(x) + math.sqrt(x)


def scalar_domain(x):
    return math.asin(x) + math.sqrt(x - 1.0)


def matrix_only(X, n):
    return np.sum(X[0] * n)


def unreachable_print(x):
    for i in range(3):
        x = x * 2.0
        continue
        print(x)
    return x


def mixed_matmul(W, x):
    return np.sum(np.tanh(W @ x)) + np.sum(np.outer(x, W[0]))


def reshape_transposed(x):
    return np.sum(x.T.ravel() * np.arange(6.0)) + np.sum(x.T.reshape(3, 2)[0] ** 2)


def alias_made_in_a_loop(z, x):
    Z = np.ones(3) * x
    for i in range(4):
        z = Z
    Z -= 0.5
    return np.sum(z)


def compared_comparisons(a, x):
    """Comparisons of comparisons on the lazy right side of ``and`` (spelled inline):
    Python chains ``p > 0 == q`` into ``p > 0 and 0 == q``, so each must keep its
    parentheses."""
    if a > -10 and (np.sin(a) > 0) == (a < 5):
        a = a * a
    if a > -10 and np.sum((x > 0) == (x < a)) > 1 and not np.any(x > 100):
        return a * np.sum(x)
    return a


def invert_and_round(x):
    """~ of a mask (and of a boolean number), round() of constants."""
    mask = x > 0
    flag = ~(x[0] > 5)
    return np.sum(~mask * x ** 2) + round(2.6) * x[1] + round(0.123, 2) * np.sum(x) * flag


def array_methods(x):
    """The array methods that mean a NumPy function (x.var() is np.var(x), ...)."""
    A = x.reshape(2, 3)
    return (A.var(axis=0).sum() + A.std() + np.sum(A.clip(-0.5, 0.5) ** 2) + A[:, :2].trace()
            + np.sum(A[:, :2].diagonal() ** 2) + x[x.argmax()] - x[x.argmin()] * 2
            + A.var(ddof=1) + np.sum(A.argmax(axis=1) * A[:, 0]))


ROWS_02 = [0, 2]         # a module-level list: an index array too


def list_indices(x):
    """A list in an index is an integer array, as NumPy reads it, never a tuple of indices:
    M[[0, 1]] is rows 0 and 1 (it was read as M[0, 1], one element: a wrong value)."""
    M = np.outer(x, x) + np.arange(9.0).reshape(3, 3)
    idx = [2, 0, 0]
    return (np.sum(M[[0, 1]] ** 2) + np.sum(M[ROWS_02] * 3.0) + np.sum(M[[0, 2], :] * M[:, [1]].T)
            + np.sum(x[idx] * np.arange(3)) + M[(0, 2)] + np.sum(x[[True, False, True]] ** 2)
            + np.sum(x[np.array([False, True, True])] ** 3))    # a mask (it was typed int64
    # on the cpu target, so read as the indices [0, 1, 1]: a wrong gradient)
