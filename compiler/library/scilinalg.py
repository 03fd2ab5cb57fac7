"""SciPy's dense solvers and least squares: ``scipy.linalg.solve``, ``inv``, ``det``,
``lu_factor``/``lu_solve``, ``lstsq`` and ``np.linalg.lstsq`` (docs/linalg.md).

* ``solve(a, b, assume_a=...)`` is the solve of the matrix SciPy's solver reads: the whole of
  ``a`` (None, 'gen', 'banded': structure found at run time is exact, so the function is
  a^-1 b everywhere), one triangle mirrored ('sym', 'her', 'pos': ``lower`` picks it; 'pos'
  through the Cholesky factor, which raises LinAlgError where that triangle is not positive
  definite), a triangle ('upper triangular', 'lower triangular'), the diagonal, or the three
  diagonals ('tridiagonal'); so the gradient lands on the entries SciPy reads.
* ``lu_factor(a)``: ``lu`` is the packed L\\U of ``a[perm] = L U`` (perm from the pivots,
  locally constant), with the derivative of the factorisation: for X = L^-1 dA_p U^-1,
  dL = L tril(X, -1), dU = triu(X) U; the adjoint of G is L^-T (tril(L^T tril(G, -1), -1) +
  triu(triu(G) U^T)) U^-T, put back in a's rows. ``lu_solve`` is the two triangular solves
  on ``lu`` (and the row permutation), so any use of ``lu`` (``lu_solve``, ``np.diag(lu)``)
  differentiates as the function SciPy computes.
* ``lstsq``: x = pinv(a) b, its derivative that of the pseudo-inverse (pinv.py: full column
  rank, and the minimum-norm solution of full row rank); residuals ||b - a x||^2 per column
  where rank == n < m, else an empty array; rank an int; s the singular values (svdvals).
"""
from __future__ import annotations

import ast

import numpy as np
import scipy.linalg

from .. import dims as D
from .. import types as T
from ..ir import Const
from ..primitives import defprim, helper
from ..values import Ref, Unreadable
from .linalg import (_ONE_MATRIX, _flag, _float, _float_type, _fmt, _rhs, _same_float, _solve_type,
                     _square, _trans_arg)
from .pinv import _pinv_jvp, _pinv_vjp
from .registry import lowers

# ======================================================================= LU

def _unit_lower_times(b, lu, Z):
    """L Z, L the unit lower triangle of ``lu``."""
    return b.add(b.matmul(b.tril(lu, k=-1), Z), Z)


def _lu_jvp(b, t, lu, Ap, A):
    Y = b.solve_tri(lu, t, lower=True, unit=True)                               # L^-1 t
    X = b.transpose(b.solve_tri(b.transpose(lu), b.transpose(Y), lower=True, unit=False))
    return b.add(_unit_lower_times(b, lu, b.tril(X, k=-1)), b.matmul(b.triu(X), b.triu(lu)))


def _lu_vjp(b, g, lu, Ap, A):
    GL = b.tril(g, k=-1)
    LtGL = b.add(b.matmul(b.transpose(b.tril(lu, k=-1)), GL), GL)               # L^T tril(G)
    M = b.add(b.tril(LtGL, k=-1), b.triu(b.matmul(b.triu(g), b.transpose(b.triu(lu)))))
    W = b.solve_tri(b.transpose(lu), M, lower=False, unit=True)                 # L^-T M
    return b.transpose(b.solve_tri(lu, b.transpose(W), lower=False, unit=False))  # W U^-T


# lu_packed(a[perm], a): the value is SciPy's lu_factor(a)[0] (read from a); the derivative
# is that of the unpivoted LU of a[perm] = L U (the gather carries it back to a's rows)
defprim("lu_packed", 2, lambda ap, a: _float_type(a),
        _fmt(lambda a, p: f"lu_packed({a[1]})", "lu_packed"), elementwise=False, costly=True,
        shape=D.like(1), vjp=(_lu_vjp, None),
        jvp=(_lu_jvp, None), batch=_ONE_MATRIX)
defprim("lu_pivots", 1, lambda a: T.Array("int64", 1), helper("lu_pivots"), elementwise=False,
        nondiff=True, costly=True, shape=lambda q, args, p: q.shape(args[0])[:1],
        batch=_ONE_MATRIX)
defprim("lu_perm", 1, lambda piv: T.Array("int64", 1), helper("lu_perm"), elementwise=False,
        nondiff=True, shape=D.like(0), batch=_ONE_MATRIX)


