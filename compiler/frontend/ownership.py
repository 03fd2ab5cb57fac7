"""Which arrays may be written in place, and when a write must copy first.

The IR is SSA: ``Z[0] = v`` becomes ``Z_1 = setitem(Z, v, 0)``. The generated code
writes in place, so ``Z`` and ``Z_1`` are one buffer at run time. That is only sound
if nothing reads ``Z``'s old values after the write. Two readers can: the backward
pass, which reads the inputs of the operations whose derivatives need them, and the
recomputation of an ``if`` arm or a loop body in the backward pass, which replays the
region from the values it started with. So each write asks three questions:

* is the buffer *exposed* -- read by an operation whose adjoint needs its values, or
  read from inside a region (an ``if`` arm, a loop body) that the backward pass
  replays? Then copy first, so the old values survive;
* is the buffer *foreign* -- created outside the ``if`` arm or loop body writing into
  it? An arm replayed in the backward pass would otherwise see its own writes; a loop
  is fine, since its carried arrays are copied once on entry when they need it;
* does another live name refer to the same buffer, or a tuple, list or dict hold it?
  NumPy would change both; rather than differ from NumPy, the write is rejected (a view
  written into whose buffer nothing else holds is copied first instead: the same values
  NumPy's write gives, frontend/arrays.py ``own_view``).

A buffer is identified by the id of the value that created it (views map to the
array they look into). Values merged at the end of an ``if`` or a loop may be any
of several buffers: ``sources`` keeps that set.

One object is shared by a function and the helpers inlined into it, so a helper's
reads expose the caller's arrays too.
"""
from __future__ import annotations

import itertools

from .. import types as T
from ..ir import Var
from ..primitives import PRIMS


class Ownership:
    def __init__(self):
        self.owned: set[int] = set()        # buffers the function created (writable)
        self.base: dict[int, int] = {}      # view id -> the buffer it looks into
        self.exposed: set[int] = set()      # buffers whose values may be read again
        self.home: dict[int, int] = {}      # buffer -> the region that created it
        self.sources: dict[int, frozenset] = {}   # merged value -> the buffers it may be
        self.region = 0
        self._regions = itertools.count(1)

    # ---------------------------------------------------------------- queries

    def root(self, v: Var) -> int:
        return self.base.get(v.id, v.id)

    def buffers(self, v) -> frozenset:
        if not (isinstance(v, Var) and T.is_array(v.type)):
            return frozenset()
        r = self.root(v)
        return self.sources.get(r, frozenset()) | {r}

    def is_owned(self, v) -> bool:
        return isinstance(v, Var) and self.root(v) in self.owned

    def is_exposed(self, v) -> bool:
        return bool(self.buffers(v) & self.exposed)

    def is_foreign(self, v) -> bool:
        return self.home.get(self.root(v), 0) != self.region

    # ---------------------------------------------------------------- updates

    def expose(self, v) -> None:
        self.exposed |= self.buffers(v)

    def created(self, v: Var, owned: bool = True, sources=()) -> None:
        """``v`` is a new buffer made in the current region (merged from ``sources``)."""
        if owned:
            self.owned.add(v.id)
        self.home[v.id] = self.region
        merged = frozenset().union(*(self.buffers(s) for s in sources)) if sources else frozenset()
        if merged:
            self.sources[v.id] = merged

    def view(self, v: Var, of: Var) -> None:
        self.base[v.id] = self.root(of)

    def read(self, v, needs_values: bool) -> None:
        """``v`` is an operand: exposed if its values are needed again, or if it comes from
        outside the region reading it (the backward pass replays regions)."""
        if not (isinstance(v, Var) and T.is_array(v.type)):
            return
        if needs_values or self.is_foreign(v):
            self.expose(v)

    def enter(self) -> int:
        """Start a new region (an if arm, a loop body); returns the one to go back to."""
        outer, self.region = self.region, next(self._regions)
        return outer

    def leave(self, outer: int) -> None:
        self.region = outer

    def track(self, prim: str, args, out: Var) -> None:
        needs_values = PRIMS[prim].reads_values
        for a in args:               # whatever the result's type: Z @ Z reads Z's values
            self.read(a, needs_values)
        if not T.is_array(out.type):
            return
        if PRIMS[prim].view and args and isinstance(args[0], Var):
            self.view(out, args[0])
        else:
            self.created(out)
            if PRIMS[prim].reads_output:      # its adjoint reads it: a later write must copy
                self.expose(out)
