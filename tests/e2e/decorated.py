"""Transforms applied as decorators (the decorated functions must live in a real file)."""
import math

import flatgrad as fg


@fg.grad
def cube_grad(x):
    return x * x * x


@fg.grad(target="python")
def sin_grad(x):
    return math.sin(x) * x


@fg.grad(argnums=1, target="python")
def second_grad(x, y):
    return x * y * y


@fg.value_and_grad(argnums=(0, 1), target="python")
def both(x, y):
    return x / y


def make_scaled(c):
    def scaled(x):
        return c * x * x
    return scaled


scaled_by_3 = make_scaled(3.0)
