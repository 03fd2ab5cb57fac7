"""np.linalg.qr and scipy.linalg.qr (library/qr.py, qr_funcs.py): values against NumPy's and
SciPy's (bit for bit, both targets), gradients against central differences and against JAX
(an independent oracle: its own QR and derivative rules; autograd has no QR gradient),
tangents against directional differences and jax.jvp, Hessians against differences of the
gradient and jax.hessian, tall, square and wide matrices, stacks, vmap, float32, and the
refusals (mode='raw', pivoting=True, Q of a complete factorisation)."""
import types

import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import (check_hessian_against_gradient_differences,
                                check_jvp_against_differences, num_grad)
from . import qr_funcs as F

RNG = np.random.default_rng(11)
MATRICES = {"tall": RNG.normal(size=(5, 3)), "wide": RNG.normal(size=(3, 5)),
            "square": RNG.normal(size=(4, 4)), "column": RNG.normal(size=(4, 1)),
            "row": RNG.normal(size=(1, 3))}
MAIN = ["tall", "wide", "square"]


def _ids(f):
    return f.__name__


def _jax():
    """jax with float64, or a skip."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _under_jax(f):
    """``f`` as a clone whose ``np`` and ``scipy.linalg`` are JAX's."""
    jax = _jax()
    import jax.numpy as jnp
    import jax.scipy.linalg
    scipy = types.SimpleNamespace(linalg=jax.scipy.linalg)
    return type(f)(f.__code__, {**f.__globals__, "np": jnp, "scipy": scipy}, f.__name__)


def _with(c, A, f):
    return c * 1.0, f(A)


def _results(f, A, target):
    (_, out), _ = fg.value_and_grad(_with, has_aux=True, target=target)(1.0, A, f)
    return out


def _assert_same(out, ref):
    if isinstance(ref, np.ndarray):
        ref, out = (ref,), (out,)
    assert len(out) == len(ref)
    for x, y in zip(out, ref):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("shape", list(MATRICES))
@pytest.mark.parametrize("f", F.RESULTS, ids=_ids)
def test_results_equal_numpys_and_scipys(f, shape):
    _assert_same(_results(f, MATRICES[shape], "python"), f(MATRICES[shape]))


