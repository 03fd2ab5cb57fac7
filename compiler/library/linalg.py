"""Linear algebra: np.linalg.solve/inv/det/slogdet/cholesky/norm,
scipy.linalg.solve_triangular/cholesky/cho_factor/cho_solve, np.trace/diag/tril/triu,
np.kron (docs/linalg.md); np.einsum, np.tensordot and products of stacks are in einsum.py.

The classic matrix rules (x = A^-1 b):

* solve: grad_b = solve(A^T, g), grad_A = -grad_b x^T; tangent solve(A, t_b - t_A x)
* inv:   grad_A = -A^-T g A^-T;  tangent -A^-1 t A^-1
* det:   grad_A = g adj(A)^T: det(A) A^-T, or from the SVD at a singular A (``cofactor``);
  slogdet: grad_A = g A^-T (the sign has no gradient)
* solve_tri (x = A^-1 b, A triangular): grad_b = A^-T g (a triangular solve the other way),
  grad_A = -tril(grad_b x^T) (triu for an upper A; without the diagonal for a unit one)
* cholesky (A = L L^T, L lower): Iain Murray's rule (arXiv:1602.07527), as autograd and JAX
  write it: grad_A = sym_L^T(L^-T Phi(L^T g) L^-1) (two triangular solves), Phi = the lower
  triangle with its diagonal halved. The function reads only A's lower triangle, so the
  gradient is that of the function NumPy computes: sym_L^T(S) = tril(S) + tril(S^T, -1)
  (zero above the diagonal), and a tangent t enters as sym_L(t) (see _triangle_adjoint).

At a singular matrix, solve/inv/slogdet raise NumPy's LinAlgError (in the forward pass for
solve/inv, in the backward pass for slogdet, whose gradient needs A^-1); det's gradient is
exact there (the adjugate, as JAX's), its second derivatives raise.

eigh and eigvalsh are in eigh.py (which shares the one-triangle rules here), the SVD in
svd.py, the pseudo-inverse in pinv.py.
"""
from __future__ import annotations

import ast
import math

import numpy as np
import scipy.linalg

from .. import dims as D
from .. import types as T
from ..ir import Const, Op, Var
from ..primitives import NO_BATCH_INT, P_ATOM, Spelling, call, defprim, helper

# NumPy's linear algebra takes stacks of matrices, Numba's one matrix at a time
_ONE_MATRIX = "one matrix at a time under Numba (the loop method maps it)"
from .registry import lowers


def _float_type(x):
    return T.with_dtype(x, x.dtype if x.dtype in T.FLOATS else "float64")


def _scalar_of(x):
    return T.Scalar(x.dtype if x.dtype in T.FLOATS else "float64")


def _fmt(fmt, helper=None):
    """A spelling from a format over the argument texts and params (``{k}`` ...), which
    may call the runtime helper ``helper``."""
    spell = (lambda a, p: fmt(a, p))
    return Spelling(spell, spell, P_ATOM, (1,), helpers=(helper,) if helper else ())


# ======================================================================= solve & co.

def _solve_type(a, c):
    return T.Array(T.promote_dtype(_float_type(a).dtype, _float_type(c).dtype), c.ndim)


def _solve_vjp_b(b, g, out, A, B):
    return b.solve(b.transpose(A), g)


def _solve_vjp_a(b, g, out, A, B):
    gb = b.solve(b.transpose(A), g)
    if B.type.ndim == 1:
        return b.neg(b.outer(gb, out))
    return b.neg(b.matmul(gb, b.transpose(out)))


def _solve_jvp(b, tans, out, A, B):
    tA, tB = tans
    if tA is None and tB is None:
        return None
    r = tB
    if tA is not None:
        m = b.matmul(tA, out)
        r = b.neg(m) if r is None else b.sub(r, m)
    return b.solve(A, r)


defprim("solve", 2, _solve_type, call("np.linalg.solve", arity=2), elementwise=False,
        costly=True, shape=lambda q, args, p: q.shape(args[0])[1:2] + q.shape(args[1])[1:],
        vjp=(_solve_vjp_a, _solve_vjp_b), jvp_joint=_solve_jvp,
        batch=_ONE_MATRIX)


def _inv_t(b, A):
    return b.transpose(b.inv(A))


defprim("inv", 1, _float_type, call("np.linalg.inv"), elementwise=False, costly=True,
        shape=D.like(0),
        vjp=(lambda b, g, out, A: b.neg(b.matmul(b.matmul(b.transpose(out), g), b.transpose(out))),),
        jvp=(lambda b, t, out, A: b.neg(b.matmul(b.matmul(out, t), out)),),
        batch=_ONE_MATRIX)
