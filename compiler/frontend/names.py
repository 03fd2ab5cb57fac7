"""What the names a function refers to mean: primitives, constants, modules.

Resolution is by object identity, so ``from math import exp``, ``import numpy as
np`` and ``np.exp`` all reach the same primitive. Functions flatgrad exports (and
primitives a user registers) carry a ``__flatgrad_prim__`` attribute naming theirs.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

# callable -> primitive name, for calls that map one-to-one onto a primitive
UNARY: dict[object, str] = {}
for _name in ("exp", "log1p", "expm1", "log2", "log10", "sqrt", "sin", "cos", "tan", "sinh",
              "cosh", "tanh", "asinh", "acosh", "atanh", "asin", "acos", "atan", "erf", "erfc",
              "floor", "ceil", "trunc"):
    UNARY[getattr(math, _name)] = _name
for _np, _name in [("exp", "exp"), ("log", "log"), ("log1p", "log1p"), ("expm1", "expm1"),
                   ("log2", "log2"), ("log10", "log10"), ("sqrt", "sqrt"), ("sin", "sin"),
                   ("cos", "cos"), ("tan", "tan"), ("sinh", "sinh"), ("cosh", "cosh"),
                   ("tanh", "tanh"), ("arcsinh", "asinh"), ("arccosh", "acosh"),
                   ("arctanh", "atanh"), ("arcsin", "asin"), ("arccos", "acos"),
                   ("arctan", "atan"), ("floor", "floor"), ("ceil", "ceil"), ("trunc", "trunc"),
                   ("abs", "abs"), ("absolute", "abs"), ("fabs", "abs"), ("negative", "neg"),
                   ("sign", "sign")]:
    UNARY[getattr(np, _np)] = _name
UNARY[builtins.abs] = "abs"
UNARY[math.fabs] = "abs"
UNARY[builtins.float] = "float"
UNARY[np.float64] = "float"
UNARY[builtins.int] = "int"

BINARY: dict[object, str] = {
    math.atan2: "atan2", np.arctan2: "atan2", math.hypot: "hypot", np.hypot: "hypot",
    math.pow: "pow", np.power: "pow", np.maximum: "max", np.minimum: "min",
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.divide: "div",
    np.true_divide: "div", np.floor_divide: "floordiv", np.mod: "mod",
    math.fmod: None,  # different sign convention from %, not supported
}
BINARY = {k: v for k, v in BINARY.items() if v is not None}

CONSTANTS: dict[tuple[object, str], float] = {}
for _mod in (math, np):
    for _c in ("pi", "e", "inf", "nan", "tau"):
        if hasattr(_mod, _c):
            CONSTANTS[(_mod, _c)] = float(getattr(_mod, _c))

# calls with their own lowering in lower.py
SPECIAL = {builtins.min: "min", builtins.max: "max", math.log: "log", np.log: "log",
           np.square: "square", builtins.bool: "bool", builtins.range: "range",
           builtins.len: "len", builtins.sum: "sum", np.where: "where",
           np.clip: "clip", builtins.round: "round"}


def prim_of(obj) -> str | None:
    """The primitive a flatgrad-provided function stands for, if any."""
    return getattr(obj, "__flatgrad_prim__", None)
