"""Lists and tuples as values: ``a + b``, ``[x] * 3``, and lists grown in loops.

Mixed into :class:`~.lower.Lowerer`. A list or tuple the function builds is a Python
tuple of values while compiling, so concatenating two of them (``args + (ones,)``) or
repeating one a constant number of times is done then, and the IR sees only its items.
"""
from __future__ import annotations

import ast
import math

from .. import types as T
from ..ir import Const


class ListLowering:
    """Tuple and list values for the Lowerer (expects self.err)."""

    def sequence_binop(self, op: str, left, right, node: ast.BinOp) -> tuple:
        """``left <op> right`` where one side is a tuple (or list)."""
        if op == "add" and isinstance(left, tuple) and isinstance(right, tuple):
            return left + right
        if op == "mul":
            seq, n = (left, right) if isinstance(left, tuple) else (right, left)
            if isinstance(seq, tuple) and isinstance(n, Const) and type(n.value) is int:
                return seq * n.value
            raise self.err(node, "a list or tuple is repeated a number of times known while "
                                 "compiling", "Write [x] * 3 with a constant, or build an array "
                                              "with np.zeros(n) / np.full(n, x).")
        raise self.err(node, "lists and tuples support + (with another list or tuple) and "
                             "* (by a constant integer) only",
                       "Convert to an array (np.array(...)) for arithmetic.")

    def sequence_array(self, v: tuple, node: ast.AST):
        """``v``, a tuple (or list) of numbers or of arrays of one shape, as one array (what
        NumPy makes of it)."""
        from ..library.shape import _array_literal
        return _array_literal(self, node, list(v))

    def tuple_reduction(self, name: str, v: tuple, node: ast.AST):
        """``np.prod(shape)``, ``np.sum(sizes)`` of a tuple: a constant when every item is
        one (so sizes computed from static shapes stay known), else a reduction."""
        if name in ("sum", "prod") and v and all(isinstance(x, Const) and type(x.value) is int
                                                 for x in v):
            fold = sum if name == "sum" else math.prod
            return Const(fold(x.value for x in v), T.I64)
        return None
