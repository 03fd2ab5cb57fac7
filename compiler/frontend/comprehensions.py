"""Comprehensions and generators: written out where their iterables are known while
compiling (constant ranges, tuples, a dict's keys; :mod:`.desugar.comprehensions`), and
``sum(...)`` of one over anything else as an accumulating loop (:mod:`.desugar.sum_loop`).

A collaborator of :class:`~.lower.Lowerer` (``lowerer.comprehensions``): it finds the facts
only lowering knows -- each iterable's values, each item's binding of the target, whether
each condition held -- hands them to the pure rewrite, and lowers what it returns.
"""
from __future__ import annotations

import ast
import copy

from .. import types as T
from ..errors import CompileError
from ..ir import Const
from ..values import ListValue, Record, Ref, hashable
from .desugar.comprehensions import Item, substituted, unrolled_comprehension
from .desugar.rename import Renamer
from .desugar.sum_loop import accumulating_loop, appending_loop, target_names
from .flags import ITEM
from .loops import UNROLL_MAX
from .objects import NO_KEY, static_key


class Comprehensions:
    """Comprehensions for a :class:`~.lower.Lowerer`, its collaborator: the items' values
    live in the Lowerer's environment under private names while the elements are lowered."""

    def __init__(self, lowerer):
        self.lowerer = lowerer

    def lower(self, node: ast.ListComp | ast.GeneratorExp) -> object:
        """``[f(i) for i in range(3)]``, ``(x[k] for k in t)``: a list (a tuple of values
        here) or a tuple of the elements, where each iterable is a constant range or a
        tuple and each condition a constant once the item is known; over anything else
        (one ``for``), a list grown in a loop (``[f(r) for r in X]``)."""
        items, it, bound = self.once(node.generators[0].iter)
        try:
            if items is None:
                return self.appended(node, it)
            return self.unrolled(_with_first_iter(node, it), bound)
        finally:
            for name in bound:
                self.lowerer.env.pop(name, None)

    def dict(self, node: ast.DictComp) -> Record:
        """``{k: f(v) for k, v in d.items()}``: the pairs as a list comprehension's elements,
        written out, then a dict, so its keys must be known while compiling, as every dict's
        here (and its first iterable too)."""
        lw = self.lowerer
        pairs = ast.copy_location(ast.ListComp(
            elt=ast.Tuple(elts=[node.key, node.value], ctx=ast.Load()),
            generators=node.generators), node)
        items, it, bound = self.once(node.generators[0].iter)
        try:
            if items is None:
                raise lw.err(node.generators[0].iter, "a dict comprehension runs over "
                             "range(<constants>), a tuple or a dict's items here (a dict's "
                             "keys are known while compiling)",
                             "Write a for loop that fills an array (out[i] = ...).")
            pairs = self.unrolled(_with_first_iter(pairs, it), bound)
        finally:
            for name in bound:
                lw.env.pop(name, None)
        out = {}
        for key, value in pairs:
            k = static_key(key)
            if k is NO_KEY or not hashable(k):
                raise lw.err(node.key, "a dict's keys are strings or numbers known while "
                             "compiling")
            out[k] = value
        return Record(out, owner=lw)

    def summed(self, gen: ast.GeneratorExp | ast.ListComp) -> tuple[object, object]:
        """``sum(<gen>)``: (the sum, as an accumulating loop, None) where the items are not
        known while compiling; else (None, the tuple of elements to add up)."""
        items, it, bound = self.once(gen.generators[0].iter)
        try:
            if items is None:
                return self.sum_loop(_with_first_iter(gen, it)), None
            return None, self.unrolled(_with_first_iter(gen, it), bound)
        finally:
            for name in bound:
                self.lowerer.env.pop(name, None)

    def unrolled(self, node: ast.ListComp | ast.GeneratorExp, bound: list) -> object:
        """The elements of a comprehension whose first iterable is known (a private name
        bound by :meth:`once`), written out; the items' private names join ``bound``."""
        items = self.items(node.generators, {}, bound)
        return self.lowerer.expr(unrolled_comprehension(node, items))

    def once(self, it: ast.expr) -> tuple[tuple | None, ast.expr, list[str]]:
        """(the items of ``it`` if known while compiling, else None; ``it`` with what was
        lowered to find out bound to private names; those names). The loop or the unrolled
        elements read those names, so nothing is lowered twice: ``rs.randn(3, 2)`` draws
        once, as in Python."""
        lw = self.lowerer
        lowered: dict = {}
        items = self.constant_items(it, lowered)
        if items is not None:
            name = lw.flag("it")
            lw.env[name] = items
            return items, ast.copy_location(ast.Name(id=name, ctx=ast.Load()), it), [name]
        names = {}
        for key, v in lowered.items():
            names[key] = lw.flag("it")
            lw.env[names[key]] = v
        return None, _replaced(it, names), list(names.values())

    def loop_names(self, gen, result: str) -> tuple[dict, str]:
        """Private names for the loop a one-``for`` comprehension becomes: its variables'
        (shown by their own names) and the variable ``result`` it builds."""
        lw = self.lowerer
        renames = {n: lw.flag("c") for n in target_names(gen.generators[0].target)}
        for n, flag in renames.items():
            lw.hints[flag] = n
        name = lw.flag(result)
        lw.hints[name] = result
        return renames, name

    def appended(self, gen: ast.ListComp | ast.GeneratorExp, it: ast.expr) -> object:
        """A comprehension over items not known while compiling (an array's rows, a range of
        run-time length): a private list grown in a loop (:mod:`.desugar.sum_loop`)."""
        lw = self.lowerer
        if len(gen.generators) != 1:
            raise lw.err(gen, "a comprehension with several 'for's runs over range(<constants>) "
                              "or tuples here", "Write nested for loops that fill an array "
                                                "(out[i, j] = ...).")
        renames, items = self.loop_names(gen, "items")
        lw.env[items] = ListValue(())
        rest = getattr(lw, "rest", [])
        lw.stmt_For(appending_loop(_with_first_iter(gen, it), items, renames))
        lw.rest = rest
        return lw.env.pop(items)

    def items(self, gens: list, names: dict, bound: list) -> tuple[Item, ...]:
        """The facts of the ``for`` ``gens[0]`` (and the ``for`` s after it), with the outer
        ones' names spelled as ``names``: its iterable lowered once, each item bound to
        private names (added to ``bound``), its conditions decided, in Python's order."""
        lw, g = self.lowerer, gens[0]
        values = self.constant_items(substituted(g.iter, names))
        if values is None:
            raise lw.err(g.iter, "a comprehension runs over range(<constants>) or a tuple here",
                         "Write a for loop that fills an array (out[i] = ...); "
                         "sum(... for ...) may run over anything a for loop does.")
        if not _names_only(g.target):
            raise lw.err(g.target, "a comprehension's variable must be a name or a tuple of names",
                         "Write a for loop to assign into an array or an attribute.")
        out = []
        for value in values:
            private = {n: self.private(n) for n in target_names(g.target)}
            # (the private names have no hint: a value bound to one keeps its own name, as
            # the items are bound before any element is lowered, where the user's name would
            # now fall on the iterable's last value, computed just before)
            bound.extend(private.values())
            lw.assign(Renamer(private).visit(copy.deepcopy(g.target)), value, g.target)
            own = {n: ast.Name(id=p, ctx=ast.Load()) for n, p in private.items()}
            here = {**names, **own}
            held = self.conditions_hold(g, here)
            inner = self.items(gens[1:], here, bound) if held and len(gens) > 1 else ()
            out.append(Item(own, held, inner))
        return tuple(out)

    def private(self, name: str) -> str:
        """A fresh private name for the comprehension variable ``name`` (``$item3.w``): also
        fresh where this Lowerer inlines a lambda made in an enclosing one's comprehension,
        whose private names it sees."""
        while True:
            self.lowerer.counter += 1
            private = f"{ITEM}{self.lowerer.counter}.{name}"
            if private not in self.lowerer.env:
                return private

    def conditions_hold(self, g: ast.comprehension, names: dict) -> bool:
        """Whether every ``if`` of ``g`` holds for the item spelled by ``names`` (each must
        be a constant then: an unrolled comprehension's length is known while compiling)."""
        held = True
        for c in g.ifs:
            v = self.lowerer.condition(substituted(c, names))
            if not isinstance(v, Const):
                raise self.lowerer.err(c, "a comprehension's condition must be a constant here",
                                       "Use np.where, or a for loop with an if.")
            held = held and bool(v.value)
        return held

    def constant_items(self, it: ast.expr, lowered: dict | None = None):
        """The values a loop over ``it`` visits, if known while compiling: range() of constants
        (at most UNROLL_MAX), a tuple, a dict's keys, enumerate/zip/reversed of those; else
        None. ``lowered`` collects the value of each expression lowered on the way, by the
        id of its node (:meth:`once`)."""
        lw = self.lowerer
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name | ast.Attribute) \
                and not it.keywords:
            fn = lw.resolve_callee(it.func)
            if fn is range:
                bounds = [lw.expr(a) for a in it.args]
                if lowered is not None:
                    lowered.update((id(a), b) for a, b in zip(it.args, bounds))
                if 1 <= len(bounds) <= 3 and all(isinstance(b, Const) and isinstance(b.value, int)
                                                 for b in bounds):
                    r = range(*(b.value for b in bounds))
                    return tuple(Const(i, T.I64) for i in r) if len(r) <= UNROLL_MAX else None
                return None
            if fn is reversed and len(it.args) == 1:
                inner = self.constant_items(it.args[0], lowered)
                return None if inner is None else inner[::-1]
            if fn in (enumerate, zip):
                parts = [self.constant_items(a, lowered) for a in it.args]
                if not parts or any(p is None for p in parts):
                    return None
                if fn is enumerate:
                    return tuple((Const(i, T.I64), v) for i, v in enumerate(parts[0])) \
                        if len(parts) == 1 else None
                return tuple(zip(*parts))
        v = lw.expr(it)
        if lowered is not None:
            lowered[id(it)] = v
        if isinstance(v, Record):
            return tuple(map(Ref, v.items))
        return v if isinstance(v, tuple) else None

    def sum_loop(self, gen: ast.GeneratorExp | ast.ListComp) -> object:
        """``sum(f(i) for i in range(n) if c(i))`` over a loop flatgrad cannot unroll: an
        accumulating loop (its variables renamed, so they do not leak, as in Python 3)."""
        lw = self.lowerer
        if len(gen.generators) != 1:
            raise lw.err(gen, "sum() over a comprehension with several 'for's needs constant "
                              "ranges", "Write nested for loops that accumulate.")
        renames, acc = self.loop_names(gen, "acc")
        loop = accumulating_loop(gen, acc, renames)
        lw.env[acc] = Const(0.0, T.F64)
        rest = getattr(lw, "rest", [])
        try:
            lw.stmt_For(loop)
        except CompileError as e:
            if acc not in e.message:
                raise
            raise lw.err(gen, "sum() of a generator of arrays (over a loop flatgrad does not "
                              "unroll) is not supported: its type would depend on whether the "
                              "loop runs", "Start from zeros: acc = np.zeros(shape), then "
                              "acc = acc + ... in a for loop; or np.sum(X, axis=0).") from None
        lw.rest = rest
        return lw.env.pop(acc)


def _with_first_iter(gen, it: ast.expr):
    """``gen`` with its first ``for`` running over ``it``."""
    first = copy.copy(gen.generators[0])
    first.iter = it
    new = copy.copy(gen)
    new.generators = [first, *gen.generators[1:]]
    return new


def _replaced(node: ast.expr, names: dict) -> ast.expr:
    """``node`` with each expression whose id ``names`` holds (an argument of a call, at any
    depth) replaced by the private name it was bound to."""
    if id(node) in names:
        return ast.copy_location(ast.Name(id=names[id(node)], ctx=ast.Load()), node)
    if isinstance(node, ast.Call):
        new = copy.copy(node)
        new.args = [_replaced(a, names) for a in node.args]
        return new
    return node


def _names_only(target: ast.expr) -> bool:
    """Is ``target`` a name, or a (starred) tuple or list of such (what a comprehension's
    variables may be here: they are its own, not the enclosing function's)?"""
    if isinstance(target, ast.Starred):
        return _names_only(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(map(_names_only, target.elts))
    return isinstance(target, ast.Name)
