"""Linear algebra (compiler/library/linalg.py): gradients and tangents against central
finite differences and autograd, on the python target; the cpu target in slow tests."""
from __future__ import annotations

import types

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import linalg_funcs as F

RNG = np.random.default_rng(11)


def rand(*shape):
    return RNG.normal(size=shape)


def well_conditioned(n):
    return rand(n, n) + n * np.eye(n) if n else np.zeros((0, 0))


def spd(n):
    X = rand(n, n)
    return X @ X.T + n * np.eye(n)


def autograd_version(f):
    """``f`` with ``np`` bound to autograd.numpy."""
    import autograd.numpy as anp
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__)


def check(f, args, argnums=None, *, target="python", ag=True, jvp=True, sym=(), rtol=1e-5,
          atol=1e-7):
    """flatgrad's gradient == central differences (== autograd's), and its JVP along a random
    direction == the directional difference. Arguments in ``sym`` are symmetric matrices:
    they are perturbed symmetrically, and the gradient's symmetric part is compared (how its
    asymmetric part is written is a convention: NumPy's Cholesky and eigh read one triangle,
    so flatgrad's gradient is zero on the other; tests/trust/test_one_triangle.py)."""
    argnums = tuple(range(len(args))) if argnums is None else argnums
    grads = fg.grad(f, argnums=argnums, target=target)(*args)
    if ag:
        import autograd
        fa = autograd_version(f)
    for i, g in zip(argnums, grads):
        assert np.shape(g) == np.shape(args[i])
        if i in sym:
            g = (g + g.T) / 2
            fs = lambda *a: f(*a[:i], (a[i] + a[i].T) / 2, *a[i + 1:])  # noqa: E731
            num = numeric_grad(fs, list(args), i, 1e-6)
            num = (num + num.T) / 2 if np.ndim(num) == 2 else num
        else:
            num = numeric_grad(f, list(args), i, 1e-6)
        np.testing.assert_allclose(g, num, rtol=rtol, atol=atol, err_msg=f"{f.__name__} arg {i}")
        if ag:
            ga = autograd.grad(fa, i)(*args)
            ga = (ga + ga.T) / 2 if i in sym else ga
            np.testing.assert_allclose(g, ga, rtol=1e-8, atol=1e-10,
                                       err_msg=f"{f.__name__} arg {i} vs autograd")
    if jvp:
        tans = []
        for k, a in enumerate(args):
            t = rand(*np.shape(a))
            tans.append((t + t.T) / 2 if k in sym else t)
        out, tout = fg.jvp(f, tuple(args), tuple(tans), target=target)
        h = 1e-6
        up = f(*[a + h * t for a, t in zip(args, tans)])
        down = f(*[a - h * t for a, t in zip(args, tans)])
        np.testing.assert_allclose(out, f(*args), rtol=1e-12)
        np.testing.assert_allclose(tout, (up - down) / (2 * h), rtol=1e-5, atol=1e-6)
    return grads


# ---------------------------------------------------------------- solve, inv, det, slogdet

@pytest.mark.parametrize("n", [1, 2, 5])
def test_solve_vector(n):
    check(F.solve_vec, (well_conditioned(n), rand(n)))


@pytest.mark.parametrize("n, k", [(1, 1), (3, 2), (4, 1), (3, 0)])
def test_solve_matrix(n, k):
    check(F.solve_mat, (well_conditioned(n), rand(n, k)))


def test_solve_by_hand():
    A, b = well_conditioned(4), rand(4)
    gA, gb = fg.grad(lambda A, b: np.sum(np.linalg.solve(A, b)), argnums=(0, 1),
                     target="python")(A, b)
    x = np.linalg.solve(A, b)
    gb_hand = np.linalg.solve(A.T, np.ones(4))
    np.testing.assert_allclose(gb, gb_hand, rtol=1e-12)
    np.testing.assert_allclose(gA, -np.outer(gb_hand, x), rtol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_inv(n):
    check(F.inv, (well_conditioned(n),))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_det(n):
    A = well_conditioned(n) / n
    check(F.det, (A,))


@pytest.mark.parametrize("n", [1, 3, 4])
@pytest.mark.parametrize("f", [F.slogdet, F.slogdet_index], ids=lambda f: f.__name__)
def test_slogdet(f, n):
    A = well_conditioned(n)
    A[0] = -A[0]                  # a negative determinant: the sign is -1, log|det| differentiates
    check(f, (A,))


def test_det_empty():
    g = fg.grad(F.det, target="python")(np.zeros((0, 0)))
    assert g.shape == (0, 0)


def plain_det(A):
    return np.linalg.det(A)


def _adjugate_t(A):
    import sympy as sp
    return np.array(sp.Matrix(A.tolist()).adjugate().T.tolist(), dtype=float)


SINGULAR = {"corank 1": [[1.0, 2.0], [2.0, 4.0]], "zeros": [[0.0, 0.0], [0.0, 0.0]],
            "corank 1, 3x3": [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]],
            "corank 2, 3x3": [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [-3.0, -6.0, -9.0]],
            "a zero row": [[0.0, 0.0, 0.0], [1.0, 2.0, 0.5], [0.0, 3.0, 1.0]]}


