"""Recursive helpers whose depth is decided while compiling (test_recursion.py)."""
import numpy as np


def power(n, x):
    if n == 0:
        return 1.0
    return x * power(n - 1, x)


def tree_sum(xs):                   # a tuple split in halves: a balanced tree of tanh
    if len(xs) == 1:
        return xs[0]
    h = len(xs) // 2
    return np.tanh(tree_sum(xs[:h]) + 0.5 * tree_sum(xs[h:]))


def by_power(w):
    return np.sum(power(3, w))


def by_tree(w):
    return tree_sum((w[0], w[1], w[2], w[0] * w[1], np.sin(w[2])))


def by_local_horner(w):
    def horner(cs, x):
        if not cs:
            return 0.0
        return cs[0] + x * horner(cs[1:], x)
    return np.sum(horner((1.0, 2.0, -1.0, 0.5), w))


def halve(x):
    if x < 1.0:                     # stops on a run-time value: never ends while compiling
        return x
    return halve(x / 2.0)


def by_run_time_stop(w):
    return halve(w[0])


FUNCS = [by_power, by_tree, by_local_horner]
