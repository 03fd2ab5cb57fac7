"""Gradient checks for array programs: flatgrad against central finite differences."""
from __future__ import annotations

import numpy as np

import flatgrad as fg
from flatgrad.runtime.gradcheck import numeric_grad

RNG = np.random.default_rng(20240604)


def rand(*shape, lo=-1.0, hi=1.0, rng=RNG):
    return rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def assert_grads(f, args, argnums, *, target="python", g=None, rtol=1e-5, atol=1e-7, eps=1e-6):
    """``grad(f, argnums)`` at ``args`` has the arguments' shapes and matches finite differences.

    ``g`` may be a compiled grad object shared between tests; it is built here otherwise.
    Returns the gradients so a caller can check more.
    """
    if g is None:
        g = fg.grad(f, argnums=tuple(argnums), target=target)
    grads = g(*args)
    assert isinstance(grads, tuple) and len(grads) == len(argnums), grads
    for i, gi in zip(argnums, grads):
        num = numeric_grad(f, list(args), i, eps)
        assert np.shape(gi) == np.shape(args[i]), (i, np.shape(gi), np.shape(args[i]))
        got = np.asarray(gi, dtype=np.float64)
        assert np.all(np.isfinite(got)), (i, got)
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {f.__name__} w.r.t. argument {i}")
    return grads
