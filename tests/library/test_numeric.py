"""Polynomials, grids, integration, clip keywords, argmax/argmin, and def/lambda inside the
differentiated function; against central differences (and autograd where it has the
function: it has no VJP of np.polyval nor linspace's endpoint=), both targets."""
import warnings

import numpy as np
import pytest

import flatgrad as fg

from . import numeric_funcs as F
from .check11 import check

rng = np.random.default_rng(11)

CASES = [
    (F.polyval_array, (rng.normal(size=4), rng.normal(size=3)), (0, 1), False),
    (F.polyval_list, (rng.normal(size=3),), (0,), False),
    (F.polyval_constant, (rng.normal(size=3),), (0,), False),
    (F.polyval_scalar, (rng.normal(size=3), 0.7), (0, 1), False),
    (F.linspace_grid, (0.7, 1.3), (0, 1), True),
    (F.linspace_open, (0.3, 1.9), (0, 1), False),
    (F.trapezoid_dx, (rng.normal(size=6),), (0,), False),
    (F.trapezoid_x, (rng.normal(size=5), np.sort(rng.normal(size=5))), (0, 1), False),
    (F.trapezoid_axis0, (rng.normal(size=(4, 3)),), (0,), False),
    (F.clip_keywords, (rng.normal(size=6),), (0,), False),
    (F.argmax_pick, (rng.normal(size=3), rng.normal(size=(3, 3))), (0, 1), False),
    (F.argmin_rows, (rng.normal(size=(3, 4)),), (0,), False),
    (F.local_def, (rng.normal(size=3), 0.5), (0, 1), False),
    (F.local_lambda, (rng.normal(size=3), 0.8), (0, 1), False),
    (F.local_nested, (rng.normal(size=3),), (0,), False),
    (F.local_late_binding, (0.7,), (0,), False),
    (F.helper_with_function_default, (rng.normal(size=3),), (0,), False),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f, args, argnums, ag", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients(f, args, argnums, ag, target):
    check(f, args, argnums, target=target, ag=ag)


def test_argmax_and_argmin_match_numpy_at_ties():
    x = np.array([1.0, 3.0, 3.0, -2.0, -2.0])
    W = np.eye(5)
    # the first index of the extreme, as NumPy: W[1] * x summed, plus x[3]
    v, _ = fg.value_and_grad(F.argmax_pick, target="python")(x, W)
    assert v == pytest.approx(3.0 - 2.0)
    X = np.array([[2.0, 1.0, 1.0], [0.0, 5.0, 0.0]])
    assert fg.value_and_grad(F.argmin_rows, target="python")(X)[0] == pytest.approx(1.0)


def test_linspace_is_numpys_grid():
    g = fg.value_and_grad(F.linspace_grid, argnums=(0, 1), target="python")
    assert g(0.7, 1.3)[0] == F.linspace_grid(0.7, 1.3)     # the same points, bit for bit


def test_a_local_function_cannot_write_the_enclosing_functions_arrays():
    with pytest.raises(fg.CompileError, match="cannot assign into 'Z'"):
        fg.grad(F.local_writes_outer, target="python")(np.ones(3))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("shape", [(2, 0), (0, 3), (0, 0)])
def test_logsumexp_and_softmax_of_empty_slices_are_scipys(shape, target):
    x = np.zeros(shape)
    with np.errstate(divide="ignore"):
        v, g = fg.value_and_grad(F.logsumexp_rows, target=target)(x)
        want = F.logsumexp_rows(x)
    assert v == want or (np.isinf(v) and np.isinf(want) and v < 0 and want < 0)
    assert g.shape == shape
    v, g = fg.value_and_grad(F.softmax_cols, target=target)(x)
    assert g.shape == shape and v == 0.0      # SciPy's own softmax raises on an empty axis


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f, shape", [(F.median_all, (0,)), (F.median_rows_keep, (2, 0)),
                                      (F.quantile_cols, (0, 3)), (F.median_all, (5,)),
                                      (F.quantile_cols, (4, 3))])
def test_median_and_quantile_of_empty_slices_are_nan(f, shape, target):
    x = np.arange(float(np.prod(shape))).reshape(shape) % 3.1
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, g = fg.value_and_grad(f, target=target)(x)
        if x.size:
            assert v == pytest.approx(f(x)) and g.shape == shape
        else:                    # NumPy: nan (median, with a warning); quantile raises
            assert np.isnan(v) and g.shape == shape and not np.any(g)
