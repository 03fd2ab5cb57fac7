"""Random draws inside the function (docs/random.md): the same numbers the user's generator
gives in plain Python, drawn once per call, the generator left where a plain call leaves it;
gradients of reparameterised objectives equal autograd's with the same seed."""
import autograd
import numpy as np
import numpy.random as npr
import pytest

import flatgrad as fg
from flatgrad.runtime.dispatch import stack

from . import random_funcs as F

X = np.array([0.3, -1.2, 2.0, 0.7])
PARAMS = np.array([0.4, -0.3, -1.0, -0.5])     # mean (2), log std (2)
TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


def _value(f, target="python"):
    """``f`` itself, run by flatgrad's generated code."""
    return stack(f, (), target, "value")


def _same_after(a, b):
    """The two generators give the same next numbers (their states advanced equally)."""
    if isinstance(a, np.random.Generator):
        return a.standard_normal(3).tolist() == b.standard_normal(3).tolist()
    return a.randn(3).tolist() == b.randn(3).tolist()


# ---------------------------------------------------------------- the same numbers

@pytest.mark.parametrize("f", F.RS_FUNCS, ids=lambda f: f.__name__)
def test_random_state_methods_draw_numpys_numbers(f):
    mine, theirs = npr.RandomState(7), npr.RandomState(7)
    np.testing.assert_array_equal(_value(f)(X, mine), f(X, theirs))
    assert _same_after(mine, theirs)


def test_generator_methods_draw_numpys_numbers():
    mine, theirs = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(_value(F.gen_methods)(X, mine), F.gen_methods(X, theirs))
    assert _same_after(mine, theirs)


def test_each_call_draws_anew_as_python_does():
    mine, theirs = npr.RandomState(1), npr.RandomState(1)
    g = _value(F.rs_randn)
    for _ in range(3):
        np.testing.assert_array_equal(g(X, mine), F.rs_randn(X, theirs))
    assert _same_after(mine, theirs)


def test_one_compilation_serves_every_generator():
    g = _value(F.rs_normal)
    for seed in (0, 1, 2):
        np.testing.assert_array_equal(g(X, npr.RandomState(seed)),
                                      F.rs_normal(X, npr.RandomState(seed)))
    assert len(g._compiled.by_signature) == 1


def test_closed_over_module_and_global_generators():
    f = F.closed_over(5)
    ref = npr.RandomState(5)
    g = fg.grad(f, target="python")
    for _ in range(2):          # the closure's generator advances from call to call
        np.testing.assert_allclose(g(X), ref.randn(3, 4).sum(axis=0) / 12)
    F.RS.seed(2)
    got = fg.grad(F.module_generator, target="python")(X)
    np.testing.assert_array_equal(got, npr.RandomState(2).randn(4))
    np.random.seed(4)
    got = fg.grad(F.numpy_global, target="python")(X)
    np.random.seed(4)
    eps, u = np.random.randn(4), np.random.uniform(size=2)
    np.testing.assert_allclose(got, eps + np.array([u.sum(), 0, 0, 0]))
    assert np.random.rand() == (np.random.seed(4), np.random.randn(4), npr.uniform(size=2),
                                np.random.rand())[-1]


def test_module_attribute_default_and_comprehension_generators():
    from . import random_data
    random_data.GEN = np.random.default_rng(6)
    got = fg.grad(F.module_attribute, target="python")(X)
    np.testing.assert_array_equal(got, np.random.default_rng(6).normal(size=4))
    g, ref = fg.grad(F.default_generator, target="python"), npr.RandomState(0)
    for _ in range(2):          # the default generator advances from call to call, as in Python
        np.testing.assert_array_equal(g(X), ref.randn(4))
    mine, theirs = npr.RandomState(3), npr.RandomState(3)
    value = fg.value_and_grad(F.comprehension, target="python")(X, mine)[0]
    assert value == F.comprehension(X, theirs)
    assert _same_after(mine, theirs)


