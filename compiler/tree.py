"""Result structure as data: a tree definition (a *treedef*, as JAX calls it).

A compiled function returns a flat list of values; what the user gets back is that list
nested in tuples, lists and dicts: ``(value, (grad_x, grad_y))``. A :class:`TreeDef`
records the nesting and nothing else; its leaves are the flat values, in order.

    >>> leaves, tree = flatten((1.0, {"b": 2.0, "a": [3.0]}))
    >>> leaves, tree
    ([1.0, 3.0, 2.0], (*, {'a': [*], 'b': *}))
    >>> unflatten(tree, [4.0, 5.0, 6.0])
    (4.0, {'a': [5.0], 'b': 6.0})

Transforms map trees to trees (:func:`graft` puts a tree at every leaf of another: the
Jacobian's rows follow the results, its columns the arguments), the code generator
writes the ``return`` statement from one (:func:`expression`), and the runtime nests
results with :func:`unflatten`. Dict keys are kept sorted, so equal structures have equal,
hashable treedefs with a stable ``repr`` (part of cache keys).
"""
from __future__ import annotations

from dataclasses import dataclass

_KINDS = ("leaf", "tuple", "list", "dict")


@dataclass(frozen=True)
class TreeDef:
    kind: str                        # "leaf", "tuple", "list" or "dict"
    children: tuple = ()             # TreeDefs (containers only)
    keys: tuple = ()                 # dict keys, sorted, one per child

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"unknown tree node kind {self.kind!r}")

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        inner = [repr(c) for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"


    @property
    def plain(self) -> bool:
        """Tuples and leaves only: what compiled (Numba) code can return as it is."""
        return self.kind in ("leaf", "tuple") and not self.named and \
            all(c.plain for c in self.children)

    @property
    def named(self) -> bool:
        """A namedtuple's node: a tuple whose keys are its field names, then its class's
        marker (:func:`named_node`)."""
        return self.kind == "tuple" and bool(self.keys)

    @property
    def holds_named(self) -> bool:
        """A namedtuple's node here or below (the runtime builds its class: pipeline.py)."""
        return self.named or any(c.holds_named for c in self.children)

    @property
    def fields(self) -> tuple:
        return self.keys[:-1] if self.named else ()

    def spec(self):
        """The tree as nested tuples of strings (a literal a generated module can hold)."""
        return (self.kind, self.keys, tuple(c.spec() for c in self.children))

    @staticmethod
    def from_spec(spec) -> "TreeDef":
        kind, keys, children = spec
        return TreeDef(kind, tuple(TreeDef.from_spec(c) for c in children), tuple(keys))


LEAF = TreeDef("leaf")


def tuple_of(children) -> TreeDef:
    return TreeDef("tuple", tuple(children))


def leaves(n: int) -> TreeDef:
    """A flat tuple of ``n`` leaves."""
    return tuple_of([LEAF] * n)


def flatten(obj) -> tuple[list, TreeDef]:
    """``(leaves, treedef)`` of nested tuples, lists and dicts; anything else is a leaf."""
    out: list = []
    return out, _flatten(obj, out)


def _flatten(obj, out: list) -> TreeDef:
    if isinstance(obj, (tuple, list)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return TreeDef(kind, tuple(_flatten(x, out) for x in obj))
    if isinstance(obj, dict):
        keys = tuple(sorted(obj))
        return TreeDef("dict", tuple(_flatten(obj[k], out) for k in keys), keys)
    out.append(obj)
    return LEAF


# namedtuple classes met in arguments, by marker: results nested as such an argument (its
# gradient) are built as its class again
NAMED: dict[str, type] = {}


def named_node(value, children) -> TreeDef:
    """The node of the namedtuple ``value``: its fields, then its class's marker."""
    return named_class_node(type(value), children)


def named_class_node(cls: type, children) -> TreeDef:
    """The node of a namedtuple of class ``cls``."""
    marker = f"<{cls.__module__}.{cls.__qualname__}>"
    NAMED[marker] = cls
    return TreeDef("tuple", tuple(children), tuple(cls._fields) + (marker,))


def unflatten(tree: TreeDef, values):
    """The leaves ``values`` (in order) nested as ``tree``."""
    values = list(values)
    if len(values) != tree.num_leaves:
        raise ValueError(f"tree {tree!r} has {tree.num_leaves} leaves, got {len(values)} values")
    it = iter(values)
    return _build(tree, lambda: next(it))


def _build(tree: TreeDef, leaf):
    if tree.kind == "leaf":
        return leaf()
    items = [_build(c, leaf) for c in tree.children]
    if tree.kind == "dict":
        return dict(zip(tree.keys, items))
    if tree.named and tree.keys[-1] in NAMED:
        return NAMED[tree.keys[-1]](*items)
    return items if tree.kind == "list" else tuple(items)


def graft(tree: TreeDef, branch: TreeDef) -> TreeDef:
    """``tree`` with ``branch`` in place of every leaf."""
    if tree.kind == "leaf":
        return branch
    return TreeDef(tree.kind, tuple(graft(c, branch) for c in tree.children), tree.keys)


def expression(tree: TreeDef, names) -> str:
    """Python source building ``tree`` from the expressions ``names`` (one per leaf)."""
    names = list(names)
    if len(names) != tree.num_leaves:
        raise ValueError(f"tree {tree!r} has {tree.num_leaves} leaves, got {len(names)} names")
    it = iter(names)
    return _text(tree, lambda: next(it))


def _text(tree: TreeDef, leaf) -> str:
    if tree.kind == "leaf":
        return leaf()
    items = [_text(c, leaf) for c in tree.children]
    if tree.kind == "dict":
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(tree.keys, items)) + "}"
    if tree.kind == "list":
        return "[" + ", ".join(items) + "]"
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def of_results(n: int) -> TreeDef:
    """The structure of a function's ``n`` results when nothing more is known: one value
    is a leaf, several a flat tuple."""
    return LEAF if n == 1 else leaves(n)
