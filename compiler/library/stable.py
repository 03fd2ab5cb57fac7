"""Numerically stable functions: log-sum-exp of two, logistic, softmax's friends."""
from __future__ import annotations

import math

import numpy as np
import scipy.special

from .. import types as T
from ..primitives import _sp, call, defprim
from .registry import lowers


def _logaddexp(a, b):
    hi = max(a, b)
    return hi + math.log1p(math.exp(-abs(a - b))) if hi != -math.inf else -math.inf


# d/da log(e^a + e^b) = e^a / (e^a + e^b) = exp(a - out): written once for both arguments
defprim("logaddexp", 2, T.floating, call("np.logaddexp", arity=2),
        lambda a, b: _sp().log(_sp().exp(a) + _sp().exp(b)), _logaddexp,
        deriv=(lambda b, s, out, x, y: b.mul(s, b.exp(b.sub(x, out))),
               lambda b, s, out, x, y: b.mul(s, b.exp(b.sub(y, out)))),
        names=(np.logaddexp,), costly=True, safe=True)


@lowers(scipy.special.expit)
def _expit(lw, node, kwargs):
    """scipy.special.expit is the logistic sigmoid."""
    if kwargs or len(node.args) != 1:
        raise lw.err(node, "expit takes one argument")
    return lw.op(node, "sigmoid", lw.atom(node.args[0]))
