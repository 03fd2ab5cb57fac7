"""Static data and read-only objects describing a model.

Mixed into :class:`~.lower.Lowerer`. Lists and tuples of numbers and shapes
(``layer_sizes = [784, 200, 10]``), dicts keyed by strings, and instances of plain user
classes, closed over, read from the module or passed as an argument, are read as the
code is compiled: numbers become constants, lists become tuples (so loops over them are
unrolled), an object becomes an :class:`ObjectVal` whose attributes are read the same way
and whose methods are inlined with ``self`` bound. Their arrays are never baked in: an
array read from the module or closure is a hidden input read at each call (a capture, at
its path of attributes and items), and an object argument's arrays are inputs of the
compiled code (the dispatcher passes them; see ``runtime/dispatch.classify``). Objects are
read-only: an attribute write is a CompileError.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import re
import types as pytypes
from dataclasses import dataclass

import numpy as np

from .. import types as T
from ..ir import Const
from ..objects import array_leaves, is_literal_key, is_namedtuple, is_user_object
from ..errors import CompileError
from .desugar.init import constructor
from .source import parse_function
from ..values import (BoundMethod, Building, Instance, ListValue, NamedValue, PartialVal, Record,
                      Ref, SliceVal, hashable, split_value)

_LIST_MAX = 10_000     # items of a list read as static data (a longer one is data: an array)


@dataclass(frozen=True, eq=False)
class ObjectVal:
    """A user object as the function sees it: the object, its path from where it was found,
    and ``root``: where its arrays come from -- a capture prefix (``("closure", name)``,
    ``("global", module, name)``), a dict path -> IR parameter (an argument), or None (the
    closure of a helper, whose arrays cannot be read)."""

    obj: object
    root: object
    path: tuple


@dataclass(frozen=True, eq=False)
class UserMethod:
    """``obj.method`` before it is called: inlined with ``self`` bound to ``self_``."""

    self_: ObjectVal
    fn: pytypes.FunctionType


@dataclass(frozen=True)
class StaticArg:
    """An argument holding user objects, before the Lowerer reads it: the object and its
    arrays' IR parameters by path."""

    obj: object
    arrays: dict


def object_parameter(b, name: str, t: T.Static, leaves: list) -> StaticArg:
    """An argument holding user objects: one parameter per array in it (appended to
    ``leaves``, in the order the dispatcher passes them, ``array_leaves``'s)."""
    arrays = {}
    for (path, _), at in zip(array_leaves(t.obj), t.leaves):
        hint = re.sub(r"\W+", "_", "_".join([name] + [str(k) for _, k in path])).strip("_")
        leaves.append(b.fresh(at, hint=hint if hint.isidentifier() else None))
        arrays[path] = leaves[-1]
    return StaticArg(t.obj, arrays)


