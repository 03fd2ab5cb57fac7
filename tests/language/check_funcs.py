"""Functions that check their inputs as users write it: ``assert``, ``raise`` in a branch,
and helpers chosen by a string (``act(h, "relu")``). Each returns a number for the inputs of
test_checks.py; RAISES lists inputs on which plain Python raises."""
import numpy as np


def static_assert(w, x):
    assert x.ndim == 2, "x must be a matrix"
    assert x.shape[1] == w.shape[0]
    return np.sum(np.tanh(x @ w))


def runtime_assert(w, x):
    z = x @ w
    assert np.all(np.isfinite(z)), "z must be finite"
    return np.sum(z ** 2)


def raise_in_branch(w, x):
    s = np.sum(w ** 2)
    if s > 100.0:
        raise ValueError(f"w is too large ({w.ndim}-D): {s:.3g}")
    return s * np.sum(x)


def raise_in_else(w, x):
    if w[0] < 10.0:
        y = np.log(w[0] ** 2 + 1.0)
    else:
        raise RuntimeError("w[0] out of range")
    return y * np.sum(x @ w)


def act(h, kind="tanh"):
    if kind == "tanh":
        return np.tanh(h)
    elif kind == "relu":
        return np.maximum(h, 0.0)
    elif kind in ("sin", "sine"):
        return np.sin(h)
    raise ValueError(f"unknown activation {kind!r}")


def by_name(w, x):
    return np.sum(act(x @ w, "relu")) + np.sum(act(x @ w)) + np.sum(act(w, kind="sine"))


def safe_log(v):
    if v <= 0.0:
        raise ValueError("log of a non-positive number")
    return np.log(v)


def raise_in_loop_helper(w, x):
    s = 0.0
    for i in range(w.shape[0]):
        s = s + safe_log(w[i] ** 2 + 0.5) * x[0, i]
    return s


def string_keys(w, x):
    p = {"a": w[0], "b": w[1], "c": w[2]}
    total = 0.0
    for k in ["a", "c"]:
        total = total + p[k] ** 2
    mode = "sum"
    if mode == "sum":
        total = total + np.sum(x * w)
    return total


def assert_in_loop(w, x):
    h = w
    for t in range(3):
        h = np.tanh(x.T @ (x @ h))
        assert np.abs(h).max() <= 1.0, "tanh is bounded"
    return np.sum(h)


ACTIVATION = "sin"      # a module-level string, read when compiling


def module_string(w, x):
    return np.sum(act(x @ w, ACTIVATION)) + np.sum(act(w, kind="relu" if ACTIVATION == "cos"
                                                         else "tanh"))


FUNCS = [module_string, static_assert, runtime_assert, raise_in_branch, raise_in_else, by_name,
         raise_in_loop_helper, string_keys, assert_in_loop]

# (function, w, x, the exception plain Python raises)
RAISES = [
    (runtime_assert, np.array([np.inf, 0.0, 1.0]), None, AssertionError),
    (raise_in_branch, np.full(3, 10.0), None, ValueError),
    (raise_in_else, np.array([20.0, 1.0, 1.0]), None, RuntimeError),
    (raise_in_loop_helper, np.array([1.0, 0.0, 1.0]), -1.0, None),   # no raise: 0.5 > 0
]


def nonbuiltin(w, x):
    if w[0] > 1.0:
        raise np.linalg.LinAlgError("not built in")
    return np.sum(w)


def bare(w, x):
    if w[0] > 1.0:
        raise
    return np.sum(w)


def always(w, x):
    y = np.sum(w)
    raise NotImplementedError("not yet")


def formatted_outside(w, x):
    label = f"w = {w}"
    print(label)
    return np.sum(w)
