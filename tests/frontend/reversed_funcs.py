"""Loops that walk backwards or pair sequences, as users write them: ``reversed(range(...))``
with each kind of bounds, ``reversed`` over arrays, rows and tuples, ``enumerate(zip(...))``,
and the same inside comprehensions and ``sum``."""
import numpy as np


def rnn_style_backwards(x):
    acc = 0.0
    for t in reversed(range(x.shape[0])):
        acc = np.sin(acc) + x[t] * (t + 1)
    return acc


def two_bounds(x):
    acc = 0.0
    for t in reversed(range(1, x.shape[0] - 1)):
        acc = acc * 0.7 + x[t + 1] * x[t - 1]
    return acc


def step_two(x):
    acc = 0.0
    for t in reversed(range(0, x.shape[0], 2)):      # the last value depends on the parity
        acc = acc * 0.9 + x[t] ** 2 * (t + 1)
    return acc


def negative_step(x):
    acc = 0.0
    for t in reversed(range(x.shape[0] - 1, -1, -2)):
        acc = acc * 0.9 + x[t] * (t + 0.5)
    return acc


def empty_reversed_range(x):
    acc = x[0]
    for t in reversed(range(5, 2)):
        acc = acc + x[t]
    return acc


def backwards_with_break(x):
    s = 0.0
    for t in reversed(range(1, x.shape[0], 3)):
        s = s * 1.5 + np.cos(x[t])
        if s > 1.2:
            break
    return s


def sum_over_reversed_range(x):
    return sum(x[i] * i for i in reversed(range(x.shape[0])))


def comprehension_over_reversed_constant_range(x):
    return sum([x[i] ** 2 * (i + 1) for i in reversed(range(4))])


def horner_over_reversed_array(x):
    acc = 0.0
    for v in reversed(x):
        acc = acc * 0.5 + v
    return acc


def enumerate_of_zip(x):
    t = 0.0
    for i, (a, b) in enumerate(zip(x[:-1], x[1:])):
        t = t + (i + 1) * a * b
    return t


def zip_with_reversed(x):
    t = 0.0
    for a, b in zip(reversed(x), x[1:]):             # unequal lengths: the shorter one ends it
        t = t + a * np.sin(b)
    return t


def enumerate_of_reversed(x):
    t = 0.0
    for i, a in enumerate(reversed(x[2:])):
        t = t * 0.8 + i * a ** 2
    return t


def reversed_rows(x):
    M = x[:6].reshape(3, 2)
    h = np.zeros(2)
    for row in reversed(M):
        h = np.tanh(h + row)
    return np.sum(h * h)


def reversed_tuple(x):
    ws = (x[0], x[1], x[2])
    t = 1.0
    for w in reversed(ws):
        t = t * w + 1.0
    for i, (a, b) in enumerate(zip(ws, reversed(ws))):
        t = t + i * a * b
    return t


def list_grown_backwards(x):
    out = []
    for i in reversed(range(3)):
        out.append(x[i] * (i + 1))
    return out[0] * out[1] + out[2]


def generators_over_reversed(x):
    return sum(a * b for a, b in zip(reversed(x), x)) + sum(v ** 2 for v in reversed(x))


FUNCS = [rnn_style_backwards, two_bounds, step_two, negative_step, empty_reversed_range,
         backwards_with_break, sum_over_reversed_range, comprehension_over_reversed_constant_range,
         horner_over_reversed_array, enumerate_of_zip, zip_with_reversed, enumerate_of_reversed,
         reversed_rows, reversed_tuple, list_grown_backwards, generators_over_reversed]

# an odd and an even length (step_two's last value), and a short one
INPUTS = [np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.9, 0.33]),
          np.array([0.5, 0.25, -0.6, 0.8, 0.15, -0.35, 0.7, 0.05]),
          np.array([0.2, -0.4, 0.9, 0.6, -0.1, 0.3])]


def variable_step(x, k):
    acc = 0.0
    for t in reversed(range(0, x.shape[0], k)):
        acc = acc + x[t]
    return acc
