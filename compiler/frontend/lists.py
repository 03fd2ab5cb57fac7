"""Lists and tuples as values: ``a + b``, ``[x] * 3``, and lists grown in loops.

Mixed into :class:`~.lower.Lowerer`. A list or tuple the function builds is a Python
tuple of values while compiling, so concatenating two of them (``args + (ones,)``) or
repeating one a constant number of times is done then, and the IR sees only its items.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..values import ListValue, SliceVal
from .desugar.generators import YIELDED


class ListLowering:
    """Tuple and list values for the Lowerer (expects self.err)."""

    def list_append(self, s: ast.Expr, name: str) -> None:
        """``out.append(v)``: a list is a tuple of values, so appending makes a longer tuple."""
        call = s.value
        if len(call.args) != 1 or call.keywords:
            raise self.err(s, "list.append takes one value")
        if self.list_depth.get(name, 0) < len(self.loops):
            raise self.err(s, f"the list '{name}' grows inside a while loop",
                           "Loop over range(...) (a list may grow in a for loop), or "
                           "preallocate an array: out = np.zeros(n), then out[i] = ... .")
        grown = self.env[name] + (self.expr(call.args[0]),)
        self.env[name] = ListValue(grown) if isinstance(self.env[name], ListValue) else grown

    def assign_list_item(self, target: ast.Subscript, value, node) -> None:
        """``xs[i] = v`` (and ``xs[i] += ...``) into a list the function made, ``i`` known
        while compiling: a list is a tuple of values, so the name then holds a new list with
        that item replaced. Python changes the one list every name of it sees, so a list
        passed in (an argument, a caller's or an enclosing function's list) or held anywhere
        else too (another name, inside a tuple or dict) is refused, as dicts are
        (``objects.assign_item``)."""
        name = target.value.id
        seq = self.env[name]
        self.refuse_aliased(name, seq, target, "list")
        i = self.expr(target.slice)
        if not (isinstance(i, Const) and isinstance(i.value, int) and not isinstance(i.value, bool)):
            raise self.err(target.slice, "a list is written at an index known while compiling "
                                         "(a constant, or a loop variable of a constant range)",
                           "Make it an array (np.zeros(n), then x[i] = ...) to write at an index "
                           "known only at run time.")
        k = i.value + len(seq) if i.value < 0 else i.value
        if not 0 <= k < len(seq):
            raise self.err(target, f"list assignment index {i.value} out of range (the list has "
                                   f"{len(seq)} items)")
        self.env[name] = ListValue(seq[:k] + (value,) + seq[k + 1:])

    def sequence_binop(self, op: str, left, right, node: ast.BinOp) -> tuple:
        """``left <op> right`` where one side is a tuple (or list)."""
        if op == "add" and isinstance(left, tuple) and isinstance(right, tuple):
            return left + right
        if op == "add" and all(isinstance(v, (tuple, Stacked)) for v in (left, right)):
            from ..library.shape import _concat   # lists of rows: one list of rows
            parts = [self.rows_of(v, node) for v in (left, right) if v != ()]
            return Stacked(parts[0] if len(parts) == 1 else _concat(self, node, parts, 0))
        if op == "mul":
            seq, n = (left, right) if isinstance(left, (tuple, Stacked)) else (right, left)
            if isinstance(seq, tuple) and isinstance(n, Const) and type(n.value) is int:
                return seq * n.value
            raise self.err(node, "a list or tuple is repeated a number of times known while "
                                 "compiling", "Write [x] * 3 with a constant, or build an array "
                                              "with np.zeros(n) / np.full(n, x).")
        raise self.err(node, "lists and tuples support + (with another list or tuple) and "
                             "* (by a constant integer) only",
                       "Convert to an array (np.array(...)) for arithmetic.")

    def sequence_array(self, v: tuple, node: ast.AST):
        """``v``, a tuple (or list) of numbers or of arrays of one shape, as one array (what
        NumPy makes of it)."""
        from ..library.shape import _array_literal
        return _array_literal(self, node, list(v))

    def tuple_reduction(self, name: str, v: tuple, node: ast.AST):
        """``np.prod(shape)``, ``np.sum(sizes)`` of a tuple: a constant when every item is
        one (so sizes computed from static shapes stay known), else a reduction."""
        if name in ("sum", "prod") and v and all(isinstance(x, Const) and type(x.value) is int
                                                 for x in v):
            fold = sum if name == "sum" else math.prod
            return Const(fold(x.value for x in v), T.I64)
        return None


# ---------------------------------------------------------------------- lists grown in loops
#
# ``outputs = []; for t in range(n): ...; outputs.append(h)`` in a loop flatgrad does not
# unroll (its trip count is known at run time only, or it is a while loop): the list is a
# growing buffer of rows, the tape the reverse pass keeps for while loops (``tape_push``
# writes row ``count`` and doubles the buffer when it is full; its adjoint is row
# ``count`` of the buffer's adjoint), with the count of items beside it. After the loop the
# list is its rows, a :class:`Stacked` value: np.array / np.stack / np.concatenate /
# indexing / len / for / sum read those rows.


@dataclass(frozen=True, eq=False)
class Stacked:
    """A list of equal-shape arrays (or numbers) as one array ``rows`` whose first axis
    runs over the items. Read inside the loop that grows it, a list has no rows to read
    (the buffer changes size from trip to trip, so the reverse pass could not record it),
    only its ``last`` item and its ``count``."""

    rows: Var | None
    last: object = None
    count: object = None

    @property
    def growing(self) -> bool:
        return self.rows is None


@dataclass(frozen=True, eq=False)
class ListRef:
    """A list being grown by the loop being lowered: its buffer, count and last item live
    in the environment as ``<name>#buf``, ``<name>#n`` and ``<name>#last`` (so loops carry
    them and ifs merge them); ``dtype`` is the buffer's, ``init`` the rows the list held
    before the loop (the buffer holds the items appended since: it starts empty, without
    a gradient, so the adjoint the growing buffer passes back never meets an array of
    another size)."""

    name: str
    dtype: str
    init: Var | None = None


@dataclass
class ListProbe:
    """A list appended to by a loop lowered once to learn the type of what it appends
    (the code of that lowering is dropped): the types met, and the rows it starts from
    (None for an empty list)."""

    name: str
    types: list
    rows: object
    read: bool = False


class GrowingLists:
    """Lists grown in loops of data-dependent length, for the Lowerer (expects self.env,
    self.op, self.err, self.arrays.assign_subscript, self.unify)."""

    LIST_VALUES = (Stacked, ListRef, ListProbe)

    def growing_lists(self, body: list) -> list[str]:
        """The names ``body`` appends to that hold lists not yet growing (tuples of values,
        rows); a list an enclosing loop grows is carried by this loop as it is."""
        return sorted(n for n in _grown(body) if isinstance(self.env.get(n), (tuple, Stacked)))

    def grow_lists(self, s, names: list, lower_loop) -> None:
        """Lower the loop ``s`` (``lower_loop()``) with each list of ``names`` grown in a
        buffer of rows; afterwards each list is its rows."""
        inits = {n: None if self.env[n] == () else self.rows_of(self.env[n], s) for n in names}
        probes = self.probe_appends(inits, lower_loop)
        for n in names:
            self.start_growing(s, n, probes[n], inits[n])
        lower_loop()
        for n in names:
            ref = self.env.get(n)
            if isinstance(ref, ListRef):
                self.env[n] = Stacked(self.list_rows(ref, s))

    def probe_appends(self, inits: dict, lower_loop) -> dict:
        """Lower the loop once with the lists replaced by probes, drop its code, and return
        each list's probe (the types it appends)."""
        saved = (self.b, dict(self.env), self.dead, getattr(self, "rest", []))
        self.b = self.b.child()
        probes = {}
        for n, rows in inits.items():
            probes[n] = self.env[n] = ListProbe(n, [], rows)
        try:
            lower_loop()
        finally:
            self.b, self.env, self.dead, self.rest = saved
        return probes

    def rows_of(self, v, node):
        """The rows array of a list value (a tuple of items, Stacked or ListRef)."""
        if isinstance(v, Stacked):
            return self.stacked_rows(v, node)
        if isinstance(v, ListRef):
            return self.list_rows(v, node)
        return self.sequence_array(v, node)

    def start_growing(self, s, name: str, probe: ListProbe, init) -> None:
        """Set up the buffer and count of list ``name`` (rows ``init`` so far, or None)
        before the loop."""
        if not probe.types:
            return                        # the loop never reaches an append (a dead branch)
        elem = probe.types[0]
        for t in probe.types[1:]:
            elem = self.unify(name, [elem, t], s)
        t_buf = T.Array(elem.dtype, T.ndim(elem) + 1)
        if init is not None:
            if T.ndim(init.type) != t_buf.ndim:
                raise self.err(s, f"the list '{name}' holds items of {T.ndim(init.type) - 1} "
                                  f"dimension(s) and the loop appends ones of {T.ndim(elem)}",
                               "Append items of one shape (a list becomes one array).")
            t_buf = T.Array(T.promote_dtype(elem.dtype, init.type.dtype), t_buf.ndim)
            init = self.cast(init, t_buf, s)
            if probe.read:       # the loop reads xs[-1]: the last item, carried
                self.env[f"{name}#last"] = self.op(s, "getitem", init, Const(-1, T.I64),
                                                   spec=(("i",),))
        # an empty buffer (the first push gives it the shape of its rows); shaped as the
        # rows before the loop where there are some, so that they join when it stays empty
        self.env[f"{name}#buf"] = self.op(s, "undef", type=t_buf) if init is None else \
            self.op(s, "tape_alloc", Const(0, T.I64),
                    self.op(s, "getitem", init, Const(0, T.I64), spec=(("i",),)))
        self.env[f"{name}#n"] = Const(0, T.I64)
        self.env[name] = ListRef(name, t_buf.dtype, init)

    def append_growing(self, s: ast.Expr, ref: ListRef, value) -> None:
        """``name.append(value)`` inside the loop growing list ``ref``: push the next row."""
        x = self.as_atom(value, s.value.args[0])
        if x.type.dtype != ref.dtype:
            x = self.cast(x, T.with_dtype(x.type, ref.dtype), s)
        buf, n = self.env[f"{ref.name}#buf"], self.env[f"{ref.name}#n"]
        self.env[f"{ref.name}#buf"] = self.op(s, "tape_push", buf, n, x)
        if f"{ref.name}#last" in self.env:
            self.env[f"{ref.name}#last"] = x
        self.env[f"{ref.name}#n"] = Const(n.value + 1, T.I64) if isinstance(n, Const) else \
            self.op(s, "add", n, Const(1, T.I64))

    def list_rows(self, ref: ListRef, node):
        """The rows a growing list holds so far (its buffer may have room for more)."""
        new = self.op(node, "getitem", self.env[f"{ref.name}#buf"], self.env[f"{ref.name}#n"],
                      spec=(("s", False, True, False),))
        if ref.init is None:
            return new
        from ..library.shape import _concat
        return _concat(self, node, [ref.init, new], 0)

    def list_value(self, v, node):
        """What reading a list name inside the loop growing it gives: its last item and
        count (a probe's stand-ins for them)."""
        if isinstance(v, ListRef):
            n = self.env[f"{v.name}#n"]
            if v.init is not None:
                n = self.op(node, "add", n, self.op(node, "dim", v.init, axis=0))
            return Stacked(None, self.env.get(f"{v.name}#last"), n)
        if v.rows is None:
            # (its last item has no shape before the loop, so no loop can carry it)
            raise self.err(node, f"the list '{v.name}' is read inside the loop that grows it "
                                 "from empty", "Start the list with its first item, or keep "
                                               "the last item in a variable of its own.")
        v.read = True
        return Stacked(None, self.op(node, "getitem", v.rows, Const(-1, T.I64), spec=(("i",),)),
                       self.op(node, "dim", v.rows, axis=0))

    def stacked_rows(self, v: Stacked, node):
        """The rows of list ``v``; a list read inside the loop that grows it has none."""
        if v.rows is None:
            raise self.err(node, "inside the loop that grows a list, flatgrad reads only its "
                                 "last item (xs[-1]) and its length (len(xs))",
                           "Read the whole list after the loop, or keep what the loop needs "
                           "in variables of its own.")
        return v.rows

    def expr_Held(self, node: "Held"):
        return node.value

    def append_to(self, s: ast.Expr, name: str) -> bool:
        """``name.append(v)`` on a list grown in a loop (or being probed); False if ``name``
        holds a plain tuple (lower.py appends to those)."""
        v = self.env.get(name)
        call = s.value
        if isinstance(v, tuple):
            return False
        if len(call.args) != 1 or call.keywords:
            raise self.err(s, "list.append takes one value")
        x = self.expr(call.args[0])
        if isinstance(x, tuple):
            what = "yields" if name == YIELDED else "appends"    # (a generator's list)
            raise self.err(call.args[0], f"this loop {what} tuples, and it runs a number of "
                                         "times known only at run time: such a list holds "
                                         "numbers or arrays of one shape",
                           f"{what.capitalize()[:-1]} one array (np.array([a, b]) or "
                           "np.stack(...)) and unpack it where it is read, or keep one list "
                           "per part.")
        if isinstance(v, ListProbe):
            v.types.append(self.as_atom(x, call.args[0]).type)
        elif isinstance(v, ListRef):
            self.append_growing(s, v, x)
        else:                  # rows of a list grown earlier, appended to outside a loop
            x = self.as_atom(x, call.args[0])
            # (a number's row is np.array([x]): Numba's expand_dims takes arrays only)
            row = self.op(s, "expand_dims", x, axis=0) if T.is_array(x.type) else \
                self.op(s, "pack", x)
            from ..library.shape import _concat
            self.env[name] = Stacked(_concat(self, s, [self.stacked_rows(v, s), row], 0))
        return True

    # ------------------------------------------------------------------ reading rows

    def stacked_index(self, v: Stacked, node: ast.Subscript):
        """``outputs[t]``, ``outputs[-1]``, ``outputs[a:b]`` of a list of rows."""
        key = self.index_value(node.slice)
        if v.growing and isinstance(key, Const) and key.value == -1:
            return v.last
        out = self.index_rows(self.stacked_rows(v, node), node)
        return Stacked(out) if isinstance(key, SliceVal) else out

    def index_rows(self, rows: Var, node: ast.Subscript):
        """``rows[node.slice]`` (as arrays.py indexes an array)."""
        return self.expr_Subscript(ast.Subscript(value=Held(rows), slice=node.slice,
                                                 ctx=ast.Load(), lineno=node.lineno,
                                                 col_offset=node.col_offset))

    def grown_rows(self, arg: ast.expr | None, node: ast.Call):
        """The rows of the list grown in a loop that ``arg`` names (``outputs``, or a slice of
        it, ``outputs[1:]``), or None for any other argument: the lowerings of np.array,
        np.stack, np.concatenate, np.vstack, np.hstack and sum() then join one array of rows."""
        if isinstance(arg, (ast.ListComp, ast.GeneratorExp, ast.Call)):
            # lowered here, once: a list grown in a loop (over rows, a run-time range; or
            # list(...) of one, a generator's) is its rows; any other value the caller reads
            # back, lowered (prelowered)
            v = self.expr(arg)
            if isinstance(v, Stacked):
                return self.stacked_rows(v, node)
            self.prelowered[id(arg)] = v
            return None
        name = arg.value if isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Slice) \
            else arg
        if not isinstance(name, ast.Name) or not isinstance(self.env.get(name.id), self.LIST_VALUES):
            return None
        return self.stacked_rows(self.expr(arg), node)

    def join_rows(self, kind: str, rows: Var, axis: int, node):
        """np.stack / np.vstack / np.hstack / np.concatenate (``kind``) of a list's ``rows``,
        along the items' ``axis`` (stack and concatenate)."""
        nd = T.ndim(rows.type) - 1              # of each item
        if kind == "vstack":                    # numbers: a column; vectors: rows
            if nd == 0:
                return self.op(node, "expand_dims", rows, axis=1)
            kind, axis = ("stack", 0) if nd == 1 else ("concatenate", 0)
        elif kind == "hstack":                  # numbers and vectors: one long vector
            if nd == 0:
                return self.op(node, "copy_array", rows)
            kind, axis = ("concatenate", 0) if nd == 1 else ("concatenate", 1)
        if kind == "stack":
            return self.move_first_axis(rows, axis % (nd + 1), node)
        if nd == 0:
            raise self.err(node, "np.concatenate of a list of numbers is not supported "
                                 "(zero-dimensional arrays cannot be concatenated)",
                           "Use np.array(list).")
        return self.merge_first_axis(rows, axis % nd, node)

    def move_first_axis(self, rows: Var, axis: int, node):
        """np.stack(items, axis): the items' axis moved from first to ``axis`` (a copy)."""
        nd = T.ndim(rows.type)
        if axis == 0:
            return self.op(node, "copy_array", rows)
        perm = tuple(range(1, axis + 1)) + (0,) + tuple(range(axis + 1, nd))
        return self.op(node, "contiguous", self.op(node, "transpose", rows, axes=perm))

    def merge_first_axis(self, rows: Var, axis: int, node):
        """np.concatenate(items, axis): the items' axis merged into the items' ``axis``."""
        moved = self.move_first_axis(rows, axis, node)
        nd = T.ndim(rows.type)
        dims = [self.op(node, "dim", moved, axis=k) for k in range(nd)]
        merged = self.op(node, "mul", dims[axis], dims[axis + 1])
        return self.op(node, "reshape", moved, *dims[:axis], merged, *dims[axis + 2:])


class Held(ast.expr):
    """An AST leaf standing for a value already lowered (see ``expr_Held``)."""

    _fields = ()

    def __init__(self, value):
        super().__init__()
        self.value = value


def _appended(s: ast.Expr) -> str | None:
    """``name`` for the statement ``name.append(...)``."""
    c = s.value
    if (isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "append"
            and isinstance(c.func.value, ast.Name)):
        return c.func.value.id
    return None


def items_written(body: list[ast.stmt]) -> set[str]:
    """Names ``body`` writes an item of (``name[i] = ...``, ``name[i] += ...``)."""
    return {t.value.id for st in body for n in ast.walk(st)
            for t in (n.targets if isinstance(n, ast.Assign) else
                      [n.target] if isinstance(n, ast.AugAssign) else [])
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)}


def _grown(body: list[ast.stmt]) -> set[str]:
    """Names of the lists ``body`` appends to."""
    return {name for st in body for n in ast.walk(st) if isinstance(n, ast.Expr)
            for name in [_appended(n)] if name is not None}
