"""Functions the generated code calls, in plain Python/NumPy.

``sigmoid``, ``relu`` and ``softplus`` are also flatgrad's public functions: they work
in ordinary Python on scalars and arrays, the compiler recognises them by their
``__flatgrad_prim__`` tag, and :mod:`.numba_ext` teaches Numba to compile them.
"""
from __future__ import annotations

import math

import numpy as np


def _tag(prim: str):
    def deco(fn):
        fn.__flatgrad_prim__ = prim
        return fn
    return deco


# The scalar formulas, written once: the Numba overloads (numba_ext.py) and the CUDA device
# functions (cuda_support.py) compile these same functions.

def sigmoid_scalar(x):
    """1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) below, bit for bit, without
    overflow. A select, not a branch: batch loops over mixed signs pay no misprediction per
    element (~30% of a vectorized sigmoid gradient), and a CUDA warp does not diverge."""
    e = math.exp(-abs(x))
    return (1.0 if x >= 0 else e) / (1.0 + e)


def relu_scalar(x):
    return x if x > 0 else 0.0 * x


def softplus_scalar(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


@_tag("sigmoid")
def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), computed without overflow."""
    if isinstance(x, np.ndarray):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0, e) / (1.0 + e)
    return sigmoid_scalar(x)


@_tag("relu")
def relu(x):
    """max(x, 0); its derivative at 0 is taken as 0 (the JAX convention)."""
    if isinstance(x, np.ndarray):
        return np.maximum(x, 0.0)
    return relu_scalar(x)


@_tag("softplus")
def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    if isinstance(x, np.ndarray):
        return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)
    return softplus_scalar(x)


def logsumexp(x, axis=None):
    """log(sum(exp(x))) (along ``axis``) without overflow. Written in flatgrad's subset, so
    calls to it are inlined and differentiated like any user function."""
    m = np.max(x, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=axis)) + np.max(x, axis=axis)


_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])


def erf(x):
    """The error function on scalars and arrays (NumPy has no erf of its own)."""
    return _erf(x) if isinstance(x, np.ndarray) else math.erf(x)


def erfc(x):
    return _erfc(x) if isinstance(x, np.ndarray) else math.erfc(x)


def sum_to(c, like):
    """Sum ``c`` down to the shape of ``like``: the adjoint of NumPy broadcasting."""
    shape = np.shape(like)
    c = np.asarray(c)
    if c.shape == shape:
        return c
    lead = c.ndim - len(shape)
    if lead > 0:
        c = c.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and c.shape[i] != 1)
    if axes:
        c = c.sum(axis=axes, keepdims=True)
    return c.reshape(shape)


def distinct_index(idx, n):
    """``idx`` itself, after checking that no position of an axis of length ``n`` is written
    twice. NumPy's ``out[idx] = v`` lets the last of repeated writes win, which has no
    useful gradient; flatgrad asks for distinct indices there instead."""
    flat = np.sort(idx.ravel() % max(n, 1))
    for i in range(1, flat.size):
        if flat[i] == flat[i - 1]:
            raise ValueError("an item assignment with an index array writes the same "
                             "position twice; pass distinct indices")
    return idx


def distinct_pairs(a, n, b, m):
    """``a``, after checking that the pairs (a[i], b[i]) (1-D index arrays into axes of
    lengths n and m, broadcast together) are distinct."""
    size = max(a.size, b.size)
    n, m = max(n, 1), max(m, 1)
    keys = np.empty(size, dtype=np.int64)
    for i in range(size):
        keys[i] = (a[i % a.size] % n) * m + b[i % b.size] % m
    distinct_index(keys, n * m)
    return a


def tape_push(tape, k, value):
    """Store ``value`` at row ``k`` of ``tape``, growing the tape (doubling) when it is full.
    A tape may start empty, before the shape of its rows is known."""
    if k >= tape.shape[0]:
        grown = np.empty((max(2 * tape.shape[0], k + 1, 16),) + np.shape(value), dtype=tape.dtype)
        if k > 0:
            grown[:k] = tape[:k]
        tape = grown
    tape[k] = value
    return tape


def reduce_sum(x, axis, keepdims):
    """np.sum with axis and keepdims (the spelling Numba targets use; see numba_ext)."""
    return np.sum(x, axis=axis, keepdims=keepdims)


def reduce_max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)


def reduce_min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)


def reduce_prod(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims)


def scatter_add(acc, g, *idx):
    """np.add.at(acc, idx, g): the adjoint of a gather with repeated indices."""
    np.add.at(acc, idx, g)
    return acc


def split_size(n, sections):
    """The length of each of ``sections`` equal parts of an axis of length ``n`` (np.split)."""
    if n % sections != 0:
        raise ValueError("array split does not result in an equal division")
    return n // sections


def nonneg(n):
    """``n``, checked not to be negative (a repeat count, a pad width)."""
    if n < 0:
        raise ValueError("negative dimensions are not allowed")
    return n


def squeeze_index(n):
    """0, the index that squeezes out an axis of length ``n``, checked to be one."""
    if n != 1:
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return 0


def diag_embed(g, like, k):
    """A zero matrix shaped like ``like`` with ``g`` on its diagonal ``k``: the adjoint of
    taking that diagonal (np.diag of a matrix)."""
    out = np.zeros(like.shape, dtype=g.dtype)
    r0 = -k if k < 0 else 0
    c0 = k if k > 0 else 0
    for i in range(g.shape[0]):
        out[r0 + i, c0 + i] = g[i]
    return out


def einsum_loops(spec, *operands):
    """np.einsum with explicit subscripts ('ij,jk->ik'); under Numba (which has no einsum)
    flatgrad.runtime.numba_ext compiles each subscript string to loops."""
    return np.einsum(spec, *operands)


def fit_shape(c, like):
    """``c`` broadcast up and summed down to the shape of ``like``: the adjoint of an einsum
    operand whose size-1 axes NumPy broadcast (or whose axes broadcast others)."""
    if c.shape == like.shape:
        return c
    return sum_to(c + np.zeros_like(like), like)
