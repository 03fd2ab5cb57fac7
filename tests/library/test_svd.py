"""np.linalg.svd, svdvals, cond and the singular-value norms (library/svd.py, svd_funcs.py):
values against NumPy's (bit for bit on the python target), gradients against central
differences and autograd, Hessians against differences of the gradient, JVPs against
directional differences, float32, the refusals, and the cpu target against the python one."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import (check_against_autograd, check_cpu_matches_python,
                                check_hessian_against_gradient_differences,
                                check_jvp_against_differences, num_grad)
from . import svd_funcs as F

RNG = np.random.default_rng(7)
MATRICES = {"tall": RNG.normal(size=(5, 3)), "wide": RNG.normal(size=(3, 5)),
            "square": RNG.normal(size=(4, 4))}
SHAPES = list(MATRICES)


def _ids(f):
    return f.__name__


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f", F.FUNCS, ids=_ids)
def test_value_and_gradient_against_differences(f, shape):
    A = MATRICES[shape]
    value, grad = fg.value_and_grad(f, target="python")(A)
    assert value == f(A)                       # the same LAPACK calls, the same sums
    np.testing.assert_allclose(grad, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)


# autograd refuses full_matrices=True and has neither np.linalg.svdvals nor SVDResult's
# fields: those functions are checked against differences only (above)
AUTOGRAD_RUNS = [f for f in F.FUNCS if f not in (F.s_of_full, F.norms, F.v_projector_named)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f", AUTOGRAD_RUNS, ids=_ids)
def test_gradient_against_autograd(f, shape):
    check_against_autograd(f, (MATRICES[shape],), rtol=1e-8)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f", [F.reconstruct, F.u_projector, F.v_projector, F.squares, F.norms],
                         ids=_ids)
def test_hessian_against_differences_of_the_gradient(f, shape):
    check_hessian_against_gradient_differences(f, MATRICES[shape])


def _with(c, A, f):
    return c * 1.0, f(A)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f", F.RESULTS, ids=_ids)
def test_results_equal_numpys(f, shape):
    A = MATRICES[shape]
    (_, out), _ = fg.value_and_grad(_with, has_aux=True, target="python")(1.0, A, f)
    np.testing.assert_array_equal(out, f(A))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("f", [F.u_of, F.s_of, F.vh_of, F.s_only], ids=_ids)
def test_tangents_against_differences(f, shape):
    check_jvp_against_differences(f, MATRICES[shape], RNG.normal(size=MATRICES[shape].shape))


def test_the_function_returns_the_svd_itself():
    """autograd's own test: the gradient of the sum of (U, s, Vh) as LAPACK signs them."""
    def usv(A):
        U, s, Vh = np.linalg.svd(A, full_matrices=False)
        return np.sum(U) + np.sum(s) + np.sum(Vh)
    for A in MATRICES.values():
        np.testing.assert_allclose(fg.grad(usv, target="python")(A), num_grad(usv, (A,), 0),
                                   rtol=1e-6, atol=1e-8)


def test_singular_values_only_are_differentiable_where_they_repeat():
    """ds = diag(Uᵀ dA V) has no 1/(s_i² - s_j²): at the identity (every s is 1) the nuclear
    norm's gradient is finite, the U Vᵀ of the SVD LAPACK gives (here the identity)."""
    for f in (F.s_sum, F.s_weighted):
        g = fg.grad(f, target="python")(np.eye(3))
        assert np.all(np.isfinite(g))
    np.testing.assert_allclose(fg.grad(F.s_sum, target="python")(np.eye(3)), np.eye(3))


def test_a_square_singular_matrix_has_no_projection_terms():
    """U's and V's projection terms are zero for a square matrix; computed anyway they would
    be rounding divided by its zero singular value. The projectors stay smooth there."""
    A = MATRICES["square"].copy()
    A[:, 3] = A[:, 0] - 2 * A[:, 1]
    assert np.linalg.svd(A, compute_uv=False)[-1] < 1e-14
    T = RNG.normal(size=A.shape)
    for f in (F.u_projector, F.v_projector):
        np.testing.assert_allclose(fg.grad(f, target="python")(A), num_grad(f, (A,), 0),
                                   rtol=1e-6, atol=1e-7)
        _, tan = fg.jvp(f, (A,), (T,), target="python")
        assert tan == pytest.approx((f(A + 1e-6 * T) - f(A - 1e-6 * T)) / 2e-6, rel=1e-6)


