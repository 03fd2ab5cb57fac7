"""Transforms called inside differentiated code (issue 26): built in the body, made outside
and called inside, applied at once (jvp, vjp); nested (grad of grad, jvp of vjp); reading
module and closure arrays and the enclosing function's variables. The oracle is autograd
running the same source with ``np`` bound to autograd.numpy and ``fg`` to a shim of
autograd's own transforms; central differences where autograd cannot run the function.
The negative binomial Newton fit must land on autograd's parameters."""
import types

import numpy as np
import pytest
import scipy.optimize

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

from . import inner_funcs as F
from .source_module import module_from

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402
import autograd.scipy.special as asp  # noqa: E402

rng = np.random.default_rng(2626)


class _AutogradTransforms:
    """flatgrad's transforms, as autograd spells them (the oracle's ``fg``)."""

    @staticmethod
    def grad(f, argnums=0):
        if isinstance(argnums, int):
            return autograd.grad(f, argnums)
        return lambda *a: tuple(autograd.grad(f, i)(*a) for i in argnums)

    @staticmethod
    def value_and_grad(f, argnums=0):
        return autograd.value_and_grad(f, argnums)

    hessian = staticmethod(autograd.hessian)
    jacobian = staticmethod(autograd.jacobian)

    @staticmethod
    def jvp(f, primals, tangents):
        def along(t):
            return f(*[p if v is None else p + t * v for p, v in zip(primals, tangents)])
        return f(*primals), autograd.jacobian(along)(0.0)

    @staticmethod
    def vjp(f, *primals):
        def back(ct):
            return tuple(autograd.make_vjp(f, i)(*primals)[0](ct) for i in range(len(primals)))
        return f(*primals), back


def autograd_version(f):
    """``f`` (and the module functions it calls) with autograd's numpy, gammaln and fg."""
    env = dict(f.__globals__)
    env.update(np=anp, gammaln=asp.gammaln, fg=_AutogradTransforms)
    for name in ("negbin_loglike", "_poly", "loglike", "p_of", "p_two", "_min_plus"):
        g = f.__globals__[name]
        env[name] = types.FunctionType(g.__code__, env, g.__name__, g.__defaults__, g.__closure__)
    return types.FunctionType(f.__code__, env, f.__name__, f.__defaults__, f.__closure__)


def _flat(g):
    if isinstance(g, dict):
        return np.concatenate([np.ravel(g[k]) for k in sorted(g)])
    if isinstance(g, (tuple, list)):
        return np.concatenate([_flat(v) for v in g])
    return np.ravel(g)


x3 = rng.normal(size=3)
CASES = [
    (F.rprime, (2.5,), 0),
    (F.grad_argnums_inside, (x3, rng.normal(size=3)), (0, 1)),
    (F.value_and_grad_inside, (x3,), 0),
    (F.hessian_inside, (x3,), 0),
    (F.jacobian_inside, (x3,), 0),
    (F.local_closure, (x3, rng.normal(size=3)), (0, 1)),
    (F.grad_of_grad_inside, (0.7,), 0),
    (F.jvp_inside, (x3, rng.normal(size=3)), (0, 1)),
    (F.vjp_inside, (x3,), 0),
    (F.inner_in_loop, (x3,), 0),
    (F.jvp_broadcast_inside, (0.9, rng.normal(size=(2, 3)), rng.normal(size=(3, 3)),
                              rng.normal(size=(2, 3))), (0, 1, 3)),
]
IDS = [c[0].__name__ for c in CASES]


def _against_autograd(f, args, argnums, target):
    fa = autograd_version(f)
    v, g = fg.value_and_grad(f, argnums=argnums, target=target)(*args)
    np.testing.assert_allclose(v, fa(*args), rtol=1e-10, atol=1e-12)
    nums = (argnums,) if isinstance(argnums, int) else argnums
    gs = (g,) if isinstance(argnums, int) else g
    for i, gi in zip(nums, gs):
        want = autograd.grad(fa, i)(*args)
        np.testing.assert_allclose(_flat(gi), _flat(want), rtol=1e-9, atol=1e-11,
                                   err_msg=f"{f.__name__} argument {i}")


@pytest.mark.parametrize("f, args, argnums", CASES, ids=IDS)
def test_against_autograd(f, args, argnums):
    _against_autograd(f, args, argnums, "python")


