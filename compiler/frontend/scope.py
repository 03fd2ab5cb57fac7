"""What a name or an attribute read inside the function is: a local SSA value, or a value
from the closure, the module or the builtins -- a number or a function known while
compiling, or an array read at run time through a hidden parameter (a *capture*, found
again at each call by the route of closures leading to it).

Mixed into :class:`~.lower.Lowerer`.
"""
from __future__ import annotations

import ast
import builtins
import functools
import importlib
import types as pytypes

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..library import random
from ..library.registry import attribute_reader
from ..objects import is_user_object
from ..values import (BoundMethod, Building, Instance, NamedValue, Record, Ref, SliceVal, Undefined,
                      Unreadable)
from . import names
from .flags import ITEM
from .objects import ObjectVal


class NameLowering:
    """Names, globals, closures and attributes for the Lowerer."""

    def expr_Name(self, node: ast.Name) -> object:
        return self.load(node.id, node)

    def load(self, name: str, node: ast.AST) -> object:
        if name in self.env:
            v = self.env[name]
            if isinstance(v, Undefined):
                raise self.err(node, f"variable '{name}' may be undefined here: {v.why}",
                               f"Assign '{name}' before the if/loop so it has a value on every path.")
            if isinstance(v, Unreadable):
                raise self.err(node, v.why, v.hint)
            if isinstance(v, self.LIST_VALUES[1:]):     # a list growing in the loop lowered
                return self.list_value(v, node)
            return v
        for kind, scope in (("closure", self.closure), ("global", self.globals),
                            ("builtin", vars(builtins))):
            if name in scope:
                v = scope[name]
                where = self.where_of(kind, name)
                if random.kind_of(v) is not None:          # drawn from at run time
                    return random.source_of(self, where, v, node, name)
                if isinstance(v, np.ndarray):
                    return self.capture(where, v, node, name)
                if isinstance(v, (list, tuple, dict, functools.partial)) or is_user_object(v):
                    # static data (layer sizes, a list of layer objects): read now, its
                    # arrays at each call (through the closures leading to a helper's)
                    return self.static_value(v, where, (), node, name)
                if where is not None and kind != "builtin" and callable(v):
                    self.routes[id(v)] = where     # a helper's closure arrays are read through it
                return self.global_value(v, node, name)
        if name.startswith(ITEM):      # a comprehension's variable, read by a lambda made there
            user = name.split(".", 1)[1]
            raise self.err(node, f"a function made in a comprehension is called after it ended, "
                                 f"reading the comprehension's variable '{user}' (Python reads "
                                 "its last value then)",
                           f"Pass it as a default argument (lambda ..., {user}={user}: ...).")
        raise self.err(node, f"name '{name}' is not defined")

    def where_of(self, kind: str, name: str) -> tuple | None:
        """Where the compiled function finds the value of ``name`` at run time: in the module
        (``("global", module, name)``), in its own closure (``("closure", name)``), or in a
        helper's closure, through the names that reach the helper (``("cell", name)`` steps
        after the helper's own place); None where no name reaches the helper."""
        if kind != "closure":
            return (kind, self.globals.get("__name__", ""), name)
        if self.route is None:
            return None
        return self.route + ((name,) if self.route == ("closure",) else (("cell", name),))

    def capture(self, where: tuple, v: np.ndarray, node, name: str) -> Var:
        """An array the function reads from its module or closure: a hidden parameter, read
        afresh at every call (as Python reads it), never baked into the code; no gradient."""
        if where is None:
            raise self.err(node, f"'{name}' is an array in the closure of a helper that flatgrad "
                                 "cannot reach from the differentiated function (it was passed "
                                 "in as an argument)",
                           f"Pass '{name}' to the helper as an argument.")
        dtype = T.array_dtype(v)
        if dtype not in ("float64", "float32", "int64", "bool") or v.ndim == 0 or not v.dtype.isnative:
            raise self.err(node, f"'{name}' is an array of dtype {v.dtype} (ndim {v.ndim}), which "
                                 "flatgrad cannot read from the module",
                           f"Convert it (np.asarray({name}, dtype=float)) or pass it as an argument.")
        hidden = self.captures.get(where)
        if hidden is None:
            hint, k = name, 0
            while hint in self.captures_hints:
                k += 1
                hint = f"{name}_{k}"
            self.captures_hints.add(hint)
            hidden = self.b.fresh(T.Array(dtype, v.ndim), hint=hint)
            self.captures[where] = hidden
            self.own.created(hidden, owned=False)     # read-only, as an argument
        return hidden

    def global_value(self, v, node, name) -> object:
        if isinstance(v, (bool, int, float, np.floating, np.integer, np.bool_)):
            return Const(v.item() if hasattr(v, "item") else v, T.of_value(v))
        if isinstance(v, (pytypes.ModuleType, pytypes.FunctionType, pytypes.BuiltinFunctionType,
                          np.ufunc, type)) or callable(v):
            return Ref(v)
        if v is None or isinstance(v, str):   # np.newaxis, None; a mode string (ACT = "tanh"):
            return Ref(v)                       # read when compiling, as numbers are
        if v is np.s_ or v is np.index_exp or v is np.r_ or v is np.c_ or v is Ellipsis:
            return Ref(v)
        if attribute_reader(v) is not None:      # prior = norm(0, 1) made outside: prior.logpdf
            return Ref(v)
        raise self.err(node, f"'{name}' is a {type(v).__name__}, which flatgrad cannot read",
                       "Pass it in as an argument.")

    def module_attribute(self, module: pytypes.ModuleType, attr: str, node) -> object:
        """``module.attr``, read as a global of that module is."""
        c = names.CONSTANTS.get((module, attr))
        if c is not None:
            return Const(c, T.F64)
        if not hasattr(module, attr):
            raise self.err(node, f"module '{module.__name__}' has no attribute '{attr}'")
        v = getattr(module, attr)
        where = ("global", module.__name__, attr)
        if isinstance(v, np.ndarray):
            return self.capture(where, v, node, attr)
        if random.kind_of(v) is not None:             # module.rs: drawn from at run time
            return random.source_of(self, where, v, node, attr)
        if isinstance(v, (list, tuple, dict)) or is_user_object(v):
            return self.static_value(v, where, (), node, attr)
        if callable(v):
            self.routes[id(v)] = where
        return self.global_value(v, node, attr)

    def stmt_Import(self, s: ast.Import) -> None:
        """``import scipy.linalg`` / ``import numpy as np`` inside the function: the name
        holds the module, as a module-level import's would (imported while compiling)."""
        for alias in s.names:
            if alias.asname:
                self.env[alias.asname] = Ref(self._import(alias.name, s))
            else:
                top = alias.name.split(".")[0]
                self._import(alias.name, s)
                self.env[top] = Ref(self._import(top, s))

    def stmt_ImportFrom(self, s: ast.ImportFrom) -> None:
        """``from scipy.linalg import expm`` inside the function: each name holds what the
        module's attribute holds (a submodule where the module has no such attribute)."""
        package = self.globals.get("__package__") or None
        module = self._import("." * s.level + (s.module or ""), s, package)
        for alias in s.names:
            if alias.name == "*":
                raise self.err(s, "'from ... import *' inside a function is not Python",
                               "Import the names you use.")
            if not hasattr(module, alias.name):
                self._import(f"{module.__name__}.{alias.name}", s)
            self.env[alias.asname or alias.name] = self.module_attribute(module, alias.name, s)

    def _import(self, name: str, node, package: str | None = None) -> pytypes.ModuleType:
        try:
            return importlib.import_module(name, package)
        except ImportError as e:
            raise self.err(node, f"this import fails: {e}",
                           "Install the module, or import it at module level.") from None

    def expr_Attribute(self, node: ast.Attribute) -> object:
        base = self.expr(node.value)
        if isinstance(base, Ref) and isinstance(base.obj, pytypes.ModuleType):
            return self.module_attribute(base.obj, node.attr, node)
        if isinstance(base, (Var, Const)):
            return self.arrays.attribute(base, node)
        if isinstance(base, SliceVal):
            return self.slice_attribute(base, node)
        if isinstance(base, ObjectVal):
            return self.object_attribute(base, node)
        if isinstance(base, Ref) and attribute_reader(base.obj) is not None:
            return attribute_reader(base.obj)(self, base.obj, node)   # scipy.stats' norm.logpdf
        if isinstance(base, NamedValue):
            return self.named_attribute(base, node)
        if isinstance(base, (Instance, Building)):
            return self.instance_attribute(base, node)
        if isinstance(base, Ref) and isinstance(base.obj, str) and \
                callable(getattr(base.obj, node.attr, None)):      # kind.lower: called now
            return Ref(getattr(base.obj, node.attr))
        if isinstance(base, Record) and node.attr in ("keys", "values", "items", "get", "copy"):
            return Ref(BoundMethod(base, node.attr))
        method = random.attribute(self, base, node)      # rs.normal
        if method is not None:
            return method
        raise self.err(node, f"flatgrad does not support the attribute '{node.attr}' here")
