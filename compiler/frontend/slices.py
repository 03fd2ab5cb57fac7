"""Slice objects: ``idx = slice(i * b, (i + 1) * b); X[idx]``.

Mixed into :class:`~.lower.Lowerer`. A slice built in the function is a
:class:`~flatgrad.compiler.values.SliceVal` of integer atoms (or None): it can be
stored in variables, passed to helpers and put in tuples like any value, and an index
that meets it reads it exactly as it reads ``start:stop:step`` written in the brackets,
so the IR never sees a slice object and the reverse pass sees ordinary slicing.
"""
from __future__ import annotations

import ast

import numpy as np

from .. import types as T
from ..builder import Builder
from ..ir import Const
from ..values import Ref, SliceVal


class SliceLowering:
    """Slice objects for the Lowerer (expects self.expr, self.int_atom, self.err)."""

    def call_slice(self, node: ast.Call, items) -> SliceVal:
        """``slice(stop)``, ``slice(start, stop)``, ``slice(start, stop, step)`` (``items``
        are the arguments' nodes)."""
        if not 1 <= len(items) <= 3:
            raise self.err(node, "slice() takes 1 to 3 positional arguments")
        parts = [self.slice_part(a) for a in items]
        if len(parts) == 1:
            parts = [None, parts[0], None]
        parts += [None] * (3 - len(parts))
        if isinstance(parts[2], Const) and parts[2].value == 0:
            raise self.err(node, "slice step cannot be zero")
        return SliceVal(*parts)

    def slice_part(self, node: ast.expr):
        """One bound of a slice: None, or an integer (a constant or an int value)."""
        v = self.expr(node)
        if isinstance(v, Ref) and v.obj is None:
            return None
        a = self.as_atom(v, node)
        if not (isinstance(a.type, T.Scalar) and a.type.dtype in ("int64", "bool")):
            raise self.err(node, f"slice bounds must be integers or None, got {a.type}",
                           "Convert with int(...), or compute the bound from integers.")
        return a

    def index_value(self, node: ast.expr):
        """The value of an index expression: ``a:b`` as a slice object, a tuple of
        indices as a tuple, anything else as its value."""
        if isinstance(node, ast.Slice):
            return SliceVal(*(None if p is None else self.slice_part(p)
                              for p in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Tuple):
            return tuple(self.index_value(e) for e in node.elts)
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis                     # ArrayLowering.index expands it
        return self.expr(node)

    def slice_spec(self, s: SliceVal) -> tuple[tuple, list]:
        """The getitem spec entry and index operands of slice ``s`` (as ``a:b:c`` gives)."""
        present = tuple(p is not None for p in s.parts)
        return ("s", *present), [p for p in s.parts if p is not None]

    def static_slice(self, s: SliceVal, node: ast.AST) -> slice:
        """``s`` as a Python slice, for slicing a tuple: its bounds must be known while
        compiling (the tuple's length depends on them)."""
        out = []
        for p in s.parts:
            if p is not None and not isinstance(p, Const):
                raise self.err(node, "a tuple (or list) is sliced with bounds known while "
                                     "compiling", "Slice with constants, or make it an array "
                                                  "(np.array(...)) and slice that.")
            out.append(None if p is None else int(p.value))
        return slice(*out)

    def slice_attribute(self, s: SliceVal, node: ast.Attribute):
        """``s.start``, ``s.stop``, ``s.step`` (None where the slice leaves it out)."""
        if node.attr not in ("start", "stop", "step"):
            raise self.err(node, f"a slice has no attribute '{node.attr}' flatgrad can read",
                           "Read .start, .stop or .step.")
        v = getattr(s, node.attr)
        return Ref(None) if v is None else v

    def index_expression(self, base: Ref, node: ast.Subscript):
        """``np.s_[...]`` and ``np.index_exp[...]``: the index itself, as an object."""
        v = self.index_value(node.slice)
        if base.obj is np.index_exp and not isinstance(v, tuple):
            v = (v,)
        return v


def slice_parameter(b: Builder, name: str, s: slice, leaves: list) -> SliceVal:
    """A slice argument as the function sees it: each integer bound an int parameter
    (appended to ``leaves``), None where ``s`` (the slice the call was keyed on) has None."""
    parts = []
    for part, p in zip(("start", "stop", "step"), (s.start, s.stop, s.step)):
        if p is not None:
            leaves.append(b.fresh(T.I64, hint=f"{name}_{part}"))
        parts.append(None if p is None else leaves[-1])
    return SliceVal(*parts)
