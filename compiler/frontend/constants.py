"""Reading arguments whose values must be known while compiling: an integer (an axis, a
count), a bool (``keepdims``), a dtype, a shape. Library lowerings call these on the Lowerer
(``lowerer.const_int(node)``); each reports a CompileError at the argument otherwise.

Mixed into :class:`~.lower.Lowerer`.
"""
from __future__ import annotations

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..values import Ref

_DTYPES = {np.float64: "float64", np.float32: "float32", float: "float64", int: "int64",
           np.int64: "int64", bool: "bool", np.bool_: "bool", np.int32: "int64"}
# dtypes by name (x.astype("float64")); flatgrad's integers are 64-bit
_DTYPE_NAMES = {"float64": "float64", "f8": "float64", "float": "float64", "double": "float64",
                "float32": "float32", "f4": "float32", "single": "float32", "int64": "int64",
                "i8": "int64", "int": "int64", "int32": "int64", "i4": "int64", "bool": "bool",
                "?": "bool"}


class ConstantArgs:
    """Constant arguments for the Lowerer."""

    def const_int(self, node) -> int:
        v = self.expr(node)
        if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
            return v.value
        raise self.err(node, "expected a constant integer here (e.g. axis=1)")

    def const_bool(self, node) -> bool:
        v = self.expr(node)
        if isinstance(v, Const) and isinstance(v.value, bool):
            return v.value
        raise self.err(node, "expected True or False here")

    def dtype_of(self, node, where) -> str:
        if node is None:
            return "float64"
        v = self.expr(node)
        obj = v.obj if isinstance(v, Ref) else None
        if isinstance(obj, str) and obj in _DTYPE_NAMES:
            return _DTYPE_NAMES[obj]
        if isinstance(obj, np.dtype):
            obj = obj.type
        if obj in _DTYPES:
            return _DTYPES[obj]
        raise self.err(node, "unsupported dtype", "Use np.float64, np.float32, int or bool.")

    def dims(self, node, where) -> tuple:
        v = self.expr(node)
        dims = v if isinstance(v, tuple) else (v,)
        out = []
        for d in dims:
            if not (isinstance(d, (Var, Const)) and isinstance(d.type, T.Scalar)
                    and d.type.dtype in ("int64", "bool")):
                raise self.err(node, "array shapes must be integers or tuples of integers")
            out.append(d)
        return tuple(out)