def _cofactor_jvp(b, t, out, A):
    """d(det(A) A^-T) = tr(A^-1 dA) C - C dA^T A^-T, with C = det(A) A^-T (invertible A)."""
    inv_t = _inv_t(b, A)
    return b.sub(b.mul(b.sum(b.mul(inv_t, t)), out), b.matmul(b.matmul(out, b.transpose(t)), inv_t))


def _cofactor_vjp(b, g, out, A):
    """The adjoint of the same: <G, C> A^-T - A^-T G^T C."""
    inv_t = _inv_t(b, A)
    return b.sub(b.mul(b.sum(b.mul(g, out)), inv_t), b.matmul(b.matmul(inv_t, b.transpose(g)), out))


# adj(A)^T, det's derivative: det(A) A^-T, or from the SVD where det(A) == 0 (runtime/support.py);
# its own derivative needs A^-1 (second derivatives of det at a singular matrix raise)
defprim("cofactor", 1, _float_type, helper("cofactor"), elementwise=False, costly=True,
        shape=D.like(0), vjp=(_cofactor_vjp,), jvp=(_cofactor_jvp,),
        batch=_ONE_MATRIX)
defprim("det", 1, _scalar_of, call("np.linalg.det"), elementwise=False, costly=True,
        shape=lambda q, args, p: (),
        vjp=(lambda b, g, out, A: b.mul(g, b.cofactor(A)),),
        jvp=(lambda b, t, out, A: b.sum(b.mul(b.cofactor(A), t)),), reads_output=False,
        batch=_ONE_MATRIX)
defprim("slogdet", 1, _scalar_of, _fmt(lambda a, p: f"np.linalg.slogdet({a[0]})[1]"),
        elementwise=False, costly=True, shape=lambda q, args, p: (),
        vjp=(lambda b, g, out, A: b.mul(g, _inv_t(b, A)),),
        jvp=(lambda b, t, out, A: b.sum(b.mul(_inv_t(b, A), t)),),
        batch=_ONE_MATRIX)
defprim("slogdet_sign", 1, _scalar_of, _fmt(lambda a, p: f"np.linalg.slogdet({a[0]})[0]"),
        elementwise=False, nondiff=True, shape=lambda q, args, p: (),
        batch=_ONE_MATRIX)


# ---- cholesky

def _phi(b, X):
    """The lower triangle of X with its diagonal halved."""
    return b.tril_halved(X)


# np.linalg.cholesky and eigh read one triangle of A only: the function they compute is
# f(sym_L(A)), sym_L(A) = tril(A) + tril(A, -1)^T, the same for any upper triangle (or, reading
# the upper one, f(sym_U(A)), sym_U(A) = triu(A) + triu(A, 1)^T). So a tangent t enters as
# sym_L(t), and an adjoint G (of which only the symmetric part counts, since sym_L's values
# are symmetric) leaves as sym_L^T(G) = tril(G) + tril(G^T, -1), zero above the diagonal:
# <G, sym_L(t)> = <tril(G), t> + <tril(G^T, -1), t>. That is the derivative of the function
# NumPy computes, at any square A (a symmetric adjoint there would be wrong wherever A is not
# symmetric). For the upper triangle (eigh's UPLO='U') the same with triu and k = +1; SciPy's
# upper Cholesky factor is the lower factor of A^T, transposed, so it gets its rule from the
# transposes around the call.

def _triangle_tangent(b, t, lower=True):
    """sym_L(t) = tril(t) + tril(t, -1)^T: the read triangle of t mirrored (sym_U, with
    triu(t) + triu(t, 1)^T, for the upper one); one pass (``mirror_triangle``)."""
    return b.mirror_triangle(t, lower=lower)


def _triangle_adjoint(b, G, lower=True):
    """sym_L^T(G) = tril(G) + tril(G^T, -1), the adjoint of _triangle_tangent (sym_U^T(G) =
    triu(G) + triu(G^T, 1) for the upper triangle): zero on the triangle never read; one
    pass (``fold_triangle``)."""
    return b.fold_triangle(G, lower=lower)


# the two linear maps above, each the other's adjoint, as one pass over the matrix each
for _name, _adjoint in (("mirror_triangle", "fold_triangle"), ("fold_triangle", "mirror_triangle")):
    defprim(_name, 1, lambda x, lower: x,
            _fmt(lambda a, p, n=_name: f"{n}({a[0]}, {p['lower']})", _name),
            elementwise=False, allocates=True, reads_values=False, shape=D.like(0),
            vjp=(lambda b, g, out, x, lower, f=_adjoint: getattr(b, f)(g, lower=lower),),
            jvp=(lambda b, t, out, x, lower, f=_name: getattr(b, f)(t, lower=lower),),
            batch=_ONE_MATRIX)


