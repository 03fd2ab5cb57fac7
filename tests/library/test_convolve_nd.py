"""N-D convolution and correlation (convolve_nd_funcs.py): scipy.signal.convolve, correlate,
convolve2d, correlate2d and np.correlate, every mode, against SciPy's and NumPy's values (the
functions themselves, run by Python) and their VJPs against central differences of those, on
shape pairs with either input the larger, axes of length 1, even and odd kernels; gradients
against autograd's convolve; Hessians, JVPs, vmap, float32, refusals; the cpu target."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_refused, num_grad
from . import convolve_nd_funcs as F

RNG = np.random.default_rng(7)
SHAPES_2D = [((4, 3), (2, 2)), ((5, 4), (3, 2)), ((6, 7), (4, 2)), ((4, 3), (4, 1)),
             ((2, 2), (4, 3)), ((3, 3), (6, 7)), ((1, 4), (1, 1)), ((3, 1), (2, 1)),
             ((5, 5), (3, 3)), ((4, 3), (2, 5)), ((1, 4), (4, 1)), ((2, 6), (2, 6))]
SHAPES_3D = [((3, 4, 2), (2, 2, 2)), ((2, 3, 2), (3, 3, 4)), ((2, 3, 1), (1, 2, 2)),
             ((3, 2, 2), (2, 3, 1))]
SHAPES_1D = [((n,), (m,)) for n in (1, 2, 4, 5) for m in (1, 2, 3, 6)]
MODES = ("full", "valid", "same")
ANY_ND = [F.sp_convolve, F.sp_convolve_fft, F.sp_correlate]
TWO_D = [F.sp_convolve2d, F.sp_correlate2d]
ONE_D = [F.np_correlate, F.np_convolve]


def _covers(sa, sb):
    return all(x >= y for x, y in zip(sa, sb)) or all(y >= x for x, y in zip(sa, sb))


def _cases(funcs, shapes):
    return [pytest.param(f, mode, shapes, id=f"{f.__name__}-{mode}") for f in funcs for mode in MODES]


def check_values_and_vjp(f, mode, sa, sb):
    """flatgrad's value of f(a, b, mode) against f run by Python, and its VJP with a random
    cotangent against central differences of <f(a, b), cotangent> in a and in b."""
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    want = f(a, b, mode)
    out, vjp_fn = fg.vjp(f, a, b, mode, target="python")
    assert out.shape == want.shape
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)
    ct = RNG.normal(size=want.shape)
    ga, gb, _ = vjp_fn(ct)
    loss = lambda x, y: np.sum(f(x, y, mode) * ct)              # noqa: E731
    np.testing.assert_allclose(ga, num_grad(loss, (a, b), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, num_grad(loss, (a, b), 1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, mode, shapes", _cases(ANY_ND, SHAPES_2D + SHAPES_3D + SHAPES_1D)
                         + _cases(TWO_D, SHAPES_2D) + _cases(ONE_D, SHAPES_1D))
def test_values_and_vjp_against_scipy_and_differences(f, mode, shapes):
    for sa, sb in shapes:
        if mode == "valid" and not _covers(sa, sb):
            continue
        check_values_and_vjp(f, mode, sa, sb)


@pytest.mark.parametrize("f", ANY_ND + TWO_D, ids=lambda f: f.__name__)
def test_valid_mode_where_neither_covers_the_other_is_scipys_error(f):
    for sa, sb in SHAPES_2D + SHAPES_3D:
        if _covers(sa, sb) or (f in TWO_D and len(sa) != 2):
            continue
        a, b = RNG.normal(size=sa), RNG.normal(size=sb)
        with pytest.raises(ValueError) as want:
            f(a, b, "valid")
        with pytest.raises(ValueError) as got:
            fg.vjp(f, a, b, "valid", target="python")
        assert str(got.value) == str(want.value)


def test_np_correlate_defaults_to_valid():
    a, b = RNG.normal(size=5), RNG.normal(size=3)
    out, _ = fg.vjp(F.np_correlate_default, a, b, target="python")
    np.testing.assert_allclose(out, np.correlate(a, b, "valid"), rtol=1e-12)
    assert out.shape == (3,)


@pytest.mark.parametrize("mode", MODES)
def test_gradients_against_autograd(mode):
    """autograd's test_convolve_2d shapes: the gradient of <convolve(a, b), c> in each input."""
    ag = pytest.importorskip("autograd")
    from autograd.scipy.signal import convolve as ag_convolve
    for sa in [(4, 3), (5, 4), (6, 7)]:
        for sb in [(2, 2), (3, 2), (4, 2), (4, 1)]:
            a, b = RNG.normal(size=sa), RNG.normal(size=sb)
            out, vjp_fn = fg.vjp(F.sp_convolve, a, b, mode, target="python")
            ct = RNG.normal(size=out.shape)
            ga, gb, _ = vjp_fn(ct)
            want = ag.grad(lambda x, y: (ag_convolve(x, y, mode=mode) * ct).sum(), (0, 1))(a, b)
            np.testing.assert_allclose(ga, want[0], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(gb, want[1], rtol=1e-10, atol=1e-12)


def _hessian_by_differences(f, x, eps=1e-6):
    g = fg.grad(f, target="python")
    rows = [(g(x + eps * e.reshape(x.shape)) - g(x - eps * e.reshape(x.shape))) / (2 * eps)
            for e in np.eye(x.size)]
    return np.array(rows).reshape(x.shape + x.shape)


@pytest.mark.parametrize("f, shape", [(F.twice, (4, 5)), (F.cube, (3, 4, 3))],
                         ids=["twice", "cube"])
def test_hessian_against_differences_of_the_gradient(f, shape):
    x = RNG.normal(size=shape)
    np.testing.assert_allclose(fg.grad(f, target="python")(x), num_grad(f, (x,), 0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fg.hessian(f, target="python")(x), _hessian_by_differences(f, x),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [F.sp_convolve, F.sp_correlate2d, F.np_correlate],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", MODES)
def test_jvp_against_differences(f, mode):
    sa, sb = ((6,), (4,)) if f is F.np_correlate else ((5, 4), (2, 3))
    a, b, ta, tb = (RNG.normal(size=s) for s in (sa, sb, sa, sb))
    out, tangent = fg.jvp(lambda x, y: f(x, y, mode), (a, b), (ta, tb), target="python")
    eps = 1e-6
    want = (f(a + eps * ta, b + eps * tb, mode) - f(a - eps * ta, b - eps * tb, mode)) / (2 * eps)
    np.testing.assert_allclose(out, f(a, b, mode), rtol=1e-12)
    np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0)], ids=str)
