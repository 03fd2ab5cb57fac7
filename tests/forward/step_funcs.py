"""Functions for the step-stack tests (the compiler reads their source)."""
import math


def recurrence(x, w):
    for i in range(200):
        x = x + 0.01 * math.sin(x) * w
    return x


def two(x, y):
    return x * y, x + math.sin(y)


def poly(x, y):
    return x * x * y + 3.0 * y


def uses_value_and_grad(x, y):
    v, (gx, gy) = VG(x, y)
    return v + gx * gy


def VG(x, y):          # replaced by the test module with fg.value_and_grad(poly, (0, 1))
    return x, (x, y)
