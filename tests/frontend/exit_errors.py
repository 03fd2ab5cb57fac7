"""Functions whose exits flatgrad rejects (test_exits.py): each error at its own line."""
import numpy as np


def bare_return(x):
    if x > 0:
        return
    return x


def returns_a_module(x):
    if x > 0:
        return np
    return x


def after_break(x):
    for i in range(3):
        break
        x = x + 1.0
    return x


def falls_off_the_end(x):
    if x > 0:
        return x


def break_in_tuple_loop(x):
    for w in (x, 2.0 * x):
        if w > 1.0:
            break
        x = x * w
    return x
