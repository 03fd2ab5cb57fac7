"""Loops: ``for`` over ``range`` (a For region, or a While one when the body can break or
return), ``while``, and loops over arrays' rows or tuples. A loop's body is lowered again
until the types of the variables it carries settle; tuples are carried component by
component.

Mixed into :class:`~.lower.Lowerer` (its environment, builder and ownership are the loop's).
"""
from __future__ import annotations

import ast
import inspect
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from .. import types as T
from ..builder import Builder, reversed_range
from ..ir import Block, Const, For, Var, While
from ..library.registry import lowering_of
from ..values import Instance, ListValue, Record, Ref, Undefined, join_value, split_value, width
from ..errors import CompileError
from .desugar.exits import loop_flags
from .desugar.generators import interleaving, is_generator, own_nodes
from .desugar.index_loop import index_loop
from .desugar.peel import peel_first_trip
from .desugar.unroll import item_of, unrolled_loop
from .flags import RET, RETVAL, hint_of
from .inline import LocalFunction
from .objects import UserMethod
from .lists import Stacked, _grown, items_written
from .source import parse_function
from .syntax import assigned_names, written_arrays

UNROLL_MAX = 1000     # trips a loop growing a list, or a comprehension, may be unrolled into
SETTLE_ROUNDS = 4     # int -> float -> ... : carried types settle in a round or two

# the loops (by source position) whose first trip the lowering of this function peels off
# because a variable is a number before them and an array after their first trip
PEELED: ContextVar[frozenset] = ContextVar("PEELED", default=frozenset())


class FirstTripMakesAnArray(Exception):
    """``out = 0.0`` before a loop that provably runs, ``out = out + patch * w`` in it: a number
    that the first trip makes an array, as Python's broadcasting does. A loop region carries
    one type, so the function is lowered again with this loop's first trip peeled off
    (:func:`~.lower.lower_function` catches it; ``key`` is the loop's source position)."""

    def __init__(self, key: tuple):
        super().__init__(key)
        self.key = key


def _function_of(callee):
    """The Python function (or local def) a callee runs: a user object's method's function,
    a user's @njit helper's Python one."""
    if isinstance(callee, UserMethod):
        callee = callee.fn
    py = getattr(callee, "py_func", None)
    return py if py is not None and type(callee).__module__.startswith("numba") else callee


