"""Tiny functions the compiler tests lower. Line numbers appear in golden IR: append only."""
import math

from flatgrad import sigmoid

SCALE = 3.0


def straight(x, y):
    a = x * y
    b = a + x
    return b


def versions(x):
    y = x + 1.0
    y = y * x
    y = y - 2.0
    return y


def aug(x, y):
    s = x
    s += y
    s *= y
    s -= 1.0
    s /= x
    return s


def unpack(x, y):
    a, b = y, x
    return a - b


def square(u):
    return u * u


def calls(x):
    return square(x) + 1.0


def module_const(x):
    return SCALE * x + math.pi


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def branch(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y


def loop(x, n):
    s = 0
    for i in range(n):
        s += x * x
    return s


def whileloop(x):
    while x < 10.0:
        x = x * 2.0
    return x


def shared(x, y):
    a = math.sin(x) * y
    b = math.sin(x) * y
    return a + b


def mixed(x, y):
    z = x
    for i in range(3):
        if z > y:
            z = z - y
        else:
            z = z * x
    return math.exp(z) + y