@pytest.mark.parametrize("A", list(SINGULAR.values()), ids=list(SINGULAR))
def test_det_gradient_at_a_singular_matrix_is_the_adjugate(A):
    """The derivative of det is adj(A)^T everywhere (JAX's answer); det(A) A^-T is 0 * inf at
    a singular A, and NumPy's inv raises there."""
    A = np.array(A)
    want = _adjugate_t(A)
    np.testing.assert_allclose(fg.grad(plain_det, target="python")(A), want, rtol=1e-12, atol=1e-12)
    t = rand(*A.shape)
    _, tan = fg.jvp(plain_det, (A,), (t,), target="python")
    assert tan == pytest.approx(float(np.sum(want * t)), rel=1e-12, abs=1e-12)


def test_det_hessian_against_sympy():
    import sympy as sp
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.5, 1.0, 4.0]])
    xs = sp.symbols("a0:9")
    d = sp.Matrix(3, 3, xs).det()
    at = dict(zip(xs, A.ravel()))
    want = np.array([[float(sp.diff(d, a, b).subs(at)) for b in xs] for a in xs]).reshape(3, 3, 3, 3)
    np.testing.assert_allclose(fg.hessian(plain_det, target="python")(A), want, rtol=1e-12, atol=1e-12)
    rev_rev = fg.jacobian(fg.grad(plain_det, target="python"), target="python")(A)
    np.testing.assert_allclose(rev_rev, want, rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_det_gradient_at_a_singular_matrix_on_the_cpu_target():
    for A in SINGULAR.values():
        A = np.array(A)
        np.testing.assert_allclose(fg.grad(plain_det, target="cpu")(A), _adjugate_t(A), rtol=1e-12,
                                   atol=1e-12)


# ---------------------------------------------------------------- cholesky

@pytest.mark.parametrize("n", [1, 2, 5])
def test_cholesky_gradient_on_the_lower_triangle(n):
    """NumPy's Cholesky reads A's lower triangle: the gradient is zero above the diagonal,
    and its symmetric part is central differences along symmetric perturbations."""
    A = spd(n)
    (g,) = check(F.cholesky, (A,), sym=(0,))
    assert np.all(np.triu(g, 1) == 0)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (1, 1)])
def test_cholesky_through_a_product(shape):
    check(F.cholesky_logdet, (rand(*shape),))


def test_cholesky_hessian_vs_autograd():
    """Forward over reverse: the tangent rules of the ops in the adjoints (solve, tril)."""
    import autograd
    X = rand(3, 2)
    H = fg.hessian(F.cholesky_logdet, target="python")(X)
    Ha = autograd.hessian(autograd_version(F.cholesky_logdet))(X)
    np.testing.assert_allclose(H, Ha, rtol=1e-7, atol=1e-9)


def test_solve_inv_hessian_vs_autograd():
    import autograd

    def f(A, b):
        return np.sum(np.linalg.solve(A, b) ** 2) + np.sum(np.linalg.inv(A)) * np.linalg.slogdet(A)[1]

    A, b = well_conditioned(3), rand(3)
    H = fg.hessian(f, argnums=(0, 1), target="python")(A, b)
    Ha = autograd.hessian(autograd_version(f), 0)(A, b)
    np.testing.assert_allclose(H[0][0], Ha, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- trace, diag, triangles, kron

@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 2), (1, 1), (1, 4)])
@pytest.mark.parametrize("f", [F.trace, F.trace_offset, F.diag_mat, F.tril_triu],
                         ids=lambda f: f.__name__)
def test_matrix_functions(f, shape):
    # autograd's np.diag of a non-square matrix has a wrong-shaped adjoint: FD only there
    check(f, (rand(*shape),), ag=f is not F.diag_mat or shape[0] == shape[1])


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_matrix_functions_empty(shape):
    for f in (F.trace, F.diag_mat, F.tril_triu):
        (g,) = fg.grad(f, argnums=(0,), target="python")(rand(*shape))
        assert g.shape == shape


def test_triangles_of_a_stack():
    check(F.tri_3d, (rand(2, 3, 4),))


@pytest.mark.parametrize("n", [1, 4])
@pytest.mark.parametrize("f", [F.diag_vec, F.diag_vec_k], ids=lambda f: f.__name__)
def test_diag_of_vector(f, n):
    check(f, (rand(n),))