def test_generators_made_inside_follow_the_seed():
    g = fg.grad(F.made_inside, target="python")
    for seed in (0, 9):
        want = np.random.default_rng(seed).standard_normal(4)
        want[0] += np.random.RandomState(seed + 1).rand()
        np.testing.assert_allclose(g(X, seed), want)
    np.testing.assert_allclose(fg.grad(F.made_but_unused, target="python")(X, 1), 2 * X)


def test_a_helper_draws_from_the_generator_it_is_given():
    mine, theirs = npr.RandomState(8), npr.RandomState(8)
    np.testing.assert_array_equal(_value(F._sample)(PARAMS, 6, mine), F._sample(PARAMS, 6, theirs))
    assert _same_after(mine, theirs)


# ---------------------------------------------------------------- gradients against autograd

@pytest.mark.parametrize("seed", [0, 1])
def test_reparameterised_gradient_equals_autograds(seed):
    mine, theirs = npr.RandomState(seed), npr.RandomState(seed)
    got = fg.grad(F.svi_objective, target="python")(PARAMS, mine)
    want = autograd.grad(F.svi_objective_autograd)(PARAMS, theirs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert _same_after(mine, theirs)


def test_generator_objective_equals_autograd_also_checkpointed():
    want = autograd.grad(F.gen_objective_autograd)(PARAMS, np.random.default_rng(4))
    for checkpoint in (None, True):
        mine = np.random.default_rng(4)
        got = fg.grad(F.gen_objective, target="python", checkpoint=checkpoint)(PARAMS, mine)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        assert _same_after(mine, _advanced(4, (5, 2)))


def _advanced(seed, shape):
    rng = np.random.default_rng(seed)
    rng.standard_normal(shape)
    return rng


@pytest.mark.parametrize("n", [3, 1])
def test_draws_in_a_loop_are_made_trip_by_trip_as_in_python(n):
    for checkpoint in (None, True):
        mine, theirs = npr.RandomState(n), npr.RandomState(n)
        value, grad = fg.value_and_grad(F.loop_draws, target="python",
                                        checkpoint=checkpoint)(PARAMS, mine, n)
        assert value == pytest.approx(F.loop_draws(PARAMS, npr.RandomState(n), n), rel=1e-13)
        np.testing.assert_allclose(grad, autograd.grad(F.loop_draws_autograd)(PARAMS, theirs, n),
                                   rtol=1e-12)
        assert _same_after(mine, theirs)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobians_and_hessians_of_loop_draws(mode):
    mine, theirs = npr.RandomState(5), npr.RandomState(5)
    jac = fg.jacobian(F.noisy_sines, mode=mode, target="python")(X, mine, 3)
    eps = sum(theirs.randn(4) for _ in range(3))
    np.testing.assert_allclose(jac, np.diag(np.cos(X) * eps), rtol=1e-13)
    hess = fg.hessian(F.loop_draws, target="python")(PARAMS, mine, 3)
    np.testing.assert_allclose(hess, autograd.hessian(F.loop_draws_autograd)(PARAMS, theirs, 3),
                               rtol=1e-11, atol=1e-12)
    assert _same_after(mine, theirs)


def test_a_loop_that_runs_no_trip_draws_nothing_and_strides_follow_the_range():
    mine, theirs = npr.RandomState(2), npr.RandomState(2)
    with np.errstate(divide="ignore"):          # total / n with n = 0
        np.testing.assert_array_equal(fg.grad(F.loop_draws, target="python")(PARAMS, mine, 0),
                                      np.zeros(4))
    assert _same_after(mine, theirs)
    x = np.arange(6.0)
    got = fg.grad(F.strided_loop_draws, target="python")(x, mine)
    want = np.zeros(6)
    for i in range(5, 0, -2):
        want[i] = theirs.standard_normal()
    np.testing.assert_array_equal(got, want)
    assert _same_after(mine, theirs)


# ---------------------------------------------------------------- one draw per call, every transform

def test_value_and_grad_draws_once():
    mine, theirs = npr.RandomState(3), npr.RandomState(3)
    value, grad = fg.value_and_grad(F.svi_objective, target="python")(PARAMS, mine)
    assert value == pytest.approx(F.svi_objective(PARAMS, theirs), rel=1e-13)
    np.testing.assert_allclose(grad, autograd.grad(F.svi_objective_autograd)(
        PARAMS, npr.RandomState(3)), rtol=1e-12)
    assert _same_after(mine, theirs)


def test_vjp_draws_once_for_its_value_and_every_vjp_fn_call():
    mine, theirs = npr.RandomState(6), npr.RandomState(6)
    out, vjp_fn = fg.vjp(F.vector_valued, X, mine, target="python")
    eps = theirs.randn(4)
    np.testing.assert_allclose(out, np.sin(X) * eps)
    for ct in (np.ones(4), np.arange(4.0)):
        grad_x, grad_rs = vjp_fn(ct)
        np.testing.assert_allclose(grad_x, ct * np.cos(X) * eps)
        assert grad_rs is None
    assert _same_after(mine, theirs)


def test_jvp_jacobian_hessian_draw_once():
    mine, theirs = npr.RandomState(2), npr.RandomState(2)
    y, t = fg.jvp(F.vector_valued, (X, mine), (np.ones(4), None), target="python")
    eps = theirs.randn(4)
    np.testing.assert_allclose(y, np.sin(X) * eps)
    np.testing.assert_allclose(t, np.cos(X) * eps)
    jac = fg.jacobian(F.vector_valued, target="python")(X, mine)
    np.testing.assert_allclose(jac, np.diag(np.cos(X) * theirs.randn(4)))
    hess = fg.hessian(F.svi_objective, target="python")(PARAMS, mine)
    want = autograd.hessian(F.svi_objective_autograd)(PARAMS, theirs)
    np.testing.assert_allclose(hess, want, rtol=1e-10, atol=1e-12)
    assert _same_after(mine, theirs)


# ---------------------------------------------------------------- rejected, with a reason

@pytest.mark.parametrize("f, words", [
    (F.draw_in_nested_loop, "inside an if, a while loop"),
    (F.draw_in_while, "inside an if, a while loop"),
    (F.draw_in_branch, "inside an if, a while loop"),
    (F.size_changes_by_trip, "change from one trip of the loop to the next"),
    (F.scale_from_argument, "depend on the float argument 'x'"),
    (F.unsupported_method, "does not draw with RandomState.vonmises"),
    (F.arithmetic_on_a_generator, "got a random generator"),
])
def test_draws_flatgrad_cannot_make_first_are_compile_errors(f, words):
    with pytest.raises(fg.CompileError, match=words) as info:
        fg.grad(f, target="python")(X, npr.RandomState(0))
    assert "random_funcs.py" in str(info.value)


def test_a_generator_has_no_gradient_and_is_an_argument_of_its_own():
    with pytest.raises(TypeError, match="random generator, which has no gradient"):
        fg.grad(F.rs_randn, argnums=1, target="python")(X, npr.RandomState(0))
    with pytest.raises(TypeError, match="random generator inside a container"):
        fg.grad(F.rs_randn, target="python")(X, (npr.RandomState(0),))


# ---------------------------------------------------------------- the cpu target (Numba)

@pytest.fixture(scope="module")
def cpu_transforms():
    return {"grad": fg.grad(F.svi_objective, target="cpu"),
            "gen": fg.grad(F.gen_objective, target="cpu"),
            "value": _value(F.rs_integers, "cpu"),
            "closure": fg.value_and_grad(F.closed_over(11), target="cpu"),
            "loop": fg.grad(F.loop_draws, target="cpu")}


@pytest.mark.slow
def test_cpu_target_draws_the_same_numbers(cpu_transforms):
    t = cpu_transforms
    for seed in (0, 1):
        mine, theirs = npr.RandomState(seed), npr.RandomState(seed)
        np.testing.assert_allclose(t["grad"](PARAMS, mine),
                                   autograd.grad(F.svi_objective_autograd)(PARAMS, theirs),
                                   rtol=1e-12, atol=1e-12)
        assert _same_after(mine, theirs)
        mine, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        np.testing.assert_allclose(t["gen"](PARAMS, mine),
                                   autograd.grad(F.gen_objective_autograd)(PARAMS, theirs),
                                   rtol=1e-12, atol=1e-12)
        assert _same_after(mine, theirs)
        mine, theirs = npr.RandomState(seed), npr.RandomState(seed)
        np.testing.assert_array_equal(t["value"](X, mine), F.rs_integers(X, theirs))
        assert _same_after(mine, theirs)
        mine, theirs = npr.RandomState(seed), npr.RandomState(seed)
        np.testing.assert_allclose(t["loop"](PARAMS, mine, 4),
                                   autograd.grad(F.loop_draws_autograd)(PARAMS, theirs, 4),
                                   rtol=1e-12)
        assert _same_after(mine, theirs)
    ref = F.closed_over(11)
    for _ in range(2):
        value, _grad = t["closure"](X)
        assert value == pytest.approx(ref(X), rel=1e-13)


@pytest.mark.slow
def test_a_run_time_error_is_located_without_drawing_again(cpu_transforms):
    g = fg.grad(F.index_error, target="cpu")
    mine, theirs = npr.RandomState(0), npr.RandomState(0)
    assert g(X, mine, 1)[1] == pytest.approx(F.index_error(X, theirs, 1) / X[1], rel=1e-14)
    with pytest.raises(IndexError, match="random_funcs.py"):
        g(X, mine, 10)
    theirs.randn(4)
    assert _same_after(mine, theirs)


def test_vectorize_and_calls_from_compiled_code_say_they_cannot_draw():
    with pytest.raises(fg.CompileError, match="draws random numbers"):
        fg.vectorize(F.scalar_draw, target="cpu").scalar_ir(np.float64)
    inner = fg.grad(F.scalar_draw, target="python")

    with pytest.raises(fg.CompileError, match="draws random numbers"):
        fg.grad(F.calls_a_drawing_transform(inner), target="python")(1.0)


def test_a_global_generator_rebound_to_another_kind_recompiles():
    g = fg.grad(F.module_generator, target="python")
    saved = F.RS
    try:
        F.RS = npr.RandomState(1)
        np.testing.assert_array_equal(g(X), npr.RandomState(1).randn(4))
        F.RS = np.random.default_rng(1)
        with pytest.raises(fg.CompileError, match="does not draw with Generator.randn"):
            g(X)
    finally:
        F.RS = saved


def test_black_box_svi_as_written_follows_autograd_step_by_step():
    import autograd.numpy as anp

    from . import random_svi as S
    mine = S.build(np, S.log_density_for(np), 2, 50)
    theirs = S.build(anp, S.log_density_for(anp), 2, 50)
    g, want_g = fg.value_and_grad(mine, target="python"), autograd.value_and_grad(theirs)
    params = np.array([-1.0, -1.0, -5.0, -5.0])
    for t in range(4):           # each call draws the next samples of the closure's generator
        value, grad = g(params, t)
        want_value, want_grad = want_g(params, t)
        assert value == pytest.approx(want_value, rel=1e-12)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-12)
        params = params - 0.1 * grad


@pytest.mark.slow
def test_numba_code_cannot_call_a_transform_that_draws():
    from numba import njit
    g = fg.grad(F.scalar_draw, target="cpu")

    @njit
    def use(x):
        return g(x)
    with pytest.raises(Exception, match="draws random numbers"):
        use(1.0)


def test_a_custom_vjp_function_cannot_draw():
    custom = fg.custom_vjp(F.custom_noisy)
    custom.defvjp(F.custom_noisy_fwd, F.custom_noisy_bwd)
    with pytest.raises(fg.CompileError, match="custom_vjp function"):
        fg.grad(F.calls_custom(custom), target="python")(1.0)
