"""Functions of test_predicates.py (here, not in the test module: pytest rewrites the asserts
of test modules)."""
import numpy as np

X = np.array([0.3, 1.2, -0.7, 0.9])
Y = np.array([0.0, np.nan, np.inf, -np.inf])


def nan_to_num(x):                         # autograd's test_nan_to_num
    return np.sum(np.sin(np.nan_to_num(x + Y))) + np.sum(np.nan_to_num(x + Y, nan=1.5, posinf=2.0, neginf=-3.0) ** 2)


def asserts_allclose(x):                   # autograd's test_assert
    assert np.allclose(x, (x * 3.0) / 3.0)
    return np.sum(x) + np.sum(np.isclose(x, x[::-1])) + np.sum(np.isclose(x, x + 1e-9, atol=0.0))


def falsy_complex(x):                      # autograd's test_falseyness
    return np.sum(x ** 2 if np.iscomplex(x).any() or np.iscomplexobj(x) else np.sin(x)) + \
        np.sum(np.where(np.isreal(x), x, 0.0)) * float(np.isrealobj(x))


def cast_to_int(x):                        # autograd's test_cast_to_int, in one function
    W = np.stack([x, x * 2.0])
    idx = np.int64(np.abs(x[:2]) * 2.0)
    return np.sum(W[:, idx]) + np.sum(np.sin(x.astype("float64"))) + np.sum(x.astype("f8") ** 2)


def asserts_not_close(x):
    assert np.allclose(x, x + 1.0), "not close"
    return np.sum(x)


FUNCS = [nan_to_num, asserts_allclose, falsy_complex, cast_to_int]
