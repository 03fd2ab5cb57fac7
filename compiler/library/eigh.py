"""``np.linalg.eigh`` and ``np.linalg.eigvalsh``: A = V diag(w) V^T for a symmetric A,
eigenvalues ascending, reading one triangle of A (UPLO='L', the default, or 'U').

With F[i, j] = 1/(w[j] - w[i]) off the diagonal and 0 on it, a symmetric tangent dA gives

    dw = diag(V^T dA V),        dV = V (F o V^T dA V),

and the adjoint of cotangents (gw, gV) is V (diag(gw) + F o V^T gV) V^T. NumPy's eigh reads
one triangle of A: the function it computes is that of sym_L(A) = tril(A) + tril(A, -1)^T
(sym_U(A) = triu(A) + triu(A, 1)^T for UPLO='U'), so a tangent t enters as sym_L(t) and the
adjoint G leaves as tril(G) + tril(G^T, -1), zero on the other triangle (triu(G) + triu(G^T, 1)
for 'U'; linalg._triangle_adjoint). autograd's adjoint is lower-triangular too; JAX's is
symmetric, as JAX's eigh symmetrises its input where NumPy's ignores the other triangle.

The triangle is a parameter of the two primitives (``lower``), not a transpose of the
argument: LAPACK's ``?syevd`` reduces A to tridiagonal form from the triangle it reads, so
eigh(A, 'U') and eigh(A^T, 'L') have the same eigenvalues but eigenvectors whose signs (and
last bits) differ, and a function of V's signs would not be NumPy's. The python target calls
``np.linalg.eigh(A, UPLO='U')`` itself; under Numba, whose ``np.linalg.eigh`` reads the lower
triangle only, ``eigh_upper`` calls ``?syevd`` with JOBZ='V', UPLO='U' as NumPy does
(runtime/numba_blas.py).

At repeated eigenvalues the eigenvectors are not unique and F is infinite: the eigenvector
derivatives are nan there (as JAX's); eigenvalue derivatives stay finite.
"""
from __future__ import annotations


import numpy as np

from .. import dims as D
from .. import types as T
from ..primitives import P_ATOM, Spelling, defprim
from .linalg import _ONE_MATRIX, _float_type, _square, _triangle_adjoint, _triangle_tangent
from ..values import Ref
from .registry import lowers


def _eigh_f(b, w):
    """F: 1/(w[j] - w[i]) off the diagonal, 0 on it (written as JAX does: 1/(D + I) - I)."""
    eye = b.eye(b.dim(w, axis=0))
    d = b.sub(b.expand_dims(w, axis=0), b.expand_dims(w, axis=1))
    return b.sub(b.div(1.0, b.add(d, eye)), eye)


def _rotated(b, V, X):
    """V^T X V."""
    return b.matmul(b.matmul(b.transpose(V), X), V)


def _w_vjp(b, g, out, A, lower):
    """sym^T(V diag(gw) V^T)."""
    V = b.eigh_v(A, lower=lower)
    return _triangle_adjoint(b, b.matmul(b.mul(V, g), b.transpose(V)), lower)


def _w_jvp(b, t, out, A, lower):
    """dw = diag(V^T sym(t) V), summed as the columns of V o (sym(t) V)."""
    V = b.eigh_v(A, lower=lower)
    return b.sum(b.mul(V, b.matmul(_triangle_tangent(b, t, lower), V)), axis=0, keepdims=False)


def _v_vjp(b, g, V, A, lower):
    """sym^T(V (F o V^T gV) V^T)."""
    F = _eigh_f(b, b.eigh_w(A, lower=lower))
    return _triangle_adjoint(b, b.matmul(b.matmul(V, b.mul(F, b.matmul(b.transpose(V), g))),
                                         b.transpose(V)), lower)


def _v_jvp(b, t, V, A, lower):
    """dV = V (F o V^T sym(t) V)."""
    F = _eigh_f(b, b.eigh_w(A, lower=lower))
    return b.matmul(V, b.mul(F, _rotated(b, V, _triangle_tangent(b, t, lower))))


def _eigh_spelling(k):
    """Result ``k`` of eigh (0: w, 1: V): NumPy's call; under Numba its ``np.linalg.eigh``
    (the lower triangle) or the runtime helper ``eigh_upper`` (LAPACK ``?syevd``, UPLO='U')."""
    def spell(a, p):
        return f"np.linalg.eigh({a[0]})[{k}]" if p["lower"] else \
            f"np.linalg.eigh({a[0]}, UPLO='U')[{k}]"

    def jit(a, p):
        return f"np.linalg.eigh({a[0]})[{k}]" if p["lower"] else f"eigh_upper({a[0]})[{k}]"
    return Spelling(spell, spell, P_ATOM, (1,), jit=jit, helpers=("eigh_upper",))


defprim("eigh_w", 1, lambda a, lower: T.Array(_float_type(a).dtype, 1), _eigh_spelling(0),
        elementwise=False, costly=True, shape=lambda q, args, p: q.shape(args[0])[:1],
        vjp=(_w_vjp,), jvp=(_w_jvp,), reads_output=False, batch=_ONE_MATRIX)
defprim("eigh_v", 1, lambda a, lower: _float_type(a), _eigh_spelling(1), elementwise=False,
        costly=True, shape=D.like(0), vjp=(_v_vjp,), jvp=(_v_jvp,), batch=_ONE_MATRIX)


# ======================================================================= lowerings

def _eigh_input(lowerer, node, a, fname):
    """The float matrix and whether its lower triangle is read (NumPy takes 'L', 'U' in
    either case)."""
    A = _square(lowerer, node, lowerer.atom(a["a"]), fname)
    uplo = a.get("UPLO")
    v = None if uplo is None else lowerer.expr(uplo)      # (a name too: library/stacks.py)
    side = "L" if uplo is None else (v.obj if isinstance(v, Ref) else None)
    if side not in ("L", "U", "l", "u"):
        raise lowerer.err(node, f"{fname}: UPLO must be the constant 'L' or 'U'")
    return A, side in ("L", "l")


@lowers(np.linalg.eigh)
def _lower_eigh(lowerer, node, args):
    """(w, V), eigenvalues ascending; see the rules above (repeated eigenvalues)."""
    A, lower = _eigh_input(lowerer, node, args, "np.linalg.eigh")
    return (lowerer.op(node, "eigh_w", A, lower=lower), lowerer.op(node, "eigh_v", A, lower=lower))


@lowers(np.linalg.eigvalsh)
def _lower_eigvalsh(lowerer, node, args):
    A, lower = _eigh_input(lowerer, node, args, "np.linalg.eigvalsh")
    return lowerer.op(node, "eigh_w", A, lower=lower)