def test_second_derivative_of_a_function_holding_a_gradient():
    fa = autograd_version(F.rprime)
    for r in (0.8, 2.5, 6.0):
        got = fg.grad(fg.grad(F.rprime, target="python"), target="python")(r)
        assert got == pytest.approx(autograd.grad(autograd.grad(fa))(r), rel=1e-9)
        h = fg.hessian(F.rprime, target="python")(r)
        assert h == pytest.approx(got, rel=1e-12)


def test_a_gradient_made_outside_is_the_one_made_inside():
    for r in (0.8, 2.5, 6.0):
        inside = fg.grad(F.rprime, target="python")(r)
        assert fg.grad(F.rprime_outside, target="python")(r) == pytest.approx(inside, rel=1e-12)
        assert fg.grad(F.rprime_two, target="python")(r) == pytest.approx(inside, rel=1e-12)


def test_closure_arrays_of_the_inner_function():
    # every lambda closes over the data (autograd's fit_maxlike): read through the closures
    x = F.DATA * 1.5
    rp = F.fit_rprime(x)
    ag = autograd_version(F.fit_rprime)(x)
    for r in (0.8, 3.0):
        assert fg.grad(rp, target="python")(r) == pytest.approx(autograd.grad(ag)(r), rel=1e-9)
    # another closure (other data) compiles to the same code and reads its own data
    rp2 = F.fit_rprime(F.DATA)
    assert fg.grad(rp2, target="python")(3.0) == pytest.approx(
        fg.grad(F.rprime, target="python")(3.0), rel=1e-12)


def test_tree_argument_and_hvp_outside_against_differences():
    params = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    x = rng.normal(size=3)
    g = fg.grad(F.tree_argument, argnums=1, target="python")(params, x)
    np.testing.assert_allclose(g, numeric_grad(F.tree_argument, [params, x], 1), rtol=1e-5,
                               atol=1e-7)
    gW = fg.grad(F.tree_argument, target="python")(params, x)["W"]
    for j in np.ndindex(2, 3):
        up, down = {**params, "W": params["W"].copy()}, {**params, "W": params["W"].copy()}
        up["W"][j] += 1e-6
        down["W"][j] -= 1e-6
        num = (F.tree_argument(up, x) - F.tree_argument(down, x)) / 2e-6
        assert gW[j] == pytest.approx(num, rel=1e-5, abs=1e-7)
    x = rng.normal(size=4)
    np.testing.assert_allclose(fg.grad(F.hvp_outside, target="python")(x),
                               numeric_grad(F.hvp_outside, [x], 0), rtol=1e-6, atol=1e-8)


def _newton(rp, fprime, fprime2, r0=1.0):
    return scipy.optimize.newton(rp, r0, fprime=fprime, fprime2=fprime2, tol=1e-12,
                                 maxiter=100)


def test_newton_fit_of_the_negative_binomial_matches_autograds():
    ag = autograd_version(F.rprime)
    want = _newton(ag, autograd.grad(ag), autograd.grad(autograd.grad(ag)))
    fprime = fg.grad(F.rprime, target="python")
    got = _newton(F.rprime_python, fprime, fg.grad(fprime, target="python"))
    assert got == pytest.approx(want, rel=1e-9)
    assert abs(F.rprime_python(got)) < 1e-8          # a stationary point of the likelihood
    p = F.p_of(got)
    assert p == pytest.approx(np.sum(F.DATA) / np.sum(want + F.DATA), rel=1e-9)


@pytest.mark.slow
def test_cpu_target():
    """The same on the cpu target (Numba): a few compiled functions, shared."""
    for f, args, argnums in (CASES[0], CASES[5], CASES[7], CASES[8]):
        _against_autograd(f, args, argnums, "cpu")
    fprime = fg.grad(F.rprime, target="cpu")
    fprime2 = fg.grad(fprime, target="cpu")
    ag = autograd_version(F.rprime)
    want = _newton(ag, autograd.grad(ag), autograd.grad(autograd.grad(ag)))
    assert _newton(F.rprime_python, fprime, fprime2) == pytest.approx(want, rel=1e-9)
    # item 2's program (a gradient made outside, called with p(r, x)) on this target too
    assert fg.grad(F.rprime_two, target="cpu")(2.5) == pytest.approx(
        autograd.grad(ag)(2.5), rel=1e-9)