def _cholesky_vjp(b, g, L, A):
    P = _phi(b, b.tri_matmul(b.transpose(L), g, lower=False))                  # L^T g (BLAS trmm)
    X = b.solve_tri(b.transpose(L), P, lower=False, unit=False)                 # L^-T P
    S = b.transpose(b.solve_tri(b.transpose(L), b.transpose(X), lower=False, unit=False))
    return _triangle_adjoint(b, S)                                                 # L^-T P L^-1


def _cholesky_jvp(b, t, L, A):
    ts = _triangle_tangent(b, t)
    M = b.solve_tri(L, b.transpose(b.solve_tri(L, ts, lower=True, unit=False)), lower=True,
                    unit=False)                                                    # L^-1 ts L^-T
    return b.matmul(L, _phi(b, M))


defprim("cholesky", 1, _float_type, call("np.linalg.cholesky"), elementwise=False, costly=True,
        shape=D.like(0), vjp=(_cholesky_vjp,), jvp=(_cholesky_jvp,),
        batch=_ONE_MATRIX)


# ---- triangular solves: x = A^-1 B reading one triangle of A (its diagonal as ones if unit)

def _tri_mask(b, X, lower, unit):
    """The part of X that the triangular A of a solve reads (so its adjoint lives there)."""
    k = (-1 if lower else 1) if unit else 0
    return b.tril(X, k=k) if lower else b.triu(X, k=k)


def _solve_tri_vjp_a(b, g, out, A, B, lower, unit):
    gb = b.solve_tri(b.transpose(A), g, lower=not lower, unit=unit)
    prod = b.outer(gb, out) if B.type.ndim == 1 else b.matmul(gb, b.transpose(out))
    return b.neg(_tri_mask(b, prod, lower, unit))


def _solve_tri_vjp_b(b, g, out, A, B, lower, unit):
    return b.solve_tri(b.transpose(A), g, lower=not lower, unit=unit)


def _solve_tri_jvp(b, tans, out, A, B, lower, unit):
    tA, tB = tans
    if tA is None and tB is None:
        return None
    r = tB
    if tA is not None:
        m = b.matmul(_tri_mask(b, tA, lower, unit), out)
        r = b.neg(m) if r is None else b.sub(r, m)
    return b.solve_tri(A, r, lower=lower, unit=unit)


# runtime/support.py: scipy.linalg.solve_triangular, or substitution loops under Numba
defprim("solve_tri", 2, lambda a, c, lower, unit: _solve_type(a, c),
        _fmt(lambda a, p: f"solve_tri({a[0]}, {a[1]}, {p['lower']}, {p['unit']})", "solve_tri"),
        elementwise=False, costly=True, shape=D.like(1),
        vjp=(_solve_tri_vjp_a, _solve_tri_vjp_b), jvp_joint=_solve_tri_jvp, batch=_ONE_MATRIX)


# ---- tri(A) @ B reading one triangle of A (BLAS ?trmm: half the flops of @): Murray's L^T g

def _tri_matmul_jvp(b, tans, out, A, B, lower):
    tA, tB = tans
    parts = ([] if tA is None else [b.tri_matmul(tA, B, lower=lower)]) + \
        ([] if tB is None else [b.tri_matmul(A, tB, lower=lower)])
    return None if not parts else parts[0] if len(parts) == 1 else b.add(*parts)


# runtime/support.py: scipy.linalg.blas ?trmm; runtime/numba_blas.py under Numba
defprim("tri_matmul", 2, lambda a, c, lower: _solve_type(a, c),
        _fmt(lambda a, p: f"tri_matmul({a[0]}, {a[1]}, {p['lower']})", "tri_matmul"),
        elementwise=False, costly=True,
        shape=lambda q, args, p: q.shape(args[0])[0:1] + q.shape(args[1])[1:],
        vjp=(lambda b, g, out, A, B, lower: _tri_mask(b, b.matmul(g, b.transpose(B)), lower, False),
             lambda b, g, out, A, B, lower: b.tri_matmul(b.transpose(A), g, lower=not lower)),
        jvp_joint=_tri_matmul_jvp, batch=_ONE_MATRIX)


# ======================================================================= triangles, diagonals

def _k_text(p):
    k = p.get("k", 0)
    return f", {k}" if k else ""


# linear in x with the same map for the adjoint and the tangent (the mask is its own transpose)
defprim("tril", 1, lambda x, k=0: x, _fmt(lambda a, p: f"np.tril({a[0]}{_k_text(p)})"),
        elementwise=False, reads_values=False, shape=D.like(0),
        vjp=(lambda b, g, out, x, k=0: b.tril(g, k=k),),
        jvp=(lambda b, t, out, x, k=0: b.tril(t, k=k),),
        batch=_ONE_MATRIX)
