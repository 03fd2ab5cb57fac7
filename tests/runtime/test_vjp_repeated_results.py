"""fg.vjp of a function returning one value twice (``return x, x``): one cotangent parameter
for each result (the generated code named both after the value, a SyntaxError)."""
import numpy as np
import pytest

import flatgrad as fg


def twice(x):
    return x, x


def thrice(x):
    y = x * 2.0
    return y, y, np.sin(y)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_each_result_has_its_cotangent(target):
    x = np.array([1.0, 2.0])
    _, back = fg.vjp(twice, x, target=target)
    np.testing.assert_allclose(back((np.ones(2), 2.0 * np.ones(2)))[0], [3.0, 3.0])
    _, back = fg.vjp(thrice, x, target=target)
    np.testing.assert_allclose(back((np.ones(2), np.ones(2), np.ones(2)))[0],
                               4.0 + 2.0 * np.cos(2.0 * x), rtol=1e-12)
