"""``scipy.linalg.expm``: the matrix exponential of a square matrix, or of a stack of them in
the last two axes (``(..., n, n)``, as SciPy >= 1.9 takes).

One primitive, ``expm``: on the python target SciPy's own function (runtime/support.py), under
Numba the same scaling-and-squaring Padé algorithm (Al-Mohy and Higham 2009,
runtime/matrix_exp.py). Its derivative is the Fréchet derivative L(A, E), the directional
derivative of exp at A along E, which is the upper-right block of the exponential of a block
matrix (Higham, "Functions of Matrices", 2008, Thm. 3.6; Mathias 1996):

    expm([[A, E], [0, A]]) = [[expm(A), L(A, E)], [0, expm(A)]]

so the tangent of a tangent t is L(A, t), and since <G, L(A, E)> = <L(Aᵀ, G), E> the adjoint
of a cotangent G is L(Aᵀ, G). Both rules are written with the primitive itself on the 2n x 2n
block matrix (concatenations and a slice), so their own derivatives -- Hessians, forward over
reverse, grad of grad -- are those of the same construction, exact as the first ones (the
4n x 4n blocks of L's own derivative). A stack maps each matrix, its transposes and blocks
taken in the last two axes, so the primitive batches as it is (vmap: a stack).
"""
from __future__ import annotations

import scipy.linalg

from .. import dims as D
from .. import types as T
from ..primitives import B_SAME, defprim, helper
from .linalg import _float, _float_type
from .registry import lowers
from .shape import _FULL


def _matrix_t(b, A):
    """Aᵀ of each matrix (the last two axes swapped)."""
    nd = A.type.ndim
    return b.transpose(A, axes=None if nd == 2 else tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _frechet(b, A, E):
    """L(A, E): the upper-right n x n block of expm([[A, E], [0, A]]), per matrix."""
    nd = A.type.ndim
    rows, cols = nd - 2, nd - 1
    if E.type.dtype != A.type.dtype:
        E = b.astype(E, dtype=A.type.dtype)
    top = b.concat(A, E, axis=cols)
    bottom = b.concat(b.zeros_like(A), A, axis=cols)
    X = b.expm(b.concat(top, bottom, axis=rows))
    n = b.dim(A, axis=cols)
    spec = (_FULL,) * rows + (("s", False, True, False), ("s", True, False, False))
    return b.contiguous(b.getitem(X, n, n, spec=spec))             # X[..., :n, n:]


defprim("expm", 1, _float_type, helper("expm"), elementwise=False, costly=True,
        shape=D.like(0), reads_output=False,
        vjp=(lambda b, g, out, A: _frechet(b, _matrix_t(b, A), g),),
        jvp=(lambda b, t, out, A: _frechet(b, A, t),),
        batch=B_SAME)          # a batch of matrices (or of stacks) is a stack


@lowers(scipy.linalg.expm)
def _lower_expm(lowerer, node, args):
    """expm(A) of a square matrix or a stack of them (``(..., n, n)``); a number x is SciPy's
    ``[[exp(x)]]``. That the matrices are square is checked when the function runs, as SciPy
    does (its LinAlgError)."""
    e = args["A"]
    x = lowerer.atom(e)
    if isinstance(x.type, T.Scalar):
        return lowerer.lower_text("np.exp(x) * np.ones((1, 1))", node, x=_float(lowerer, x, e))
    if not T.is_array(x.type):
        raise lowerer.err(e, "scipy.linalg.expm needs a square matrix (a 2-D array) here")
    if x.type.ndim < 2:
        raise lowerer.err(e, f"scipy.linalg.expm: the input array must be at least "
                          f"two-dimensional (got {x.type.ndim}-D)",
                          "Pass a square matrix, e.g. a.reshape(n, n) (SciPy takes a 1-D array "
                          "of one element only, as [[exp(a[0])]]).")
    return lowerer.op(node, "expm", _float(lowerer, x, e))