@lowers(scipy.linalg.lu_factor)
def _lower_lu_factor(lowerer, node, a):
    """(lu, piv): SciPy's values (piv as int64); ``lu`` differentiable (above)."""
    _constant_flags(lowerer, a, ("overwrite_a", "check_finite"))
    A = _square(lowerer, node, lowerer.atom(a["a"]), "scipy.linalg.lu_factor")
    piv = lowerer.op(node, "lu_pivots", A)
    Ap = lowerer.lower_text("a[perm]", node, a=A, perm=lowerer.op(node, "lu_perm", piv))
    return (lowerer.op(node, "lu_packed", Ap, A), piv)


@lowers(scipy.linalg.lu_solve)
def _lower_lu_solve(lowerer, node, a):
    """x from lu_factor's (lu, piv): a x = b (trans 0) or a^T x = b (trans 1 or 2)."""
    fname = "scipy.linalg.lu_solve"
    _constant_flags(lowerer, a, ("overwrite_b", "check_finite"))
    pair = lowerer.expr(a["lu_and_piv"])
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise lowerer.err(a["lu_and_piv"], f"{fname} needs the pair (lu, piv)",
                          "Pass what scipy.linalg.lu_factor returned.")
    LU = _square(lowerer, node, pair[0], fname)
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    LU, B = _same_float(lowerer, [LU, B], node)
    e = a.get("trans")
    if isinstance(e, ast.Constant) and isinstance(e.value, str):     # SciPy's dgetrs: ints only
        raise lowerer.err(e, f"{fname}: trans must be 0, 1 or 2 (SciPy takes no letters here)")
    trans = _trans_arg(lowerer, e, fname)
    text = ("y = tri(lu.T, b, lower=True)\nz = tri(lu.T, y, lower=False, unit_diagonal=True)\n"
            "z[np.argsort(perm)]\n") if trans else \
        ("y = tri(lu, b[perm], lower=True, unit_diagonal=True)\ntri(lu, y, lower=False)\n")
    return lowerer.lower_text(text, node, lu=LU, b=B, perm=lowerer.op(node, "lu_perm", pair[1]),
                              tri=Ref(scipy.linalg.solve_triangular))


# ======================================================================= solve, inv, det

def _constant_flags(lowerer, a, names):
    """Flags with no effect on the values (overwrite_*, check_finite): constants, or a
    CompileError at the argument."""
    for name in names:
        _flag(lowerer, a, name, False)


def _const_str(lowerer, a, name, fname):
    e = a.get(name)
    if e is None:
        return None
    v = e.value if isinstance(e, ast.Constant) else lowerer.expr(e)
    v = v.value if isinstance(v, Const) else v
    v = v.obj if isinstance(v, Ref) else v
    if v is None or isinstance(v, str):
        return v
    raise lowerer.err(e, f"{fname}: {name} must be a constant string (or None)")


# assume_a -> what SciPy's solver reads of a
_STRUCTURES = {None: "gen", "gen": "gen", "general": "gen", "banded": "gen",
               "sym": "sym", "symmetric": "sym", "her": "sym", "hermitian": "sym",
               "pos": "pos", "positive definite": "pos", "diagonal": "diagonal",
               "tridiagonal": "tridiagonal", "upper triangular": "upper",
               "lower triangular": "lower"}


def _structure(lowerer, a, fname):
    s = _const_str(lowerer, a, "assume_a", fname)
    if s not in _STRUCTURES:
        raise lowerer.err(a["assume_a"], f"{fname}: assume_a={s!r} is not a matrix structure "
                          "SciPy knows", "Use one of " + ", ".join(repr(k) for k in _STRUCTURES))
    return _STRUCTURES[s]


def _square_2d(lowerer, node, a, fname):
    x = lowerer.atom(a["a"])
    if T.is_array(x.type) and x.type.ndim > 2:
        raise lowerer.err(a["a"], f"{fname} is supported on 2-D arrays here (got a stack)",
                          "Loop over the leading axes, or use the np.linalg function.")
    return _square(lowerer, node, x, fname)


def _structured_solve(lowerer, node, A, B, kind, lower, transposed):
    """x = M^-1 B, M what SciPy's solver for ``kind`` reads of A (transposed: M^T)."""
    a_t = "a.T" if transposed else "a"
    trans = 1 if transposed else 0
    text = {
        "gen": f"np.linalg.solve({a_t}, b)",
        "sym": "np.linalg.solve(mirror, b)",
        "pos": f"sl.cho_solve(sl.cho_factor(a, lower={lower}), b)",
        "diagonal": "sl.solve_triangular(np.diag(np.diag(a)), b, lower=True)",
        "tridiagonal": f"np.linalg.solve(np.tril(np.triu({a_t}, -1), 1), b)",
        "upper": f"sl.solve_triangular(a, b, lower=False, trans={trans})",
        "lower": f"sl.solve_triangular(a, b, lower=True, trans={trans})",
    }[kind]
    values = dict(a=A, b=B, sl=Ref(scipy.linalg))
    if kind == "sym":          # symmetric: transposed changes nothing
        values["mirror"] = lowerer.op(node, "mirror_triangle", A, lower=lower)
    return lowerer.lower_text(text, node, **values)


