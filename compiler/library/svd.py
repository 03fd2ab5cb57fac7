"""``np.linalg.svd`` and what is computed from singular values: ``np.linalg.svdvals``,
``np.linalg.cond``, and so the matrix norms ``np.linalg.norm(A, 'nuc' | 2 | -2)`` (linalg.py
writes them with ``np.linalg.svdvals``).

A = U diag(s) Vh for an m x n matrix, k = min(m, n), s descending. Four primitives, each one
call of LAPACK's ``?gesdd`` as NumPy makes it (Numba's ``np.linalg.svd`` calls the same
routine; ``svdvals`` under Numba calls it through ``runtime/numba_blas.py``):

* ``svdvals(A)``: s alone (``compute_uv=False``: ``?gesdd`` with JOBZ='N', whose s can
  differ from the s of a call that computes U and V in the last bits, so it is its own
  primitive);
* ``svd_s(A, full)``, ``svd_u(A, full)``, ``svd_vh(A, full)``: the three results of
  ``np.linalg.svd(A, full_matrices=full)``.

Derivatives of the reduced SVD (U m x k, V = Vhᵀ n x k), as in J. Townsend, "Differentiating
the Singular Value Decomposition" (2016), and M. Seeger, A. Hetzel, Z. Dai, E. Meissner,
N. D. Lawrence, "Auto-Differentiating Linear Algebra" (2017); C. Ionescu, O. Vantzos,
C. Sminchisescu, "Matrix Backpropagation for Deep Networks with Structured Layers" (ICCV 2015).
With S = diag(s), dP = Uᵀ dA V (k x k) and F[i, j] = 1/(s[j]² - s[i]²) off the diagonal, 0 on
it (computed as 1/((s[j] - s[i])(s[j] + s[i])), the accurate form for close values):

    ds  = diag(dP)                                     (no F: defined at repeated values)
    dU  = U (F o (dP S + S dPᵀ))  + (I - U Uᵀ) dA V S⁻¹
    dV  = V (F o (S dP + dPᵀ S))  + (I - V Vᵀ) dAᵀ U S⁻¹,   dVh = dVᵀ

and, for cotangents s̄, Ū, V̄ (= Vh̄ᵀ), J = Uᵀ Ū, K = Vᵀ V̄, the adjoint

    Ā = U [diag(s̄) + (F o (J - Jᵀ)) S + S (F o (K - Kᵀ))] Vᵀ
        + (I - U Uᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - V Vᵀ).

Each ``(I - U Uᵀ) X`` is written ``X - U (Uᵀ X)`` (no identity built). The projection of U's
terms is zero in exact arithmetic unless m > n (U's k columns span only part of Rᵐ), and V's
unless n > m; computed anyway it is rounding divided by s, large where s is tiny, so (as JAX
does) each term is kept only where its side is the long one: a run-time choice, as shapes are
not known while compiling (``_long_side``). The three results are separate primitives, so
each rule above is the part of Ā of its own cotangent, and their sum is the whole.

Where the derivative does not exist, the values say so rather than hide it: at repeated
singular values (s[i] == s[j], i != j) U's and V's columns are not unique and F is infinite,
so U's and Vh's derivatives are inf or nan there, as eigh's eigenvectors' are at repeated
eigenvalues (and as JAX's are); s's own derivative, and so that of the nuclear norm, stays
finite (a subgradient where values repeat). A zero singular value of a non-square matrix
makes its long side's U (or V) derivative infinite (S⁻¹). The sign of each pair of singular
vectors is LAPACK's choice: functions invariant to it (U diag(s) Vh, U[:, i] U[:, i]ᵀ, s)
have the derivatives above, any other has the derivative of LAPACK's (locally smooth) choice.

``full_matrices=True`` (NumPy's default): s is that of the reduced SVD and differentiates
alike. The extra m - k columns of U (n - k rows of Vh) of a non-square matrix are any
orthonormal basis of the complement, with no derivative; like JAX (which raises
NotImplementedError for full matrices) and autograd, flatgrad refuses to differentiate U and
Vh of a full SVD (a CompileError at the call, naming ``full_matrices=False``), which for a
square matrix gives the same U, s, Vh.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dims as D
from .. import types as T
from ..errors import CompileError
from ..primitives import defprim, helper
from ..spelling import P_ATOM, Spelling
from ..values import NamedValue
from .linalg import _ONE_MATRIX, _flag, _float_arrays, _float_type
from .registry import lowers

# ======================================================================= rules


def _vector_type(a):
    return T.Array(_float_type(a).dtype, 1)


def _reduced(b, A):
    """(U, s, Vh) of the reduced SVD of A, each the primitive the forward pass made for a
    reduced ``np.linalg.svd`` (CSE merges them with it)."""
    return b.svd_u(A, full=False), b.svd_s(A, full=False), b.svd_vh(A, full=False)


def _f(b, s):
    """F[i, j] = 1/((s[j] - s[i]) (s[j] + s[i])) off the diagonal, 0 on it (1/(D + I) - I)."""
    eye = b.eye(b.dim(s, axis=0))
    if s.type.dtype != eye.type.dtype:
        eye = b.astype(eye, dtype=s.type.dtype)
    row, col = b.expand_dims(s, axis=0), b.expand_dims(s, axis=1)
    d = b.mul(b.sub(row, col), b.add(row, col))
    return b.sub(b.div(1.0, b.add(d, eye)), eye)


def _long_side(b, A, s, axis):
    """1/s where A's ``axis`` is the longer one (m > n for axis 0), zeros otherwise: the S⁻¹
    of the projection terms, which are zero in exact arithmetic on the other side."""
    longer = b.gt(b.dim(A, axis=axis), b.dim(A, axis=1 - axis))
    return b.select(longer, b.div(1.0, s), b.zeros_like(s))


def _refuse_full(b, which):
    raise CompileError(
        f"flatgrad does not differentiate {which} of np.linalg.svd(..., full_matrices=True) "
        "(NumPy's default): for a non-square matrix its extra columns are any basis of the "
        "complement and have no derivative (JAX and autograd refuse them too)", b.loc,
        "Pass full_matrices=False (the same U, s, Vh for a square matrix; for a non-square "
        "one, U[:, :k] and Vh[:k] of the full ones, k = min(m, n)).")


def _s_vjp(b, g, out, A, full=False):
    """Ā = U diag(s̄) Vh."""
    U, _, Vh = _reduced(b, A)
    return b.matmul(b.mul(U, g), Vh)


def _s_jvp(b, t, out, A, full=False):
    """ds = diag(Uᵀ dA V): the column sums of U o (dA V)."""
    U, _, Vh = _reduced(b, A)
    return b.sum(b.mul(U, b.matmul(t, b.transpose(Vh))), axis=0, keepdims=False)


def _u_vjp(b, g, U, A, full):
    """Ā = [U ((F o (J - Jᵀ)) S) + (Ū - U J) S⁻¹] Vh, J = Uᵀ Ū (the last term where m > n)."""
    if full:
        _refuse_full(b, "U")
    _, s, Vh = _reduced(b, A)
    J = b.matmul(b.transpose(U), g)
    inner = b.mul(b.mul(_f(b, s), b.sub(J, b.transpose(J))), s)
    extra = b.mul(b.sub(g, b.matmul(U, J)), _long_side(b, A, s, 0))
    return b.matmul(b.add(b.matmul(U, inner), extra), Vh)


def _vh_vjp(b, g, Vh, A, full):
    """With G = Vh̄ and Kᵀ = G Vhᵀ (K = Vᵀ V̄): Ā = U [S (F o (K - Kᵀ)) Vh + S⁻¹ (G - Kᵀ Vh)]
    (the last term where n > m)."""
    if full:
        _refuse_full(b, "Vh")
    U, s, _ = _reduced(b, A)
    Kt = b.matmul(g, b.transpose(Vh))
    inner = b.mul(b.expand_dims(s, axis=1), b.mul(_f(b, s), b.sub(b.transpose(Kt), Kt)))
    extra = b.mul(b.expand_dims(_long_side(b, A, s, 1), axis=1), b.sub(g, b.matmul(Kt, Vh)))
    return b.matmul(U, b.add(b.matmul(inner, Vh), extra))


def _u_jvp(b, t, U, A, full):
    """dU = U (F o (dP S + S dPᵀ)) + (dA V - U dP) S⁻¹ (the last term where m > n)."""
    if full:
        _refuse_full(b, "U")
    _, s, Vh = _reduced(b, A)
    tV = b.matmul(t, b.transpose(Vh))
    dP = b.matmul(b.transpose(U), tV)
    sym = b.add(b.mul(dP, s), b.mul(b.expand_dims(s, axis=1), b.transpose(dP)))
    extra = b.mul(b.sub(tV, b.matmul(U, dP)), _long_side(b, A, s, 0))
    return b.add(b.matmul(U, b.mul(_f(b, s), sym)), extra)


def _vh_jvp(b, t, Vh, A, full):
    """dVh = dVᵀ = -(F o (S dP + dPᵀ S)) Vh + S⁻¹ (Uᵀ dA - dP Vh) (the last term where
    n > m; F is antisymmetric and S dP + dPᵀ S symmetric)."""
    if full:
        _refuse_full(b, "Vh")
    U, s, _ = _reduced(b, A)
    Ut = b.matmul(b.transpose(U), t)
    dP = b.matmul(Ut, b.transpose(Vh))
    sym = b.add(b.mul(b.expand_dims(s, axis=1), dP), b.mul(b.transpose(dP), s))
    extra = b.mul(b.expand_dims(_long_side(b, A, s, 1), axis=1), b.sub(Ut, b.matmul(dP, Vh)))
    return b.sub(extra, b.matmul(b.mul(_f(b, s), sym), Vh))


def _svd_spelling(k):
    spell = (lambda a, p: f"np.linalg.svd({a[0]}, {p['full']})[{k}]")
    return Spelling(spell, spell, P_ATOM, (1,))


# runtime/support.py: np.linalg.svd(a, compute_uv=False); runtime/numba_blas.py under Numba
defprim("svdvals", 1, _vector_type, helper("svdvals"), elementwise=False, costly=True,
        shape=lambda q, args, p: (D.unknown(),), vjp=(_s_vjp,), jvp=(_s_jvp,),
        reads_output=False, batch=_ONE_MATRIX)
defprim("svd_s", 1, lambda a, full: _vector_type(a), _svd_spelling(1), elementwise=False,
        costly=True, shape=lambda q, args, p: (D.unknown(),), vjp=(_s_vjp,), jvp=(_s_jvp,),
        reads_output=False, batch=_ONE_MATRIX)
defprim("svd_u", 1, lambda a, full: _float_type(a), _svd_spelling(0), elementwise=False,
        costly=True, shape=lambda q, args, p: (q.shape(args[0])[0],) * 2 if p["full"]
        else (q.shape(args[0])[0], D.unknown()), vjp=(_u_vjp,), jvp=(_u_jvp,), batch=_ONE_MATRIX)
defprim("svd_vh", 1, lambda a, full: _float_type(a), _svd_spelling(2), elementwise=False,
        costly=True, shape=lambda q, args, p: (q.shape(args[0])[1],) * 2 if p["full"]
        else (D.unknown(), q.shape(args[0])[1]), vjp=(_vh_vjp,), jvp=(_vh_jvp,), batch=_ONE_MATRIX)


# ======================================================================= lowerings

@lowers(np.linalg.svd)
def _lower_svd(lowerer, node, args):
    """s alone (``compute_uv=False``), or (U, s, Vh) as NumPy 2's SVDResult: unpacked,
    indexed, or read as ``.U``, ``.S``, ``.Vh``."""
    if _flag(lowerer, args, "hermitian", False):
        raise lowerer.err(args["hermitian"], "np.linalg.svd(..., hermitian=True) is not supported",
                          "Leave hermitian out: the general SVD has the same singular values "
                          "(np.linalg.eigh gives a symmetric matrix's eigenvectors).")
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    if not _flag(lowerer, args, "compute_uv", True):
        return lowerer.op(node, "svdvals", A)
    full = _flag(lowerer, args, "full_matrices", True)
    parts = (lowerer.op(node, p, A, full=full) for p in ("svd_u", "svd_s", "svd_vh"))
    return NamedValue(tuple(parts), ("U", "S", "Vh"))


@lowers(np.linalg.svdvals)
def _lower_svdvals(lowerer, node, args):
    (A,) = _float_arrays(lowerer, args, ("x",), ((2,),))
    return lowerer.op(node, "svdvals", A)


@lowers(np.linalg.cond)
def _lower_cond(lowerer, node, args):
    """s[0] / s[-1] for p None or 2 (s[-1] / s[0] for -2), as NumPy; other p: the norm of A
    times that of its inverse. (NumPy's inf for a zero matrix, where s[0] / s[-1] is 0/0, is
    nan here.)"""
    from .linalg import _ord_value
    p = _ord_value(lowerer, args["p"])
    (A,) = _float_arrays(lowerer, args, ("x",), ((2,),))
    if p in (None, 2, -2):
        ratio = "s[-1] / s[0]" if p == -2 else "s[0] / s[-1]"
        return lowerer.lower_text(f"s = np.linalg.svd(a, compute_uv=False)\n{ratio}", node, a=A)
    if p not in ("fro", 1, -1, math.inf, -math.inf):
        raise lowerer.err(args["p"], f"np.linalg.cond: p={p!r} is not a matrix norm",
                          "Use p=None, 2, -2, 'fro', 1, -1, np.inf or -np.inf.")
    text = {math.inf: "np.inf", -math.inf: "-np.inf"}.get(p, repr(p))
    return lowerer.lower_text(f"np.linalg.norm(a, {text}) * np.linalg.norm(np.linalg.inv(a), {text})",
                              node, a=A)
