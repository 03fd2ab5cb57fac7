"""A number that a loop's first trip makes an array (``out = 0.0``, then ``out = out + a``
in a loop that provably runs), as users write accumulations."""
import numpy as np


def conv_sum(x):
    """autograd's convnet example: a 'valid' convolution as a sum of shifted patches."""
    img = x[:12].reshape(3, 4)
    w = x[12:16].reshape(2, 2)
    out = 0.0
    for i in range(2):
        for j in range(2):
            out = out + img[i:i + 2, j:j + 3] * w[i, j]
    return np.sum(np.tanh(out) ** 2)


def int_start(x):
    acc = 0
    for k in range(3):
        acc = acc + np.sin(x[:4] * (k + 1))
    return np.sum(acc * acc)


def backwards_rows(x):
    M = x[:12].reshape(4, 3)
    h = 0.0
    for t in reversed(range(4)):
        h = np.tanh(0.5 * h + M[t])
    return np.sum(h)


def _accumulate(v, n):
    s = 0.0
    for k in range(n):
        s = s + v[k:k + 3] * (k + 1.0)
    return s


def in_a_helper_twice(x):
    return np.sum(_accumulate(x, 2) * _accumulate(x[::-1], 3))


def also_read_after(x):
    last = 0.0
    total = 0.0
    for k in range(1, 4):
        last = x[k:k + 2] ** 2
        total = total + last * k
    return np.sum(total) + np.sum(last)


FUNCS = [conv_sum, int_start, backwards_rows, in_a_helper_twice, also_read_after]

INPUTS = [np.linspace(-1.0, 1.2, 16), np.cos(np.arange(16.0)) * 0.8]


def runs_maybe_never(x, n):
    out = 0.0
    for k in range(n):
        out = out + x * k
    return np.sum(out)


def while_loop(x):
    out = 0.0
    k = 0
    while k < 3:
        out = out + x * k
        k += 1
    return np.sum(out)
