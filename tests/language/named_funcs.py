"""namedtuples as users write them: parameters passed as one (JAX's pytrees), built in the
function (collections.namedtuple and typing.NamedTuple, with defaults), read by field and
by position, unpacked, replaced, carried by loops and merged by ifs; a module-level one
holding settings."""
from collections import namedtuple
from typing import NamedTuple

import numpy as np

Params = namedtuple("Params", ["W", "b"])


class Settings(NamedTuple):
    scale: float
    shift: float = 0.5


SETTINGS = Settings(2.0)


def as_argument(p, x):
    return np.sum(np.tanh(x @ p.W + p.b)) + np.sum(p[1] ** 2)


def built(w, x):
    p = Params(w[:6].reshape(3, 2), b=w[6:8])
    q = p._replace(b=p.b * SETTINGS.scale + SETTINGS.shift)
    W, b = q
    total = 0.0
    for v in p:
        total = total + np.sum(v)
    return (np.sum(np.tanh(x @ q.W + q.b)) + total + np.sum(W * b[0]) + len(p)
            + q._asdict()["b"][0] + Settings(w[0]).shift * w[1])


def carried(w, x):
    p = Params(w[:6].reshape(3, 2), w[6:8])
    for i in range(x.shape[0]):
        p = p._replace(b=p.b * 0.9 + np.sum(x[i]))
    if x[0, 0] > 0:
        p = Params(p.W * 2.0, p.b)
    return np.sum(p.W) + np.sum(p.b ** 2)


FUNCS = [built, carried]