defprim("triu", 1, lambda x, k=0: x, _fmt(lambda a, p: f"np.triu({a[0]}{_k_text(p)})"),
        elementwise=False, reads_values=False, shape=D.like(0),
        vjp=(lambda b, g, out, x, k=0: b.triu(g, k=k),),
        jvp=(lambda b, t, out, x, k=0: b.triu(t, k=k),),
        batch=_ONE_MATRIX)

# Murray's Phi: a mask (the lower triangle, the diagonal by 1/2), so its own adjoint and tangent
defprim("tril_halved", 1, lambda x: x, helper("tril_halved"), elementwise=False,
        reads_values=False, shape=D.like(0),
        vjp=(lambda b, g, out, x: b.tril_halved(g),), jvp=(lambda b, t, out, x: b.tril_halved(t),),
        batch=_ONE_MATRIX)

# np.diag of a vector: the matrix with it on diagonal k
defprim("diag", 1, lambda v, k=0: T.Array(v.dtype, 2), _fmt(lambda a, p: f"np.diag({a[0]}{_k_text(p)})"),
        elementwise=False, fresh=True, reads_values=False,
        shape=lambda q, args, p: (q.shape(args[0])[0],) * 2 if not p.get("k") else None,
        vjp=(lambda b, g, out, v, k=0: b.diagonal(g, k=k),),
        jvp=(lambda b, t, out, v, k=0: b.diag(t, k=k),),
        batch=_ONE_MATRIX)
# diagonal k of a matrix (np.diag of a matrix, np.diagonal): its adjoint puts the adjoint
# back on that diagonal of a zero matrix shaped like x
defprim("diagonal", 1, lambda x, k=0: T.Array(x.dtype, 1),
        _fmt(lambda a, p: f"np.diag({a[0]}{_k_text(p)})"), elementwise=False, view=True,
        read_only=True, reads_values=False,
        vjp=(lambda b, g, out, x, k=0: b.diag_embed(g, x, k=k),),
        jvp=(lambda b, t, out, x, k=0: b.diagonal(t, k=k),),
        batch=_ONE_MATRIX)
defprim("diag_embed", 2, lambda g, like, k=0: T.Array(g.dtype, 2),
        _fmt(lambda a, p: f"diag_embed({a[0]}, {a[1]}, {p.get('k', 0)})", "diag_embed"),
        elementwise=False,
        fresh=True, reads_values=False, shape=D.like(1),
        vjp=(lambda b, g, out, v, like, k=0: b.diagonal(g, k=k), None),
        jvp=(lambda b, t, out, v, like, k=0: b.diag_embed(t, like, k=k), None),
        batch=_ONE_MATRIX)


# ======================================================================= lowerings

def _float(lowerer, x, node):
    if not (T.is_array(x.type) or isinstance(x.type, T.Scalar)):
        raise lowerer.err(node, "expected an array here")
    if x.type.dtype in T.FLOATS:
        return x
    return lowerer.cast(x, T.with_dtype(x.type, "float64"), node)


def _float_arrays(lowerer, args, names, ndims=None):
    """The bound arguments ``names``, each an array (of ``ndims[k]`` dimensions, if given)
    made float."""
    fname, out = args.fname, []
    for k, e in enumerate(args[n] for n in names):
        x = lowerer.atom(e)
        if not T.is_array(x.type):
            raise lowerer.err(e, f"{fname} needs an array here, got a number")
        if ndims is not None and x.type.ndim not in ndims[k]:
            want = " or ".join(f"{d}-D" for d in ndims[k])
            raise lowerer.err(e, f"{fname} is supported on {want} arrays here (got {x.type.ndim}-D)",
                         "Loop over the leading axes, or write the batch with np.einsum.")
        out.append(_float(lowerer, x, e))
    return out


def _same_float(lowerer, xs, node):
    dt = T.promote_dtype(*(x.type.dtype for x in xs))
    return [x if x.type.dtype == dt else lowerer.cast(x, T.with_dtype(x.type, dt), node) for x in xs]


@lowers(np.linalg.solve)
def _lower_solve(lowerer, node, args):
    """np.linalg.solve; where A is known to be triangular (a Cholesky factor, np.tril/np.triu
    of a matrix, or the transpose of one) the triangular solve, the same x in O(n^2)."""
    A, B = _float_arrays(lowerer, args, ("a", "b"), ((2,), (1, 2)))
    A, B = _same_float(lowerer, [A, B], node)
    lower = _known_triangle(lowerer, A)
    if lower is not None:
        return lowerer.op(node, "solve_tri", A, B, lower=lower, unit=False)
    return lowerer.op(node, "solve", A, B)


