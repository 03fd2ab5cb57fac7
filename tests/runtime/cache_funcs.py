"""Functions whose compiled code reads other modules' constants, functions and defaults."""
import numpy as np

from . import cache_cfg as cfg
from . import cache_helpers as helpers


def via_module(x):
    # d/dx = K * h'(x) + p + C
    return cfg.K * helpers.h(x) + helpers.scaled(x) + cfg.sub.C * x


def weighted(x, w):
    return np.sum(x * w)


def mixed(a, x):
    return np.sum(a * np.sin(x))