class ObjectLowering:
    """Static data and user objects for the Lowerer (expects self.err, self.capture,
    self.inline_call)."""

    def static_value(self, v, root, path: tuple, node: ast.AST, name: str):
        """The value ``v`` (read from the module, a closure, an object or an argument at
        ``path`` from ``root``) as the function sees it."""
        if isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)):
            return Const(v.item() if hasattr(v, "item") else v, T.of_value(v))
        if isinstance(v, np.ndarray):
            return self.object_array(v, root, path, node, name)
        if is_user_object(v):
            return ObjectVal(v, root, path)
        if is_namedtuple(v):
            return NamedValue([self.static_value(e, root, path + (("item", i),), node,
                                                 f"{name}.{f}")
                               for i, (f, e) in enumerate(zip(v._fields, v))], v._fields, type(v))
        if isinstance(v, (list, tuple)):
            if len(v) > _LIST_MAX:
                raise self.err(node, f"'{name}' is a list of {len(v)} items; flatgrad reads lists "
                                     "from the module, closures and objects as static data",
                               f"Make it an array (np.asarray({name})) or pass it as an argument.")
            items = tuple(self.static_value(e, root, path + (("item", i),), node, f"{name}[{i}]")
                          for i, e in enumerate(v))
            return ListValue(items) if isinstance(v, list) else items    # x[IDX]: an index array
        if isinstance(v, dict):
            # (arrays under a key that is no literal, a layer object, cannot be passed in)
            return Record({k: self.static_value(e, root if is_literal_key(k) else None,
                                                path + (("key", k),), node, f"{name}[{k!r}]")
                           for k, e in v.items()})
        if isinstance(v, slice):
            return SliceVal(*(None if p is None else self.static_value(p, None, (), node, name)
                              for p in (v.start, v.stop, v.step)))
        if isinstance(v, functools.partial):
            return PartialVal(
                self.static_value(v.func, root, path + (("attr", "func"),), node, name),
                tuple(self.static_value(e, root, path + (("attr", "args"), ("item", i)), node,
                                        f"{name}.args[{i}]") for i, e in enumerate(v.args)),
                {k: self.static_value(e, root, path + (("attr", "keywords"), ("key", k)), node,
                                      f"{name}.keywords[{k!r}]") for k, e in v.keywords.items()},
                v)
        if v is None or v is Ellipsis or isinstance(v, str) or callable(v) or \
                isinstance(v, pytypes.ModuleType):
            return Ref(v)
        raise self.err(node, f"'{name}' is a {type(v).__name__}, which flatgrad cannot read",
                       "Pass it in as an argument (numbers, arrays, tuples, lists, dicts or plain "
                       "objects of them).")

    def object_array(self, v: np.ndarray, root, path: tuple, node, name: str):
        """An array inside static data: an input of the compiled code, never baked in."""
        if isinstance(root, dict):                   # an object argument: its own parameter
            return root[path]
        if root is None:
            raise self.err(node, f"'{name}' is an array held by the closure of a helper (or "
                                 "under a dict key that is not a string or number); flatgrad "
                                 "reads captured arrays of the differentiated function itself "
                                 "only", "Pass it to the function as an argument.")
        hint = re.sub(r"\W+", "_", name.rpartition(".")[2]).strip("_")   # Ws[0] -> Ws_0
        return self.capture(root + path, v, node, hint if hint.isidentifier() else "captured")

    def object_attribute(self, ov: ObjectVal, node: ast.Attribute):
        """``obj.name``: an instance attribute (read as static data), a method (bound), a
        property (its getter inlined), or a class attribute."""
        obj, attr = ov.obj, node.attr
        where = f"{type(obj).__name__}.{attr}"
        if attr not in vars(obj):
            found = inspect.getattr_static(type(obj), attr, _MISSING)
            if found is _MISSING:
                raise self.err(node, f"'{type(obj).__name__}' object has no attribute '{attr}'")
            member = self.class_member(ov, found, node, where)
            if member is not _MISSING:
                return member
        try:
            v = getattr(obj, attr)
        except Exception as e:  # noqa: BLE001 - the user's own attribute code failed
            raise self.err(node, f"reading '{where}' raised {type(e).__name__}: {e}") from None
        return self.static_value(v, ov.root, ov.path + (("attr", attr),), node, where)

    def named_attribute(self, v: NamedValue, node: ast.Attribute):
        """``p.W`` of a namedtuple; ``p._replace(...)``, ``p._asdict()``, ``p._fields``."""
        if node.attr in v.fields:
            return v[v.fields.index(node.attr)]
        if node.attr in ("_replace", "_asdict"):
            return Ref(BoundMethod(v, node.attr))
        if node.attr == "_fields":
            return tuple(map(Ref, v.fields))
        raise self.err(node, f"the namedtuple has no field '{node.attr}' (it has "
                             f"{', '.join(v.fields)})")

    def named_method(self, v: NamedValue, name: str, node: ast.Call, kwargs):
        if name == "_asdict":
            if node.args or kwargs:
                raise self.err(node, "_asdict() takes no arguments")
            return Record(dict(zip(v.fields, v)), owner=self)
        if node.args:
            raise self.err(node, "_replace takes keyword arguments only")
        items = dict(zip(v.fields, v))
        for k, e in kwargs.items():
            if k not in items:
                raise self.err(node, f"the namedtuple has no field '{k}'")
            items[k] = self.expr(e)
        return NamedValue(tuple(items.values()), v.fields, v.cls)

    def make_named(self, cls, node: ast.Call, kwargs):
        """``Params(W, b)``, ``Params(W=W, b=b)`` of a namedtuple class: its fields bound as
        the class binds them (defaults included)."""
        fields = tuple(cls._fields)
        values = self.bind_fields(cls.__name__, fields, dict(getattr(cls, "_field_defaults", {})),
                                  node, kwargs)
        return NamedValue(tuple(values[f] for f in fields), fields, cls)

    def bind_fields(self, cname: str, fields, defaults: dict, node: ast.Call, kwargs) -> dict:
        """Field name -> value for ``cname(...)`` (a namedtuple's or a dataclass's
        constructor): by position, then by keyword, then the field's default (read as static
        data; a dataclass's ``default_factory``, _FACTORY here, is not run)."""
        if len(node.args) > len(fields):
            raise self.err(node, f"{cname}() takes {len(fields)} values, got {len(node.args)}")
        values = dict(zip(fields, (self.expr(a) for a in node.args)))
        for k, e in kwargs.items():
            if k not in fields or k in values:
                raise self.err(node, f"{cname}() got an unexpected or repeated argument '{k}'")
            values[k] = self.expr(e)
        for f in fields:
            if f not in values:
                d = defaults.get(f, _MISSING)
                if d is _MISSING or d is _FACTORY:
                    raise self.err(node, f"{cname}() is missing the field '{f}'"
                                   + (" (a default_factory is not run here)" if d is _FACTORY
                                      else ""))
                values[f] = self.static_value(d, None, (), node, f"{cname}.{f}")
        return {f: values[f] for f in fields}

    def call_user_method(self, m: UserMethod, node: ast.Call, kwargs):
        """``obj.method(...)``: the method inlined with ``self`` bound to the object."""
        return self.call_user(m.fn, node, kwargs, leading=(m.self_,))

    def call_object(self, ov, node: ast.Call, kwargs):
        """``layer(x)``: the object's ``__call__`` inlined."""
        cls = ov.cls if isinstance(ov, Instance) else type(ov.obj)
        fn = inspect.getattr_static(cls, "__call__", None)
        if not isinstance(fn, pytypes.FunctionType):
            raise self.err(node, f"a '{cls.__name__}' object is not callable")
        return self.call_user_method(UserMethod(ov, fn), node, kwargs)

    # ---------------------------------------------------------------- objects built here

    def construct(self, cls, node: ast.Call, kwargs) -> Instance:
        """``Dense(W, b)``: a dataclass's fields bound as its ``__init__`` binds them, or a
        plain class's ``__init__`` inlined as the function returning what it sets
        (desugar/init.py). The object is fixed from then on: its methods, properties and
        ``__call__`` are inlined with ``self`` bound to it, as for objects passed in."""
        name = cls.__name__
        if dataclasses.is_dataclass(cls):
            if hasattr(cls, "__post_init__"):
                raise self.err(node, f"'{name}' has a __post_init__, which flatgrad does not run",
                               "Build the object outside the function and pass it in.")
            fields = [f for f in dataclasses.fields(cls) if f.init]
            defaults = {f.name: f.default if f.default is not dataclasses.MISSING else _FACTORY
                        for f in fields if f.default is not dataclasses.MISSING
                        or f.default_factory is not dataclasses.MISSING}
            return Instance(cls, self.bind_fields(name, [f.name for f in fields], defaults, node,
                                                  kwargs))
        init = inspect.getattr_static(cls, "__init__", None)
        if init is object.__init__:
            if node.args or kwargs:
                raise self.err(node, f"{name}() takes no arguments")
            return Instance(cls, {})
        if not isinstance(init, pytypes.FunctionType):
            raise self.err(node, f"flatgrad cannot build a '{name}' object here (its __init__ "
                                 "is not a Python function)",
                           "Build the object outside the function and pass it in.")
        pf = parse_function(init)
        sup = next((n for n in ast.walk(pf.node) if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Call)
                    and getattr(n.func.value.func, "id", None) == "super"), None)
        if sup is not None:
            raise CompileError(f"'{name}.__init__' calls super(), which flatgrad does not run "
                               "inside a differentiated function", pf.loc(sup),
                               "Build the object outside the function and pass it in (its "
                               "methods are inlined then), or set the attributes here."
                               ).called_from(self.pf.loc(node))
        attrs = self.call_user(init, node, kwargs, leading=(Building(cls),), rewrite=constructor)
        return Instance(cls, attrs.items)

    def instance_attribute(self, inst, node: ast.Attribute):
        """``layer.W`` of an object built here (an attribute its __init__ set, else the
        class's), or of ``self`` inside that __init__ (the class's only)."""
        if isinstance(inst, Instance) and node.attr in inst.attrs:
            return inst.attrs[node.attr]
        cls = inst.cls
        found = inspect.getattr_static(cls, node.attr, _MISSING)
        if found is _MISSING:
            raise self.err(node, f"'{cls.__name__}' object has no attribute '{node.attr}'"
                           + (" (yet: __init__ reads it before setting it)"
                              if isinstance(inst, Building) else ""))
        is_code = isinstance(found, (pytypes.FunctionType, property, classmethod, staticmethod))
        if isinstance(inst, Building) and is_code:
            raise self.err(node, f"'{node.attr}' is a method of the object __init__ is "
                                 "building: flatgrad does not call its methods before "
                                 "__init__ returns",
                           "Compute the value in __init__ itself, or in the method after "
                           "the object is built.")
        where = f"{cls.__name__}.{node.attr}"
        member = self.class_member(inst, found, node, where)
        return self.static_value(found, None, (), node, where) if member is _MISSING else member

    def class_member(self, obj, found, node: ast.Attribute, where: str):
        """What ``obj.name`` gives where the class defines ``name`` as ``found``: a method
        (bound), a property's value (its getter inlined), a static method; _MISSING for a
        plain class attribute (read as static data)."""
        if isinstance(found, pytypes.FunctionType):
            return Ref(UserMethod(obj, found))
        if isinstance(found, property) and isinstance(found.fget, pytypes.FunctionType):
            call = ast.Call(func=node, args=[], keywords=[], lineno=node.lineno,
                            col_offset=node.col_offset)
            return self.call_user_method(UserMethod(obj, found.fget), call, {})
        if isinstance(found, staticmethod):
            return Ref(found.__func__)
        if isinstance(found, (classmethod, property)):
            raise self.err(node, f"flatgrad cannot read '{where}' (a {type(found).__name__})",
                           "Use a plain method or attribute.")
        return _MISSING

    def expr_Dict(self, node: ast.Dict) -> Record:
        """``{"W": W, "b": b}`` and ``{**d, "b": b}``: keys known while compiling (strings,
        numbers), values of any kind. A dict the function makes may be written into
        (``d["k"] = v``: objects.py, ``assign_item``)."""
        items = {}
        for k, v in zip(node.keys, node.values):
            if k is None:                                   # {**other}
                other = self.expr(v)
                if not isinstance(other, Record):
                    raise self.err(v, "only a dict can be unpacked into a dict (**d)")
                items.update(other.items)
                continue
            key = static_key(self.expr(k))
            if key is NO_KEY or not hashable(key):
                raise self.err(k, "a dict's keys are strings or numbers known while compiling")
            items[key] = self.expr(v)
        return Record(items, owner=self)

    def membership(self, node: ast.Compare, key, where) -> Const:
        """``key in d`` (and ``not in``) for a dict, or a tuple of values known while
        compiling: known while compiling too."""
        if isinstance(where, Record):
            k = static_key(key)
            found = k is not NO_KEY and hashable(k) and k in where.items
        elif isinstance(where, tuple) and static_key(key) is not NO_KEY and \
                all(static_key(e) is not NO_KEY for e in where):
            found = static_key(key) in [static_key(e) for e in where]
        else:
            raise self.err(node, "'in' is supported for a dict's keys and for tuples of "
                                 "constants", "Compare numbers with < <= > >= == !=.")
        return Const(found != isinstance(node.ops[0], ast.NotIn), T.BOOL)

    def assign_item(self, target: ast.Subscript, value, node) -> None:
        """``d[key] = value`` (and ``d[key] += ...``) into a dict the function made: the name
        then holds a new Record with that item. Python changes the one dict every name of
        it sees, so a dict held anywhere else (another name, inside a tuple or dict, an
        argument or a caller's dict) is refused."""
        name = target.value.id
        d = self.env[name]
        if d.owner is not self:
            raise self.err(target, f"cannot assign into the dict '{name}': flatgrad never "
                                   "changes a dict passed in (or one a helper did not make)",
                           f"Make a new one: {name} = {{**{name}, key: value}}.")
        self.refuse_aliased(name, d, target, "dict")
        key = static_key(self.expr(target.slice))
        if key is NO_KEY or not hashable(key):
            raise self.err(target.slice, "a dict is written with a key known while compiling "
                                         "(a constant string or number)")
        self.env[name] = Record({**d.items, key: value}, owner=self)

    def refuse_aliased(self, name: str, value, target, kind: str) -> None:
        """A CompileError where someone else sees ``value`` (the ``kind`` ``name`` holds, about
        to be written into), itself or inside a tuple, dict or object: the caller that passed
        it in, or another name. Python would change what they see too."""
        if any(_holds(v, value) for v in getattr(self, "passed_in", ())):
            raise self.err(target, f"cannot assign into the {kind} '{name}': flatgrad never "
                                   f"changes a {kind} passed in (Python would change the "
                                   "caller's)", f"Make a copy first: {name} = {kind}({name}).")
        for k, v in self.env.items():
            if k != name and _holds(v, value):
                raise self.err(target, f"'{name}' is also held by '{k.split('#')[0]}'; assigning "
                                       f"into a {kind} seen through two names is not supported",
                               f"Make a copy first: {name} = {kind}({name}), or build it whole.")

    def read_only(self, target: ast.Attribute) -> None:
        """An attribute write (``self.h = ...``): objects are read-only here."""
        raise self.err(target, f"cannot assign to the attribute '{target.attr}': objects are "
                               "read-only in differentiated code",
                       "Keep the value in a local variable (and return it if the caller needs "
                       "it); change the object outside the function.")


def _holds(v, d) -> bool:
    """Is the Record ``d`` the value ``v`` or inside it (a tuple, dict or object holding it)?"""
    split = split_value(v)
    return v is d or (split is not None and any(_holds(x, d) for x in split[0]))


_MISSING = object()
_FACTORY = object()     # a dataclass field's default_factory (bind_fields)
NO_KEY = _MISSING       # what static_key gives for a value that is no dict key


def static_key(v):
    """The Python dict key a lowered value stands for (a string, a number known while
    compiling, an object, a tuple of those), or NO_KEY."""
    if isinstance(v, Ref):
        return v.obj
    if isinstance(v, Const):
        return v.value
    if isinstance(v, ObjectVal):
        return v.obj
    if isinstance(v, tuple):
        keys = tuple(static_key(e) for e in v)
        return _MISSING if any(k is _MISSING for k in keys) else keys
    return _MISSING
