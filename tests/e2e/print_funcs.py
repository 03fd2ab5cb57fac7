"""Functions that print while they compute (issue 20 §5): straight code, loops, branches,
helpers, while loops, values nothing else uses."""
import math

import numpy as np


def straight(x, w):
    y = np.tanh(x * w)
    print("y =", y, "w =", w)
    return np.sum(y * y)


def in_loop(x, w):
    s = 0.0
    for i in range(4):
        s = math.sin(s * w + x)
        print("trip", i, s)
    return s * s


def in_branch(x, w):
    y = x * w
    if y > 0.5:
        print("big", y)
        z = y * y
    else:
        print("small", y, "of", x)
        z = math.exp(y)
    return z * w


def in_array_loop(x, w):
    h = np.zeros((3, x.shape[0]))
    for t in range(3):
        h[t] = np.sin(x * w + t)
        if np.sum(h[t]) > 0.0:
            print("row", t, h[t])
        else:
            print("row", t, "negative", np.sum(h[t]))
    return np.sum(h * h)


def _helper(a):
    print("helper", a)
    return a * a


def via_helper(x, w):
    return _helper(x) + _helper(x * w)


def unused_value(x, w):
    print("cos", math.cos(x), "int", 3, "flag", x > w)     # computed only to be printed
    return x * w


def in_while(x, w):
    k = 0
    s = x
    while s < 4.0 and k < 10:
        s = s * (1.0 + w)
        k += 1
        print(k, s)
    return s


def empty_line(x, w):
    print()
    return x * w


# ---- rejected

def print_sep(x):
    print(x, x, sep=", ")
    return x


def print_to_file(x):
    print(x, file=None)
    return x


def print_tuple(x):
    print((x, x))
    return x


def print_shape(x):
    print(x.shape)
    return np.sum(x)


def print_fstring(x):
    n, of = 3, (1, 2)
    print(f"x={x} ({of[0]} of {of[1]}) n={n};")
    return x


def saves(x):
    np.save("x.npy", x)
    return np.sum(x)


def print_shadowed(x):
    print = math.sin
    return print(x)