def _producer(lowerer, v):
    """The op of the block being built that defines ``v`` (None: another block's, a parameter)."""
    if not isinstance(v, Var):
        return None
    for st in reversed(lowerer.b.stmts):
        if isinstance(st, Op) and any(o.id == v.id for o in st.outs):
            return st
    return None


def _known_triangle(lowerer, A):
    """True if A is lower triangular by construction, False if upper, None if not known."""
    st = _producer(lowerer, A)
    if st is None:
        return None
    if st.prim == "cholesky":
        return True
    if st.prim in ("tril", "triu") and st.param("k", 0) == 0:
        return st.prim == "tril"
    if st.prim == "transpose" and st.param("axes") is None:
        inner = _known_triangle(lowerer, st.args[0])
        return None if inner is None else not inner
    return None


@lowers(np.linalg.inv)
def _lower_inv(lowerer, node, args):
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    return lowerer.op(node, "inv", A)


@lowers(np.linalg.matrix_power, takes="a n")
def _lower_matrix_power(lowerer, node, args):
    """A square matrix to a power known while compiling: products by repeated squaring
    (n < 0: of the inverse; n = 0: the identity of its size)."""
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    n = lowerer.const_int(args["n"])
    if n < 0:
        A, n = lowerer.op(node, "inv", A), -n
    if n == 0:
        return lowerer.op(node, "eye", lowerer.op(node, "dim", A, axis=0))
    out, square = None, A
    while n:
        if n & 1:
            out = square if out is None else lowerer.op(node, "matmul", out, square)
        n >>= 1
        if n:
            square = lowerer.op(node, "matmul", square, square)
    return out


@lowers(np.linalg.det)
def _lower_det(lowerer, node, args):
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    return lowerer.op(node, "det", A)


@lowers(np.linalg.slogdet)
def _lower_slogdet(lowerer, node, args):
    """(sign, logabsdet): a tuple of two values; the gradient flows through logabsdet."""
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    return (lowerer.op(node, "slogdet_sign", A), lowerer.op(node, "slogdet", A))


@lowers(np.linalg.cholesky)
def _lower_cholesky(lowerer, node, args):
    upper = args["upper"]
    if upper is not None and not (isinstance(upper, ast.Constant) and upper.value is False):
        raise lowerer.err(node, "np.linalg.cholesky(..., upper=True) is not supported",
                     "Use np.linalg.cholesky(A).T (the lower factor, transposed).")
    (A,) = _float_arrays(lowerer, args, ("a",), ((2,),))
    return lowerer.op(node, "cholesky", A)


# ---- scipy.linalg: triangular solves and Cholesky factors
# (their overwrite_a/overwrite_b/check_finite arguments are accepted: no effect on the values)

def _flag(lowerer, a, name, default):
    return lowerer.const_bool(a[name]) if name in a else default


def _square(lowerer, node, x, fname):
    if not (T.is_array(x.type) and x.type.ndim == 2):
        raise lowerer.err(node, f"{fname} needs a 2-D (square) array here",
                     "Loop over the leading axes for a stack of matrices.")
    return _float(lowerer, x, node)


def _rhs(lowerer, node, x, fname):
    if not (T.is_array(x.type) and x.type.ndim in (1, 2)):
        raise lowerer.err(node, f"{fname}: b must be a 1-D or 2-D array here")
    return _float(lowerer, x, node)


def _trans_arg(lowerer, e, fname="solve_triangular"):
    """scipy's trans: 0/'N' (a x = b), 1/'T' or 2/'C' (a^T x = b; the same for real a)."""
    if e is None:
        return False
    v = e.value if isinstance(e, ast.Constant) else lowerer.expr(e)
    v = v.value if isinstance(v, Const) else v
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        v = None
    if v in (0, "N", "n"):
        return False
    if v in (1, 2, "T", "t", "C", "c"):
        return True
    raise lowerer.err(e, f"{fname}: trans must be a constant 0, 1, 2, 'N', 'T' or 'C'")


def _tri_solve(lowerer, node, A, B, lower, trans, unit):
    A, B = _same_float(lowerer, [A, B], node)
    if trans:                             # a^T x = b: a^T is triangular the other way
        A, lower = lowerer.op(node, "transpose", A), not lower
    return lowerer.op(node, "solve_tri", A, B, lower=lower, unit=unit)


