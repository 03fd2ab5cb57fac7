"""Comprehensions over items known only at run time (an array's rows, a range of run-time
length): a list grown in a loop; and iterables that draw random numbers, lowered once."""
import numpy as np

RS = np.random.RandomState(0)


def rows_to_array(x):
    M = x.reshape(3, 2)
    return np.sum(np.array([np.tanh(r) * r[0] for r in M]) ** 2)


def run_time_range_stacked(x):
    n = x.shape[0]
    return np.sum(np.stack([x[i] * x[(i + 1) % n] for i in range(n)]))


def filtered_sum(x):
    return sum([v ** 2 for v in x if v > 0])


def named_then_read(x):
    M = x.reshape(3, 2)
    ls = [np.sum(r * r) for r in M]
    return np.max(np.array(ls)) + ls[0] + len(ls)


def enumerate_rows(x):
    M = x.reshape(3, 2)
    return np.sum(np.vstack([r * i for i, r in enumerate(M)]))


def zip_rows_reversed(x):
    M = x.reshape(3, 2)
    return np.sum(np.array([a * b for a, b in zip(M, reversed(M))]))


FUNCS = [rows_to_array, run_time_range_stacked, filtered_sum, named_then_read, enumerate_rows,
         zip_rows_reversed]
INPUTS = [np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.9]), np.array([-0.5, 0.6, 0.2, -0.9, 1.3, 0.1])]


def draws_in_the_iterable(x):
    return np.sum(np.array([np.sum(r * x[:2]) for r in RS.randn(4, 2)]))


def draws_in_sums(x):
    return sum(np.sum(r * x[:2]) for r in RS.randn(3, 2)) + sum(RS.randn() * v for v in (x[0], x[1]))


def draws_in_bounds_and_items(x):
    return sum(x[i] for i in range(RS.randint(2, 5))) + \
        np.sum(np.array([RS.randn() * x[0] for i in range(3)]))


DRAWING = [draws_in_the_iterable, draws_in_sums, draws_in_bounds_and_items]


def two_fors_over_rows(x):
    M = x.reshape(3, 2)
    return np.sum(np.array([a * b for a in M for b in M]))
