"""Array programs differentiated by the tests in this package (plain Python/NumPy).

Every function returns a scalar. Where a result would otherwise be summed with
uniform weight, a weight array ``w`` (not differentiated) is multiplied in so the
adjoint flowing back is not all ones.
"""
import numpy as np

from flatgrad import relu


# ------------------------------------------------------------------ elementwise binary

def b_add(a, b, w):
    return np.sum(w * (a + b))


def b_sub(a, b, w):
    return np.sum(w * (a - b))


def b_mul(a, b, w):
    return np.sum(w * (a * b))


def b_div(a, b, w):
    return np.sum(w * (a / b))


def b_pow(a, b, w):
    return np.sum(w * a ** b)


def b_np_power(a, b, w):
    return np.sum(w * np.power(a, b))


def b_arctan2(a, b, w):
    return np.sum(w * np.arctan2(a, b))


def b_hypot(a, b, w):
    return np.sum(w * np.hypot(a, b))


def b_maximum(a, b, w):
    return np.sum(w * np.maximum(a, b))


def b_minimum(a, b, w):
    return np.sum(w * np.minimum(a, b))


def b_np_add(a, b, w):
    return np.sum(w * np.add(a, b))


def b_np_multiply(a, b, w):
    return np.sum(w * np.multiply(a, b))


def b_np_divide(a, b, w):
    return np.sum(w * np.divide(a, b))


def b_np_subtract(a, b, w):
    return np.sum(w * np.subtract(a, b))


def b_mod(a, b, w):
    return np.sum(w * (a % b))


# ------------------------------------------------------------------ scalar with array

def s_pow_const(x, w):
    return np.sum(w * x ** 3)


def s_scalar_times(x, c):
    return np.sum(c * x * x - x / c + 2.0)


def s_rsub_rdiv(x, c):
    return np.sum(1.0 - x) + np.sum(c / x)


def s_neg(x, w):
    return np.sum(w * -x)


# ------------------------------------------------------------------ matrix products

def mm_op(a, b, w):
    return np.sum(w * (a @ b))


def mm_dot(a, b, w):
    return np.sum(w * np.dot(a, b))


def mm_matmul(a, b, w):
    return np.sum(w * np.matmul(a, b))


def mm_method_dot(a, b, w):
    return np.sum(w * a.dot(b))


def vv_op(a, b):
    return a @ b


def vv_dot(a, b):
    return np.dot(a, b)


def outer(a, b, w):
    return np.sum(w * np.outer(a, b))


def inner(a, b):
    return np.inner(a, b) * 2.0


def norm_wx(W, x):
    return np.sum((W @ x) ** 2)


# ------------------------------------------------------------------ where / clip / abs

def where_gt(x, w):
    return np.sum(w * np.where(x > 0, x * x, -x))


def where_two_args(a, b, w):
    return np.sum(w * np.where(a > b, a, b * 2.0))


def clip(x, w):
    return np.sum(w * np.clip(x, -0.5, 0.5))


def abs_builtin(x, w):
    return np.sum(w * abs(x))


# ------------------------------------------------------------------ shapes

def transpose_attr(x, w):
    return np.sum(w * x.T)


def transpose_fn(x, w):
    return np.sum(w * np.transpose(x))


def transpose_axes(x3, w):
    return np.sum(w * np.transpose(x3, (2, 0, 1)))


def transpose_method_axes(x3, w):
    return np.sum(w * x3.transpose(1, 2, 0))


def reshape_method(x, w):
    return np.sum(w * x.reshape(2, 6))


def reshape_tuple(x, w):
    return np.sum(w * x.reshape((6, 2)))


def reshape_fn_neg1(x, w):
    return np.sum(w * np.reshape(x, (-1, 3)))


def ravel_fn(x, w):
    return np.sum(w * np.ravel(x))


def ravel_method(x, w):
    return np.sum(w * x.ravel())


def col_vector(v, w):
    return np.sum(w * (v[:, None] * v[None, :]))


def expand_dims(v, w):
    return np.sum(w * np.expand_dims(v, 0) * np.expand_dims(v, 1))


def copy_astype(x, w):
    y = x.copy()
    z = np.copy(x)
    return np.sum(w * y * z.astype(np.float64))


def shape_reads(x):
    m = x.shape[0]
    n = x.shape[1]
    return np.sum(x) / (m * n) + len(x) * np.sum(x * x) + x.size * x[0, 0]


def shape_tuple_unpack(x):
    m, n = x.shape
    return np.sum(x * x) * m - n * np.sum(x)


# ------------------------------------------------------------------ constructors

def ctor_zeros_ones(x):
    n = x.shape[0]
    z = np.zeros(n) + x
    o = np.ones((n,)) * x
    return np.sum(z * o)


