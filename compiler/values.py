"""Values the frontend meets that are not IR atoms: bound methods, references to Python
objects (modules, functions, None, strings), dict arguments, and variables not defined on
every path."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ir import Const, Var


@dataclass(frozen=True)
class Undefined:
    """Marks a variable that is not assigned on every path reaching this point."""

    name: str
    why: str


@dataclass(frozen=True)
class Unreadable:
    """A value a call returns that flatgrad cannot type (SciPy's lstsq residues for a 1-D b:
    a number or an empty array, as the rank found at run time says): unpacking it is fine,
    reading it is a CompileError saying ``why``, with ``hint``."""

    why: str
    hint: str = ""


@dataclass(frozen=True)
class Ref:
    """A non-numeric value met while lowering: a module, a function, None."""

    obj: object


@dataclass(frozen=True, eq=False)
class PartialVal:
    """``functools.partial(func, *args, **keywords)`` as the function sees it (made in the
    function, or read from the module): ``func`` (a Python function or a value that calls,
    such as a local function) with its first arguments and some keywords given, as values of
    the function. A call passes them before its own (``frontend/partials.py``)."""

    func: object
    args: tuple
    keywords: dict
    obj: object = None       # the partial object itself, where read from the module


class Record:
    """A dict (an argument, a pytree's dict node, or a dict display in the function) as the
    function sees it: constant keys to values (numbers, arrays, tuples, other records). Read with ``d["key"]``,
    ``d.keys()``/``d.values()``/``d.items()``, ``len(d)``, ``for k in d``."""

    def __init__(self, items: dict, owner=None):
        self.items = dict(items)
        # the Lowerer of the function whose dict display (or item write) made it: only there
        # may an item be written (a new Record then stands for the changed dict)
        self.owner = owner

    def __repr__(self) -> str:
        return f"Record({self.items!r})"


class ListValue(tuple):
    """A list as the function sees it (a list argument, ``[a, b]``, a list comprehension):
    a tuple of values, like every sequence here, that ``isinstance(x, list)`` knows for one.
    A list the frontend rebuilds without this tag reads as a tuple there."""

    def __repr__(self) -> str:
        return f"ListValue({tuple(self)!r})"


class NamedValue(tuple):
    """A namedtuple as the function sees it: a tuple of values whose items are also read by
    field name (``p.W``); ``cls`` is its class where the function built it (None for an
    argument, of which only the field names are known)."""

    def __new__(cls, items, fields: tuple, named=None):
        out = super().__new__(cls, items)
        out.fields, out.cls = tuple(fields), named
        return out

    def __repr__(self) -> str:
        return f"NamedValue({dict(zip(self.fields, self))!r})"


class Instance:
    """An object the function built (``Dense(W, b)``): its class and the attributes its
    ``__init__`` set, fixed from then on (frontend/objects.py)."""

    def __init__(self, cls, attrs: dict):
        self.cls, self.attrs = cls, dict(attrs)

    def __repr__(self) -> str:
        return f"Instance({self.cls.__name__}, {self.attrs!r})"


@dataclass(frozen=True, eq=False)
class Building:
    """``self`` inside the ``__init__`` of an object being built: its class only (the
    attributes ``__init__`` sets are read from its private dict: desugar/init.py)."""

    cls: type


def split_value(v):
    """(components, form) of a tuple, list or dict value (a dict's values in key order), or
    None for any other value: loops carry and ifs merge such values component by component
    (:func:`join_value` puts them back together)."""
    if isinstance(v, Record):
        return tuple(v.items.values()), ("dict", tuple(v.items), v.owner)
    if isinstance(v, NamedValue):
        return tuple(v), ("named", len(v), (v.fields, v.cls))
    if isinstance(v, Instance):
        return tuple(v.attrs.values()), ("object", tuple(v.attrs), v.cls)
    if isinstance(v, tuple):
        return tuple(v), ("list" if isinstance(v, ListValue) else "tuple", len(v), None)
    return None


def same_form(a, b) -> bool:
    """Do two forms of :func:`split_value` have the same kind and keys (or length, and
    field names)?"""
    return a[:2] == b[:2] and (a[0] != "named" or a[2][0] == b[2][0]) and \
        (a[0] != "object" or a[2] is b[2])


def width(form) -> int:
    """How many components a value of this form has."""
    return len(form[1]) if form[0] in ("dict", "object") else form[1]


def join_value(form, parts):
    kind, keys, extra = form
    if kind == "dict":
        return Record(dict(zip(keys, parts)), owner=extra)
    if kind == "named":
        return NamedValue(parts, *extra)
    if kind == "object":
        return Instance(extra, dict(zip(keys, parts)))
    return ListValue(parts) if kind == "list" else tuple(parts)


@dataclass(frozen=True, eq=False)
class SliceVal:
    """A ``slice(start, stop, step)`` object built in the function: each part an integer
    atom (a number known while compiling or an int value) or None."""

    start: object
    stop: object
    step: object

    @property
    def parts(self) -> tuple:
        return (self.start, self.stop, self.step)


class BoundMethod:
    """``x.sum`` before it is called: the array and the method's name."""

    def __init__(self, base, name):
        self.base, self.name = base, name


def is_static(v) -> bool:
    """A value the compiled code never takes as a number or an array: None, a string, or a
    function (``act=np.tanh``); fixed when compiling (a static argument, a default)."""
    return v is None or isinstance(v, str) or (callable(v) and not isinstance(v, (np.ndarray,
                                                                                  np.generic)))


def hashable(x) -> bool:
    """Can ``x`` be a dict key (the tables of callables are looked up by identity)?"""
    try:
        hash(x)
        return True
    except TypeError:
        return False


def result_tree(result) -> tuple:
    """(leaves, TreeDef) of a value a function returns: numbers and arrays in tuples, lists,
    dicts (keys in sorted order, as JAX visits them) and namedtuples built in the function,
    nested as you like; the TreeDef is None where something else is in it. A bare value is a
    tuple of one."""
    from . import tree as TR
    leaves: list = []

    def walk(v):
        if isinstance(v, Record):
            keys = tuple(sorted(v.items)) if all(isinstance(k, str) for k in v.items) else None
            kids = [walk(v.items[k]) for k in keys] if keys is not None else [None]
            return None if None in kids else TR.TreeDef("dict", tuple(kids), keys)
        if isinstance(v, tuple):
            kids = [walk(x) for x in v]
            if None in kids:
                return None
            if isinstance(v, NamedValue) and v.cls is not None:
                return TR.named_class_node(v.cls, kids)
            return TR.TreeDef("list" if isinstance(v, ListValue) else "tuple", tuple(kids))
        if not isinstance(v, (Var, Const)):       # a function, a string, an object
            return None
        leaves.append(v)
        return TR.LEAF

    return leaves, walk(result if isinstance(result, (tuple, Record)) else (result,))


def nests(result, tree) -> bool:
    """Must a function returning ``result`` (its :func:`result_tree` ``tree``) record how its
    results nest? Yes for containers in containers, dicts, namedtuples and a tuple of one
    value (np.split(x, 1): the transforms' results nest as the function's do, where a bare
    value would be taken for the value itself); a flat tuple is the default."""
    return isinstance(result, (tuple, Record)) and (
        tree.num_leaves == 1 or tree.kind != "tuple" or bool(tree.keys)
        or any(c.kind != "leaf" for c in tree.children))
