"""Helpers reached through a module attribute (``cache_helpers.h(x)``) by cache_funcs.py."""


def h(x):
    return x * x


def h_cubed(x):
    return x * x * x


def scaled(x, p=3.0):
    return p * x