@lowers(scipy.linalg.solve_triangular)
def _lower_solve_triangular(lowerer, node, a):
    fname = "scipy.linalg.solve_triangular"
    A = _square(lowerer, node, lowerer.atom(a["a"]), fname)
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    return _tri_solve(lowerer, node, A, B, _flag(lowerer, a, "lower", False),
                      _trans_arg(lowerer, a.get("trans")), _flag(lowerer, a, "unit_diagonal", False))


def _cholesky_factor(lowerer, node, A, lower):
    """L (lower, reading A's lower triangle) or U = L^T with U^T U = A reading A's upper
    triangle (SciPy's default): the lower factor of A^T, transposed."""
    if lower:
        return lowerer.op(node, "cholesky", A)
    return lowerer.op(node, "transpose", lowerer.op(node, "cholesky", lowerer.op(node, "transpose", A)))


@lowers(scipy.linalg.cholesky)
def _lower_scipy_cholesky(lowerer, node, a):
    fname = "scipy.linalg.cholesky"
    A = _square(lowerer, node, lowerer.atom(a["a"]), fname)
    return _cholesky_factor(lowerer, node, A, _flag(lowerer, a, "lower", False))


@lowers(scipy.linalg.cho_factor)
def _lower_cho_factor(lowerer, node, a):
    """(c, lower): c the factor with zeros in its other triangle (SciPy leaves arbitrary
    values there, which cho_solve never reads)."""
    fname = "scipy.linalg.cho_factor"
    A = _square(lowerer, node, lowerer.atom(a["a"]), fname)
    lower = _flag(lowerer, a, "lower", False)
    return (_cholesky_factor(lowerer, node, A, lower), Const(lower, T.BOOL))


@lowers(scipy.linalg.cho_solve)
def _lower_cho_solve(lowerer, node, a):
    """x = A^-1 b from cho_factor's (c, lower): two triangular solves."""
    fname = "scipy.linalg.cho_solve"
    pair = lowerer.expr(a["c_and_lower"])
    if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], Const)
            and isinstance(pair[1].value, bool)):
        raise lowerer.err(a["c_and_lower"], f"{fname} needs (c, lower) with lower a constant bool",
                     "Pass what scipy.linalg.cho_factor returned, or (c, True) / (c, False).")
    C = _square(lowerer, node, pair[0], fname)
    B = _rhs(lowerer, node, lowerer.atom(a["b"]), fname)
    lower = pair[1].value
    y = _tri_solve(lowerer, node, C, B, lower, not lower, False)     # L y = b  (U^T y = b)
    return _tri_solve(lowerer, node, C, y, lower, lower, False)      # L^T x = y  (U x = y)


def _k_arg(lowerer, args, name):
    k_node = args[name]
    return 0 if k_node is None else lowerer.const_int(k_node)


@lowers(np.tril)
def _lower_tril(lowerer, node, args):
    return _lower_tri(lowerer, node, args, "tril")


@lowers(np.triu)
def _lower_triu(lowerer, node, args):
    return _lower_tri(lowerer, node, args, "triu")


def _lower_tri(lowerer, node, args, fname):
    x = lowerer.atom(args["m"])
    if not T.is_array(x.type) or x.type.ndim < 2:
        raise lowerer.err(node, f"np.{fname} is supported on arrays of 2 or more dimensions",
                     "Build the matrix first (e.g. np.outer(np.ones(n), v)).")
    return lowerer.op(node, fname, x, k=_k_arg(lowerer, args, "k"))


@lowers(np.diag)
def _lower_diag(lowerer, node, args):
    x = lowerer.atom(args["v"])
    k = _k_arg(lowerer, args, "k")
    if T.is_array(x.type) and x.type.ndim == 1:
        return lowerer.op(node, "diag", x, k=k)
    if T.is_array(x.type) and x.type.ndim == 2:
        return lowerer.op(node, "diagonal", x, k=k)
    raise lowerer.err(node, "np.diag takes a 1-D or a 2-D array")


@lowers(np.kron)
def _lower_kron(lowerer, node, args):
    """kron(a, b)[i*p + k, ...] = a[i, ...] b[k, ...]: a[:, None, :, None] * b[None, :, None, :]
    reshaped (so its rules are those of broadcasting and reshape)."""
    xs = [lowerer.atom(args[k]) for k in ("a", "b")]
    if not all(T.is_array(x.type) for x in xs):      # a number scales the other operand
        return lowerer.op(node, "mul", *(_float(lowerer, x, node) for x in xs))
    a, c = _float_arrays(lowerer, args, ("a", "b"))
    n = max(a.type.ndim, c.type.ndim)
    if n == 0:
        return lowerer.op(node, "mul", a, c)
    while a.type.ndim < n:
        a = lowerer.op(node, "expand_dims", a, axis=0)
    while c.type.ndim < n:
        c = lowerer.op(node, "expand_dims", c, axis=0)
    dims = [lowerer.op(node, "mul", lowerer.op(node, "dim", a, axis=k), lowerer.op(node, "dim", c, axis=k))
            for k in range(n)]
    for k in range(n):                       # a: (a0, 1, a1, 1, ...), c: (1, c0, 1, c1, ...)
        a = lowerer.op(node, "expand_dims", a, axis=2 * k + 1)
        c = lowerer.op(node, "expand_dims", c, axis=2 * k)
    return lowerer.op(node, "reshape", lowerer.op(node, "mul", a, c), *dims)


