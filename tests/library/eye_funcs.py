"""np.eye with M, k and dtype, np.identity; matrix norms of stacks (ord 2, -2, 'nuc' with
axis), for test_eye_and_stacked_norms.py."""
import numpy as np


def eyes(x):
    n = x.shape[0]
    return (np.sum(np.eye(n, 3) * np.outer(x, x[:3])) + np.sum(np.eye(4, k=1) * np.outer(x, x))
            + np.sum(np.eye(n, n + 1, -1) @ np.r_[x, 1.0]) + np.sum(np.eye(3, None, 2) * x[0])
            + np.sum(np.identity(n) * x) + np.sum(np.eye(2, dtype=int)) * x[1]
            + np.sum(np.eye(n, M=2, k=-3) * np.outer(x, x[:2])))


def nuc_of_a_stack(x):
    T = np.stack([np.outer(x, x[:3]) + 1.0, np.outer(x ** 2, x[1:]) - 0.5], axis=2)
    return np.linalg.norm(T, ord="nuc", axis=(0, 1)) @ np.array([1.0, 2.0])


def two_of_a_stack(x):
    T = np.stack([np.outer(x, x[:3]) + 1.0, np.outer(x ** 2, x[1:]) - 0.5], axis=0)
    return np.sum(np.linalg.norm(T, ord=2, axis=(2, 1), keepdims=True)
                  * np.array([1.0, 2.0]).reshape(2, 1, 1))


def minus_two_of_a_stack(x):
    T = np.stack([np.outer(x, x[:3]) + 1.0, np.outer(x ** 2, x[1:]) - 0.5], axis=1)
    return (np.sum(np.linalg.norm(T, ord=-2, axis=(0, 2)) * np.array([1.0, 2.0]))
            + np.sum(np.linalg.norm(T, ord="nuc", axis=(0, 2), keepdims=True)))


FUNCS = [eyes, nuc_of_a_stack, two_of_a_stack, minus_two_of_a_stack]
