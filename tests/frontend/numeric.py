"""Central finite differences of a scalar function with respect to one array argument."""
import numpy as np


def num_grad(f, args, i, eps=1e-6):
    """d f(*args) / d args[i], element by element, by central differences."""
    args = list(args)
    x = np.array(args[i], dtype=float)
    g = np.zeros_like(x)
    for k in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        g[k] = (f(*args[:i], up, *args[i + 1:]) - f(*args[:i], down, *args[i + 1:])) / (2 * eps)
    return g


def check_value_and_grad(f, args, i, rtol=1e-5, atol=1e-7):
    """flatgrad's value and gradient of ``f`` (python target) against ``f`` itself and
    central finite differences."""
    import flatgrad as fg
    value, grad = fg.value_and_grad(f, argnums=i, target="python")(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-10)
    np.testing.assert_allclose(grad, num_grad(f, args, i), rtol=rtol, atol=atol)


def check_cpu_matches_python(funcs, inputs, spread=False):
    """Each function's value and gradient on the cpu target (Numba) against the python
    target's, at every input (a tuple of the arguments where ``spread``)."""
    import flatgrad as fg
    for f in funcs:
        cpu, py = fg.value_and_grad(f, target="cpu"), fg.value_and_grad(f, target="python")
        for x in inputs:
            args = x if spread else (x,)
            (v1, g1), (v2, g2) = cpu(*args), py(*args)
            np.testing.assert_allclose(v1, v2, rtol=1e-12)
            np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-14)


def check_refused(f, args, what, where):
    """``grad(f)(*args)`` (python target) is a CompileError saying ``what``, located in the
    file ``where``."""
    import pytest

    import flatgrad as fg
    with pytest.raises(fg.CompileError) as e:
        fg.grad(f, target="python")(*args)
    assert what in str(e.value)
    assert f"{where}:" in str(e.value)



def check_against_autograd(f, args, i=0, rtol=1e-10):
    """flatgrad's gradient of ``f`` (python target) against autograd's, ``f`` run by autograd
    as a clone whose ``np`` is ``autograd.numpy`` (skipped where autograd is not installed)."""
    import pytest

    import flatgrad as fg
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    clone = type(f)(f.__code__, {**f.__globals__, "np": anp}, f.__name__)
    np.testing.assert_allclose(fg.grad(f, argnums=i, target="python")(*args),
                               ag.grad(clone, i)(*args), rtol=rtol)


def check_hessian_against_gradient_differences(f, A, eps=1e-6):
    """flatgrad's Hessian of ``f`` at the array ``A`` (python target), as a square matrix,
    against central differences of its gradient, and symmetric; returned."""
    import flatgrad as fg
    g = fg.grad(f, target="python")
    fd = np.array([(g(A + eps * e) - g(A - eps * e)) / (2 * eps)
                   for e in np.eye(A.size).reshape((A.size,) + A.shape)])
    H = fg.hessian(f, target="python")(A).reshape(A.size, A.size)
    np.testing.assert_allclose(H, fd.reshape(A.size, A.size), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-7, atol=1e-9)
    return H


def check_jvp_against_differences(f, A, T, rtol=1e-6, atol=1e-7, eps=1e-6):
    """flatgrad's ``jvp`` of ``f`` at ``A`` along ``T`` (python target): the value ``f``'s bit
    for bit, the tangent against a central directional difference; the tangent returned."""
    import flatgrad as fg
    out, tan = fg.jvp(f, (A,), (T,), target="python")
    np.testing.assert_array_equal(out, f(A))
    np.testing.assert_allclose(tan, (f(A + eps * T) - f(A - eps * T)) / (2 * eps), rtol=rtol,
                               atol=atol)
    return tan
