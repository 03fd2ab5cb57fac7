"""``isinstance`` while compiling: every value's kind is known from the argument types.

A function specialised on its argument types knows, for each value, whether it is a tuple,
a list, a dict, an array or a number, as it knows whether a value is None (``x is None``):
``isinstance(x, tuple)``, ``isinstance(a, np.ndarray)``, ``isinstance(n, (int, float))``
fold to a constant, so only the branch that runs is lowered. The answer is Python's, asked
of a stand-in value of the same kind: a float scalar is ``float`` (and ``np.floating``), an
int scalar ``int`` (and ``np.integer``), a bool ``bool`` (hence ``int``), an array
``np.ndarray`` of its dtype, a dict argument ``dict``; a list argument, a list display or a
list comprehension is ``list`` and other sequences are ``tuple``. None, strings and
functions (static arguments) answer for themselves.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..values import ListValue, Record, Ref
from .registry import lowers

_SCALARS = {"float64": (0.0, np.float64(0.0)), "float32": (np.float32(0.0),),
            "int64": (0, np.int64(0)), "bool": (False, np.bool_(False))}


def stand_ins(v) -> tuple:
    """Python values of the kind of the frontend value ``v`` (several where the argument may
    have come as either, a Python int or a NumPy one)."""
    if isinstance(v, (Var, Const)):
        if T.is_array(v.type):
            return (np.zeros((0,) * v.type.ndim, dtype=v.type.dtype),)
        return _SCALARS.get(v.type.dtype, (0.0,))
    if isinstance(v, ListValue):
        return ([],)
    if isinstance(v, tuple):
        return ((),)
    if isinstance(v, Record):
        return ({},)
    if isinstance(v, Ref):
        return (v.obj,)
    return (lambda: None,)          # a local function or a transform: a callable


def _classes(lowerer, v, node) -> tuple:
    """The classes of ``isinstance``'s second argument: a class or a tuple of them (nested)."""
    if isinstance(v, Ref) and isinstance(v.obj, type):
        return (v.obj,)
    if isinstance(v, tuple):
        return tuple(c for x in v for c in _classes(lowerer, x, node))
    raise lowerer.err(node, "isinstance needs a class or a tuple of classes known while compiling",
                 "Write the class by its name: isinstance(x, np.ndarray).")


@lowers(isinstance)
def _isinstance(lowerer, node, args):
    value = lowerer.expr(args["obj"])
    classes = _classes(lowerer, lowerer.expr(args["class_or_tuple"]), args["class_or_tuple"])
    return Const(any(isinstance(s, classes) for s in stand_ins(value)), T.BOOL)


# ---- real or complex: flatgrad's values are real, so these are known while compiling

def _realness(real: bool, elementwise: bool):
    """The lowering of a question whose answer is ``real`` for every real value: elementwise
    (an array of it, like the argument) or of the whole object."""
    def lower(lowerer, node, args):
        v = lowerer.expr(args["x"])
        if elementwise and isinstance(v, (Var, Const)) and T.is_array(v.type):
            return lowerer.lower_text(f"np.full(x.shape, {real})", node, x=v)
        return Const(real, T.BOOL)
    return lower


for _fn, _real, _each in ((np.iscomplex, False, True), (np.isreal, True, True),
                          (np.iscomplexobj, False, False), (np.isrealobj, True, False)):
    lowers(_fn, takes="x")(_realness(_real, _each))
