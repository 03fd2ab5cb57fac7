"""Diagonals of arrays of any number of dimensions and einsum's repeated subscripts and
sublists (test_diagonals.py): functions of a 3-D argument ``b`` (3, 3, 3) unless noted."""
import numpy as np

A = np.arange(9.0).reshape(3, 3) / 4.0 - 1.0


def einsum_trace(m):                              # m: 3x3
    return np.einsum("ii", m) * np.einsum("ii->", m ** 2)


def einsum_diagonal(m):
    return np.sum(np.einsum("ii->i", m) ** 3)


def einsum_batch_trace(b):
    return np.sum(np.einsum("...ii->...", b) ** 2)


def einsum_batch_diagonal(b):
    return np.sum(np.einsum("bii->bi", b) * np.arange(3.0))


def einsum_split_repeat(b):
    return np.sum(np.einsum("iji->j", b) ** 2) + np.einsum("iij,j", b, b[0, 0])


def einsum_triple(b):
    return np.einsum("iii", b) + np.sum(np.einsum("iii->i", b) ** 2)


def einsum_sublists(m):
    return np.sum(np.einsum(A, [0, 1], m, [1, 2], [0, 2]) ** 2) + \
        np.sum(np.einsum(m, [1, 0], m, [1, 2]) ** 2)


def einsum_sublists_ellipsis(b):
    return np.sum(np.einsum(b, [..., 0, 1], A, [1, 2], [..., 0, 2]) ** 2) + \
        np.sum(np.einsum(b, [Ellipsis, 0, 1], A, [1, 2]) ** 2)


def diagonal_nd(b):
    return np.sum(np.diagonal(b, 1, 0, 2) ** 2) + np.sum(np.diagonal(b, -1, 2, 1) ** 3) + \
        np.sum(np.sin(np.diagonal(b)))


def trace_nd(b):
    return np.sum(np.trace(b, 0, 1, 2) ** 2) + np.sum(np.trace(b, offset=-1, axis1=2, axis2=1) ** 2)


def diagonal_2d_axes(m):
    return np.sum(np.diagonal(m, axis1=1, axis2=0, offset=1) ** 2) + np.trace(m, 1) + \
        np.trace(m, -2) + np.sum(np.diagonal(m, 5)) + np.trace(m, 7)


ON_MATRIX = [einsum_trace, einsum_diagonal, einsum_sublists, diagonal_2d_axes]
ON_STACK = [einsum_batch_trace, einsum_batch_diagonal, einsum_split_repeat, einsum_triple,
            einsum_sublists_ellipsis, diagonal_nd, trace_nd]