@lowers(scipy.linalg.solve)
def _lower_scipy_solve(lowerer, node, a):
    fname = "scipy.linalg.solve"
    _constant_flags(lowerer, a, ("overwrite_a", "overwrite_b", "check_finite"))
    kind = _structure(lowerer, a, fname)
    A = _square_2d(lowerer, node, a, fname)
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    A, B = _same_float(lowerer, [A, B], node)
    return _structured_solve(lowerer, node, A, B, kind, _flag(lowerer, a, "lower", False),
                             _flag(lowerer, a, "transposed", False))


@lowers(scipy.linalg.inv)
def _lower_scipy_inv(lowerer, node, a):
    """The solve of the identity by the matrix SciPy's assume_a reads (np.linalg.inv for the
    whole matrix)."""
    fname = "scipy.linalg.inv"
    _constant_flags(lowerer, a, ("overwrite_a", "check_finite"))
    kind = _structure(lowerer, a, fname)
    A = _square_2d(lowerer, node, a, fname)
    if kind == "gen":
        return lowerer.op(node, "inv", A)
    A, eye = _same_float(lowerer, [A, lowerer.lower_text("np.eye(a.shape[0])", node, a=A)], node)
    return _structured_solve(lowerer, node, A, eye, kind, _flag(lowerer, a, "lower", False), False)


@lowers(scipy.linalg.det)
def _lower_scipy_det(lowerer, node, a):
    """np.linalg.det's value and rules (stacks of matrices too, as SciPy's)."""
    _constant_flags(lowerer, a, ("overwrite_a", "check_finite"))
    return lowerer.lower_text("np.linalg.det(a)", node, a=lowerer.atom(a["a"]))


# ======================================================================= least squares

def _lstsq_vjp_a(b, g, out, A, B, rcond=None):
    P = b.pinv(A)
    G = b.outer(g, B) if B.type.ndim == 1 else b.matmul(g, b.transpose(B))   # x = P B
    return _pinv_vjp(b, G, P, A)


def _lstsq_vjp_b(b, g, out, A, B, rcond=None):
    return b.matmul(b.transpose(b.pinv(A)), g)


def _lstsq_jvp(b, tans, out, A, B, rcond=None):
    tA, tB = tans
    if tA is None and tB is None:
        return None
    P = b.pinv(A)
    parts = ([] if tA is None else [b.matmul(_pinv_jvp(b, tA, P, A), B)]) + \
        ([] if tB is None else [b.matmul(P, tB)])
    return parts[0] if len(parts) == 1 else b.add(*parts)


def _rcond_text(a, p):
    return f"{a[0]}, {a[1]}, {p.get('rcond')!r}"


# runtime/support.py: np.linalg.lstsq (LAPACK ?gelsd), as NumPy computes it, on both targets
defprim("lstsq", 2, lambda a, c, rcond=None: _solve_type(a, c),
        _fmt(lambda a, p: f"lstsq_x({_rcond_text(a, p)})", "lstsq_x"), elementwise=False,
        costly=True, shape=lambda q, args, p: q.shape(args[0])[1:2] + q.shape(args[1])[1:],
        vjp=(_lstsq_vjp_a, _lstsq_vjp_b), jvp_joint=_lstsq_jvp, batch=_ONE_MATRIX)
defprim("lstsq_rank", 2, lambda a, c, rcond=None: T.I64,
        _fmt(lambda a, p: f"lstsq_rank({_rcond_text(a, p)})", "lstsq_rank"), elementwise=False,
        nondiff=True, costly=True, shape=lambda q, args, p: (), batch=_ONE_MATRIX)


