"""Issue 9 classes 1-2 and 5: each gradient against central differences, both targets, -O0/-O1."""
import numpy as np
import pytest

import flatgrad as fg

from . import funcs as F

R = np.random.default_rng(0)
X3 = np.array([0.3, -1.2, 0.7])
M23 = R.normal(size=(2, 3))
A23, B43 = R.normal(size=(2, 3)), R.normal(size=(4, 3))

CASES = [
    (F.sum_plus_scalar, (X3, 2.0)),
    (F.mean_sq_plus_scalar, (np.arange(5.0), 1.0)),
    (F.sum_scaled_plus_scalar, (np.array([1.0, 2.0, 3.0, 4.0]), 1.5)),
    (F.gauss_nll, (X3, 0.1, -0.3)),
    (F.laplace_nll, (X3, 0.1, 0.2)),
    (F.row_plus_matrix, (np.array([0.1, 0.2, 0.3]),)),
    (F.col_plus_matrix, (R.normal(size=(2, 1)), M23)),
    (F.col_plus_matrix, (R.normal(size=(1, 3)), M23)),
    (F.col_plus_matrix, (0.7, M23)),
    (F.scalar_minus_array, (0.4, X3)),
    (F.branch_item_update, (0.8,)),
    (F.branch_item_update, (-0.8,)),
    (F.dot_then_update, (0.7,)),
    (F.prod_then_update, (0.9,)),
    (F.helper_then_update, (1.1,)),
    (F.loop_fill, (0.6,)),
    (F.loop_fill_scaled, (0.6,)),
    (F.loop_sum_sin, (M23, 0.5)),
    (F.early_scalar_return, (0.5,)),
    (F.early_scalar_return, (-0.5,)),
    (F.var_ddof, (np.array([0.1, 0.5, -0.3, 2.0]),)),
    (F.std_ddof, (np.array([0.1, 0.5, -0.3, 2.0]),)),
    (F.inner_2d, (A23, B43)),
    (F.inner_1d, (X3, np.array([1.0, 2.0, 3.0]))),
    (F.transpose_none, (A23, R.normal(size=(2, 3)))),
    (F.power_zero_base, (1.5,)),
    (F.ravel_float, (0.7,)),
]
IDS = [f"{c[0].__name__}{i}" for i, c in enumerate(CASES)]


def _fd(f, args, i, h=1e-5):
    """Richardson-extrapolated central difference of f with respect to args[i]."""
    x = np.asarray(args[i], dtype=float)
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        def at(d):
            y = x.copy()
            y[k] += d
            a = list(args)
            a[i] = y if np.ndim(args[i]) else float(y)
            return f(*a)
        d1 = (at(h) - at(-h)) / (2 * h)
        d2 = (at(2 * h) - at(-2 * h)) / (4 * h)
        g[k] = (4 * d1 - d2) / 3
    return g if np.ndim(args[i]) else float(g)


def _check(f, args, target, optimize):
    argnums = tuple(range(len(args)))
    value, grads = fg.value_and_grad(f, argnums=argnums, target=target, optimize=optimize)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, _fd(f, args, i), rtol=1e-6, atol=1e-7,
                                   err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_python(f, args, optimize):
    _check(f, args, "python", optimize)


@pytest.mark.slow
@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_cpu(f, args):
    _check(f, args, "cpu", True)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_forward_broadcasts_lower_rank_tangents(target):
    f = F.row_plus_matrix
    a = np.array([0.1, 0.2, 0.3])
    out, tangent = fg.jvp(f, (a,), (np.ones(3),), target=target)
    assert tangent == pytest.approx(6.0)
    J = fg.jacobian(f, mode="fwd", target=target)(a)
    np.testing.assert_allclose(J, [2.0, 2.0, 2.0])
    out, tangent = fg.jvp(F.col_plus_matrix, (np.ones((2, 1)), M23), (np.ones((2, 1)), np.zeros((2, 3))),
                          target=target)
    assert tangent == pytest.approx(np.sum(2 * (M23 + 1.0) * 1.0))
