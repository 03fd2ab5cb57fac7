"""Writes whose value NumPy broadcasts into the written region (a number into a row, a row
into a block, a column of length 1 into a slice...). Each function takes the array it
copies and writes into (``h0``) and the written value (``v``, any shape that broadcasts to
the region), so one function serves every value rank. The results read ``h`` nonlinearly
so that every entry's gradient differs."""
import numpy as np


def _loss(h):
    return np.sum(np.sin(h) * h)


# ---- one write of each form: region shape for h0 of shape (3, 4) or (2, 3, 4)

def w_item(h0, v):              # region ()
    h = h0 * 1.0
    h[1, 2] = v * 2.0
    return _loss(h)


def w_row(h0, v):               # region (4,)
    h = h0 * 1.0
    h[1] = v * 2.0
    return _loss(h)


def w_column(h0, v):            # region (3,)
    h = h0 * 1.0
    h[:, 2] = np.tanh(v)
    return _loss(h)


def w_slice(h0, v):             # region (2, 4)
    h = h0 * 1.0
    h[1:3] = v * v
    return _loss(h)


def w_step_slice(h0, v):        # region (2, 2)
    h = h0 * 1.0
    h[::2, 1:4:2] = v - 0.5
    return _loss(h)


def w_fancy(h0, v):             # region (2, 4)
    h = h0 * 1.0
    h[np.array([2, 0])] = v * 3.0
    return _loss(h)


def w_fancy_column(h0, v):      # region (2,)
    h = h0 * 1.0
    h[np.array([0, 2]), 1] = v * 3.0
    return _loss(h)


def w_block3(h0, v):            # h0 (2, 3, 4): region (3, 4)
    h = h0 * 1.0
    h[1] = v * 2.0
    return _loss(h)


def w_mid3(h0, v):              # h0 (2, 3, 4): region (2, 2)
    h = h0 * 1.0
    h[:, 1:3, 2] = v * 2.0
    return _loss(h)


# ---- augmented writes

def w_add_slice(h0, v):         # region (2, 4)
    h = h0 * 1.0
    h[1:3] += v * v
    return _loss(h)


def w_sub_row(h0, v):           # region (4,)
    h = h0 * 1.0
    h[1] -= np.sin(v)
    return _loss(h)


def w_mul_row(h0, v):           # region (4,)
    h = h0 * 1.0
    h[2] *= v
    return _loss(h)


def w_div_fancy(h0, v):         # region (2, 4)
    h = h0 * 1.0
    h[np.array([1, 2])] /= v * v + 1.0
    return _loss(h)


def w_pow_column(h0, v):        # region (3,)
    h = h0 * h0 + 1.0
    h[:, 0] **= v
    return _loss(h)


# ---- in loops and branches

def w_loop_rows(h0, v):         # region (4,) at every trip, the value changes each trip
    h = h0 * 1.0
    for t in range(h.shape[0]):
        h[t] = v * (t + 1.0) + h[t]
    return _loss(h)


def w_loop_accumulate(h0, v):   # region (4,): += in a loop, value read back
    h = h0 * 1.0
    for t in range(1, h.shape[0]):
        h[t] += np.tanh(h[t - 1]) * v
    return _loss(h)


def w_branch(h0, v):            # region (4,) or (2, 4), chosen at run time
    h = h0 * 1.0
    if np.sum(h0) > 0.0:
        h[1] = v * 2.0
    else:
        h[0:2] += v
    return _loss(h)


def w_while(h0, v):             # region (4,) in a while loop
    h = h0 * 1.0
    t = 0
    while t < h.shape[0]:
        h[t] = h[t] * v
        t += 1
    return _loss(h)


# ---- google/tangent's init_array_grad_maybe_active and variants (a number into a row)

def init_array_grad_maybe_active(x):
    h = np.zeros((len(x), 3))
    for t in range(len(h)):
        h[t] = x[t]
    return np.sum(h * h)


def init_array_rows_scaled(x):
    h = np.zeros((len(x), 3))
    for t in range(len(h)):
        h[t] = np.sin(x[t]) * 2.0
    return np.sum(h * np.cos(h))


def init_array_rows_accumulate(x):
    h = np.ones((len(x), 3))
    for t in range(len(h)):
        h[t] += x[t] * x[t]
        h[t] *= x[t]
    return np.sum(h * h)


def init_array_rows_recurrent(x):
    h = np.zeros((len(x) + 1, 3))
    for t in range(len(x)):
        h[t + 1] = np.tanh(h[t] + x[t])
    return np.sum(h[-1])


def init_array_column(x):
    h = np.zeros((3, len(x)))
    for t in range(len(x)):
        h[:, t] = x[t]
    return np.sum(np.exp(h) * h)


def init_array_block(x):
    h = np.zeros((len(x), 2, 3))
    for t in range(len(x)):
        h[t] = x[t] * (t + 1.0)
    return np.sum(h * h)


def init_array_maybe_branch(x):
    h = np.zeros((len(x), 3))
    for t in range(len(h)):
        if x[t] > 0.0:
            h[t] = x[t]
        else:
            h[t] = 2.0 * x[t] * x[t]
    return np.sum(h * h)


def init_array_vector_rows(x, w):
    h = np.zeros((len(x), 3, len(w)))
    for t in range(len(h)):
        h[t] = w * x[t]
    return np.sum(h * h)


def w_all3(h0, v):              # h0 (2, 3, 4): region (2, 3, 4)
    h = h0 * 1.0
    h[0:2] = np.exp(v)
    return _loss(h)