def test_vmap_over_a_leading_axis(in_axes):
    """One input mapped: one convolution of one more dimension (the batching rule); both
    mapped: vmap's loop. Values against SciPy per example, and the per-example gradients."""
    xs, ks = RNG.normal(size=(3, 5, 4)), RNG.normal(size=(3, 2, 3))
    x = xs if in_axes[0] == 0 else xs[0]
    k = ks if in_axes[1] == 0 else ks[0]
    pick = lambda v, ax, i: v[i] if ax == 0 else v               # noqa: E731
    got = fg.vmap(F.blur, in_axes=in_axes, target="python")(x, k)
    want = [F.blur(pick(x, in_axes[0], i), pick(k, in_axes[1], i)) for i in range(3)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    grads = fg.vmap(fg.grad(F.blur, argnums=(0, 1), target="python"), in_axes=in_axes,
                    target="python")(x, k)
    for i in range(3):
        xi, ki = pick(x, in_axes[0], i), pick(k, in_axes[1], i)
        for j in range(2):
            np.testing.assert_allclose(grads[j][i], num_grad(F.blur, (xi, ki), j),
                                       rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("how", ["rev", "fwd"])
def test_jacobian_batches_every_seed_at_once(how):
    """Jacobians vmap the derivative code over a seed axis: the batching rule in the VJP's
    and JVP's convolutions, against central differences of SciPy's correlate2d."""
    a, b = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 2))
    jac = fg.jacobian(F.sp_correlate2d, argnums=(0, 1), mode=how, target="python")(a, b, "same")
    for j, x in enumerate((a, b)):
        want = np.stack([num_grad(lambda *xy: F.sp_correlate2d(*xy, "same")[r], (a, b), j)
                         for r in np.ndindex(a.shape)]).reshape(a.shape + x.shape)
        np.testing.assert_allclose(jac[j], want, rtol=1e-6, atol=1e-8)


