"""np.linalg's functions on stacks of matrices (library/stacks.py): values against NumPy's
own stacked functions, gradients against finite differences, a Hessian, both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_cpu_matches_python, check_value_and_grad, num_grad
from . import stack_funcs as F

A = F.RNG.normal(size=(3, 4, 4)) + 4.0 * np.eye(4)


@pytest.mark.parametrize("f", F.FUNCS, ids=lambda f: f.__name__)
def test_against_numpy_and_differences(f):
    check_value_and_grad(f, (A,), 0, rtol=1e-5, atol=1e-6)


def test_results_are_numpys_stacks():
    def results(a):
        return np.linalg.inv(a), np.linalg.slogdet(a)[1], np.linalg.eigvalsh(F.spd(a))
    out = fg.value_and_grad(lambda a: np.sum(results(a)[0]) + np.sum(results(a)[1]),
                            target="python")
    assert out(A)[0] == pytest.approx(np.sum(np.linalg.inv(A)) + np.sum(np.linalg.slogdet(A)[1]),
                                      rel=1e-12)
    y, _ = fg.vjp(results, A, target="python")
    for mine, numpys in zip(y, results(A)):
        np.testing.assert_allclose(mine, numpys, rtol=1e-12, atol=1e-12)
        assert mine.shape == numpys.shape


def test_named_results_keep_their_fields():
    f = lambda a: np.sum(np.linalg.svd(a, full_matrices=False).S)   # noqa: E731
    np.testing.assert_allclose(fg.grad(f, target="python")(A), num_grad(f, (A,), 0), rtol=1e-6)


def test_hessian_of_a_stacked_function():
    f = F.det_and_slogdet
    x = A[:, :2, :2].copy()
    g = fg.grad(f, target="python")
    H = fg.hessian(f, target="python")(x).reshape(12, 12)
    E = np.eye(12).reshape(12, 3, 2, 2)
    fd = np.array([(g(x + 1e-6 * e) - g(x - 1e-6 * e)).ravel() / 2e-6 for e in E])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_cpu_target_against_python():
    check_cpu_matches_python(F.FUNCS, [A])


def dot_of_stacks(a):
    return np.sum(np.dot(a[0], a) ** 2) + np.sum(np.dot(a[0, 0], a)) + np.sum(a.dot(a[1:]) * 0.1)


def tensordot_of_a_number(a):
    return np.sum(np.tensordot(a, 2.5, axes=0) ** 2) + np.sum(np.tensordot(1.5, a, 0))


@pytest.mark.parametrize("f", [dot_of_stacks, tensordot_of_a_number], ids=lambda f: f.__name__)
def test_np_dot_of_stacks_and_tensordot_of_a_number(f):
    check_value_and_grad(f, (A,), 0, rtol=1e-6, atol=1e-8)
