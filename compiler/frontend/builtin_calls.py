"""Calls of Python's builtins (and of the few NumPy functions that fold like them) that the
frontend lowers itself: ``min(a, b, c)`` folds, ``len`` of a tuple is a constant, ``sum``
of a generator may become a loop. Registered in the one call registry
(:mod:`~flatgrad.compiler.library.registry`) as every other lowering is."""
from __future__ import annotations

import ast
import builtins
import math

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..library.registry import lowers
from ..values import Record
from .effects import lower_print
from .lists import Stacked


@lowers(builtins.min)
def lower_min(lowerer, node, kwargs):
    return _fold_minmax(lowerer, "min", node, kwargs)


@lowers(builtins.max)
def lower_max(lowerer, node, kwargs):
    return _fold_minmax(lowerer, "max", node, kwargs)


def _fold_minmax(lowerer, prim, node, kwargs):
    if kwargs or len(node.args) < 2:
        raise lowerer.err(node, f"{prim}() needs two or more numbers here",
                          f"Write {prim}(a, b) or use np.{prim} on arrays.")
    args = [lowerer.atom(a) for a in node.args]
    acc = args[0]
    for a in args[1:]:
        acc = lowerer.op(node, prim, acc, a)
    return acc


@lowers(math.log, np.log)
def lower_log(lowerer, node, kwargs):
    if kwargs or len(node.args) not in (1, 2):
        raise lowerer.err(node, "log takes one argument (or two: value and base)")
    x = lowerer.op(node, "log", lowerer.atom(node.args[0]))
    if len(node.args) == 2:
        x = lowerer.op(node, "div", x, lowerer.op(node, "log", lowerer.atom(node.args[1])))
    return x


@lowers(np.square)
def lower_square(lowerer, node, kwargs):
    x = lowerer.atom(node.args[0])
    return lowerer.op(node, "mul", x, x)


@lowers(builtins.bool)
def lower_bool(lowerer, node, kwargs):
    return lowerer.truth(lowerer.atom(node.args[0]), node)


@lowers(builtins.range)
def lower_range(lowerer, node, kwargs):
    raise lowerer.err(node, "range() is only supported as the iterable of a for loop")


@lowers(builtins.len)
def lower_len(lowerer, node, kwargs):
    x = lowerer.expr(node.args[0])
    if isinstance(x, (tuple, Record)):
        return Const(len(x.items if isinstance(x, Record) else x), T.I64)
    if isinstance(x, Stacked):
        if x.count is not None:
            return x.count
        x = x.rows
    if isinstance(x, Var) and T.is_array(x.type):
        return lowerer.op(node, "dim", x, axis=0)
    raise lowerer.err(node, "len() needs an array or a tuple")


@lowers(builtins.sum)
def lower_sum(lowerer, node, kwargs):
    if len(node.args) == 1 and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)):
        gen = node.args[0]
        if len(gen.generators) == 1 and lowerer.constant_items(gen.generators[0].iter) is None:
            return lowerer.sum_loop(gen)
        x = lowerer.expr(gen)
        if not x:
            return Const(0, T.I64)
    else:
        x = lowerer.expr(node.args[0])
    if isinstance(x, tuple):
        acc = x[0]
        for v in x[1:]:
            acc = lowerer.op(node, "add", acc, v)
        return acc
    if isinstance(x, Var) and T.is_array(x.type):
        return lowerer.arrays.reduction("sum", x, kwargs.get("axis"), kwargs.get("keepdims"), node)
    raise lowerer.err(node, "sum() needs an array or a tuple", "Use a loop or np.sum on an array.")


@lowers(np.where)
def lower_where(lowerer, node, kwargs):
    if not kwargs and len(node.args) == 1:      # np.where(c) is np.nonzero(c)
        from ..library.order import where_one
        return where_one(lowerer, node)
    if kwargs or len(node.args) != 3:
        raise lowerer.err(node, "np.where takes one or three arguments here")
    c, a, b = (lowerer.atom(x) for x in node.args)
    c = lowerer.truth(c, node) if not T.is_array(c.type) else c
    return lowerer.op(node, "select", c, a, b)


@lowers(builtins.print)
def lower_print_call(lowerer, node, kwargs):
    return lower_print(lowerer, node, kwargs)


@lowers(builtins.round)
def lower_round(lowerer, node, kwargs):
    raise lowerer.err(node, "round() is not supported", "Use math.floor(x + 0.5).")


@lowers(builtins.slice)
def lower_slice(lowerer, node, kwargs):
    return lowerer.call_slice(node, kwargs)