def test_float32_in_float32_out():
    a, b = RNG.normal(size=(5, 4)).astype(np.float32), RNG.normal(size=(2, 3)).astype(np.float32)
    for f in ANY_ND + TWO_D:
        out, vjp_fn = fg.vjp(f, a, b, "same", target="python")
        want = f(a, b, "same")
        assert out.dtype == want.dtype == np.float32
        np.testing.assert_allclose(out, want, rtol=1e-5)
        ga, gb, _ = vjp_fn(np.ones_like(out))
        assert ga.dtype == gb.dtype == np.float32
    out, _ = fg.vjp(F.sp_convolve, a, b.astype(np.float64), "full", target="python")
    assert out.dtype == F.sp_convolve(a, b.astype(np.float64), "full").dtype == np.float64


def test_integer_inputs_are_convolved_as_floats():
    a, b = np.arange(12).reshape(4, 3), np.array([[1, 2], [3, 4]])
    out, _ = fg.vjp(F.sp_correlate2d, a.astype(float), b, "same", target="python")
    np.testing.assert_array_equal(out, F.sp_correlate2d(a, b, "same"))


REFUSED = [(F.bad_ndim, "must have the same number of dimensions, not 2 and 1"),
           (F.bad_boundary, "boundary='wrap' is not supported"),
           (F.bad_fill, "only fillvalue=0"),
           (F.bad_method, "method must be 'auto', 'direct' or 'fft'"),
           (F.bad_mode, "mode must be 'full', 'valid' or 'same'"),
           (F.np_correlate_2d, "np.correlate takes 1-D arrays"),
           (F.convolve2d_3d, "scipy.signal.convolve2d takes 2-D arrays"),
           (F.complex_kernel, "unsupported dtype")]


@pytest.mark.parametrize("f, what", [pytest.param(f, w, id=f.__name__) for f, w in REFUSED])
def test_refused(f, what):
    check_refused(f, (RNG.normal(size=(3, 3)),), what, "convolve_nd_funcs.py")


@pytest.mark.slow
def test_cpu_target_against_python():
    """Numba's loop nests (runtime helper convolve_nd) against SciPy's direct sums: values and
    gradients in both inputs (2-D, and 1-D by np.convolve), 3-D, and SciPy's error where
    neither input covers the other."""
    x, k = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 2))
    for f, args in [(F.mixed, (x, k)), (F.mixed, (RNG.normal(size=(5, 6)), RNG.normal(size=(3, 2))))]:
        cpu = fg.value_and_grad(f, argnums=(0, 1), target="cpu")(*args)
        py = fg.value_and_grad(f, argnums=(0, 1), target="python")(*args)
        np.testing.assert_allclose(cpu[0], py[0], rtol=1e-12)
        for g1, g2 in zip(cpu[1], py[1]):
            np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    c = RNG.normal(size=(3, 4, 3))
    (v1, g1), (v2, g2) = (fg.value_and_grad(F.cube, target=t)(c) for t in ("cpu", "python"))
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    x32, k32 = x.astype(np.float32), k.astype(np.float32)
    (v1, g1), (v2, g2) = (fg.value_and_grad(F.blur, target=t)(x32, k32) for t in ("cpu", "python"))
    assert g1.dtype == g2.dtype == np.float32
    np.testing.assert_allclose(v1, v2, rtol=1e-5)
    np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="one must be at least as large"):
        fg.grad(F.valid_either, target="cpu")(x, RNG.normal(size=(1, 5)))