defprim("cross_index", 1, lambda n: T.I64, helper("cross_index"), elementwise=False,
        nondiff=True,
        batch=NO_BATCH_INT)


@lowers(np.cross)
def _lower_cross(lowerer, node, a):
    """np.cross of 3-vectors along axisa/axisb (or axis), the result's vectors along axisc:
    each component is a difference of products of the other two (linear in each operand).
    The length of the vectors is known at run time only: it is checked to be 3 there."""
    from .shape import _permute, _stack
    x, y = (lowerer.atom(a[k]) for k in ("a", "b"))
    if not (T.is_array(x.type) and T.is_array(y.type)):
        raise lowerer.err(node, "np.cross needs two arrays of vectors",
                     "Write the product of numbers with * instead.")
    x, y = _same_float(lowerer, [_float(lowerer, x, node), _float(lowerer, y, node)], node)
    axes = {k: lowerer.const_int(a["axis"] if "axis" in a else a[k]) if "axis" in a or k in a else -1
            for k in ("axisa", "axisb", "axisc")}
    comps = []
    for v, k in ((x, "axisa"), (y, "axisb")):
        nd = v.type.ndim
        if not -nd <= axes[k] < nd:
            raise lowerer.err(node, f"np.cross: {k} {axes[k]} is out of bounds for a {nd}-D array")
        ax = axes[k] % nd
        v = _permute(lowerer, node, v, tuple(i for i in range(nd) if i != ax) + (ax,))
        spec = (("s", False, False, False),) * (nd - 1) + (("i",),)
        last = lowerer.op(node, "cross_index", lowerer.op(node, "dim", v, axis=nd - 1))
        comps.append([lowerer.op(node, "getitem", v, i, spec=spec)
                      for i in (Const(0, T.I64), Const(1, T.I64), last)])
    (x0, x1, x2), (y0, y1, y2) = comps

    def det(p, q, r, s):
        return lowerer.op(node, "sub", lowerer.op(node, "mul", p, q), lowerer.op(node, "mul", r, s))
    out = _stack(lowerer, node, [det(x1, y2, x2, y1), det(x2, y0, x0, y2), det(x0, y1, x1, y0)],
                 -1, "cross")
    nd = out.type.ndim
    if not -nd <= axes["axisc"] < nd:
        raise lowerer.err(node, f"np.cross: axisc {axes['axisc']} is out of bounds for the result")
    axc = axes["axisc"] % nd
    perm = list(range(nd - 1))
    perm.insert(axc, nd - 1)
    return _permute(lowerer, node, out, tuple(perm))


# ---- norm

