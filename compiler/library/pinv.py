"""``np.linalg.pinv``: the Moore-Penrose pseudo-inverse of a matrix (Numba computes it by SVD).

Its derivative where the rank does not change (Golub and Pereyra 1973), with P = A⁺:

    dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P

so the adjoint of a cotangent G is

    Ā = -Pᵀ G Pᵀ + (I - A P) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - P A),

each ``(I - A P) X`` written ``X - A (P X)`` (no identity built). For an invertible A both
are the inverse's. Where the rank changes (a singular value crosses zero) the pseudo-inverse
jumps, and no derivative exists.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..primitives import call, defprim
from .linalg import _ONE_MATRIX, _float_arrays, _float_type
from .registry import lowers


def _pinv_vjp(b, g, out, A):
    P, Pt, gt = out, b.transpose(out), b.transpose(g)
    first = b.neg(b.matmul(b.matmul(Pt, g), Pt))
    x = b.matmul(gt, b.matmul(P, Pt))                       # Gᵀ P Pᵀ
    second = b.sub(x, b.matmul(A, b.matmul(P, x)))          # (I - A P) Gᵀ P Pᵀ
    y = b.matmul(b.matmul(Pt, P), gt)                       # Pᵀ P Gᵀ
    third = b.sub(y, b.matmul(b.matmul(y, P), A))           # Pᵀ P Gᵀ (I - P A)
    return b.add(b.add(first, second), third)


def _pinv_jvp(b, t, out, A):
    P, Pt, tt = out, b.transpose(out), b.transpose(t)
    first = b.neg(b.matmul(b.matmul(P, t), P))
    x = b.matmul(b.matmul(P, Pt), tt)                       # P Pᵀ dAᵀ
    second = b.sub(x, b.matmul(b.matmul(x, A), P))          # P Pᵀ dAᵀ (I - A P)
    y = b.matmul(tt, b.matmul(Pt, P))                       # dAᵀ Pᵀ P
    third = b.sub(y, b.matmul(P, b.matmul(A, y)))           # (I - P A) dAᵀ Pᵀ P
    return b.add(b.add(first, second), third)


defprim("pinv", 1, _float_type, call("np.linalg.pinv"), elementwise=False, costly=True,
        shape=lambda q, args, p: q.shape(args[0])[::-1],
        vjp=(_pinv_vjp,), jvp=(_pinv_jvp,), batch=_ONE_MATRIX)


@lowers(np.linalg.pinv, takes="a")
def _lower_pinv(lowerer, node, args):
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    return lowerer.op(node, "pinv", A)
