"""Many threads making the first calls of one transform, with different argument types and
memory layouts, all get right answers."""
import sys
import threading

import numpy as np
import pytest

import flatgrad as fg

from . import thread_funcs as F


def _inputs():
    """(a, x) pairs: a float x, a C-contiguous vector, a strided view, a Fortran-order matrix."""
    v = np.linspace(-1.0, 2.0, 9)
    M = np.asfortranarray(np.linspace(-2.0, 1.0, 12).reshape(3, 4))
    return [(1.5, 0.25), (2.0, v), (-0.5, v[::2]), (0.75, M)]


def _want(a, x):
    """Gradient of sum(a * sin(x)) by hand: (sum(sin(x)), a * cos(x))."""
    return np.sum(np.sin(x)), a * np.cos(x)


def _check(got, a, x):
    ga, gx = got
    wa, wx = _want(a, x)
    np.testing.assert_allclose(ga, wa, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx, wx, rtol=1e-12, atol=1e-12)
    assert np.shape(gx) == np.shape(x)


def _forget_generated_modules():
    """Drop the imported generated modules, so the next transform gets fresh Numba dispatchers
    (loaded from Numba's on-disk cache) instead of the ones already compiled."""
    for name in [n for n in sys.modules if n.startswith("flatgrad_generated.mixed_")]:
        del sys.modules[name]


def _storm(make, reps: int, threads: int = 8, forget: bool = False):
    errors, wrong = [], []
    inputs = _inputs()
    for rep in range(reps):
        if forget and rep % 2:
            _forget_generated_modules()
        g = make()
        barrier = threading.Barrier(threads)

        def work(i):
            a, x = inputs[(i + rep) % len(inputs)]
            try:
                barrier.wait()
                for _ in range(3):
                    _check(g(a, x), a, x)
            except AssertionError as e:
                wrong.append(e)
            except Exception as e:  # noqa: BLE001 - collected and reported below
                errors.append(e)

        ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert not errors, f"{len(errors)} errors, first: {errors[0]!r}"
    assert not wrong, f"{len(wrong)} wrong answers, first: {wrong[0]}"


def test_threads_first_calls_python_target():
    _storm(lambda: fg.grad(F.mixed, argnums=(0, 1), target="python"), reps=5)


@pytest.mark.slow
def test_threads_first_calls_cpu_target():
    _storm(lambda: fg.grad(F.mixed, argnums=(0, 1)), reps=20, forget=True)


@pytest.mark.slow
def test_a_second_transform_of_the_same_code_takes_other_layouts():
    # both transforms share the generated module (and its Numba dispatcher)
    _forget_generated_modules()
    v = np.linspace(-1.0, 2.0, 9)
    g1 = fg.grad(F.mixed, argnums=(0, 1))
    _check(g1(2.0, v), 2.0, v)
    g2 = fg.grad(F.mixed, argnums=(0, 1))
    _check(g2(2.0, v[::2]), 2.0, v[::2])
    M = np.asfortranarray(np.outer(v, v[:3]))
    _check(g2(2.0, M), 2.0, M)
    _check(g1(2.0, M.T), 2.0, M.T)
    _check(g1(2.0, v[::3]), 2.0, v[::3])
    _check(g1(2.0, v), 2.0, v)