class LoopLowering:
    """Loop regions for the Lowerer."""

    def stmt_For(self, s: ast.For) -> None:
        self.check_generator_loop(s)
        it = s.iter
        backwards = self.calls(it, reversed) and len(it.args) == 1 and self.calls(it.args[0], range)
        if backwards:                      # for t in reversed(range(...)): the same trips, last first
            it = it.args[0]
        if not self.calls(it, range):
            return self.for_over_values(s)
        if it.keywords or not 1 <= len(it.args) <= 3:
            raise self.err(it, "range() takes 1 to 3 positional arguments")
        if not isinstance(s.target, ast.Name):
            raise self.err(s.target, "the loop variable must be a plain name")
        bounds = [self.int_atom(a) for a in it.args]
        start, stop, step = (
            (Const(0, T.I64), bounds[0], Const(1, T.I64)) if len(bounds) == 1 else
            (bounds[0], bounds[1], Const(1, T.I64)) if len(bounds) == 2 else tuple(bounds))
        if isinstance(step, Const) and step.value == 0:
            raise self.err(it, "range() step must not be zero")
        if backwards:
            start, stop, step = self.reversed_range(s.iter, start, stop, step)
        grown = self.growing_lists(s.body)
        written = {n for n in items_written(s.body) if isinstance(self.env.get(n), ListValue)}
        if grown or written or self.keys_from(s.body, s.target.id):
            # out.append(...) or xs[i] = ... in the body: a list is a tuple of values, so a
            # loop running a constant number of times is unrolled; else a list grows in a
            # buffer of rows (and an item written at a run-time index is a CompileError there).
            # A dict written at keys made from the loop's counter (d[f"W{i}"] = ...) is
            # unrolled too: a dict's keys are known while compiling
            trips = _trips(start, stop, step)
            if trips is not None and trips <= UNROLL_MAX and \
                    all(isinstance(self.env[n], tuple) for n in grown):
                values = tuple(Const(i, T.I64) for i in range(start.value, stop.value, step.value))
                return self.unrolled(s, "values", [values])
        if grown:
            return self.grow_lists(s, grown, lambda: self.range_loop(s, start, stop, step))
        self.range_loop(s, start, stop, step)

    def keys_from(self, body: list[ast.stmt], counter: str) -> bool:
        """Does ``body`` write an item of a dict at a key that reads ``counter``?"""
        return any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                   and isinstance(self.env.get(t.value.id), Record)
                   and any(isinstance(m, ast.Name) and m.id == counter
                           for m in ast.walk(t.slice))
                   for st in body for n in ast.walk(st)
                   for t in (n.targets if isinstance(n, ast.Assign) else
                             [n.target] if isinstance(n, ast.AugAssign) else []))

    def check_generator_loop(self, s: ast.For) -> None:
        """A loop over a generator helper's values gets the list the generator makes when
        run to its end (desugar/generators.py). Refuse the bodies where Python's lazy
        generator could yield other values: ones that change what it reads, and ones that
        may leave early while the generator has a while loop (it may never end)."""
        for call, name, gen in self.generator_calls(s.iter):
            hit = interleaving(s.body, gen, call)
            if hit is not None:
                raise self.err(hit[1], f"this loop over the generator '{name}' changes "
                                       f"'{hit[0]}', which the generator may read after a yield: "
                                       "flatgrad runs a generator to its end before the loop",
                               f"Loop over list({ast.unparse(call)}) if the values are meant "
                               "from before the loop, or compute them in the loop's body.")
            node = gen if gen is not None else getattr(self.generator_source(call), "node", None)
            exits = loop_flags(s.body)            # (breaks and returns are flags by now)
            if node is not None and any(isinstance(n, ast.While) for n in own_nodes(node)) and \
                    (exits.brk is not None or exits.ret):
                raise self.err(call, f"the generator '{name}' has a while loop and this loop may "
                                     "leave early: flatgrad runs a generator to its end before "
                                     "the loop, which may never end",
                               "Loop over range(...) and compute the values in the body.")

    def generator_calls(self, node: ast.AST):
        """(call, name, def node or None) for each call of a generator helper in ``node``,
        outside list(...), tuple(...) and sorted(...) (which ask for all its values first)."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            fn = _function_of(self.resolve_callee(node.func))
            if fn is list or fn is tuple or fn is sorted:
                return
            if isinstance(fn, LocalFunction) and is_generator(fn.node):
                yield node, fn.name, fn.node
            elif inspect.isgeneratorfunction(fn):
                yield node, fn.__name__, None
        for c in ast.iter_child_nodes(node):
            yield from self.generator_calls(c)

    def generator_source(self, call: ast.Call):
        """The parsed source of the module-level generator ``call`` calls (None if unread)."""
        try:
            return parse_function(_function_of(self.resolve_callee(call.func)))
        except CompileError:
            return None

    def calls(self, node: ast.expr, fn) -> bool:
        """Is ``node`` a call, with positional arguments only, of the builtin ``fn``?"""
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                and not node.keywords and self.resolve_callee(node.func) is fn)

    def reversed_range(self, node: ast.Call, start, stop, step) -> tuple:
        """The bounds of ``reversed(range(start, stop, step))``, a range of the same trips
        last first; the step must be a constant."""
        if not isinstance(step, Const):
            raise self.err(node, "reversed(range(...)) needs a constant step here",
                           "Write the reversed range out: range(last, first - step, -step).")
        self.b.loc = self.pf.loc(node)
        return reversed_range(self.b, start, stop, step)

    def range_loop(self, s: ast.For, start, stop, step) -> None:
        """``for i in range(start, stop, step)`` (bounds lowered) as a For region, or as a
        While one if the body can break or return."""
        exits = loop_flags(s.body).exits
        if "break" in exits or "return" in exits:
            return self.for_as_while(s, start, stop, step)
        index_name = s.target.id
        total = _trips(start, stop, step)
        first = start
        loc = self.pf.loc(s)
        key = (loc.file, loc.line, loc.col)
        peelable = bool(total) and not exits and not getattr(s, "peeled_rest", False)
        peeled = peelable and (self.first_assigned_read_later(s) or key in PEELED.get())
        region = s
        if peeled:
            # it provably runs: peel the first trip so that what it assigns is defined after
            # (or a number it makes an array is one before the rest of the loop)
            first_trip, region = peel_first_trip(s, start.value, stop.value, step.value)
            if region is not None:
                region.peeled_rest = True
            self.block(first_trip)
            start = Const(start.value + step.value, T.I64)

        def body(params):
            self.env[index_name] = params[0]
            self.block(s.body)

        if region is not None:
            # (a loop that never runs is lowered all the same: what it holds is checked)
            self.loop(region, body, index=True, bounds=(start, stop, step),
                      peel_key=key if peelable and not peeled else None)
        if total:
            self.env[index_name] = Const(first.value + (total - 1) * step.value, T.I64)
        else:
            self.env[index_name] = Undefined(index_name, "the loop may run zero times")

    def first_assigned_read_later(self, s: ast.For) -> bool:
        """Does the code after loop ``s`` read a name the loop's body assigns first?"""
        fresh = assigned_names(s.body) - set(self.env)
        later = {n.id for st in getattr(self, "rest", []) for n in ast.walk(st)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        return bool(fresh & later)

    def for_over_values(self, s: ast.For) -> None:
        """``for row in M``, ``for i, row in enumerate(M)``, ``for a, b in zip(x, y)``,
        ``for i, (a, b) in enumerate(zip(x, y))`` over arrays (their first axis), each source
        possibly ``reversed(...)``: a loop over an index; over tuples: unrolled."""
        it = s.iter
        kind, sources = "values", [it]
        if self.calls(it, enumerate) and len(it.args) == 1:
            kind, sources = "enumerate", [it.args[0]]
            if self.calls(sources[0], zip) and sources[0].args:
                kind, sources = "enumerate zip", list(sources[0].args)
        elif self.calls(it, zip) and it.args:
            kind, sources = "zip", list(it.args)
        backwards = [self.calls(x, reversed) and len(x.args) == 1 for x in sources]
        sources = [x.args[0] if back else x for x, back in zip(sources, backwards)]
        ranges = [self.calls(x, range) for x in sources]
        values = [None if r else self.expr(x) for x, r in zip(sources, ranges)]
        if any(ranges):            # zip(range(n), x), enumerate(range(2, n))
            values = self.range_sources(sources, values)
        values = [tuple(map(Ref, v.items)) if isinstance(v, Record) else
                  self.stacked_rows(v, it) if isinstance(v, Stacked) else v for v in values]
        values = [v[::-1] if back and isinstance(v, tuple) else v
                  for v, back in zip(values, backwards)]
        if all(isinstance(v, tuple) for v in values):
            return self.unrolled(s, kind, values)
        if kind.startswith("enumerate") and not (isinstance(s.target, ast.Tuple)
                                                 and len(s.target.elts) == 2):
            raise self.err(s.target, "unpack enumerate(...) as `for i, row in enumerate(x)`")
        for x, v in zip(sources, values):
            if not (isinstance(v, Var) and T.is_array(v.type)):
                raise self.err(x, "a for loop iterates over range(...), an array's rows, "
                                  "enumerate(array), zip(arrays...), reversed(...) of those "
                                  "or a tuple",
                               "Write `for i in range(len(x)):` and index with x[i].")
        names = []
        for v in values:
            names.append(self.flag("it"))
            self.env[names[-1]] = v
        k = self.flag("k")
        self.hints[k] = "k"
        loop = index_loop(s, kind, names, k, backwards)
        self.stmt_For(loop)

    def range_sources(self, sources: list, values: list) -> list:
        """``values`` with each ``range(...)`` source (None there) filled in: beside tuples
        only, with bounds known while compiling, the tuple of its numbers (the loop unrolls);
        else the array ``np.arange`` makes of it (a loop over an index)."""
        consts = [[self.atom(a) for a in x.args] if v is None else None
                  for x, v in zip(sources, values)]
        if all(isinstance(v, tuple) for v in values if v is not None) and \
                any(v is not None for v in values) and \
                all(isinstance(a, Const) for c in consts if c is not None for a in c):
            return [tuple(Const(i, T.I64) for i in range(*(a.value for a in c)))
                    if v is None else v for v, c in zip(values, consts)]
        arange = lowering_of(np.arange)
        return [arange(self, x, None) if v is None else v for x, v in zip(sources, values)]

    def unrolled(self, s: ast.For, kind: str, values: list) -> None:
        """A loop over tuples: the body once per element, in order (:mod:`.desugar.unroll`,
        the elements read from a private tuple)."""
        if loop_flags(s.body).exits & {"break", "continue"}:
            raise self.err(s, "break and continue are not supported in a loop over a tuple",
                           "Loop over range(len(...)) instead.")
        n = min(len(v) for v in values)
        items = tuple(values[0][i] if kind == "values" else tuple(v[i] for v in values)
                      for i in range(n))
        if kind.startswith("enumerate"):
            items = tuple((Const(i, T.I64), item[0] if kind == "enumerate" else item)
                          for i, item in enumerate(items))
        name = self.flag("it")
        self.env[name] = items
        self.block(unrolled_loop(s, [item_of(name, k, s.iter) for k in range(n)]))
        self.env.pop(name, None)

    def for_as_while(self, s: ast.For, start, stop, step) -> None:
        """A for loop that can break or return: a while loop over an explicit counter."""
        idx = self.flag("i")
        self.env[idx] = start
        index_name = s.target.id
        # (a private index, as enumerate's, shows its own hint: "$k2" is no Python name)
        self.hints[idx] = self.hints.get(index_name) or hint_of(index_name)

        def cond(node):
            i = self.env[idx]
            if isinstance(step, Const):
                return self.op(node, "lt" if step.value > 0 else "gt", i, stop)
            up = self.op(node, "and", self.op(node, "gt", step, 0), self.op(node, "lt", i, stop))
            down = self.op(node, "and", self.op(node, "lt", step, 0), self.op(node, "gt", i, stop))
            return self.op(node, "or", up, down)

        def body(params):
            self.env[index_name] = self.env[idx]
            self.block(s.body)
            # the counter advances on every trip, also one a (constant) continue ended early
            self.env[idx] = self.op(s, "add", self.env[idx], step)

        self.loop(s, body, cond=cond, extra=(idx,))
        self.env[index_name] = Undefined(index_name, "the loop may run zero times")

    def stmt_While(self, s: ast.While) -> None:
        grown = self.growing_lists(s.body)
        if grown:                      # out.append(...) in the body: a growing buffer
            return self.grow_lists(s, grown, lambda: self.while_loop(s))
        self.while_loop(s)

    def while_loop(self, s: ast.While) -> None:
        self.loop(s, lambda params: self.block(s.body), cond=lambda node: self.condition(s.test))
        forever = isinstance(s.test, ast.Constant) and s.test.value is True
        if forever and loop_flags(s.body).brk is None:
            self.dead = True   # only a return leaves `while True:`

    def loop(self, s, body_fn, index=False, bounds=None, cond=None, extra=(),
             peel_key=None) -> None:
        """Lower a loop region: a ``For`` over ``bounds`` (start, stop, step) with the index as
        its first parameter, or a ``While`` on ``cond`` and, where the body sets them
        (:mod:`.desugar.exits`), its break flag and ``$ret`` clear. The body is lowered again
        until the types of the carried variables settle (an int that becomes a float, ...).
        ``peel_key``: the loop provably runs, so a number its trips make an array asks for its
        first trip to be peeled (:class:`FirstTripMakesAnArray`)."""
        flags = loop_flags(s.body)
        internal = set(extra)
        if flags.brk:
            internal.add(flags.brk)
        if flags.ret:
            internal |= {RET, RETVAL}
        # a list grown in the loop: its buffer and count (<name>#buf, <name>#n) are carried
        growing = {n for n in _grown(s.body) if isinstance(self.env.get(n), self.LIST_VALUES[1:])}
        carry = _Carried(assigned_names(s.body) | internal | growing)
        self.env = dict(self.env)
        carry.flatten(self.env)
        names = [k for k in self.env if carry.covers(k) and isinstance(self.env[k], (Var, Const))]
        if flags.ret and RETVAL not in names:
            names.append(RETVAL)
        self.own_carried(s, names)
        env0 = self.env
        types = {k: env0[k].type for k in names if isinstance(env0.get(k), (Var, Const))}
        for _round in range(SETTLE_ROUNDS):
            trip = self.lower_trip(s, body_fn, index, cond, flags, carry, env0, names, types)
            new_types = {}
            for k in names:
                v = trip.env.get(k)
                if isinstance(v, (Var, Const)):
                    if k in types and not T.is_array(types[k]) and T.is_array(v.type):
                        if peel_key is not None:
                            raise FirstTripMakesAnArray(peel_key)
                        raise self.err(s, f"'{k}' is a number before this loop and an array "
                                          "after a trip of it, and the loop may run zero "
                                          "times (or its trips cannot be peeled)",
                                       f"Start '{k}' as an array: {k} = np.zeros(shape).")
                    new_types[k] = self.unify(k, [t for t in (types.get(k), v.type) if t], s)
            if new_types == types:
                break
            types = new_types
        else:
            raise self.err(s, "the types of the loop's variables do not settle")
        self.emit_loop(s, trip, bounds, env0, types, carry)
        if flags.ret:
            # the rest of the enclosing block runs only if the loop did not return
            self.dead = False

    def lower_trip(self, s, body_fn, index, cond, flags, carry, env0, names, types) -> "_Trip":
        """Lower the condition and body once, with carried variables of ``types``. Names a
        trip turns out to carry besides (components of a tuple it returns) join ``names``."""
        saved = self.b
        self.env, self.dead = dict(env0), False
        live = [k for k in names if k in types]
        params = [self.b.fresh(types[k], hint=self.hints.get(k) or hint_of(k)) for k in live]
        idx = [self.b.fresh(T.I64, hint=self.hints.get(s.target.id) or hint_of(s.target.id))] \
            if index else []
        self.env.update(zip(live, params))
        outer = self.own.enter()
        for k, p in zip(live, params):
            if T.is_array(p.type):
                self.own.created(p, self.own.is_owned(env0.get(k)), sources=(env0.get(k),))
        cond_block = None
        if cond is not None:
            # the condition block gets its own parameters: blocks never share values
            self.b = saved.child()
            cparams = [self.b.fresh(p.type, p.hint) for p in params]
            self.env = dict(env0)
            self.env.update(zip(live, cparams))
            carry.rebuild(self.env)
            c = self.truth(cond(s), s)
            for f in (flags.brk, RET if flags.ret else None):
                if f:
                    c = self.op(s, "and", self.op(s, "not", self.env[f]), c)
            cond_block = Block(tuple(cparams), tuple(self.b.stmts), (c,))
            self.env = dict(env0)
            self.env.update(zip(live, params))
        carry.rebuild(self.env)
        self.b = saved.child()
        self.loops.append(flags)
        body_fn(idx + params)
        self.loops.pop()
        self.own.leave(outer)
        body_b, env1 = self.b, dict(self.env)
        carry.flatten(env1)
        names += [k for k in env1 if "#" in k and k.split("#")[0] in names
                  and k not in names and isinstance(env1[k], (Var, Const))]
        self.b = saved
        return _Trip(live, idx, params, cond_block, body_b, env1)

    def emit_loop(self, s, trip: "_Trip", bounds, env0, types, carry) -> None:
        """Emit the loop region of the settled trip and bind its results."""
        self.b, saved = trip.body, self.b
        yields = []
        for k, p in zip(trip.live, trip.params):
            v = trip.env.get(k)
            yields.append(self.cast(v, types[k], s) if isinstance(v, (Var, Const)) else p)
        self.b = saved
        init = []
        for k in trip.live:
            v = env0.get(k)
            init.append(self.cast(v, types[k], s) if isinstance(v, (Var, Const))
                        else self.placeholder(types[k], s))
        outs = tuple(self.b.fresh(types[k], hint=self.hints.get(k) or hint_of(k)) for k in trip.live)
        body = Block(tuple(trip.idx + trip.params), tuple(trip.body.stmts), tuple(yields))
        loc = self.pf.loc(s)
        if trip.cond is None:
            self.b.emit(For(*bounds, tuple(init), body, outs, loc))
        else:
            self.b.emit(While(tuple(init), trip.cond, body, outs, loc))
        self.env, self.dead = dict(env0), False
        self.env.update(zip(trip.live, outs))
        for k, p, o in zip(trip.live, trip.params, outs):
            if T.is_array(o.type):
                # after the loop: the initial value's buffer or the last trip's (z = Z inside
                # the loop makes z the buffer of Z)
                self.own.created(o, self.own.is_owned(p), sources=(env0.get(k), trip.env.get(k)))
        carry.rebuild(self.env)
        for k in assigned_names(s.body):
            if k not in trip.live and not isinstance(self.env.get(k), (tuple, Record, Instance)):
                self.env[k] = Undefined(k, f"the loop at line {loc.line} adds keys to this dict "
                                           "(a loop keeps a dict's keys: give it every key "
                                           "before the loop)"
                                        if carry.tuples.get(k, ("",))[0] == "dict" else
                                        f"it is first assigned inside the loop at line {loc.line}, "
                                        "which may run zero times")

    def own_carried(self, s, carried) -> None:
        """Arrays the loop body writes into are written in place across iterations; copy one
        first if its old values are still needed (or it belongs to an enclosing if arm)."""
        for k, node in written_arrays(s.body).items():
            v = self.env.get(k)
            if k not in carried or not (isinstance(v, Var) and T.is_array(v.type)) \
                    or not self.own.is_owned(v) or self.root(v) != v.id:
                continue                     # assign_subscript reports these at the write
            self.arrays.check_unaliased(k, v, node)
            if self.own.is_exposed(v) or self.own.is_foreign(v):
                self.env[k] = self.op(s, "copy_array", v)


@dataclass
class _Trip:
    """One lowering of a loop's body: the carried names, index and parameters, the
    condition block (while loops), the body's builder and its environment after."""

    live: list
    idx: list
    params: list
    cond: Block | None
    body: Builder
    env: dict


class _Carried:
    """Which variables a loop carries: the names its body assigns; a tuple is carried as
    its components ``k#0, k#1, ...`` (nested tuples recursively)."""

    def __init__(self, assigned: set[str]):
        self.assigned = assigned
        self.tuples: dict[str, tuple] = {}

    def covers(self, k: str) -> bool:
        return k.split("#")[0] in self.assigned

    def flatten(self, env: dict) -> None:
        _flatten(env, self.covers, self.tuples)

    def rebuild(self, env: dict) -> None:
        _rebuild(env, self.tuples)


def _flatten(env: dict, names, tuples: dict) -> None:
    """Replace (in place) each tuple (or dict) held by a name ``names(k)`` accepts with
    entries ``k#0 .. k#n-1``, recursively; record its form (``values.split_value``) in
    ``tuples[k]``."""
    todo = [k for k in env if names(k)]
    while todo:
        k = todo.pop()
        split = split_value(env.get(k))
        if split is not None and all(isinstance(x, (Var, Const, tuple, Record, Instance))
                                     for x in split[0]):
            tuples[k] = split[1]
            del env[k]
            for i, x in enumerate(split[0]):
                env[f"{k}#{i}"] = x
                todo.append(f"{k}#{i}")


def _rebuild(env: dict, tuples: dict) -> None:
    """Undo :func:`_flatten` (in place) for every tuple whose components are all there."""
    for k in sorted(tuples, key=lambda k: -k.count("#")):
        parts = [f"{k}#{i}" for i in range(width(tuples[k]))]
        if all(p in env for p in parts):
            env[k] = join_value(tuples[k], tuple(env.pop(p) for p in parts))



def _trips(start, stop, step) -> int | None:
    """The trip count of range(start, stop, step) if all three are constants."""
    if all(isinstance(a, Const) for a in (start, stop, step)):
        return len(range(start.value, stop.value, step.value))
    return None
