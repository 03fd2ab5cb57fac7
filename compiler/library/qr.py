"""``np.linalg.qr`` and ``scipy.linalg.qr``: A = Q R for an m x n matrix, k = min(m, n), Q with
orthonormal columns, R upper triangular (docs/linalg.md).

Two primitives, ``qr_q(A, complete, lib)`` and ``qr_r(A, complete, lib)``: Q and R as LAPACK's
``?geqrf`` (then ``?orgqr`` for Q) makes them, NumPy's or SciPy's call (``lib``: the python
target calls that library's function, runtime/support.py; under Numba, runtime/numba_blas.py
calls the same two routines of SciPy's LAPACK with the workspaces NumPy and SciPy ask for, bit
for bit their values where both libraries use the same LAPACK, as the tests check; NumPy
factors a float32 matrix in float64 and rounds the factors, SciPy in float32). Reduced
(``complete=False``): Q is m x k and R k x n; complete: Q is m x m and R m x n (its rows past k
zero). Modes: NumPy's 'reduced', 'complete', 'r' (R alone), SciPy's 'economic', 'full', 'r' (a
tuple ``(R,)`` of the m x n R, as SciPy returns it for a matrix); 'raw' and SciPy's
``pivoting=True`` are refused.

Derivatives of the reduced factorisation. Split A = [X | Y] with X its first k columns and
R = [U | V] alike (U k x k upper triangular; for m >= n, Y and V have no columns and U = R), so
that Q, U = qr(X) (X is square or tall) and V = Qᵀ Y. For X (M. Seeger, A. Hetzel, Z. Dai,
E. Meissner, N. D. Lawrence, "Auto-Differentiating Linear Algebra", 2017; S. F. Walter,
L. Lehmann, "Algorithmic differentiation of linear algebra functions with application in
optimum experimental design", 2013), with C = Qᵀ dX U⁻¹ and Ω = tril(C, -1) - tril(C, -1)ᵀ:

    dQ = Q (Ω - C) + dX U⁻¹,      dU = (C - Ω) U,      dV = dQᵀ Y + Qᵀ dY

(C - Ω is upper triangular, so dU is; Ω antisymmetric, so Qᵀ dQ is), and for cotangents
Q̄, R̄ = [Ū | V̄] the adjoint (as PyTorch writes the wide case):

    W = Q̄ + Y V̄ᵀ,  M = U Ūᵀ - Wᵀ Q,  X̄ = (W + Q copyltu(M)) U⁻ᵀ,  Ȳ = Q V̄,  Ā = [X̄ | Ȳ]

with copyltu(M) = tril(M) + tril(M, -1)ᵀ (M's lower triangle mirrored). k is read when the
function runs (shapes are not known while compiling): the same rules serve tall, square and
wide matrices, Y and V empty where m >= n. The rules are written with matmul, triangular solves
(``solve_tri``), tril, slices and concatenations and the primitives themselves, so their own
derivatives (Hessians, forward over reverse) come from those. Where a diagonal entry of R is
zero (A's first k columns dependent) Q is not unique and has no derivative: the triangular
solve by U raises NumPy's LinAlgError there (near it, the derivatives are large, as they are).

Complete mode: R's rows past k are zeros, whose derivative is zero (R̄'s rows past k are
dropped); Q's extra m - k columns (m > n) are any orthonormal basis of the complement and
have no derivative: as JAX does, and as svd.py for full_matrices=True, differentiating Q of a
complete factorisation is a CompileError naming mode='reduced' (which gives the same Q for a
square or wide matrix). Stacks of matrices (``(..., m, n)``) map the 2-D function
(library/stacks.py); vmap loops over the examples (``_ONE_MATRIX``).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from .. import dims as D
from ..errors import CompileError
from ..primitives import defprim
from ..spelling import P_ATOM, Spelling
from ..values import NamedValue
from .grids import _static
from .linalg import _ONE_MATRIX, _flag, _float_arrays, _float_type
from .registry import lowers
from .scilinalg import _constant_flags
from .shape import _FULL

_UPTO = ("s", False, True, False)          # :k
_FROM = ("s", True, False, False)          # k:

# ======================================================================= rules


def _cols(b, X, k, part):
    """X[:, :k] (part _UPTO) or X[:, k:] (part _FROM)."""
    return b.getitem(X, k, spec=(_FULL, part))


def _reduced(b, A, lib):
    """Q, R of the reduced factorisation (the primitives a reduced call makes: CSE merges
    them), k = min(m, n) and U = R[:, :k]."""
    Q, R = b.qr_q(A, complete=False, lib=lib), b.qr_r(A, complete=False, lib=lib)
    k = b.min(b.dim(A, axis=0), b.dim(A, axis=1))
    return Q, R, k, b.contiguous(_cols(b, R, k, _UPTO))


def _times_inv(b, W, U, transposed):
    """W U⁻¹ (W U⁻ᵀ if ``transposed``) for the upper triangular U: a triangular solve from
    the right, written as one from the left on Wᵀ."""
    if transposed:
        return b.transpose(b.solve_tri(U, b.transpose(W), lower=False, unit=False))
    return b.transpose(b.solve_tri(b.transpose(U), b.transpose(W), lower=True, unit=False))


def _adjoint(b, A, lib, gQ=None, gR=None):
    """Ā for the cotangent gQ of the reduced Q or gR of the reduced R (one of them)."""
    Q, _, k, U = _reduced(b, A, lib)
    Y = _cols(b, A, k, _FROM)
    if gR is None:
        W, Ybar = gQ, b.zeros_like(Y)
        M = b.neg(b.matmul(b.transpose(W), Q))
    else:
        gV = _cols(b, gR, k, _FROM)
        W, Ybar = b.matmul(Y, b.transpose(gV)), b.matmul(Q, gV)
        M = b.sub(b.matmul(U, b.transpose(_cols(b, gR, k, _UPTO))), b.matmul(b.transpose(W), Q))
    copyltu = b.add(b.tril(M), b.transpose(b.tril(M, k=-1)))
    Xbar = _times_inv(b, b.add(W, b.matmul(Q, copyltu)), U, transposed=True)
    return b.concat(Xbar, Ybar, axis=1)


def _tangents(b, A, lib, t):
    """(dQ, dR) of the reduced factorisation along the tangent t."""
    Q, _, k, U = _reduced(b, A, lib)
    if t.type.dtype != Q.type.dtype:
        t = b.astype(t, dtype=Q.type.dtype)
    dXU = _times_inv(b, _cols(b, t, k, _UPTO), U, transposed=False)        # dX U⁻¹
    C = b.matmul(b.transpose(Q), dXU)
    low = b.tril(C, k=-1)
    omega = b.sub(low, b.transpose(low))
    dQ = b.add(b.matmul(Q, b.sub(omega, C)), dXU)
    dU = b.matmul(b.sub(C, omega), U)
    dV = b.add(b.matmul(b.transpose(dQ), _cols(b, A, k, _FROM)),
               b.matmul(b.transpose(Q), _cols(b, t, k, _FROM)))
    return dQ, b.concat(dU, dV, axis=1)


def _refuse_complete(b):
    raise CompileError(
        "flatgrad does not differentiate Q of a complete QR factorisation "
        "(np.linalg.qr(..., mode='complete'), scipy.linalg.qr's default mode='full'): for a "
        "tall matrix its extra columns are any orthonormal basis of the complement and have "
        "no derivative (JAX refuses them too)", b.loc,
        "Pass mode='reduced' (SciPy: mode='economic'): the same Q for a square or wide "
        "matrix, and for a tall one Q[:, :n] of the complete one; R is differentiable in "
        "either mode.")


def _q_vjp(b, g, Q, A, complete, lib):
    if complete:
        _refuse_complete(b)
    return _adjoint(b, A, lib, gQ=g)


def _q_jvp(b, t, Q, A, complete, lib):
    if complete:
        _refuse_complete(b)
    return _tangents(b, A, lib, t)[0]


def _r_vjp(b, g, R, A, complete, lib):
    """The complete R's rows past k are zeros: only its first k rows' cotangent counts."""
    if complete:
        k = b.min(b.dim(A, axis=0), b.dim(A, axis=1))
        g = b.getitem(g, k, spec=(_UPTO, _FULL))
    return _adjoint(b, A, lib, gR=g)


def _r_jvp(b, t, R, A, complete, lib):
    dR = _tangents(b, A, lib, t)[1]
    if not complete:
        return dR
    k = b.min(b.dim(A, axis=0), b.dim(A, axis=1))
    return b.concat(dR, b.zeros_like(b.getitem(R, k, spec=(_FROM, _FULL))), axis=0)


def _qr_spelling(which):
    """``qr_q(a, complete, scipy)`` or ``qr_r(...)`` (runtime/support.py; numba_blas.qr_impl
    under Numba)."""
    spell = (lambda a, p: f"qr_{which}({a[0]}, {p['complete']}, {p['lib'] == 'scipy'})")
    return Spelling(spell, spell, P_ATOM, (1,), helpers=(f"qr_{which}",))


def _q_shape(q, args, p):
    m = q.shape(args[0])[0]
    return (m, m) if p["complete"] else (m, D.unknown())


def _r_shape(q, args, p):
    m, n = q.shape(args[0])
    return (m, n) if p["complete"] else (D.unknown(), n)


defprim("qr_q", 1, lambda a, complete, lib: _float_type(a), _qr_spelling("q"),
        elementwise=False, costly=True, shape=_q_shape, vjp=(_q_vjp,), jvp=(_q_jvp,),
        batch=_ONE_MATRIX)
defprim("qr_r", 1, lambda a, complete, lib: _float_type(a), _qr_spelling("r"),
        elementwise=False, costly=True, shape=_r_shape, vjp=(_r_vjp,), jvp=(_r_jvp,),
        batch=_ONE_MATRIX)


# ======================================================================= lowerings

# each library's modes: (whether the factorisation is complete, whether Q is returned);
# SciPy's mode='r' is the R of the full factorisation (m x n), NumPy's that of the reduced one
_MODES = {"np": {"reduced": (False, True), "complete": (True, True), "r": (False, False)},
          "scipy": {"economic": (False, True), "full": (True, True), "r": (True, False)}}


def _mode(lowerer, args, lib, fname, default):
    mode = _static(lowerer, args, "mode", default)
    modes = _MODES[lib]
    if not isinstance(mode, str) or mode not in modes:
        names = ", ".join(repr(m) for m in modes).replace(", 'r'", " or 'r'")
        raise lowerer.err(args["mode"], f"{fname}: mode={mode!r} is not supported (mode must "
                          f"be the constant {names})",
                          "Use mode='reduced' for Q and R (SciPy: 'economic'), 'r' for R alone; "
                          "the Householder reflectors of mode='raw' have no derivative here.")
    return modes[mode]


def _factors(lowerer, node, A, complete, lib):
    return (lowerer.op(node, "qr_q", A, complete=complete, lib=lib),
            lowerer.op(node, "qr_r", A, complete=complete, lib=lib))


@lowers(np.linalg.qr)
def _lower_qr(lowerer, node, args):
    """(Q, R) as NumPy's QRResult (unpacked, indexed, or read as ``.Q`` and ``.R``), or R
    alone for mode='r' (the R of the reduced factorisation, as NumPy's)."""
    complete, with_q = _mode(lowerer, args, "np", "np.linalg.qr", "reduced")
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    if not with_q:
        return lowerer.op(node, "qr_r", A, complete=False, lib="np")
    return NamedValue(_factors(lowerer, node, A, complete, "np"), ("Q", "R"))


@lowers(scipy.linalg.qr, takes="a overwrite_a mode pivoting check_finite")
def _lower_scipy_qr(lowerer, node, args):
    """(Q, R), or ``(R,)`` for mode='r' (R m x n, of the full factorisation), as SciPy
    returns them; pivoting is refused
    (overwrite_a and check_finite are accepted: no effect on the values)."""
    if _flag(lowerer, args, "pivoting", False):
        raise lowerer.err(args["pivoting"], "scipy.linalg.qr(..., pivoting=True) is not supported",
                          "Leave pivoting out: the column permutation is a discrete choice, "
                          "with no derivative; the unpivoted Q and R are differentiable.")
    _constant_flags(lowerer, args, ("overwrite_a", "check_finite"))
    complete, with_q = _mode(lowerer, args, "scipy", "scipy.linalg.qr", "full")
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    if not with_q:
        return (lowerer.op(node, "qr_r", A, complete=True, lib="scipy"),)
    return _factors(lowerer, node, A, complete, "scipy")
