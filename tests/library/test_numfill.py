"""NaN-ignoring reductions, where=/initial=, np.count_nonzero, np.diff's prepend/append,
np.geomspace, np.vander, np.diagflat, np.insert/np.delete, polyfit/polyval, np.i0,
np.linalg.matrix_rank, np.histogram (numfill_funcs.py): values against NumPy (bit for bit
where NumPy's steps are followed), gradients against central differences and JAX (a
clone of each function on jax.numpy), forward mode and Hessians against differences, vmap,
the cpu target against the python target, refusals located."""
import importlib.util
import warnings

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.runtime.dispatch import stack_cached

from ..frontend.numeric import (check_cpu_matches_python, check_hessian_against_gradient_differences,
                                check_jvp_against_differences, check_refused, num_grad)
from . import numfill_funcs as F

GRID_POINTS = [np.array([[0.3, 0.9, 1.2, -0.7], [0.2, -1.4, 0.6, 0.8], [2.0, 0.5, 1.7, 1.1]]),
               np.array([[1.3, -0.2, 0.45, 0.7], [0.65, 1.1, -0.9, 0.25], [-1.2, 0.85, 1.45, 0.55]])]
LINE_POINTS = [np.array([0.7, 1.3, 0.45, 2.1, 0.9, 1.7, 0.6]),
               np.array([1.15, 0.35, 1.9, 0.8, 1.25, 0.55, 2.4])]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():     # NumPy's own RuntimeWarnings (empty slices)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _check(f, x):
    value, grad = fg.value_and_grad(f, target="python")(x)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(grad, num_grad(f, (x,), 0), rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("f", F.GRID, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [0, 1])
def test_grid_functions_against_differences(f, k):
    _check(f, GRID_POINTS[k])


@pytest.mark.parametrize("f", F.LINE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [0, 1])
def test_line_functions_against_differences(f, k):
    _check(f, LINE_POINTS[k])


# ---------------------------------------------------------------- JAX as the oracle

def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


class _Jnp:
    """jax.numpy, taking lists where NumPy does (jnp.insert/delete/diff want arrays)."""
    def __init__(self, jnp):
        self.jnp = jnp

    def __getattr__(self, name):
        fn = getattr(self.jnp, name)
        if name not in ("insert", "delete", "diff"):
            return fn
        return lambda *a, **k: fn(*(self.jnp.asarray(v) if isinstance(v, list) else v for v in a),
                                  **{n: self.jnp.asarray(v) if isinstance(v, list) else v for n, v in k.items()})


def _value(f):
    """flatgrad's compiled value of ``f`` (python target: the transform with no steps)."""
    return stack_cached(f, (), "python", "value")


def _on_jax(f, jnp):
    """``f`` with ``np`` (also in its helper nan_in) meaning jax.numpy."""
    g = {**f.__globals__, "np": _Jnp(jnp)}
    g["nan_in"] = type(f)(F.nan_in.__code__, g, "nan_in")
    return type(f)(f.__code__, g, f.__name__)


@pytest.mark.parametrize("f", [F.nansum_, F.nanprod_, F.nanmean_, F.nanmax_, F.nanvar_, F.nanstd_,
                               F.nancum_, F.nanmedian_, F.where_sum, F.where_mean, F.where_prod,
                               F.where_extrema, F.where_var, F.diff_, F.diagflat_, F.vander_,
                               F.delete_, F.insert_], ids=lambda f: f.__name__)
def test_grid_gradients_against_jax(f):
    jax = _jax()
    for x in GRID_POINTS:
        np.testing.assert_allclose(fg.grad(f, target="python")(x), jax.grad(_on_jax(f, jax.numpy))(x),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", [F.geomspace_, F.i0_, F.polyfit_y, F.polyfit_x, F.polyfit_w,
                               F.histogram_w], ids=lambda f: f.__name__)
def test_line_gradients_against_jax(f):
    jax = _jax()
    for x in LINE_POINTS:
        np.testing.assert_allclose(fg.grad(f, target="python")(x), jax.grad(_on_jax(f, jax.numpy))(x),
                                   rtol=1e-8, atol=1e-11)


