"""Helpers with *args, keyword-only parameters and **kwargs (issue 25, item 4)."""
import numpy as np


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_step(W, x, h):
    """autograd's rnn example: the hidden update through a *args helper."""
    return np.sum(np.tanh(concat_and_multiply(W, x, h)) ** 2)


def _total(*xs):
    acc = 0.0
    for x in xs:
        acc = acc + np.sum(x * x)
    return acc + len(xs)


def varargs_counts(x):
    return _total(x) + _total(x, 2.0 * x, np.sin(x)) + _total()


def _scaled(x, *, scale=2.0, shift):
    return scale * x + shift


def keyword_only(x):
    return np.sum(_scaled(x, shift=1.0) ** 2) + np.sum(_scaled(x, scale=0.5, shift=x) ** 2)


def _options(x, **opts):
    out = x
    for k, v in opts.items():
        out = out * v
    return np.sum(out) + opts["power"] * np.sum(x ** opts["power"])


def keyword_dict(x):
    return _options(x, power=3, gain=0.5)


def local_varargs(x):
    def norm_all(*vs, p=2):
        return sum(np.sum(np.abs(v) ** p) for v in vs)
    return norm_all(x, x[1:]) + norm_all(x, p=4)


def _mixed(a, b=1.0, *rest, c, **kw):
    return a * b + sum(rest) + c + kw["d"]


def mixed_parameters(x):
    return np.sum(_mixed(x, 2.0, x, x, c=x, d=3.0) ** 2)


def differentiated_varargs(*xs):
    return xs[0]


def too_few(x):
    return _scaled(x)


def unexpected_keyword(x):
    return _total(x, y=1.0)
