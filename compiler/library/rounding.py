"""Piecewise-constant functions of a real number: ``np.round`` (``np.around``, ``x.round``,
Python's ``round`` of a value known at run time) and ``np.angle`` of a real number. Their
derivative is 0 wherever they have one (as in JAX and autograd).

``round`` is one primitive with NumPy's rounding: half to even, ``decimals`` by scaling as
NumPy does it (``rint(x * 10**d) / 10**d``, or ``rint(x / 10**-d) * 10**-d`` for d < 0), so
``np.round(2.675, 2)`` is NumPy's 2.68 where Python's decimal-exact ``round`` gives 2.67:
Python's ``round(x, n)`` of a number known only at run time stays refused for that reason
(``round(x)`` of a float is the same on both, and returns an int as Python's does).
``np.angle`` of a real x is ``arctan2(0, x)``: 0 for x >= +0, pi for x < 0 and for -0.0, NaN
for NaN (``deg=True`` multiplies by 180/pi as NumPy does), of an argument carrying no
gradient; flatgrad has no complex numbers.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const
from ..primitives import P_ATOM, Spelling, defprim
from .callargs import float_of
from .registry import as_method, lowers


def _round_scalar(a, p):
    return f"float(np.round({a[0]}, {p['decimals']}))"


def _round_array(a, p):
    return f"np.round({a[0]}, {p['decimals']})"


defprim("round", 1, lambda x, decimals=0: T.floating(x),
        Spelling(_round_scalar, _round_array, P_ATOM, (P_ATOM,)), None,
        lambda x, decimals=0: float(np.round(x, decimals)), nondiff=True, reads_output=False)


def round_of(lowerer, node, x, decimals: int):
    """NumPy's rounding of ``x`` to ``decimals`` places (integers: unchanged for decimals
    >= 0)."""
    if not T.is_float(x.type):
        if decimals < 0:
            raise lowerer.err(node, "rounding integers to negative decimals is not supported",
                              "Convert first: x.astype(float).")
        return x
    if isinstance(x, Const):
        return Const(float(np.round(x.value, decimals)), T.F64)
    return lowerer.op(node, "round", x, decimals=decimals)


@lowers(np.round, np.around, takes="a decimals out")
def _np_round(lowerer, node, args):
    """np.round(a, decimals=0): half to even, as NumPy's."""
    if "out" in args:
        raise lowerer.err(node, "np.round: out= is not supported", "Assign the result.")
    decimals = lowerer.const_int(args["decimals"]) if "decimals" in args else 0
    return round_of(lowerer, node, lowerer.atom(args["a"]), decimals)


as_method(np.round, "round")


@lowers(np.angle, takes="z deg")
def _angle(lowerer, node, args):
    """np.angle of a real number: arctan2(0, x) (0, pi, or NaN), times 180/pi if deg."""
    x = lowerer.atom(args["z"])
    if not (T.is_float(x.type) or x.type.dtype in ("int64", "bool")):
        raise lowerer.err(node, "np.angle of complex numbers is not supported (flatgrad has no "
                                "complex numbers)", "Keep the real and imaginary parts apart: "
                                "np.arctan2(im, re).")
    x = lowerer.op(node, "nograd", float_of(lowerer, x, node))
    a = lowerer.op(node, "atan2", Const(0.0, T.F64), x)
    if "deg" in args and lowerer.const_bool(args["deg"]):
        a = lowerer.op(node, "mul", a, Const(180 / np.pi, T.F64))
    return a