def _ord_value(lowerer, node):
    """ord as a Python value: None, a number (inf as math.inf), 'fro' or 'nuc'."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    v = lowerer.expr(node)
    if isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return v.value
    raise lowerer.err(node, "np.linalg.norm's ord must be a constant (1, 2, np.inf, 'fro', ...)")


def _axes_arg(lowerer, node, x):
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    elts = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    axes = tuple(lowerer.const_int(e) for e in elts)
    nd = x.type.ndim
    if any(not -nd <= a < nd for a in axes):
        raise lowerer.err(node, f"np.linalg.norm: axis {axes} is out of range for a {nd}-D array")
    axes = tuple(a % nd for a in axes)
    if len(set(axes)) != len(axes):
        raise lowerer.err(node, "np.linalg.norm: duplicate axes")
    return axes


def _finish(lowerer, node, out, axes, keepdims):
    """out was reduced over ``axes`` with keepdims: drop those axes unless keepdims."""
    if keepdims or not T.is_array(out.type):
        return out
    return lowerer.arrays.squeeze(out, axes, node)


@lowers(np.linalg.norm)
def _lower_norm(lowerer, node, given):
    """np.linalg.norm(x, ord=None, axis=None, keepdims=False), as NumPy defines it, written
    with sums, maxima and powers (so it differentiates as they do; the 2-norm's square root
    has derivative 0 at 0); matrix 2-norms and nuclear norms by singular values (library/svd.py)."""
    x = _float(lowerer, lowerer.atom(given["x"]), node)
    ord_ = _ord_value(lowerer, given.get("ord"))
    keepdims = lowerer.const_bool(given["keepdims"]) if "keepdims" in given else False
    if not T.is_array(x.type):
        return lowerer.op(node, "abs", x)
    nd = x.type.ndim
    axes = _axes_arg(lowerer, given.get("axis"), x)
    if axes is None:
        if ord_ is None:                        # the 2-norm of the flattened array
            s = lowerer.op(node, "sum", lowerer.op(node, "mul", x, x), axis=None, keepdims=keepdims)
            return lowerer.op(node, "sqrt0", s)
        if nd > 2:
            raise lowerer.err(node, "np.linalg.norm: an ord needs a 1-D or 2-D array, or axis",
                         "Give axis= (an int or a pair of axes).")
        axes = tuple(range(nd))
    if len(axes) == 1:
        return _vector_norm(lowerer, node, x, ord_, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(lowerer, node, x, ord_, axes, keepdims)
    raise lowerer.err(node, "np.linalg.norm: axis must be an int or a pair of ints")


def _vector_norm(lowerer, node, x, ord_, ax, keepdims):
    op = lowerer.op
    if isinstance(ord_, str):
        raise lowerer.err(node, f"np.linalg.norm: ord={ord_!r} is for matrices, not vectors",
                     "Use ord=None (the 2-norm) for vectors.")
    if ord_ is None or ord_ == 2:
        return op(node, "sqrt0", op(node, "sum", op(node, "mul", x, x), axis=ax, keepdims=keepdims))
    ax_x = op(node, "abs", x)
    if ord_ == math.inf:
        return op(node, "amax", ax_x, axis=ax, keepdims=keepdims)
    if ord_ == -math.inf:
        return op(node, "amin", ax_x, axis=ax, keepdims=keepdims)
    if ord_ == 0:
        nz = op(node, "ne", x, Const(0.0, T.Scalar(x.type.dtype)))
        n = op(node, "sum", nz, axis=ax, keepdims=keepdims)        # a count: no gradient
        return lowerer.cast(n, T.with_dtype(n.type, x.type.dtype), node)
    if ord_ == 1:
        return op(node, "sum", ax_x, axis=ax, keepdims=keepdims)
    p = Const(float(ord_), T.Scalar(x.type.dtype))
    s = op(node, "sum", op(node, "pow", ax_x, p), axis=ax, keepdims=keepdims)
    return op(node, "pow", s, Const(1.0 / float(ord_), T.Scalar(x.type.dtype)))


def _matrix_norm(lowerer, node, x, ord_, axes, keepdims):
    op = lowerer.op
    row, col = axes
    if ord_ in (None, "fro"):
        s = op(node, "sum", op(node, "mul", x, x), axis=max(axes), keepdims=True)
        s = op(node, "sum", s, axis=min(axes), keepdims=True)
        return op(node, "sqrt0", _finish(lowerer, node, s, tuple(sorted(axes)), keepdims))
    if ord_ in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum (sum over rows); inf: the largest row sum
        summed, chosen = (row, col) if ord_ in (1, -1) else (col, row)
        s = op(node, "sum", op(node, "abs", x), axis=summed, keepdims=True)
        m = op(node, "amax" if ord_ > 0 else "amin", s, axis=chosen, keepdims=True)
        return _finish(lowerer, node, m, tuple(sorted(axes)), keepdims)
    if ord_ in (2, -2, "nuc"):       # of the singular values (library/svd.py), as NumPy
        reduce = {"nuc": "np.sum", 2: "np.max", -2: "np.min"}[ord_]
        if x.type.ndim != 2:         # NumPy's: the two axes last, a stack of matrices
            a = lowerer.lower_text(f"np.moveaxis(x, ({row}, {col}), (-2, -1))", node, x=x)
            r = lowerer.lower_text(f"{reduce}(np.linalg.svdvals(a), axis=-1)", node, a=a)
            for k in (sorted(axes) if keepdims else ()):
                r = op(node, "expand_dims", r, axis=k)
            return r
        a = op(node, "transpose", x) if axes == (1, 0) else x
        r = lowerer.lower_text(f"{reduce}(np.linalg.svdvals(a), keepdims={keepdims})", node, a=a)
        return op(node, "expand_dims", r, axis=0) if keepdims else r
    raise lowerer.err(node, f"np.linalg.norm: ord={ord_!r} is not a matrix norm",
                 "Use ord=None or 'fro' (Frobenius), 1, -1, np.inf, -np.inf, 2, -2 or 'nuc'.")