def ctor_zeros_2d(x):
    n = x.shape[0]
    z = np.zeros((n, n)) + x
    return np.sum(z * z.T)


def ctor_like(x):
    z = np.zeros_like(x) + 2.0
    o = np.ones_like(x)
    return np.sum((x + z) * (x - o))


def ctor_full_eye(x):
    n = x.shape[0]
    return np.sum(np.full((n, n), 0.5) * np.outer(x, x)) + np.sum(np.eye(n) @ x)


def ctor_arange(x):
    n = x.shape[0]
    return np.sum(np.arange(n) * x * x)


def ctor_empty_fill(x):
    n = x.shape[0]
    y = np.empty(n)
    for i in range(n):
        y[i] = x[i] * (i + 1)
    return np.sum(y * y)


# ------------------------------------------------------------------ indexing

def index_int(x):
    return x[1] * x[2] + x[-1] ** 2


def index_ij(m):
    return m[0, 1] * m[2, 0] + m[-1, -1] * 3.0


def index_row_col(m, w):
    return np.sum(w * m[1]) + np.sum(w[:3] * m[:, 2]) + np.sum(m[1, :] * m[:, 0].sum())


def slice_steps(x, w):
    return np.sum(w[:4] * x[1:9:2]) + np.sum(x[::-1] * w) + np.sum(x[-3:] ** 2) + np.sum(x[:-7])


def slice_negative_step(x, w):
    return np.sum(w[:3] * x[8:2:-2])


def slice_2d(m, w):
    return np.sum(w * m[1:3, ::2]) + np.sum(m[:, -1:] ** 2)


def gather(scores, y, w):
    N = scores.shape[0]
    picked = scores[np.arange(N), y]
    return np.sum(w * picked * picked)


def gather_1d(x, idx, w):
    return np.sum(w * x[idx] ** 2)


# ------------------------------------------------------------------ assignment into local arrays

def item_assign(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] * x[n - 1 - i]
    return np.sum(y * y)


def item_overwrite(x):
    y = np.zeros(3)
    y[0] = x[0] * 2.0
    y[0] = y[0] * x[1]
    y[1] = x[2]
    return np.sum(y * x[:3])


def slice_assign(x, w):
    n = x.shape[0]
    y = np.zeros((2, n))
    y[0] = x * x
    y[1, :] = np.sin(x)
    y[:, 0] = 0.0
    return np.sum(w * y)


def svm_loss(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + 1.0)
    margins[np.arange(N), y] = 0
    return np.sum(margins) / N + reg * np.sum(W * W)


def softmax_ce(W1, b1, W2, b2, X, y, reg):
    N = X.shape[0]
    h1 = relu(X @ W1 + b1)
    scores = h1 @ W2 + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    data = -np.sum(logp[np.arange(N), y]) / N
    return data + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def matrix_lecture(X, W1, W2):
    z1 = X @ W1
    h1 = relu(z1)
    yhat = h1 @ W2
    L = np.sum(yhat ** 2)
    return L


# ------------------------------------------------------------------ loops over arrays

def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h * h)


def conv1d(x, k):
    n = x.shape[0]
    m = k.shape[0]
    out = np.zeros(n - m + 1)
    for i in range(n - m + 1):
        s = 0.0
        for j in range(m):
            s += x[i + j] * k[j]
        out[i] = s
    return np.sum(out * out)


def while_rescale(x):
    s = np.sum(x * x)
    y = x
    while s > 1.0:
        y = y * 0.5
        s = np.sum(y * y)
    return s + np.sum(y)


def branch_on_array(x, w):
    if np.sum(x) > 0:
        r = np.sum(w * x * x)
    else:
        r = np.sum(w * np.exp(x))
    return r


# ------------------------------------------------------------------ errors

def shape_mismatch(a, b):
    return np.sum(a @ b)


def add_mismatch(a, b):
    return np.sum(a + b)


# ------------------------------------------------------------------ aliasing of local arrays

def local_view_write(x):
    z = np.zeros(4)
    v = z[1:]
    v[0] = x[0]
    return np.sum(z * x)


def copy_then_write(x):
    y = x.copy()
    y[0] = 0.0
    y[2] = y[2] * x[1]
    return np.sum(y * y)


def alias_local(x):
    y = np.zeros(3)
    y[0] = x[0]
    a = y
    a[1] = x[1] * 2.0
    return np.sum(y * x[:3])


def augmented_item(x):
    y = np.zeros(2)
    y[0] = np.sum(x)
    y[0] *= x[1]
    y[1] += x[0] ** 2
    return np.sum(y * y)


def augmented_whole(x):
    y = np.zeros(4)
    y += x
    y *= x
    return np.sum(y)


def read_after_write(x):
    y = np.zeros(3)
    y[0] = x[0]
    t = y[0] * 3.0
    y[0] = t * x[1]
    return y[0] + t
