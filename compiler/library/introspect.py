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
from .registry import ATTRIBUTES, lowers

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


# ---- dtypes and their limits: every value's dtype is known while compiling

def _dtype_of(lowerer, v, node) -> np.dtype:
    """The dtype a value stands for: an array's or a number's own (``x.dtype``), or a dtype
    written by name (``np.float32``, ``float``, ``"float64"``, ``x.dtype``)."""
    if isinstance(v, (Var, Const)) and not T.is_array(v.type):    # np.finfo(1.0), as NumPy
        return np.dtype(v.type.dtype)
    if isinstance(v, Ref):
        try:
            return np.dtype(v.obj)
        except TypeError:
            pass
    raise lowerer.err(node, "expected a dtype known while compiling here",
                      "Write it by name (np.float64, float, np.float32) or as x.dtype "
                      "(NumPy reads no dtype from an array here).")


def _read_known(lowerer, obj, node):
    """An attribute of a dtype (``x.dtype.kind``, ``.type``, ``.itemsize``) or of
    ``np.finfo``/``np.iinfo`` (``.eps``, ``.tiny``, ``.max``): a constant."""
    if not hasattr(obj, node.attr) or node.attr.startswith("_"):
        raise lowerer.err(node, f"'{type(obj).__name__}' has no attribute '{node.attr}' "
                                f"flatgrad can read")
    v = getattr(obj, node.attr)
    if isinstance(v, (bool, np.bool_)):
        return Const(bool(v), T.BOOL)
    if isinstance(v, (int, np.integer)):
        return Const(int(v), T.I64)
    if isinstance(v, (float, np.floating)):
        return Const(float(v), T.F64)
    if isinstance(v, (str, type, np.dtype)):
        return Ref(v)
    raise lowerer.err(node, f"flatgrad cannot read '{node.attr}' of a "
                            f"{type(obj).__name__} while compiling")


for _cls in (np.dtype, np.finfo, np.iinfo):
    ATTRIBUTES[_cls] = _read_known


@lowers(np.finfo, takes="dtype")
def _finfo(lowerer, node, args):
    dt = _dtype_of(lowerer, lowerer.expr(args["dtype"]), args["dtype"])
    if dt.kind != "f":
        raise lowerer.err(node, f"np.finfo of a {dt} value: finfo describes floats",
                          "Use np.iinfo for integers.")
    return Ref(np.finfo(dt))


@lowers(np.iinfo, takes="int_type")
def _iinfo(lowerer, node, args):
    dt = _dtype_of(lowerer, lowerer.expr(args["int_type"]), args["int_type"])
    if dt.kind not in "iu":
        raise lowerer.err(node, f"np.iinfo of a {dt} value: iinfo describes integers",
                          "Use np.finfo for floats.")
    return Ref(np.iinfo(dt))


@lowers(np.issubdtype, takes="arg1 arg2")
def _issubdtype(lowerer, node, args):
    a = lowerer.expr(args["arg1"])
    b = lowerer.expr(args["arg2"])
    if isinstance(b, Ref) and isinstance(b.obj, type) and issubclass(b.obj, np.generic):
        kind = b.obj                       # an abstract kind: np.floating, np.integer
    else:
        kind = _dtype_of(lowerer, b, args["arg2"])
    return Const(bool(np.issubdtype(_dtype_of(lowerer, a, args["arg1"]), kind)), T.BOOL)