def test_numpy_polynomial_against_jax_polyfit_and_polyval():
    """np.polynomial's lowest-first coefficients are np.polyfit's / np.polyval's reversed."""
    jax = _jax()
    jnp = jax.numpy

    def fit_mirror(y):
        return (jnp.sum(jnp.polyfit(F.XS, y, 2)[::-1] * jnp.array([1.0, 2.0, 3.0]))
                + jnp.sum(jnp.polyfit(F.XS, y * F.XS, 3, w=F.XS + 1.0)[::-1] ** 2))

    def val_mirror(x):
        c = jnp.array([1.0, -2.0, 0.5])
        C = x[:6].reshape(3, 2)
        t = jnp.stack([jnp.polyval(C[::-1, j], x[:3]) for j in range(2)])
        d = x[:6].reshape(2, 3)
        inner = jnp.stack([jnp.polyval(d[::-1, j], x[:3]) for j in range(3)])      # (3 coeffs, 3 points)
        return (jnp.sum(jnp.polyval(c[::-1], x)) + jnp.sum(jnp.polyval(x[:3][::-1], F.XS) ** 2)
                + jnp.polyval(x[:4][::-1], 0.7) ** 2 + jnp.sum(t ** 2)
                + jnp.sum(jnp.array([jnp.polyval(C[::-1, j], x[j]) for j in range(2)]))
                + jnp.sum(jnp.array([jnp.polyval(inner[::-1, i], x[1 + i]) for i in range(3)]) ** 2))

    for x in LINE_POINTS:
        np.testing.assert_allclose(F.ppolyval(x), val_mirror(x), rtol=1e-12)
        np.testing.assert_allclose(fg.grad(F.ppolyval, target="python")(x), jax.grad(val_mirror)(x), rtol=1e-10)
        y = np.sin(x) + x
        np.testing.assert_allclose(fg.grad(F.ppolyfit, target="python")(y), jax.grad(fit_mirror)(y), rtol=1e-8)


# ---------------------------------------------------------------- forward mode, Hessians, vmap

