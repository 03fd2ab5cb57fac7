"""Functions whose parameters the call decides (``*args``, keyword-only parameters,
``**kwargs``), ``functools.partial`` and lists written item by item, as users write them
(test_call_shapes.py)."""
from functools import partial

import numpy as np
import scipy.stats

X = np.arange(6.0).reshape(2, 3) / 5.0


def total(*params):
    t = 0.0
    for p in params:
        t = t + np.sum(np.sin(p) * p)
    return t


def scaled(x, *rest, scale=2.0, mode="sum"):
    r = scale * np.sum(x ** 2)
    for v in rest:
        r = r + np.sum(v * x[:2]) ** 2
    if mode == "sum":
        return r
    return r * np.cos(x[0])


def with_options(x, **opts):
    return np.sum(np.tanh(x * opts["w"])) * opts.get("s", 1.0)


def positional_only(x, y, /):
    return np.sum(x * np.exp(y))


def loss(w, data, scale=1.0):
    return scale * np.sum(np.tanh(data @ w) ** 2)


# partial objects made at module level, then called in the differentiated function
BOUND_DATA = partial(loss, data=X, scale=2.0)
BOUND_W = partial(loss, np.array([0.5, -0.25, 1.0]))


def module_partials(w):
    return BOUND_DATA(w) + BOUND_W(X * w, scale=0.5) + partial(BOUND_DATA, scale=1.0)(w * 2)


def local_partials(w):
    sq = lambda a, b: np.sum((a - b) ** 2)   # noqa: E731 - users write lambdas
    near = partial(sq, b=w[::-1])
    dot = partial(np.dot, w)
    return near(w * 3) + dot(np.cos(w)) + partial(partial(loss, scale=3.0), data=X)(w)


def partial_of_stats(m):
    logpdf = partial(scipy.stats.norm.logpdf, scale=2.0)
    return np.sum(logpdf(X, m[0], ) * m[1]) + np.sum(logpdf(m))


def symmetrized(*args):
    """autograd's own test helper: one argument replaced in a list of them."""
    args = list(args)
    args[1] = 0.5 * (args[1] + args[1].T)
    return np.sum(np.tanh(args[0] @ args[1]))


def list_items(w):
    a = [w[0], w[1], w[2]]
    for i in range(3):               # a constant range: unrolled, i known at each trip
        a[i] = a[i] * (i + 1)
    a[-1] += np.sin(a[0])
    return a[0] * a[1] + a[2]


def list_of_arrays(w):
    layers = [w, w ** 2, np.cos(w)]
    layers[1] = layers[0] * layers[1]
    layers[0] = layers[0] + layers[2]
    return np.sum(layers[0] * layers[1])


def list_read_at_run_time(w, n):
    a = [w[0] * 2, w[1], w[2] ** 2]
    t = 0.0
    for i in range(n):
        t = t + a[i] * a[n - 1 - i]
    return t


def list_in_a_while_loop(w):
    a = [w[0], w[1] * 1.0]
    k = 0
    while k < 3:
        a[0] = a[0] * 1.5 + a[1]
        a[1] = np.sin(a[0])
        k += 1
    return a[0] + a[1]


def list_in_branches(w):
    a = [w[0], w[1]]
    if w[2] > 0:
        a[1] = a[1] * w[2]
    else:
        a[0] = a[0] * 3
    return a[0] * a[1]


def list_in_a_run_time_loop(w, n):
    a = [w[0], w[1]]
    for _ in range(n):
        a[1] = a[1] * w[2] + a[0]
    return a[1]


FUNCS = [list_in_a_while_loop, list_in_branches, module_partials, local_partials, partial_of_stats, list_items, list_of_arrays]


# ---- refused, with the reason

def write_argument_list(xs):
    xs[0] = xs[0] * 2
    return xs[0]


def write_aliased_list(w):
    a = [w, w]
    b = a
    a[0] = w * 2
    return np.sum(b[0])


def write_at_run_time(w, n):
    a = [w[0], w[1]]
    for i in range(n):
        a[i] = a[i] * 2
    return a[0]


def add_into_a_listed_array(w):
    layers = [w * 2, w]
    layers[0] += layers[1]          # Python changes the array itself, in place
    return np.sum(layers[0])


def write_tuple(w):
    a = (w[0], w[1])
    a[0] = 1.0
    return a[0]


def spread_options(x):
    opts = {"scale": 2.0, "mode": "cos"}
    return scaled(x, x[:2], **opts) + np.sum(scipy.stats.norm.logpdf(x, **{"loc": 0.5, "scale": 2.0}))


def mvn_by_keywords(*args, **kwargs):        # autograd's test helper, as written there
    return scipy.stats.multivariate_normal.logpdf(*args, **kwargs)
