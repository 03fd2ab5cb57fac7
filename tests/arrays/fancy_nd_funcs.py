"""Integer-array indices of two or more dimensions, as users write them: bilinear
interpolation by floor and integer grids (autograd's fluidsim), outer indexing with
``idx[:, None]``, a 2-D index among slices, np.take with a matrix of indices, writes.
Also ``...`` in an index (ELLIPSIS). Each is differentiated with respect to its first
argument."""
import numpy as np


def bilinear(f, vx, vy):
    n, m = f.shape
    rows = np.arange(n).reshape((n, 1)) * np.ones((1, m))
    cols = np.ones((n, 1)) * np.arange(m).reshape((1, m))
    x, y = rows - vx, cols - vy
    x0, y0 = np.floor(x), np.floor(y)
    tx, ty = x - x0, y - y0
    i0, j0 = x0.astype(int) % n, y0.astype(int) % m
    i1, j1 = (i0 + 1) % n, (j0 + 1) % m
    out = ((1 - tx) * ((1 - ty) * f[i0, j0] + ty * f[i0, j1])
           + tx * ((1 - ty) * f[i1, j0] + ty * f[i1, j1]))
    return np.sum(out ** 2)


def rows_by_matrix(x, idx, w):
    """x[idx] with a 2-D idx: a (p, q, cols) array; repeated rows accumulate."""
    return np.sum(np.tanh(x[idx]) * w[:, :, None])


def outer(x, rows, cols, w):
    """The submatrix at rows x cols, written x[rows[:, None], cols]."""
    sub = x[rows[:, None], cols]
    return np.sum(sub * w[: rows.shape[0], : cols.shape[0]]) + np.sum(sub ** 3)


def columns_by_matrix(x, idx, w):
    """x[:, idx]: the matrix of indices unfolds in the middle axis."""
    return np.sum(np.sin(x[:, idx]) * w[0])


def int_and_matrix(x, idx, w):
    """An int beside a 2-D index array: both advanced, the result has idx's shape."""
    return np.sum(x[1, idx] * w) + np.sum(x[idx, 2] ** 2)


def take_matrix(x, idx, w):
    return np.sum(np.take(x, idx) * w) + np.sum(np.take(x, idx, axis=1) ** 2)


def write_matrix(x, idx, w):
    """z[i, j] = block of x at distinct positions, and a number through the same indices."""
    z = np.zeros((5, 5))
    z[idx, idx + 1] = x[:2, :2] * w[0, 0]
    out = np.sum(np.cos(z))
    z[idx, idx] = 2.0
    z[idx + 1, idx] += x[2:, :2]
    return out + np.sum(z[:4] * x)


FANCY = [bilinear, rows_by_matrix, outer, columns_by_matrix, int_and_matrix, take_matrix,
         write_matrix]


def ellipsis_new_axes(x):
    return np.sum(x[..., None] * x[:, None, ...] * x[None, ..., None][0])


def ellipsis_slices(x):
    return np.sum(np.sin(x[..., 1:3]) * x[0, ...][..., :2]) + x[1, ..., 2] + np.sum(x[...] ** 2)


def ellipsis_gather(x, idx):
    return np.sum(x[..., idx] ** 2 * x[..., ::-1][..., idx])


def ellipsis_writes(x):
    z = np.zeros((3, 4))
    z[..., 0] = x[:, 1] * 2.0
    z[1, ...] += x[0]
    return np.sum(np.exp(z) * x)


ELLIPSIS = [ellipsis_new_axes, ellipsis_slices, ellipsis_gather, ellipsis_writes]
FUNCS = FANCY + ELLIPSIS


def inputs():
    """Arguments of each function (the first differentiated)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 5))
    w = rng.normal(size=(3, 2))
    idx = np.array([[0, 3], [3, 1], [2, 0]])          # a repeated row (3) and column (0)
    return {
        "bilinear": (rng.normal(size=(5, 6)), 0.7 * rng.normal(size=(5, 6)),
                     0.7 * rng.normal(size=(5, 6))),
        "rows_by_matrix": (x, idx, w),
        "outer": (x, np.array([3, 0, 3]), np.array([4, 1]), w),
        "columns_by_matrix": (x, np.array([[4, 0], [1, 4], [2, 2]]), w),
        "int_and_matrix": (x, idx, w),
        "take_matrix": (x, idx, w),
        "write_matrix": (x, np.array([[0, 1], [2, 3]]), w),
        "ellipsis_new_axes": (x[:3, :4],),
        "ellipsis_slices": (x[:3, :4],),
        "ellipsis_gather": (x[:3, :4], np.array([3, 0, 0])),
        "ellipsis_writes": (x[:3, :4],),
    }