@pytest.mark.parametrize("shape", list(MATRICES))
@pytest.mark.parametrize("f", F.LOSSES, ids=_ids)
def test_value_and_gradient_against_differences(f, shape):
    A = MATRICES[shape]
    value, grad = fg.value_and_grad(f, target="python")(A)
    assert value == f(A)
    np.testing.assert_allclose(grad, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", ["tall", "square", "column"])
@pytest.mark.parametrize("f", F.TALL_LOSSES, ids=_ids)
def test_least_squares_against_differences_and_jax(f, shape):
    A = MATRICES[shape]
    grad = fg.grad(f, target="python")(A)
    np.testing.assert_allclose(grad, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)
    jax = _jax()
    np.testing.assert_allclose(grad, jax.grad(_under_jax(f))(A), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", MAIN)
@pytest.mark.parametrize("f", F.LOSSES, ids=_ids)
def test_gradient_against_jax(f, shape):
    A = MATRICES[shape]
    jax = _jax()
    np.testing.assert_allclose(fg.grad(f, target="python")(A), jax.grad(_under_jax(f))(A),
                               rtol=1e-9, atol=1e-12)


def test_orthogonal_parametrisation_against_jax():
    A, v = MATRICES["square"], np.arange(1.0, 5.0)
    jax = _jax()
    g = fg.grad(F.orthogonal_map, argnums=(0, 1), target="python")(A, v)
    ref = jax.grad(_under_jax(F.orthogonal_map), argnums=(0, 1))(A, v)
    for x, y in zip(g, ref):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", MAIN + ["column", "row"])
@pytest.mark.parametrize("f", [F.q_of, F.r_of, F.r_of_complete], ids=_ids)
def test_tangents_against_differences_and_jax(f, shape):
    A, T = MATRICES[shape], RNG.normal(size=MATRICES[shape].shape)
    tan = check_jvp_against_differences(f, A, T, atol=1e-8)
    if f is not F.r_of_complete or shape != "tall":       # JAX: no jvp of a complete tall QR
        jax = _jax()
        np.testing.assert_allclose(tan, jax.jvp(_under_jax(f), (A,), (T,))[1],
                                   rtol=1e-9, atol=1e-12)


HESSIANS = [(F.weighted, "tall"), (F.weighted, "wide"), (F.weighted, "square"),
            (F.q_only, "tall"), (F.r_only, "square"), (F.projector, "wide"), (F.scipy_r, "wide")]


@pytest.mark.parametrize("f, shape", HESSIANS, ids=[f"{f.__name__}-{s}" for f, s in HESSIANS])
def test_hessian_against_differences_of_the_gradient_and_jax(f, shape):
    A = MATRICES[shape]
    H = check_hessian_against_gradient_differences(f, A)
    jax = _jax()
    np.testing.assert_allclose(H, np.asarray(jax.hessian(_under_jax(f))(A)).reshape(H.shape),
                               rtol=1e-8, atol=1e-10)


def test_hvp_of_least_squares():
    A, V = MATRICES["tall"], RNG.normal(size=(5, 3))
    hv = fg.hvp(F.least_squares, target="python")(A, V)
    g = fg.grad(F.least_squares, target="python")
    eps = 1e-6
    np.testing.assert_allclose(hv, (g(A + eps * V) - g(A - eps * V)) / (2 * eps), rtol=1e-5,
                               atol=1e-7)


def test_complete_r_of_a_tall_matrix_beside_its_unused_q():
    """R of mode='complete' (m x n, zero rows below k) unpacked beside a Q no result reads:
    reverse mode, forward mode and Hessians differentiate R and never meet Q's refusal (JAX
    has no derivative of a complete tall QR to compare with)."""
    A, T = MATRICES["tall"], RNG.normal(size=(5, 3))
    for f in (F.complete_r, F.scipy_full_r):
        value, g = fg.value_and_grad(f, target="python")(A)
        assert value == f(A)
        np.testing.assert_allclose(g, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)
        check_jvp_against_differences(f, A, T)
        check_hessian_against_gradient_differences(f, A)


@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_vmap(shape):
    As = RNG.normal(size=(4,) + MATRICES[shape].shape)
    for f in (F.weighted, F.abs_diag, F.scipy_r):
        out = fg.vmap(fg.grad(f, target="python"))(As)
        np.testing.assert_allclose(out, np.stack([fg.grad(f, target="python")(a) for a in As]),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(fg.vmap(f)(As), [f(a) for a in As], rtol=1e-13)


@pytest.mark.parametrize("lead", [(2,), (2, 3)])
@pytest.mark.parametrize("mn", [(4, 3), (3, 3), (2, 4)])
@pytest.mark.parametrize("f", [F.stack_weighted, F.stack_r, F.stack_scipy], ids=_ids)
def test_stacks(f, lead, mn):
    A = RNG.normal(size=lead + mn)
    value, grad = fg.value_and_grad(f, target="python")(A)
    assert value == pytest.approx(f(A), rel=1e-13)
    np.testing.assert_allclose(grad, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)


def test_stack_results_equal_numpys():
    A = RNG.normal(size=(2, 3, 5, 3))
    for f in (F.factors, F.factors_r, F.scipy_factors_economic, F.scipy_factors_r):
        _assert_same(_results(f, A, "python"), f(A))


def test_float32():
    A = MATRICES["tall"].astype(np.float32)
    for f in F.RESULTS:
        _assert_same(_results(f, A, "python"), f(A))
    for f in (F.weighted, F.scipy_economic, F.abs_diag):
        value, grad = fg.value_and_grad(f, target="python")(A)
        assert grad.dtype == np.float32
        np.testing.assert_allclose(grad, fg.grad(f, target="python")(A.astype(np.float64)),
                                   rtol=2e-3, atol=2e-4)


def test_a_singular_leading_block_raises_rather_than_lies():
    """Where a diagonal entry of R is zero (A's first k columns dependent), Q is not unique and
    has no derivative: the triangular solve of the rule raises LinAlgError, at the call."""
    A = MATRICES["tall"].copy()
    A[:, 1] = 0.0
    for f in (F.q_only, F.r_only):
        with pytest.raises(np.linalg.LinAlgError, match="qr_funcs.py"):
            fg.grad(f, target="python")(A)


@pytest.mark.parametrize("f, what", [
    (F.raw, "np.linalg.qr: mode='raw' is not supported"),
    (F.deprecated_mode, "np.linalg.qr: mode='economic' is not supported"),
    (F.pivoting, "scipy.linalg.qr(..., pivoting=True) is not supported"),
    (F.complete_q, "does not differentiate Q of a complete QR factorisation"),
    (F.scipy_full_q, "does not differentiate Q of a complete QR factorisation")],
    ids=["raw", "deprecated", "pivoting", "complete", "scipy-full"])
def test_refusals(f, what):
    for mode in (fg.grad, fg.hessian):
        with pytest.raises(fg.CompileError) as e:
            mode(f, target="python")(MATRICES["tall"])
        assert what in str(e.value) and "qr_funcs.py:" in str(e.value)
    if f in (F.complete_q, F.scipy_full_q):
        assert "mode='reduced'" in str(e.value)
        with pytest.raises(fg.CompileError, match="complete QR"):
            fg.jvp(f, (MATRICES["wide"],), (MATRICES["wide"],), target="python")


@pytest.mark.slow
def test_cpu_target():
    """Under Numba, LAPACK ?geqrf/?orgqr as NumPy and SciPy call them: the same bits (float32:
    NumPy's in float64, rounded; SciPy's in float32), the python target's gradients."""
    for A in (MATRICES["tall"], MATRICES["wide"], MATRICES["column"],
              MATRICES["tall"].astype(np.float32), MATRICES["wide"].T):
        for f in (F.factors, F.factors_complete, F.scipy_factors, F.scipy_factors_r):
            _assert_same(_results(f, A, "cpu"), f(A))
    for f in (F.weighted, F.scipy_r, F.projector):
        cpu, py = fg.value_and_grad(f, target="cpu"), fg.value_and_grad(f, target="python")
        for A in (MATRICES["tall"], MATRICES["wide"], MATRICES["square"]):
            (v1, g1), (v2, g2) = cpu(A), py(A)
            assert v1 == pytest.approx(v2, rel=1e-13)
            np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(g1, num_grad(f, (A,), 0), rtol=1e-6, atol=1e-8)
    A, T = MATRICES["wide"], RNG.normal(size=(3, 5))
    out, tan = fg.jvp(F.q_of, (A,), (T,), target="cpu")
    np.testing.assert_array_equal(out, F.q_of(A))
    np.testing.assert_allclose(tan, fg.jvp(F.q_of, (A,), (T,), target="python")[1], rtol=1e-10,
                               atol=1e-13)
