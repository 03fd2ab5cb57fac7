"""Conditions: truth values, comparisons, ``and``/``or`` and conditional expressions (a
mixin of the Lowerer). A condition known while compiling (``x.ndim == 1``, ``kind ==
"relu"``, a module flag) is a constant, so only the taken branch of an ``if`` on it is
lowered, as Python would run only that one; the right side of ``and``/``or`` that might fail
where the left decides is lowered lazily, in an if of its own."""
from __future__ import annotations

import ast

import numpy as np

from .. import types as T
from ..ir import Atom, Const
from ..primitives import PRIMS
from ..values import Ref
from .objects import ObjectVal
from .syntax import cannot_fail

_CMPOPS = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
           ast.NotEq: "ne"}


class ConditionLowering:
    """The Lowerer's conditions (it provides ``expr``, ``atom``, ``as_atom``, ``op``, ``err``,
    ``membership``, ``region_if`` and ``env``)."""

    def truth(self, a: Atom, node) -> Atom:
        if a.type == T.BOOL:
            return a
        if isinstance(a, Const) and a.type == T.I64:
            return Const(a.value != 0, T.BOOL)
        if T.is_array(a.type):
            raise self.err(node, "the truth value of an array is ambiguous",
                           "Use np.any(...) or np.all(...), or compare elements.")
        return self.op(node, "ne", a, Const(0, a.type))

    def condition(self, node: ast.expr) -> Atom:
        v = self.expr(node)
        if isinstance(v, tuple):             # `if shape:` a tuple is true when not empty
            return Const(len(v) > 0, T.BOOL)
        return self.truth(self.as_atom(v, node), node)

    def expr_Compare(self, node: ast.Compare) -> Atom:
        left, first = self.expr(node.left), None
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return self.membership(node, left, self.expr(node.comparators[0]))
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            first = self.expr(node.comparators[0])
            if isinstance(left, (Ref, ObjectVal)) or isinstance(first, (Ref, ObjectVal)):
                return static_compare(node.ops[0], left, first)
        if isinstance(left, tuple) or isinstance(first, tuple) or any(
                isinstance(c, (ast.Tuple, ast.List)) for c in node.comparators):
            raise self.err(node, "flatgrad does not compare tuples or lists (Python compares "
                                 "them item by item, NumPy element by element)",
                           "Compare their items: a[0] == b[0] and a[1] == b[1], or arrays "
                           "with np.all(np.asarray(a) == b).")
        left = self.as_atom(left, node.left)
        result = None
        for k, (opnode, right_node) in enumerate(zip(node.ops, node.comparators)):
            op = _CMPOPS.get(type(opnode))
            if op is None:
                raise self.err(node, "flatgrad does not support is / in comparisons",
                               "Compare numbers with < <= > >= == !=.")
            right = self.as_atom(first, right_node) if k == 0 and first is not None \
                else self.atom(right_node)
            if isinstance(left, Const) and isinstance(right, Const):
                # known while compiling (x.ndim == 1, a module flag): only the taken branch of
                # an if on it is lowered, as Python would run only that one
                c = Const(bool(PRIMS[op].evaluate(left.value, right.value)), T.BOOL)
            else:
                c = self.op(node, op, left, right)
            if result is None:
                result = c
            elif isinstance(result, Const) and isinstance(c, Const):
                result = Const(result.value and c.value, T.BOOL)
            else:
                result = self.op(node, "and", result, c)
            left = right
        return result

    def expr_BoolOp(self, node: ast.BoolOp) -> Atom:
        result = self.truth(self.atom(node.values[0]), node)
        is_and = isinstance(node.op, ast.And)
        for rhs in node.values[1:]:
            if cannot_fail(rhs):
                result = self.op(node, "and" if is_and else "or", result, self.truth(self.atom(rhs), rhs))
                continue
            # the right side might fail where the left side decides: evaluate it lazily
            left = result

            def right(rhs=rhs):
                self.env["$bool"] = self.truth(self.atom(rhs), rhs)

            def short(left=left):
                self.env["$bool"] = left

            self.env.pop("$bool", None)
            self.region_if(left, right if is_and else short, short if is_and else right, node)
            result = self.env.pop("$bool")
        return result

    def expr_IfExp(self, node: ast.IfExp) -> Atom:
        cond = self.condition(node.test)
        if isinstance(cond, Const):       # any value: a string, a tuple, a function
            return self.expr(node.body if cond.value else node.orelse)
        self.env.pop("$ifexp", None)

        def arm(e):
            def f():
                self.env["$ifexp"] = self.atom(e)
            return f

        self.region_if(cond, arm(node.body), arm(node.orelse), node)
        return self.env.pop("$ifexp")


def static_compare(op: ast.cmpop, a, b) -> Const:
    """``mode is None``, ``act is np.tanh``, ``kind == "l1"`` where a side is a value known
    while compiling (None, a function, a string: a static argument): a constant, so only the
    taken branch of an if on it is lowered."""
    # a number or an array is never None, a function or a string
    av = a.obj if isinstance(a, (Ref, ObjectVal)) else object()    # (an object: `layer is
    bv = b.obj if isinstance(b, (Ref, ObjectVal)) else object()    # last`, `cfg == other`)
    if isinstance(op, (ast.Is, ast.IsNot)):
        same = av is bv
    elif isinstance(av, np.dtype) or isinstance(bv, np.dtype):   # x.dtype == np.float64
        same = _same_dtype(av, bv)
    else:
        same = type(av) is type(bv) and isinstance(av, str) and av == bv or av is bv
    return Const(same != isinstance(op, (ast.IsNot, ast.NotEq)), T.BOOL)


def _same_dtype(a, b) -> bool:
    """NumPy's ``dtype == other``: true where the other names the same dtype (a type, a
    name, a dtype); false for anything that names none."""
    try:
        return np.dtype(a) == np.dtype(b)
    except TypeError:
        return False
