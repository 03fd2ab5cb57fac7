import os
import tempfile

import pytest

os.environ.setdefault("FLATGRAD_CACHE_DIR", tempfile.mkdtemp(prefix="flatgrad-fwd-tests-"))


def fd(f, args, i, eps=1e-6):
    """Central finite difference of f (scalar or tuple valued) in argument i."""
    up, down = list(args), list(args)
    h = eps * max(1.0, abs(args[i]))
    up[i] += h
    down[i] -= h
    a, b = f(*up), f(*down)
    if isinstance(a, tuple):
        return tuple((x - y) / (2 * h) for x, y in zip(a, b))
    return (a - b) / (2 * h)


def fd_hessian(f, args, eps=1e-4):
    """Second differences of scalar f: H[i][j]."""
    n = len(args)
    H = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            hi, hj = eps * max(1.0, abs(args[i])), eps * max(1.0, abs(args[j]))

            def at(di, dj):
                a = list(args)
                a[i] += di
                a[j] += dj
                return f(*a)
            H[i][j] = (at(hi, hj) - at(hi, -hj) - at(-hi, hj) + at(-hi, -hj)) / (4 * hi * hj)
    return H


@pytest.fixture
def approx():
    return lambda a, b, tol=1e-6: pytest.approx(b, rel=tol, abs=tol)