@pytest.mark.parametrize("sa, sb", [((2, 3), (3, 2)), ((3,), (2,)), ((2,), (2, 3)),
                                    ((1, 2), (3, 1)), ((2, 1, 2), (1, 2, 2)), ((0, 2), (2, 2))])
def test_kron(sa, sb):
    # autograd's kron adjoint is wrong beyond 2-D (finite differences agree with flatgrad)
    check(F.kron, (rand(*sa), rand(*sb)), ag=max(len(sa), len(sb)) <= 2)


@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((3,), (4, 3))])
def test_inner_outer(sa, sb):
    check(F.inner, (rand(*sa), rand(*sb)))


def test_outer():
    check(F.outer, (rand(3), rand(4)))


# ---------------------------------------------------------------- errors

def _compile_error(f, *args):
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(*args)
    return str(e.value)


def test_rejections():
    with pytest.raises(ValueError, match="solve"):        # NumPy's own error: (2, 3) is b's matrix
        fg.grad(lambda A, b: np.sum(np.linalg.solve(A, b)), target="python")(rand(2, 3, 3), rand(2, 3))
    assert "upper" in _compile_error(lambda A: np.sum(np.linalg.cholesky(A, upper=True)), spd(2))
    assert "tril" in _compile_error(lambda v: np.sum(np.tril(v)), rand(3))
    assert "np.trace" in _compile_error(lambda A: np.trace(A), rand(2, 2, 2))
    # (np.dot of a stack with a matrix is the product @ gives: supported; a stack on the right not)


# ---------------------------------------------------------------- norm

@pytest.mark.parametrize("n", [1, 4, 7])
def test_norm_vector(n):
    check(F.norm_vec, (rand(n),), ag=False)     # autograd has no rule for ord 1, inf, 0, < 1


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (1, 5), (2, 1)])
def test_norm_matrix(shape):
    check(F.norm_mat, (rand(*shape),), ag=False)