def test_float32():
    A = MATRICES["tall"].astype(np.float32)
    for f in (F.s_sum, F.reconstruct, F.u_projector, F.norms):
        value, grad = fg.value_and_grad(f, target="python")(A)
        assert grad.dtype == np.float32
        assert value == f(A)
        np.testing.assert_allclose(grad, fg.grad(f, target="python")(A.astype(np.float64)),
                                   rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("f, what", [(F.full_u_differentiated, "U of np.linalg.svd"),
                                     (F.full_vh_differentiated, "Vh of np.linalg.svd")],
                         ids=["U", "Vh"])
def test_full_matrices_are_refused_where_differentiated(f, what):
    for mode in (fg.grad, fg.hessian):
        with pytest.raises(fg.CompileError) as e:
            mode(f, target="python")(MATRICES["tall"])
        text = str(e.value)
        assert what in text and "full_matrices=False" in text and "svd_funcs.py:" in text
    with pytest.raises(fg.CompileError, match="full_matrices=False"):
        fg.jvp(f, (MATRICES["wide"],), (MATRICES["wide"],), target="python")


def test_nuclear_norm_over_two_axes_of_a_3d_array():
    # NumPy's: the singular values of each matrix of the stack (the two axes moved last)
    A = RNG.normal(size=(4, 3, 2))
    np.testing.assert_allclose(fg.vjp(F.stack_norm, A, target="python")[0], F.stack_norm(A),
                               rtol=1e-13)
    np.testing.assert_allclose(fg.grad(F.stack_norm_sum, target="python")(A),
                               num_grad(F.stack_norm_sum, (A,), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, what", [
    (F.hermitian, "hermitian=True) is not supported")], ids=["hermitian"])
def test_refusals(f, what):      # (a stack of matrices is mapped: tests/library/test_stacks.py)
    A = RNG.normal(size=(4, 3, 2)) if f is not F.hermitian else np.eye(3)
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(A)
    assert what in str(e.value) and "svd_funcs.py:" in str(e.value)


@pytest.mark.slow
def test_cpu_target_against_python():
    """Numba's SVD and flatgrad's ?gesdd for s alone give NumPy's float64 values."""
    funcs = [F.s_sum, F.reconstruct, F.u_projector, F.v_projector, F.norms]
    check_cpu_matches_python(funcs, [MATRICES["tall"], MATRICES["wide"]])
    for f in funcs:
        for A in MATRICES.values():
            assert fg.value_and_grad(f, target="cpu")(A)[0] == pytest.approx(f(A), rel=1e-13)
    for f in (F.s_only, F.u_of):
        out, _ = fg.jvp(f, (MATRICES["wide"],), (MATRICES["wide"],), target="cpu")
        np.testing.assert_array_equal(out, f(MATRICES["wide"]))


def svdvals_of_a_transpose(A):
    """svdvals of a transposed view (column-major under Numba), then A itself again."""
    return np.sum(np.linalg.svdvals(A.T) * np.arange(1.0, 4.0)) + np.sum(A * A)


@pytest.mark.slow
def test_svdvals_leaves_a_column_major_argument_alone():
    """LAPACK ?gesdd overwrites the matrix it is given: under Numba a transposed view must be
    copied (np.ascontiguousarray would pass the argument itself, and A * A read the ruins)."""
    A = MATRICES["tall"].copy()
    value, grad = fg.value_and_grad(svdvals_of_a_transpose, target="cpu")(A)
    np.testing.assert_array_equal(A, MATRICES["tall"])
    assert value == pytest.approx(svdvals_of_a_transpose(A), rel=1e-13)
    np.testing.assert_allclose(grad, num_grad(svdvals_of_a_transpose, (A,), 0), rtol=1e-6,
                               atol=1e-8)
