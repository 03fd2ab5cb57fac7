"""An entry that calls a part through call_part (runtime/numba_parts.py), for test_numba_parts:
imported by the test and by the fresh processes that load both from Numba's cache."""
import numpy as np
from numba import njit

from flatgrad.runtime.numba_parts import call_part


@njit(cache=True, boundscheck=True)
def step_part(a, b, i):
    c = np.sin(a) * 2.0 + b
    return (c, c.sum() + a[i])


@njit(cache=True)
def entry(a, b, i, trips):
    total = 0.0
    c = a
    for _ in range(trips):
        c, t = call_part(step_part, (c, b, i))
        total += t
    return c, total


@njit(cache=True)
def plain_entry(a, b, i, trips):
    """The same with an ordinary call (Numba links the part in): the reference."""
    total = 0.0
    c = a
    for _ in range(trips):
        c, t = step_part(c, b, i)
        total += t
    return c, total


if __name__ == "__main__":          # one fresh process: call, report cache hits and an IndexError
    x, y = np.linspace(-1.0, 1.0, 5), np.arange(5.0)
    c, total = entry(x, y, 2, 3)
    try:
        entry(x, y, 7, 1)
        raised = "no error"
    except IndexError as e:
        raised = f"IndexError: {e}"
    print(repr(c.tolist()), repr(total), sum(entry.stats.cache_hits.values()),
          sum(step_part.stats.cache_hits.values()), raised, sep="\n")