@pytest.mark.parametrize("src, msg", [
    ("def f(x):\n    return fg.grad(f)(x)\n", "recursive call"),
    ("def f(x):\n    return fg.grad(lambda z: (z, z))(x)\n", "return one scalar"),
    ("def f(x):\n    return fg.grad(lambda z: z, argnums=k)(x)\n", "argnums must be"),
    ("def f(x):\n    return fg.grad(lambda z: z * z, argnums=3)(x)\n", "out of range"),
    ("def f(x):\n    return fg.grad(fg.hvp(lambda z: z ** 3))(x, x)\n", "cannot transform"),
    # bound by the one binder against the transform's own signature (issue 23)
    ("def f(x):\n    return fg.grad(lambda z: z, argnum=0)(x)\n",
     "fg.grad: unexpected keyword argument 'argnum'"),
    ("def f(x):\n    return fg.hessian(lambda z: z ** 3, 0, 1)(x)\n", "fg.hessian takes at most 2"),
    ("def f(x):\n    return fg.jvp(lambda z: z ** 3, (x,))[1]\n",
     "fg.jvp: missing required argument 'tangents'"),
    ("def f(x):\n    return fg.grad()(x)\n", "fg.grad: missing required argument 'f'"),
])
def test_clear_errors(tmp_path, src, msg):
    mod = module_from(tmp_path, "bad_inner", "import numpy as np\nimport flatgrad as fg\nk = np.ones(1)\n\n" + src)
    with pytest.raises(fg.CompileError, match=msg):
        fg.grad(mod.f, target="python")(0.5)


def _flat_square(a):
    return np.sum(a.reshape(6) ** 3)


def _writes_into_an_inner_gradient(a, s):
    Z = fg.grad(_flat_square)(a * s)        # a reshape of a fresh array: a view, unbatched
    Z[:, 1] *= s
    Z *= Z
    return np.sum(Z)


def test_writing_into_what_an_inner_transform_returned():
    # fuzz campaign 311: writing into an inner gradient that is a view (a reshape) was
    # rejected ("a view into another array"); NumPy code gets a fresh array, and so does flatgrad
    a, s = np.arange(1.0, 7.0).reshape(2, 3) / 7.0, 1.3
    got = fg.grad(_writes_into_an_inner_gradient, argnums=(0, 1), target="python")(a, s)
    for i in (0, 1):
        want = numeric_grad(_writes_into_an_inner_gradient, [a, s], i)
        np.testing.assert_allclose(got[i], want, rtol=1e-6, atol=1e-8)
    # and the inner gradient itself is the plain function's
    np.testing.assert_allclose(fg.grad(_flat_square, target="python")(a), 3 * a ** 2)


def _inner_loop(a0):
    v2 = np.linalg.norm(a0)
    for _ in range(2):
        v2 += ((np.zeros(3) + v2) @ np.mean(a0, axis=1)) * -1.25
    return np.tanh(v2)


def _through_an_inner_gradient(x):
    g = fg.grad(_inner_loop)(x)
    return np.sum(g * g)


@pytest.mark.parametrize("optimize", [False, True], ids=["O0", "O1"])
def test_checkpointing_a_loop_that_carries_an_inner_gradients_tape(optimize):
    # fuzz campaign 332 (seed 332004134): the inner gradient's tape grows in the loop, and the
    # checkpoints were preallocated in its initial (empty) shape; such a loop keeps its full tape
    x = np.arange(9.0).reshape(3, 3) / 10
    v, g = fg.value_and_grad(_through_an_inner_gradient, target="python", optimize=optimize,
                             checkpoint=2)(x)
    assert v == pytest.approx(_through_an_inner_gradient(x), rel=1e-12)
    np.testing.assert_allclose(g, numeric_grad(_through_an_inner_gradient, [x], 0), rtol=1e-6,
                               atol=1e-8)


def _keyword_forms(x):
    g = fg.grad(f=lambda z: np.sin(z) * z, argnums=0)(x)
    out, tan = fg.jvp(lambda z: z ** 3, primals=(x,), tangents=(2.0,))
    return g * tan + out


def test_transforms_called_with_keywords_bind_like_python():
    """fg.grad(f=..., argnums=...), fg.jvp(f, primals=, tangents=) inside the body: the
    derivative against central differences."""
    x = 0.7
    got = fg.grad(_keyword_forms, target="python")(x)
    assert got == pytest.approx(numeric_grad(_keyword_forms, (x,), 0), rel=1e-6)
