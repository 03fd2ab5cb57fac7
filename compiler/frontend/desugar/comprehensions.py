"""A comprehension over values known while compiling -> a display of its elements.

A list comprehension or a generator whose iterables are known while compiling (a constant
``range``, a tuple, a dict's keys, ``enumerate``/``zip`` of those) is a tuple of values
here, so it is written out: one element per item that passes its conditions, in order,
with the names its ``for`` binds replaced by how the Lowerer spells each item's value
(the Lowerer's private names, or constants)::

    [x[i, j] for i in range(3) for j in range(i) if j != 1]
        ->  [x[1, 0], x[2, 0]]                      # i, j spelled as constants
    (w @ h for w, b in zip(ws, bs) if b is not None)
        ->  ($item1.w @ h, $item3.w @ h)            # the second item's b was None

What only lowering knows comes in as facts, an :class:`Item` per value each ``for`` visits:
its spellings, whether its ``if`` s held (a condition that is constant only once the item
is known, such as ``i % 2 == 0`` or ``b is not None``), and the next ``for``'s items for it
(an inner iterable may depend on the outer item). The Lowerer finds them with
:func:`substituted`, which spells an outer item's names in an inner iterable or a
condition.

The names stay local to the comprehension, as in Python 3: the same names outside it are
neither read nor changed, and a lambda or an inner comprehension that binds a name of its
own keeps it. Each iterable is evaluated once, by the Lowerer, before the elements.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

Comprehension = ast.ListComp | ast.GeneratorExp


@dataclass(frozen=True)
class Item:
    """One value a comprehension's ``for`` visits, as the Lowerer found it: how to spell
    each name its target binds, whether every ``if`` of that ``for`` held, and (for every
    ``for`` but the last) the next ``for``'s items for this one."""

    names: dict
    held: bool = True
    inner: tuple = ()


def unrolled_comprehension(node: Comprehension, items) -> ast.List | ast.Tuple:
    """``node`` written out over ``items`` (its first ``for``'s, nesting the others'): a
    list display for a list comprehension, a tuple display for a generator."""
    elts: list[ast.expr] = []

    def visit(level: list, depth: int, names: dict) -> None:
        for item in level:
            if not item.held:
                continue
            here = {**names, **item.names}       # an inner ``for`` may rebind a name
            if depth + 1 < len(node.generators):
                visit(item.inner, depth + 1, here)
            else:
                elts.append(substituted(node.elt, here))

    visit(items, 0, {})
    display = ast.List if isinstance(node, ast.ListComp) else ast.Tuple
    return ast.copy_location(display(elts=elts, ctx=ast.Load()), node)


def substituted(node: ast.expr, names: dict) -> ast.expr:
    """A copy of ``node`` where each name of ``names`` it reads is that name's spelling
    (a copy at the name's position), but not inside a lambda or a comprehension that binds
    the name itself."""
    return _Substitute(names).visit(copy.deepcopy(node))


class _Substitute(ast.NodeTransformer):
    """Replace the names read in scope by their spellings (on a copy: it edits in place)."""

    def __init__(self, names: dict):
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.expr:
        spelling = self.names.get(node.id)
        if spelling is None or not isinstance(node.ctx, ast.Load):
            return node
        return _placed(copy.deepcopy(spelling), node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        a = node.args
        a.defaults = [self.visit(d) for d in a.defaults]             # evaluated outside
        a.kw_defaults = [d if d is None else self.visit(d) for d in a.kw_defaults]
        params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]
                  if p is not None}
        node.body = self._without(params).visit(node.body)
        return node

    def visit_ListComp(self, node):
        """A comprehension's first iterable is evaluated outside it; the rest is inside,
        where the names its targets bind are its own."""
        first = node.generators[0]
        first.iter = self.visit(first.iter)
        bound = {n.id for g in node.generators for n in ast.walk(g.target)
                 if isinstance(n, ast.Name)}
        inside = self._without(bound)
        for g in node.generators:
            if g is not first:
                g.iter = inside.visit(g.iter)
            g.ifs = [inside.visit(c) for c in g.ifs]
        for field in ("elt", "key", "value"):
            if hasattr(node, field):
                setattr(node, field, inside.visit(getattr(node, field)))
        return node

    visit_GeneratorExp = visit_SetComp = visit_DictComp = visit_ListComp

    def _without(self, names: set) -> _Substitute:
        return _Substitute({k: v for k, v in self.names.items() if k not in names})


def _placed(spelling: ast.expr, at: ast.AST) -> ast.expr:
    """``spelling`` with every node at ``at``'s position (errors point at the user's name)."""
    for n in ast.walk(spelling):
        if "lineno" in n._attributes:
            ast.copy_location(n, at)
    return spelling
