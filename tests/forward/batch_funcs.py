"""Array functions whose Jacobians exercise each batching rule (compiler/batching.py)."""
import numpy as np


def mat_left(A, B):                 # matmul, batched on either side, 2-D @ 2-D
    return np.tanh(A @ B)


def mat_vec(A, x):                  # 2-D @ 1-D and 1-D @ 2-D
    return x @ A + A @ x


def vec_dot(x, y):                  # 1-D @ 1-D (a scalar per seed), outer
    return np.outer(x, y) * (x @ y)


def reductions(A):                  # sum over an axis, keepdims, broadcasting back
    s = np.sum(A, axis=0, keepdims=True)
    return A / s + np.sum(A * A, axis=1)[:, None] + np.sum(A)


def reshapes(A):                    # transpose, reshape, expand_dims, slices
    B = A.T.reshape(-1)
    return B[::2] * 2.0 + np.expand_dims(B, 0)[0, 1:4].sum()


def writes(x):                      # setitem / index_add on fresh arrays, getitem
    y = np.zeros(x.shape[0] + 2)
    y[1:-1] = x * x
    y[0] = x[2]
    return y[:-1] * 3.0


def elementwise(x, a):              # scalar argument, broadcasting, select, max
    return np.maximum(x, 0.5) * a + np.where(x > 0, x, -x) + a * a


def looped(x):                      # a loop in the function: the seed loop is kept
    s = x * 1.0
    for i in range(3):
        s = np.sin(s) + x
    return s


def three_d(T):                     # a 3-D argument
    return np.sum(T * T, axis=2) @ T[0]


def _const_rows(a):
    return np.array([-0.56, -0.09, 0.7, 0.17, -0.16, -0.64]).reshape(2, 3)[1:]


def shaped_by_product(x, y):        # the shape of the seed block read from ``y[None] * x[1]``
    return _const_rows(y[None, :] * x[1]) + y[None, :] * x[1]
