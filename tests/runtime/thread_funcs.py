"""Functions for tests/runtime/test_threads.py."""
import numpy as np


def mixed(a, x):
    return np.sum(a * np.sin(x))