@pytest.mark.parametrize("f, shape", [(F.norm_axis0, (3, 4)), (F.norm_axis0, (1, 2)),
                                      (F.norm_axis_last_keep, (2, 3, 4)),
                                      (F.norm_axis_last_keep, (3, 1)),
                                      (F.norm_axes_pair, (2, 3, 4)), (F.norm_axes_pair, (1, 3, 1)),
                                      (F.norm_axes_pair_keep, (2, 3, 4)),
                                      (F.norm_flat, (2, 3, 2))],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_norm_axes(f, shape):
    check(f, (rand(*shape),), ag=False)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_norm_vs_autograd(shape):
    """The ords autograd differentiates: None, 'fro' and p > 1."""
    check(F.norm_autograd_ords, (rand(*shape),))
    if len(shape) >= 2:
        check(F.norm_autograd_matrix, (rand(*shape),))


def test_norm_values_match_numpy():
    x = rand(3, 4)
    fs = [(None, lambda x: np.linalg.norm(x, None)),
          ("fro", lambda x: np.linalg.norm(x, "fro")),
          (1, lambda x: np.linalg.norm(x, 1)),
          (-1, lambda x: np.linalg.norm(x, -1)),
          (np.inf, lambda x: np.linalg.norm(x, np.inf)),
          (-np.inf, lambda x: np.linalg.norm(x, -np.inf)),
          (0, lambda x: np.linalg.norm(x[0], 0)),
          (3, lambda x: np.linalg.norm(x[0], 3))]
    for ord_, f in fs:
        g = fg.value_and_grad(f, target="python")
        ref = np.linalg.norm(x if ord_ not in (0, 3) else x[0], ord_)
        np.testing.assert_allclose(g(x)[0], ref, rtol=1e-13)


def test_norm_zero_vector_gradient_is_finite():
    (g,) = fg.grad(lambda x: np.linalg.norm(x), argnums=(0,), target="python")(np.zeros(3))
    np.testing.assert_array_equal(g, 0.0)


def test_norm_rejections():
    # matrix 2-norms and nuclear norms: tests/library/test_svd.py; of stacks, not yet
    assert "got 3-D" in _compile_error(lambda x: np.linalg.norm(x, 2, axis=(1, 2)), rand(2, 3, 3))
    assert "got 3-D" in _compile_error(lambda x: np.linalg.norm(x, "nuc", axis=(0, 1)), rand(3, 3, 2))
    assert "not a matrix norm" in _compile_error(lambda x: np.linalg.norm(x, 3), rand(3, 3))
    assert "vectors" in _compile_error(lambda x: np.linalg.norm(x, "fro"), rand(3))
    assert "axis" in _compile_error(lambda x: np.linalg.norm(x, 1), rand(2, 3, 4))
    assert "out of range" in _compile_error(lambda x: np.linalg.norm(x, axis=1), rand(3))


# ---------------------------------------------------------------- einsum, tensordot, @ of stacks

EINSUMS = [
    (F.ein_matmul, ((2, 3), (3, 4))), (F.ein_matmul, ((1, 3), (3, 1))),
    (F.ein_matmul, ((0, 3), (3, 2))), (F.ein_matmul, ((2, 0), (0, 2))),
    (F.ein_implicit, ((2, 3), (3, 4))),
    (F.ein_three, ((2, 3), (3, 4), (4, 2))),
    (F.ein_sum_out, ((2, 3, 4), (3,))),
    (F.ein_transpose, ((2, 3, 4),)),
    (F.ein_ellipsis, ((2, 3, 4), (4, 2))), (F.ein_ellipsis, ((5, 2, 3), (1, 3, 2))),
    (F.ein_ellipsis, ((2, 1, 2, 3), (4, 3, 2))),
    (F.ein_outer_broadcast, ((2, 1), (3, 4))),          # NumPy broadcasts j: 1 against 3
    (F.tensordot_int, ((2, 3), (3, 4))),
    (F.tensordot_pairs, ((3, 2, 4), (4, 3, 5))),
    (F.tensordot_default, ((2, 3, 4), (3, 4, 5))),
    (F.matmul_batched, ((2, 3, 4), (4, 5))), (F.matmul_batched, ((3, 4), (2, 4, 5))),
    (F.matmul_batched, ((2, 1, 3, 4), (5, 4, 2))), (F.matmul_batched, ((4,), (2, 4, 3))),
    (F.matmul_batched, ((2, 3, 4), (4,))),
]


@pytest.mark.parametrize("f, shapes", EINSUMS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_einsum(f, shapes):
    # autograd's einsum adjoint does not broadcast a size-1 axis back up (FD agrees with flatgrad)
    check(f, tuple(rand(*s) for s in shapes), ag=f is not F.ein_outer_broadcast)


def test_einsum_hessian_vs_autograd():
    import autograd
    a, b = rand(2, 3), rand(3, 2)
    H = fg.hessian(F.ein_matmul, argnums=(0, 1), target="python")(a, b)
    Ha = autograd.hessian(autograd_version(F.ein_matmul), 0)(a, b)
    np.testing.assert_allclose(H[0][0], Ha, rtol=1e-8, atol=1e-10)


def test_einsum_rejections():
    assert "followed by its sublist" in _compile_error(lambda a, s: np.einsum(a, s), rand(3), 1.0)
    assert "names 2 axes" in _compile_error(lambda a: np.einsum("ij->", a), rand(3))


# ---------------------------------------------------------------- cpu target (Numba)

def _cpu_all(A, b, B, S, M, v, X3, Y3, x):
    """Several functions in one compiled body (Numba compiles are slow)."""
    s, ld = np.linalg.slogdet(A)
    L = np.linalg.cholesky(S)
    r = (np.sum(np.sin(np.linalg.solve(A, b))) + np.sum(np.linalg.solve(A.T, B) ** 2)
         + np.sum(np.sin(np.linalg.inv(A))) + np.linalg.det(A) * 0.1 + s * ld
         + np.sum(np.sin(L)) + np.trace(M) + np.trace(M, 1) + np.sum(np.diag(M, -1) ** 2)
         + np.sum(np.diag(v) * np.diag(v, 1)[1:, :-1]) + np.sum(np.tril(M) ** 2)
         + np.sum(np.sin(np.triu(M, 1))) + np.sum(np.kron(v, M) ** 2)
         + np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf) + np.linalg.norm(M, 1)
         + np.sum(np.linalg.norm(X3, axis=(1, 2))) + np.sum(np.linalg.norm(M, 3, axis=1))
         + np.sum(np.sin(np.einsum("ij,jk->ik", M.T, M))) + np.einsum("ijk,ijk", X3, X3)
         + np.sum(np.sin(X3 @ Y3)) + np.sum(np.tensordot(X3, v[:3], axes=([1], [0])) ** 2))
    return r


@pytest.mark.slow
def test_cpu_target_matches_python():
    n = 4
    args = (well_conditioned(n), rand(n), rand(n, 2), spd(n), rand(n, n + 1), rand(n),
            rand(2, 3, 4), rand(1, 4, 2), rand(5))
    argnums = tuple(range(len(args)))
    gp = fg.grad(_cpu_all, argnums=argnums, target="python")(*args)
    gc = fg.grad(_cpu_all, argnums=argnums, target="cpu")(*args)
    for a, c in zip(gp, gc):
        np.testing.assert_allclose(c, a, rtol=1e-10, atol=1e-12)
    # (A.T and M.T pass non-contiguous views into LAPACK and the einsum loops)
    _, tp = fg.jvp(_cpu_all, args, tuple(rand(*np.shape(a)) for a in args), target="python")
    assert np.isfinite(tp)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_matrix_power(target):
    check(F.matrix_powers, (well_conditioned(3) * 0.3,), target=target, ag=False)   # (autograd has none)