def _lstsq(lowerer, node, a, rcond, fname, scalar_residues):
    A = lowerer.atom(a["a"])
    if not (T.is_array(A.type) and A.type.ndim == 2):
        raise lowerer.err(a["a"], f"{fname} needs a 2-D array a here",
                          "Loop over the leading axes for a stack of matrices.")
    A = _float(lowerer, A, node)
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    A, B = _same_float(lowerer, [A, B], node)
    x = lowerer.op(node, "lstsq", A, B, rcond=rcond)
    rank = lowerer.op(node, "lstsq_rank", A, B, rcond=rcond)
    s = lowerer.lower_text("np.linalg.svdvals(a)", node, a=A)
    if scalar_residues and B.type.ndim == 1:
        res = Unreadable(f"{fname}'s residues for a 1-D b are a number or an empty array, as "
                         "the rank found at run time says; flatgrad cannot type that",
                         "Compute them from the solution: np.sum((b - a @ x) ** 2), or pass b "
                         "as a column, b[:, None].")
        return (x, res, rank, s)
    res = lowerer.lower_text(
        "r = b - a @ x\n"
        f"ss = np.sum(r * r, {'axis=0' if B.type.ndim == 2 else 'keepdims=True'})\n"
        "k = ss.shape[0] if rank == a.shape[1] and a.shape[0] > a.shape[1] else 0\n"
        "ss[:k]\n", node, a=A, b=B, x=x, rank=rank)
    return (x, res, rank, s)


def _rcond_value(lowerer, e, fname, name):
    if e is None or (isinstance(e, ast.Constant) and e.value is None):
        return None
    v = lowerer.expr(e)
    if isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return float(v.value)
    raise lowerer.err(e, f"{fname}: {name} must be a constant number or None")


@lowers(np.linalg.lstsq)
def _lower_lstsq(lowerer, node, a):
    """(x, residuals, rank, s) as NumPy's (rcond None: eps * max(m, n))."""
    fname = "np.linalg.lstsq"
    return _lstsq(lowerer, node, a, _rcond_value(lowerer, a.get("rcond"), fname, "rcond"),
                  fname, False)


@lowers(scipy.linalg.lstsq)
def _lower_scipy_lstsq(lowerer, node, a):
    """(x, residues, rank, s) as SciPy's with its SVD drivers (cond None: eps)."""
    fname = "scipy.linalg.lstsq"
    _constant_flags(lowerer, a, ("overwrite_a", "overwrite_b", "check_finite"))
    driver = _const_str(lowerer, a, "lapack_driver", fname)
    if driver not in (None, "gelsd", "gelss"):
        raise lowerer.err(a["lapack_driver"], f"{fname}: lapack_driver={driver!r} is not "
                          "supported", "Use the default ('gelsd') or 'gelss' (both by the SVD).")
    cond = _rcond_value(lowerer, a.get("cond"), fname, "cond")
    if cond is None:
        A = lowerer.atom(a["a"])
        dt = A.type.dtype if T.is_array(A.type) and A.type.dtype in T.FLOATS else "float64"
        cond = float(np.finfo(dt).eps)
    return _lstsq(lowerer, node, a, cond, fname, True)


@lowers(scipy.linalg.solve_banded)
def _lower_solve_banded(lowerer, node, a):
    """The matrix the band storage holds (``A[i, j] = ab[u + i - j, j]``: row ``k`` of ``ab``
    is the diagonal ``u - k``), made dense and solved: the solution SciPy's LAPACK ``?gbsv``
    finds, to rounding (its band LU with partial pivoting pivots as the dense one does)."""
    fname = "scipy.linalg.solve_banded"
    _constant_flags(lowerer, a, ("overwrite_ab", "overwrite_b", "check_finite"))
    lu = lowerer.expr(a["l_and_u"])
    if not (isinstance(lu, tuple) and len(lu) == 2 and all(
            isinstance(c, Const) and isinstance(c.value, int) and c.value >= 0 for c in lu)):
        raise lowerer.err(a["l_and_u"], f"{fname}: (l, u) must be two integers known while "
                          "compiling")
    low, up = (c.value for c in lu)
    ab = lowerer.atom(a["ab"])
    if not (T.is_array(ab.type) and ab.type.ndim == 2):
        raise lowerer.err(a["ab"], f"{fname}: ab must be a 2-D array (the band storage)")
    diagonals = " + ".join(
        f"np.diag(ab[{k}, {up - k}:], {up - k})" if up - k >= 0 else
        f"np.diag(ab[{k}, :{up - k}], {up - k})" for k in range(low + up + 1))
    text = (f"if ab.shape[0] != {low + up + 1}:\n"
            f"    raise ValueError('invalid values for the number of lower and upper diagonals:"
            f" l+u+1 ({low + up + 1}) does not equal ab.shape[0]')\n"
            f"np.linalg.solve({diagonals}, b)")
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    ab, B = _same_float(lowerer, [ab, B], node)
    return lowerer.lower_text(text, node, ab=ab, b=B)
