"""Comprehensions and generators: unrolled into tuples where their iterables are known while
compiling (constant ranges, tuples, a dict's keys); ``sum(...)`` of one over anything else
becomes an accumulating loop (:mod:`.desugar.sum_loop`).

Mixed into :class:`~.lower.Lowerer`.
"""
from __future__ import annotations

import ast

from .. import types as T
from ..errors import CompileError
from ..ir import Const
from ..values import ListValue, Record, Ref
from .desugar.sum_loop import accumulating_loop, target_names
from .loops import UNROLL_MAX


class ComprehensionLowering:
    """Comprehensions for the Lowerer."""

    def expr_ListComp(self, node) -> tuple:
        """``[f(i) for i in range(3)]``, ``(x[k] for k in t)``: unrolled into a tuple (a list
        is a tuple of values here); each iterable must be a constant range or a tuple, and
        each condition a constant. ``sum(... for ...)`` over anything becomes a loop."""
        names = {n for g in node.generators for n in target_names(g.target)}
        saved = {n: self.env[n] for n in names if n in self.env}
        out: list = []
        try:
            self._unroll(node, list(node.generators), out)
        finally:
            for n in names:
                self.env.pop(n, None)
            self.env.update(saved)
        return ListValue(out) if isinstance(node, ast.ListComp) else tuple(out)

    expr_GeneratorExp = expr_ListComp

    def _unroll(self, node, gens: list, out: list) -> None:
        if not gens:
            out.append(self.expr(node.elt))
            return
        g = gens[0]
        items = self.constant_items(g.iter)
        if items is None:
            raise self.err(g.iter, "a comprehension runs over range(<constants>) or a tuple here",
                           "Write a for loop that fills an array (out[i] = ...); "
                           "sum(... for ...) may run over anything a for loop does.")
        for item in items:
            self.assign(g.target, item, g)
            keep = True
            for c in g.ifs:
                v = self.condition(c)
                if not isinstance(v, Const):
                    raise self.err(c, "a comprehension's condition must be a constant here",
                                   "Use np.where, or a for loop with an if.")
                keep = keep and bool(v.value)
            if keep:
                self._unroll(node, gens[1:], out)

    def constant_items(self, it: ast.expr):
        """The values a loop over ``it`` visits, if known while compiling: range() of constants
        (at most UNROLL_MAX), a tuple, a dict's keys, enumerate/zip of those; else None."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name | ast.Attribute) \
                and not it.keywords:
            fn = self.resolve_callee(it.func)
            if fn is range:
                bounds = [self.expr(a) for a in it.args]
                if 1 <= len(bounds) <= 3 and all(isinstance(b, Const) and isinstance(b.value, int)
                                                 for b in bounds):
                    r = range(*(b.value for b in bounds))
                    return tuple(Const(i, T.I64) for i in r) if len(r) <= UNROLL_MAX else None
                return None
            if fn in (enumerate, zip):
                parts = [self.constant_items(a) for a in it.args]
                if not parts or any(p is None for p in parts):
                    return None
                if fn is enumerate:
                    return tuple((Const(i, T.I64), v) for i, v in enumerate(parts[0])) \
                        if len(parts) == 1 else None
                return tuple(zip(*parts))
        v = self.expr(it)
        if isinstance(v, Record):
            return tuple(map(Ref, v.items))
        return v if isinstance(v, tuple) else None

    def sum_loop(self, gen: ast.GeneratorExp | ast.ListComp) -> object:
        """``sum(f(i) for i in range(n) if c(i))`` over a loop flatgrad cannot unroll: an
        accumulating loop (its variables renamed, so they do not leak, as in Python 3)."""
        if len(gen.generators) != 1:
            raise self.err(gen, "sum() over a comprehension with several 'for's needs constant "
                                "ranges", "Write nested for loops that accumulate.")
        g = gen.generators[0]
        renames = {n: self.flag("c") for n in target_names(g.target)}
        for n, flag in renames.items():
            self.hints[flag] = n
        acc = self.flag("acc")
        self.hints[acc] = "acc"
        loop = accumulating_loop(gen, acc, renames)
        self.env[acc] = Const(0.0, T.F64)
        rest = getattr(self, "rest", [])
        try:
            self.stmt_For(loop)
        except CompileError as e:
            if acc not in e.message:
                raise
            raise self.err(gen, "sum() of a generator of arrays (over a loop flatgrad does not "
                                "unroll) is not supported: its type would depend on whether the "
                                "loop runs", "Start from zeros: acc = np.zeros(shape), then "
                                "acc = acc + ... in a for loop; or np.sum(X, axis=0).") from None
        self.rest = rest
        return self.env.pop(acc)
