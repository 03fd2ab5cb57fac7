"""Functions calling what flatgrad cannot read the source of. Each call is marked `# <-`."""
import os

exec("def made_by_exec(x):\n    return 2.0 * x\n")


def frozen_call(x):
    n = os.path.getsize(__file__)  # <-
    return x * n


def c_call(x):
    return x * os.getpid()  # <-


def exec_call(x):
    return made_by_exec(x) + 1.0  # <-


def _size_helper(x):
    return x * os.path.getsize(__file__)  # <-


def through_helper(x):
    return _size_helper(x) + x  # <-
