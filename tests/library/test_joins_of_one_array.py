"""np.hstack / vstack / row_stack / column_stack / stack / concatenate of one array, which
NumPy reads as the sequence of its rows (library/shape.py ``_grown``): values and shapes
against NumPy, gradients against differences, both targets."""
import numpy as np
import pytest

import flatgrad as fg

from ..frontend.numeric import check_value_and_grad

RNG = np.random.default_rng(3)
ARRAYS = {1: RNG.normal(size=4), 2: RNG.normal(size=(2, 3)), 3: RNG.normal(size=(2, 3, 4))}
JOINS = [np.hstack, np.vstack, np.column_stack, np.stack, np.concatenate] + \
    [j for j in [getattr(np, "row_stack", None)] if j is not None]


def _weighted(join):
    def f(a):
        out = join(a)
        return np.sum(np.sin(out) * np.arange(out.size).reshape(out.shape))
    return f


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("join", JOINS, ids=lambda j: j.__name__)
def test_one_array_is_its_rows(join, nd):
    x = ARRAYS[nd]
    if join is np.concatenate and nd == 1:
        with pytest.raises(fg.CompileError, match="numbers"):    # NumPy refuses too
            fg.grad(_weighted(join), target="python")(x)
        return
    with np.testing.suppress_warnings() as sup:
        sup.filter(DeprecationWarning)
        check_value_and_grad(_weighted(join), (x,), 0, rtol=1e-6, atol=1e-8)
        shape = fg.vjp(lambda a: join(a), x, target="python")[0].shape
        assert shape == join(x).shape


@pytest.mark.slow
def test_cpu_target():
    for join in (np.hstack, np.vstack, np.column_stack):
        for x in ARRAYS.values():
            f = _weighted(join)
            np.testing.assert_allclose(fg.grad(f, target="cpu")(x), fg.grad(f, target="python")(x),
                                       rtol=1e-12)