@pytest.mark.parametrize("f, x", [(F.nanvar_, GRID_POINTS[0]), (F.nanmedian_, GRID_POINTS[1]),
                                  (F.where_var, GRID_POINTS[0]), (F.insert_, GRID_POINTS[1]),
                                  (F.delete_, GRID_POINTS[0]), (F.diff_, GRID_POINTS[0]),
                                  (F.geomspace_, LINE_POINTS[0]), (F.polyfit_x, LINE_POINTS[1]),
                                  (F.histogram_w, LINE_POINTS[0]), (F.ppolyval, LINE_POINTS[0])],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode_and_hessian(f, x):
    t = np.cos(np.arange(x.size) * 1.7).reshape(x.shape)
    tan = check_jvp_against_differences(f, x, t, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tan, np.sum(fg.grad(f, target="python")(x) * t), rtol=1e-9, atol=1e-12)
    check_hessian_against_gradient_differences(f, x)


@pytest.mark.parametrize("f, points", [(F.nanmean_, GRID_POINTS), (F.where_extrema, GRID_POINTS),
                                       (F.insert_, GRID_POINTS), (F.delete_, GRID_POINTS),
                                       (F.polyfit_y, LINE_POINTS), (F.histogram_w, LINE_POINTS)],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_vmap_of_the_gradient_is_the_gradient_of_each_row(f, points):
    xs = np.stack(points)
    g = fg.grad(f, target="python")
    np.testing.assert_allclose(fg.vmap(g, target="python")(xs), np.stack([g(x) for x in xs]),
                               rtol=1e-12, atol=1e-13)


@pytest.mark.slow
@pytest.mark.parametrize("f, points", [(F.cpu_grid, GRID_POINTS), (F.cpu_line, LINE_POINTS)],
                         ids=["grid", "line"])
def test_cpu_target_against_python(f, points):
    check_cpu_matches_python([f], points)


# ---------------------------------------------------------------- values as NumPy's

def _defs(tmp_path, codes):
    """Each code as a function ``f(x)`` of a module written for it (flatgrad reads source)."""
    lines = ["import numpy as np", "from tests.library.numfill_funcs import MASK"]
    lines += [f"def f{i}(x):\n    return {c}\n" for i, c in enumerate(codes)]
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "numfill_generated.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(f"numfill_generated_{tmp_path.name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return [(c, getattr(mod, f"f{i}")) for i, c in enumerate(codes)]


def _same(got, want, code, exact=True):
    got, want = np.asarray(got), np.asarray(want)
    if exact:
        np.testing.assert_array_equal(got, want, err_msg=code)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=code)
    assert got.shape == want.shape and got.dtype == want.dtype, code


def test_values_with_nans_are_numpys_bit_for_bit_and_the_gradient_is_zero_at_nans(tmp_path):
    x = np.where(F.ALLNAN_AT, np.nan, GRID_POINTS[0])
    for code, f in _defs(tmp_path, F.NAN_VALUES):
        _same(_value(f)(x), f(x), code)
    for code, f in _defs(tmp_path / "grads", F.NAN_GRADS):
        g = fg.grad(f, target="python")(x)
        assert np.all(g[F.ALLNAN_AT] == 0.0) and np.all(np.isfinite(g)) and np.any(g != 0.0), code
    with pytest.raises(ValueError, match="All-NaN slice"):
        _value(F.nanargmax_rows)(x)


def test_masked_reductions_are_numpys(tmp_path):
    x = GRID_POINTS[1]
    for code, f in _defs(tmp_path, F.MASKED_VALUES):
        _same(_value(f)(x), f(x), code, exact=False)


def test_editing_counting_and_ranks_are_numpys(tmp_path):
    x = np.arange(12.0).reshape(3, 4) * 0.7 - 2.0
    for code, f in _defs(tmp_path, F.EDIT_VALUES):
        _same(_value(f)(x), f(x), code)
    xi = np.arange(6).reshape(2, 3)
    _same(_value(F.insert_into_ints)(xi),
          F.insert_into_ints(xi), "ints")
    with pytest.raises(IndexError):
        _value(F.insert_out_of_bounds)(x)
    with pytest.raises(IndexError):
        _value(F.delete_out_of_bounds)(x)
    with pytest.raises(ValueError, match="cannot include zero"):
        _value(F.geomspace_zero)(np.zeros(2))


def test_geomspace_and_histogram_are_numpys(tmp_path):
    for a, b in ((0.7, 31.0), (-2.0, -1e-3), (5.0, 0.25), (3.0, 7.0), (1e-3, 1e5)):
        x = np.array([a, b])
        for code, f in F.GEOMSPACES:
            _same(_value(f)(x), f(x), code)
    a = np.array([0.0, 0.1, 0.2, 0.30000000000000004, 0.6, 1.0, 0.7, 0.7, 1e-17])
    for x in (a, np.full(5, 2.0), np.linspace(-3.0, 3.0, 13) ** 3):
        for code, f in F.HISTOGRAMS:
            got, want = _value(f)(x), f(x)
            _same(got[0], want[0], code)
            _same(got[1], want[1], code)


def test_polyfit_polyval_i0_are_numpys():
    for code, f in F.FITS:
        np.testing.assert_allclose(_value(f)(F.XS), f(F.XS), rtol=1e-13, atol=1e-15, err_msg=code)


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("f, what", [
    (lambda x: np.sum(np.delete(x, np.argsort(x)[:2])), "obj must be an int, a slice or a list of ints"),
    (lambda x: np.sum(np.insert(x, np.argmax(x), 1.0)), "obj must be an int, a slice or a list of ints"),
    (lambda x: np.max(x, where=x > 0.5), "to use a where mask one has to specify 'initial'"),
    (lambda x: np.sum(np.polyfit(x, x, 1, full=True)[0]), "full=True is not supported"),
    (lambda x: np.sum(np.polyfit(x, x, 1, cov=True)[0]), "cov=True is not supported"),
    (lambda x: np.sum(np.geomspace(x[:2], x[2:4], 3)), "start and stop must be numbers"),
    (lambda x: np.sum(np.nansum(x, axis=3)), "out of bounds"),
    (lambda x: np.sum(np.histogram(x, bins=np.array([0.0, 1.0]))[0]), "np.histogram"),
])
def test_refusals_are_located(f, what):
    check_refused(f, (LINE_POINTS[0],), what, "test_numfill.py")
