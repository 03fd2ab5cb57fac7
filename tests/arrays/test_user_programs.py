"""Programs written the way users write them: each gradient against finite differences,
on the python target and (slow) on the cpu target."""
import numpy as np
import pytest

import flatgrad as fg

from . import user_funcs as U

RNG = np.random.default_rng(5)
X = RNG.normal(size=(6, 3))
Y = np.sign(RNG.normal(size=6))
W = RNG.normal(size=3)
CASES = [
    (U.logreg, (W, X, Y), (0,)), (U.dot_loop, (W, 2 * W), (0, 1)), (U.norm, (W,), (0,)),
    (U.converge, (2.0,), (0,)), (U.huber, (0.3, 1.0), (0,)), (U.huber, (3.0, 1.0), (0, 1)),
    (U.piecewise_arr, (W,), (0,)), (U.poly, (W, 0.7), (0, 1)), (U.methods, (X,), (0,)),
    (U.matrix_ops, (X, 0.5 * X), (0, 1)), (U.vec_update, (W,), (0,)), (U.kwargs_call, (1.3,), (0,)),
    (U.nested_fn, (0.4,), (0,)), (U.reductions_keep, (X,), (0,)), (U.lse, (W,), (0,)),
    (U.lse_axis, (X,), (0,)), (U.stats, (X,), (0,)), (U.norm_axis, (X,), (0,)),
    (U.packed, (0.3, -1.2), (0, 1)), (U.packed_grad_style, (W,), (0,)),
    # control flow over arrays
    (U.early_exit_arr, (X[:, 0],), (0,)), (U.early_exit_arr, (np.array([0.5, -2.0, 1.0]),), (0,)),
    (U.while_arr, (X[:, 0],), (0,)), (U.branch_arrays, (W, 1.0), (0,)),
    (U.branch_arrays, (W, -1.0), (0,)), (U.matrix_loop, (0.5 * X[:3], W), (0, 1)),
    (U.cumsum_loop, (X[:, 1],), (0,)), (U.two_d_index, (X[:3],), (0,)), (U.slice_ops, (X[:, 2],), (0,)),
    (U.reverse_step, (X[:, 0],), (0,)), (U.nested_tuple, (0.3, 0.8), (0, 1)),
    (U.continue_arr, (X[:, 1],), (0,)), (U.ifexp_arr, (W,), (0,)), (U.argmax_like, (X[:, 2],), (0,)),
    (U.outer_loop_matrix, (X[:3], W), (0, 1)),
    # small models
    (U.simulate, (2.0, X[0], X[1]), (0, 1, 2)), (U.gauss_nll, (W, 0.1 * X[2], X), (0, 1)),
    (U.kmeans_loss, (X[:2], X), (0,)), (U.attention, (X, 0.5 * X, X[:, :2]), (0, 1, 2)),
    (U.layer_norm, (X, W, X[3]), (0, 1, 2)), (U.euler_scalar, (0.5, 0.1, 50), (0, 1)),
]
IDS = [f"{c[0].__name__}{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_python_target(f, args, argnums):
    fg.check_grad(f, *args, argnums=argnums, target="python")


@pytest.mark.slow
@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_cpu_target(f, args, argnums):
    fg.check_grad(f, *args, argnums=argnums, target="cpu")


def test_logsumexp_is_usable_in_plain_python():
    assert np.isclose(fg.logsumexp(np.array([1000.0, 1000.0])), 1000.0 + np.log(2.0))
    np.testing.assert_allclose(fg.logsumexp(X, axis=1), np.log(np.exp(X).sum(axis=1)))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_run_time_shape_errors_name_the_users_line(target):
    import inspect
    line = inspect.getsourcelines(U.shape_clash)[1] + 2          # z = h * x
    with pytest.raises(ValueError, match=rf"in shape_clash at .*user_funcs\.py:{line}"):
        fg.grad(U.shape_clash, target=target)(np.ones((3, 4)), np.ones(4))
