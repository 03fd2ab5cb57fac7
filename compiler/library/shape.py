"""Joining, splitting, reshaping, flipping, rolling, repeating and padding arrays.

One new array primitive joins arrays, ``concat`` (``np.concatenate`` along a constant axis):
its adjoint for argument ``i`` is the slice of the result's adjoint at that argument's
offset (the ``dim``\\s of the arguments before it), its tangent the concatenation of the
tangents. ``broadcast_to`` is another (its adjoint sums back with ``sum_to``), ``roll`` the
third (its adjoint rolls back; under Numba one compiled-once helper, ``roll_axis``, where two
slices joined cost a fifth of a second of compile per call site). Everything else here is
spelled with primitives that exist: ``np.stack`` is ``expand_dims`` then ``concat``;
``split`` is slices; ``flip`` is a ``::-1`` slice (``repeat``, ``tile``, ``pad`` and
``np.shape`` are in :mod:`.tiling`). Sizes that NumPy rejects at run time (an uneven ``split``, a
negative repeat count, a squeezed axis of length other than one) are checked at run time by
three small helpers (``split_size``, ``nonneg``, ``squeeze_index`` in runtime/support.py).
"""
from __future__ import annotations

import ast

import numpy as np

from .. import dims as D
from .. import facts
from .. import types as T
from ..ir import Const, Var
from ..primitives import (B_ALONG, B_SAME, B_SHAPED, NO_BATCH_INT, P_ATOM, PRIMS, Spelling, call,
                          defprim, helper)
from ..values import ListValue, Ref, SliceVal
from .registry import as_method, lowers

I64 = T.I64
_FULL = ("s", False, False, False)


# ======================================================================= primitives

def _concat_type(*xs, axis):
    return T.Array(T.promote_dtype(*(x.dtype for x in xs)), xs[0].ndim)


def _concat_shape(q, args, p):
    d = list(q.shape(args[0]))
    if p["axis"] < len(d):
        # the parts' lengths summed where each is a constant (np.stack of three rows: 3)
        parts = [q.shape(a)[p["axis"]] if len(q.shape(a)) > p["axis"] else None for a in args]
        counts = [1 if n == 1 else n[1] if isinstance(n, tuple) and n[0] == "const" else None
                  for n in parts]
        total = sum(counts) if None not in counts else None
        d[p["axis"]] = D.unknown() if total is None else 1 if total == 1 else ("const", total)
    return tuple(d)


def _axis_slice(axis, lo, hi):
    """The index spec and operands of ``[:, ..., lo:hi]`` (``lo``/``hi`` None: open)."""
    spec = (_FULL,) * axis + (("s", lo is not None, hi is not None, False),)
    return spec, tuple(a for a in (lo, hi) if a is not None)


class _ConcatRules:
    """The VJP of argument ``i`` of a concatenation: the slice of the adjoint at its offset."""

    def __getitem__(self, i):
        def rule(b, g, out, *xs, axis):
            lo = None
            for x in xs[:i]:
                d = b.dim(x, axis=axis)
                lo = d if lo is None else b.add(lo, d)
            d = b.dim(xs[i], axis=axis)
            hi = d if lo is None else b.add(lo, d)
            if i == len(xs) - 1:
                hi = None                 # the last one runs to the end
            spec, idx = _axis_slice(axis, lo, hi)
            # laid out in C order (copied where needed, and so is its tangent in forward over
            # reverse): Numba types a slice as non-contiguous, and the adjoints of reshapes
            # (expand_dims, ravel) reshape what they get
            return b.contiguous_view(b.getitem(g, *idx, spec=spec)) if idx else g
        return rule

    def __len__(self):
        return 1 << 30


def _concat_jvp(b, tans, out, *xs, axis):
    if all(t is None for t in tans):
        return None
    parts = []
    for t, x in zip(tans, xs):
        if t is None:
            t = b.zeros_like(x)
            if t.type.dtype != out.type.dtype:
                t = b.astype(t, dtype=out.type.dtype)
        parts.append(t)
    return b.concat(*parts, axis=axis)


def _concat_spell(a, p):
    return f"np.concatenate(({', '.join(a)},), axis={p['axis']})"


defprim("concat", -1, _concat_type, Spelling(_concat_spell, _concat_spell, P_ATOM, (1,)),
        elementwise=False, fresh=True, reads_values=False, shape=_concat_shape,
        jvp_joint=_concat_jvp,
        batch=B_ALONG)
PRIMS["concat"].vjp = _ConcatRules()


def _bcast_spell(a, p):
    return f"np.broadcast_to({a[0]}, ({', '.join(a[1:])},))"


defprim("broadcast_to", -1, lambda x, *dims: T.Array(x.dtype, len(dims)),
        Spelling(_bcast_spell, _bcast_spell, P_ATOM, (1,)), elementwise=False, view=True,
        read_only=True, reads_values=False, shape=lambda q, args, p: tuple(q.sym(a) for a in args[1:]),
        vjp=(lambda b, g, out, x, *dims:
             b.sum_to(g, x) if T.is_array(x.type) else b.sum(g),),
        jvp=(lambda b, t, out, x, *dims: b.broadcast_to(t, *dims),),
        batch=B_SHAPED, shifts=True)

# np.ascontiguousarray: the value itself, laid out in C order (Numba reshapes only such
# arrays); its tangent is laid out so too. It may return its argument: "contiguous" is used
# only on arrays this module just made (a gather's transposed result), which nothing else
# sees, so its result belongs to the user; "contiguous_view" (a slice of an adjoint) says
# that it may alias its argument, so no pass writes into it in place.
for _name, _flags in (("contiguous", {"fresh": True}), ("contiguous_view", {"view": True})):
    defprim(_name, 1, T.same, call("np.ascontiguousarray"), elementwise=False,
            reads_values=False, shape=D.like(0), vjp=(lambda b, g, out, x: g,),
            jvp=((lambda n: lambda b, t, out, x: b.op(n, t))(_name),), batch=B_SAME, **_flags)

# run-time size checks (NumPy raises ValueError in these cases; so does the emitted code)
defprim("split_size", 2, lambda n, k: I64, helper("split_size", arity=2), elementwise=False,
        nondiff=True,
        batch=NO_BATCH_INT)
defprim("nonneg", 1, lambda n: I64, helper("nonneg"), elementwise=False, nondiff=True,
        batch=NO_BATCH_INT)
defprim("squeeze_index", 1, lambda n: I64, helper("squeeze_index"), elementwise=False,
        nondiff=True,
        batch=NO_BATCH_INT)


# ======================================================================= helpers

def _ndim(x) -> int:
    return T.ndim(x.type)


def _norm_axis(lowerer, node, axis: int, nd: int, what: str) -> int:
    if not -nd <= axis < nd:
        raise lowerer.err(node, f"{what}: axis {axis} is out of bounds for an array of dimension {nd}")
    return axis % nd


def _none(lowerer, a) -> bool:
    """True for an absent argument, a literal None, or a name bound to None (np.newaxis, an
    inlined helper's parameter whose default is None)."""
    if a is None or (isinstance(a, ast.Constant) and a.value is None):
        return True
    if isinstance(a, ast.Name):
        v = lowerer.expr(a)
        return isinstance(v, Ref) and v.obj is None
    return False


def _axis_arg(lowerer, args, default=0):
    """The constant axis given as ``axis`` (None stays None)."""
    a = args["axis"]
    if a is None:
        return default
    if _none(lowerer, a):
        return None
    return lowerer.const_int(a)


def _arrays(lowerer, node, seq, name):
    """The sequence of arrays a joining function takes (a list or tuple, literal or not),
    given by the node ``seq``."""
    v = lowerer.expr(seq)
    if isinstance(v, (Var, Const)) and T.is_array(v.type):
        raise lowerer.err(node, f"np.{name} of a single array is not supported",
                     f"Pass a list or tuple of arrays: np.{name}([a, b]).")
    if not isinstance(v, tuple) or not v:
        raise lowerer.err(node, f"np.{name} needs a non-empty list or tuple of arrays")
    for x in v:
        if not isinstance(x, (Var, Const)):
            raise lowerer.err(node, f"np.{name} needs a list or tuple of numbers or arrays")
    return list(v)


def _common(lowerer, node, xs):
    """Cast the arrays to their common dtype (a concatenation has one)."""
    dt = T.promote_dtype(*(x.type.dtype for x in xs))
    return [x if x.type.dtype == dt else lowerer.cast(x, T.with_dtype(x.type, dt), node) for x in xs]


def _concat(lowerer, node, xs, axis, name="concatenate"):
    nds = {_ndim(x) for x in xs}
    if 0 in nds:
        raise lowerer.err(node, f"np.{name}: zero-dimensional values (numbers) cannot be concatenated",
                     "Use np.stack, or np.array([...]) for a list of numbers.")
    if len(nds) > 1:
        raise lowerer.err(node, f"np.{name}: all the input arrays must have the same number of "
                           f"dimensions, got {sorted(nds)}")
    nd = nds.pop()
    axis = _norm_axis(lowerer, node, axis, nd, f"np.{name}")
    xs = _common(lowerer, node, xs)
    if len(xs) == 1:
        return lowerer.op(node, "copy_array", xs[0])
    return lowerer.op(node, "concat", *xs, axis=axis)


def _stack(lowerer, node, xs, axis, name="stack"):
    nds = {_ndim(x) for x in xs}
    if len(nds) > 1:
        raise lowerer.err(node, f"np.{name}: all input arrays must have the same shape")
    nd = nds.pop()
    axis = _norm_axis(lowerer, node, axis, nd + 1, f"np.{name}")
    xs = _common(lowerer, node, xs)
    if nd == 0:
        return lowerer.op(node, "pack", *xs)
    parts = [lowerer.op(node, "expand_dims", x, axis=axis) for x in xs]
    if len(parts) == 1:
        return lowerer.op(node, "copy_array", parts[0])
    return lowerer.op(node, "concat", *parts, axis=axis)


def _move_to_front(lowerer, node, x, axis):
    nd = _ndim(x)
    if axis == 0:
        return x, None
    perm = (axis,) + tuple(k for k in range(nd) if k != axis)
    return lowerer.op(node, "transpose", x, axes=perm), tuple(sorted(range(nd), key=perm.__getitem__))


def _take(lowerer, node, x, idx, axis):
    """``np.take(x, idx, axis)`` for a 1-D int array ``idx``: a gather along axis 0 of a
    transposed view (the adjoint's scatter-add then runs along axis 0 on every target)."""
    t, back = _move_to_front(lowerer, node, x, axis)
    out = lowerer.op(node, "getitem", t, idx, spec=(("a",),))
    if back is None:
        return out
    # a contiguous result, as NumPy's: Numba reshapes only contiguous arrays
    return lowerer.op(node, "contiguous", lowerer.op(node, "transpose", out, axes=back))


def _int(lowerer, node, v, what):
    if isinstance(v, (Var, Const)) and isinstance(v.type, T.Scalar) and v.type.dtype in ("int64", "bool"):
        return v if v.type.dtype == "int64" else lowerer.cast(v, I64, node)
    raise lowerer.err(node, f"{what} must be an integer here")


def _nonneg(lowerer, node, v, what):
    """``v`` (an int), checked to be >= 0: at compile time for a constant, else at run time."""
    v = _int(lowerer, node, v, what)
    if isinstance(v, Const):
        if v.value < 0:
            raise lowerer.err(node, f"{what} must not be negative, got {v.value}")
        return v
    return lowerer.op(node, "nonneg", v)


def _add(lowerer, node, a, c):
    if isinstance(a, Const) and isinstance(c, Const):
        return Const(a.value + c.value, I64)
    if isinstance(a, Const) and a.value == 0:
        return c
    if isinstance(c, Const) and c.value == 0:
        return a
    return lowerer.op(node, "add", a, c)


def _ravel(lowerer, node, x):
    if not T.is_array(x.type):
        return lowerer.op(node, "pack", x)
    if _ndim(x) == 1:
        return x
    return lowerer.op(node, "reshape", x, Const(-1, I64))


# ======================================================================= joining

def _grown(lowerer, node, seq, kind, axis=0):
    """np.<kind> of a list grown in a loop (one array of its rows: frontend/lists.py), or of
    one array (NumPy iterates over its rows: ``np.hstack(X)``), or None where ``seq`` is any
    other sequence."""
    rows = lowerer.grown_rows(seq, node)
    if rows is None:
        v = lowerer.expr(seq)
        if isinstance(v, (Var, Const)) and T.is_array(v.type):
            rows = v
        else:
            lowerer.prelowered[id(seq)] = v            # lowered once: _arrays reads it
    if rows is None:
        return None
    if kind == "column_stack":        # numbers: one row; vectors: columns; else as hstack
        nd = T.ndim(rows.type) - 1
        if nd == 0:
            return lowerer.op(node, "expand_dims", rows, axis=0)
        if nd == 1:
            return lowerer.op(node, "contiguous", lowerer.op(node, "transpose", rows))
        kind, axis = "concatenate", 1
    return lowerer.join_rows(kind, rows, axis, node)


@lowers(np.concatenate, takes="arrays axis")
def _np_concatenate(lowerer, node, args):
    axis = _axis_arg(lowerer, args)
    if axis is None:
        rows = lowerer.grown_rows(args["arrays"], node)
        if rows is not None:       # a list grown in a loop: one array of rows
            return _ravel(lowerer, node, rows)
    else:
        grown = _grown(lowerer, node, args["arrays"], "concatenate", axis)
        if grown is not None:
            return grown
    xs = _arrays(lowerer, node, args["arrays"], "concatenate")
    if axis is None:
        return _concat(lowerer, node, [_ravel(lowerer, node, x) for x in xs], 0)
    return _concat(lowerer, node, xs, axis)


@lowers(np.stack, takes="arrays axis")
def _np_stack(lowerer, node, args):
    axis = _axis_arg(lowerer, args)
    if axis is None:
        raise lowerer.err(node, "np.stack needs an integer axis")
    grown = _grown(lowerer, node, args["arrays"], "stack", axis)
    if grown is not None:
        return grown
    xs = _arrays(lowerer, node, args["arrays"], "stack")
    return _stack(lowerer, node, xs, axis)


def _atleast(lowerer, node, x, n):
    """np.atleast_1d/2d/3d of one value."""
    nd = _ndim(x)
    if nd >= n:
        return x
    if nd == 0:
        x = lowerer.op(node, "pack", x)
        nd = 1
    if n >= 2 and nd == 1:
        x = lowerer.op(node, "expand_dims", x, axis=0)
        nd = 2
    if n == 3 and nd == 2:
        x = lowerer.op(node, "expand_dims", x, axis=2)
    return x


@lowers(np.vstack, *filter(None, [getattr(np, "row_stack", None)]), takes="tup")  # (an alias)
def _np_vstack(lowerer, node, args):
    grown = _grown(lowerer, node, args["tup"], "vstack")
    if grown is not None:
        return grown
    xs = [_atleast(lowerer, node, x, 2) for x in _arrays(lowerer, node, args["tup"], "vstack")]
    return _concat(lowerer, node, xs, 0, "vstack")


@lowers(np.hstack, takes="tup")
def _np_hstack(lowerer, node, args):
    grown = _grown(lowerer, node, args["tup"], "hstack")
    if grown is not None:
        return grown
    xs = [_atleast(lowerer, node, x, 1) for x in _arrays(lowerer, node, args["tup"], "hstack")]
    return _concat(lowerer, node, xs, 0 if _ndim(xs[0]) == 1 else 1, "hstack")


@lowers(np.dstack, takes="tup")
def _np_dstack(lowerer, node, args):
    xs = [_atleast(lowerer, node, x, 3) for x in _arrays(lowerer, node, args["tup"], "dstack")]
    return _concat(lowerer, node, xs, 2, "dstack")


@lowers(np.column_stack)
def _np_column_stack(lowerer, node, args):
    grown = _grown(lowerer, node, args["tup"], "column_stack")
    if grown is not None:
        return grown
    xs = []
    for x in _arrays(lowerer, node, args["tup"], "column_stack"):
        if _ndim(x) < 2:
            x = lowerer.op(node, "expand_dims", _atleast(lowerer, node, x, 1), axis=1)
        xs.append(x)
    return _concat(lowerer, node, xs, 1, "column_stack")


def index_concat(lowerer, node, which):
    """``np.r_[a, b, 0:3]`` (numbers, arrays, lists and integer ranges, each made at least 1-D,
    joined along the first axis) and ``np.c_[a, b]`` (1-D ones as columns, joined along the
    second: ``np.c_[np.ones(n), X]``), as NumPy's index tricks read them; their string
    directives ('0,2,1') are not read."""
    v = lowerer.index_value(node.slice)
    items = list(v) if isinstance(v, tuple) and not isinstance(v, ListValue) else [v]
    name = "np.r_" if which is np.r_ else "np.c_"
    xs = []
    for it in items:
        if isinstance(it, SliceVal):
            lo, hi, step = it.parts
            if hi is None:
                raise lowerer.err(node, f"{name}[a:b]: a range needs its end")
            bounds = [lo if lo is not None else Const(0, T.I64), hi] + ([step] if step is not None else [])
            it = lowerer.op(node, "arange", *bounds)
        elif isinstance(it, ListValue):
            it = lowerer.sequence_array(it, node)
        if not isinstance(it, (Var, Const)):
            raise lowerer.err(node, f"{name}[...] takes numbers, arrays, lists and ranges a:b "
                                    "(not directive strings)", "Use np.concatenate or "
                                                               "np.column_stack.")
        xs.append(_atleast(lowerer, node, it, 1))
    if which is np.r_:
        return _concat(lowerer, node, xs, 0, "r_")
    xs = [lowerer.op(node, "expand_dims", x, axis=1) if _ndim(x) == 1 else x for x in xs]
    return _concat(lowerer, node, xs, 1, "c_")


def _literal(lowerer, node, elt):
    """One element of an np.array literal: a nested list is itself an array."""
    if _plain_display(elt):
        return _array_literal(lowerer, elt, [_literal(lowerer, e, e) for e in elt.elts], elt.elts)
    return lowerer.expr(elt)


def _plain_display(node) -> bool:
    """A list or tuple display with no starred item (``[*a, b]`` is lowered as a value)."""
    return isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred)
                                                               for e in node.elts)


def _literal_lengths(elts):
    """The lengths of the nested list literals among ``elts`` (None for other elements)."""
    return {len(e.elts) if _plain_display(e) else None for e in elts}


def _array_literal(lowerer, node, items, elts=()):
    if len(_literal_lengths(elts)) > 1:
        raise lowerer.err(node, "np.array([...]): the nested lists have different lengths (a ragged "
                           "list is not an array)", "Give every row the same number of entries.")
    if not items:
        raise lowerer.err(node, "np.array([]) (an empty list) is not supported",
                     "Use np.zeros(0) for an empty array.")
    if any(isinstance(x, tuple) for x in items):        # nested lists made by comprehensions
        if len({len(x) if isinstance(x, tuple) else None for x in items}) > 1:
            raise lowerer.err(node, "np.array([...]): the nested lists have different lengths (a "
                               "ragged list is not an array)")
        items = [_array_literal(lowerer, node, list(x)) if isinstance(x, tuple) else x for x in items]
    for x in items:
        if not isinstance(x, (Var, Const)):
            raise lowerer.err(node, "np.array([...]) takes numbers, arrays or nested lists of them")
    nds = {_ndim(x) for x in items}
    if len(nds) > 1:
        raise lowerer.err(node, "np.array([...]): the elements must all be numbers or all be arrays "
                           "of one shape (a ragged list is not an array)",
                     "Use np.concatenate to join arrays of different sizes.")
    if nds == {0}:
        if not all(isinstance(x.type, T.Scalar) for x in items):
            raise lowerer.err(node, "np.array([...]) takes numbers or arrays")
        return lowerer.op(node, "pack", *items)
    return _stack(lowerer, node, items, 0, "array")


def _np_array(lowerer, node, a, dtype_node, copy):
    """np.array / np.asarray of the value ``a`` (a node), converted to ``dtype_node``'s."""
    name = "array" if copy else "asarray"
    rows = lowerer.grown_rows(a, node)
    if rows is not None:           # a list grown in a loop: a copy of its rows
        out = lowerer.op(node, "copy_array", rows)
    elif _plain_display(a):
        out = _array_literal(lowerer, node, [_literal(lowerer, e, e) for e in a.elts], a.elts)
    else:
        v = lowerer.expr(a)
        if isinstance(v, tuple):
            out = _array_literal(lowerer, node, list(v))
        elif isinstance(v, (Var, Const)):
            out = lowerer.op(node, "copy_array", v) if copy and T.is_array(v.type) else v
        else:
            raise lowerer.err(node, f"np.{name} takes numbers, arrays or lists of them")
    if dtype_node is not None:
        dt = lowerer.dtype_of(dtype_node, node)
        if dt != out.type.dtype:
            out = lowerer.cast(out, T.with_dtype(out.type, dt), node)
    return out


@lowers(np.array, takes="object dtype")
def _np_array_copy(lowerer, node, args):
    return _np_array(lowerer, node, args["object"], args["dtype"], True)


@lowers(np.asarray, takes="a dtype")
def _np_asarray(lowerer, node, args):
    return _np_array(lowerer, node, args["a"], args["dtype"], False)


@lowers(np.append)
def _np_append(lowerer, node, args):
    xs = [lowerer.atom(args[k]) for k in ("arr", "values")]
    axis = _axis_arg(lowerer, args, None)
    if axis is None:
        return _concat(lowerer, node, [_ravel(lowerer, node, x) for x in xs], 0, "append")
    return _concat(lowerer, node, xs, axis, "append")


def _block_depth(lowerer, node, elt) -> int:
    if not isinstance(elt, ast.List):
        return 0
    if not elt.elts:
        raise lowerer.err(node, "np.block: empty lists are not supported")
    depths = {_block_depth(lowerer, node, e) for e in elt.elts}
    if len(depths) > 1:
        raise lowerer.err(node, "np.block: the nested lists must all have the same depth")
    return depths.pop() + 1


@lowers(np.block)
def _np_block(lowerer, node, args):
    """np.block of a literal nested list: the innermost lists join along the last axis, the
    next ones along the axis before, ...; arrays (and numbers) first get leading axes."""
    top = args["arrays"]
    if not isinstance(top, ast.List):
        raise lowerer.err(node, "np.block is supported on a literal (nested) list of arrays",
                     "Write the blocks out: np.block([[A, B], [C, D]]).")
    depth = _block_depth(lowerer, node, top)
    leaves = {}

    def collect(elt):
        if isinstance(elt, ast.List):
            for e in elt.elts:
                collect(e)
        else:
            leaves[id(elt)] = lowerer.atom(elt)

    collect(top)
    nd = max([depth] + [_ndim(v) for v in leaves.values()])

    def promote(x):
        if not T.is_array(x.type):
            x = lowerer.op(node, "pack", x)
        if _ndim(x) < nd:
            x = lowerer.op(node, "reshape", x, *([Const(1, I64)] * (nd - _ndim(x)) +
                                           [lowerer.op(node, "dim", x, axis=k) for k in range(_ndim(x))]))
        return x

    def build(elt, level):
        if not isinstance(elt, ast.List):
            return promote(leaves[id(elt)])
        parts = _common(lowerer, node, [build(e, level + 1) for e in elt.elts])
        if len(parts) == 1:
            return parts[0]
        return lowerer.op(node, "concat", *parts, axis=nd - depth + level)

    out = build(top, 0)
    return out if out is not leaves.get(id(top)) else lowerer.op(node, "copy_array", out)


# ======================================================================= splitting

def _split(lowerer, node, x, how, axis, name):
    """np.split / np.array_split of the array ``x`` into the sections or at the indices of
    the node ``how``, along the constant ``axis``."""
    axis = _norm_axis(lowerer, node, axis, _ndim(x), f"np.{name}")
    how = lowerer.expr(how)
    n = lowerer.op(node, "dim", x, axis=axis)
    if isinstance(how, tuple):                      # indices: x[:i0], x[i0:i1], ..., x[ik:]
        bounds = [None] + [_int(lowerer, node, i, f"np.{name}: an index") for i in how] + [None]
    else:
        k = _int(lowerer, node, how, f"np.{name}: the number of sections")
        if isinstance(k, Const) and k.value <= 0:
            raise lowerer.err(node, f"np.{name}: the number of sections must be larger than 0")
        if not isinstance(k, Const):
            raise lowerer.err(node, f"np.{name}: the number of sections must be a constant "
                               "(the result is a tuple of that many arrays)",
                         "Write the number of sections as a literal integer.")
        k = k.value
        if name == "split":
            size = lowerer.op(node, "split_size", n, Const(k, I64))
            bounds = [None] + [lowerer.op(node, "mul", size, Const(j, I64)) for j in range(1, k)] + [None]
        else:   # array_split: the first n % k sections have one element more
            each = lowerer.op(node, "floordiv", n, Const(k, I64))
            extra = lowerer.op(node, "mod", n, Const(k, I64))
            bounds = [None]
            for j in range(1, k):
                bounds.append(lowerer.op(node, "add", lowerer.op(node, "mul", each, Const(j, I64)),
                                    lowerer.op(node, "min", extra, Const(j, I64))))
            bounds.append(None)
    out = []
    for lo, hi in zip(bounds, bounds[1:]):
        spec, idx = _axis_slice(axis, lo, hi)
        out.append(lowerer.op(node, "getitem", x, *idx, spec=spec) if idx else x)
    return tuple(out)


def _split_array(lowerer, node, args, name):
    """The array a splitting function splits."""
    x = lowerer.atom(args["ary"])
    if not T.is_array(x.type):
        raise lowerer.err(node, f"np.{name} needs an array")
    return x


def _split_call(name):
    def lowering(lowerer, node, args):
        x = _split_array(lowerer, node, args, name)
        return _split(lowerer, node, x, args["indices_or_sections"], _axis_arg(lowerer, args) or 0, name)
    return lowering


lowers(np.split)(_split_call("split"))
lowers(np.array_split)(_split_call("array_split"))


def _split_fixed(name, axis_of):
    def lowering(lowerer, node, args):
        x = _split_array(lowerer, node, args, name)
        axis = axis_of(_ndim(x))
        if axis is None:
            raise lowerer.err(node, f"np.{name} needs an array of more dimensions")
        return _split(lowerer, node, x, args["indices_or_sections"], axis, "split")
    return lowering


lowers(np.hsplit)(_split_fixed("hsplit", lambda nd: 1 if nd > 1 else 0))
lowers(np.vsplit)(_split_fixed("vsplit", lambda nd: 0 if nd >= 2 else None))
lowers(np.dsplit)(_split_fixed("dsplit", lambda nd: 2 if nd >= 3 else None))


# ======================================================================= axes

@lowers(np.expand_dims)
def _np_expand_dims(lowerer, node, args):
    x = lowerer.atom(args["a"])
    v = lowerer.expr(args["axis"])
    axes = v if isinstance(v, tuple) else (v,)
    if not all(isinstance(e, Const) and isinstance(e.value, int) for e in axes):
        raise lowerer.err(node, "np.expand_dims needs constant integer axes")
    nd = _ndim(x) + len(axes)
    norm = sorted(_norm_axis(lowerer, node, e.value, nd, "np.expand_dims") for e in axes)
    if len(set(norm)) != len(norm):
        raise lowerer.err(node, "np.expand_dims: repeated axis")
    if not T.is_array(x.type):         # a number: every axis has length one
        x = lowerer.op(node, "pack", x)
        return lowerer.op(node, "reshape", x, *([Const(1, I64)] * nd)) if nd > 1 else x
    for ax in norm:
        x = lowerer.op(node, "expand_dims", x, axis=ax)
    return x


@lowers(np.squeeze)
def _np_squeeze(lowerer, node, args):
    x = lowerer.atom(args["a"])
    a = args["axis"]
    if not T.is_array(x.type):
        return x
    if _none(lowerer, a):
        # the result's rank depends on sizes: a fact of the argument's (compiler/facts.py)
        axes = tuple(Const(k, I64) for k in facts.unit_axes(lowerer, node, x, "np.squeeze without an axis"))
        if not axes:
            return x
    else:
        v = lowerer.expr(a)
        axes = v if isinstance(v, tuple) else (v,)
    if not all(isinstance(e, Const) and isinstance(e.value, int) for e in axes):
        raise lowerer.err(node, "np.squeeze needs constant integer axes")
    nd = _ndim(x)
    norm = {_norm_axis(lowerer, node, e.value, nd, "np.squeeze") for e in axes}
    if len(norm) != len(axes):
        raise lowerer.err(node, "np.squeeze: repeated axis")
    spec, idx = [], []
    for k in range(nd):
        if k in norm:
            spec.append(("i",))
            idx.append(lowerer.op(node, "squeeze_index", lowerer.op(node, "dim", x, axis=k)))
        else:
            spec.append(_FULL)
    return lowerer.op(node, "getitem", x, *idx, spec=tuple(spec))


@lowers(np.unstack)
def _np_unstack(lowerer, node, args):
    """``np.unstack(x, axis=k)``: a tuple of ``x.shape[k]`` arrays, a length known from the
    argument's sizes (compiler/facts.py)."""
    x = lowerer.atom(args["x"])
    a = args["axis"]
    if not T.is_array(x.type):
        raise lowerer.err(node, "np.unstack needs an array")
    v = Const(0, I64) if a is None else lowerer.expr(a)
    if not (isinstance(v, Const) and isinstance(v.value, int)):
        raise lowerer.err(node, "np.unstack needs a constant integer axis")
    return unstacked(lowerer, node, x, _norm_axis(lowerer, node, v.value, _ndim(x), "np.unstack"),
                     "np.unstack")


def unstacked(lowerer, node, x, ax: int, what: str) -> tuple:
    """The parts of array argument ``x`` along axis ``ax``, as many as its length there (a size
    fact, compiler/facts.py): ``np.unstack(x)``, ``a, b, c = x``."""
    n = facts.axis_length(lowerer, node, x, ax, what)
    spec = tuple(("i",) if k == ax else _FULL for k in range(_ndim(x)))
    return tuple(lowerer.op(node, "getitem", x, Const(j, I64), spec=spec) for j in range(n))


def _atleast_n(n):
    def lowering(lowerer, node, args):
        outs = [_atleast(lowerer, node, lowerer.atom(a), n) for a in args.rest]
        return outs[0] if len(outs) == 1 else tuple(outs)
    return lowering


lowers(np.atleast_1d)(_atleast_n(1))
lowers(np.atleast_2d)(_atleast_n(2))
lowers(np.atleast_3d)(_atleast_n(3))


def _permute(lowerer, node, x, perm):
    if perm == tuple(range(len(perm))):
        return x
    return lowerer.op(node, "transpose", x, axes=tuple(perm))


@lowers(np.swapaxes)
def _np_swapaxes(lowerer, node, args):
    x = lowerer.atom(args["a"])
    nd = _ndim(x)
    i, j = (_norm_axis(lowerer, node, lowerer.const_int(args[k]), nd, "np.swapaxes")
            for k in ("axis1", "axis2"))
    perm = list(range(nd))
    perm[i], perm[j] = perm[j], perm[i]
    return _permute(lowerer, node, x, tuple(perm))


def _axes(lowerer, node, a, nd, what):
    v = lowerer.expr(a)
    axes = v if isinstance(v, tuple) else (v,)
    if not all(isinstance(e, Const) and isinstance(e.value, int) for e in axes):
        raise lowerer.err(node, f"{what} needs constant integer axes")
    out = [_norm_axis(lowerer, node, e.value, nd, what) for e in axes]
    if len(set(out)) != len(out):
        raise lowerer.err(node, f"{what}: repeated axis")
    return out, isinstance(v, tuple)


@lowers(np.moveaxis)
def _np_moveaxis(lowerer, node, args):
    x = lowerer.atom(args["a"])
    nd = _ndim(x)
    src, _ = _axes(lowerer, node, args["source"], nd, "np.moveaxis")
    dst, _ = _axes(lowerer, node, args["destination"], nd, "np.moveaxis")
    if len(src) != len(dst):
        raise lowerer.err(node, "np.moveaxis: source and destination must have the same number of elements")
    order = [k for k in range(nd) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _permute(lowerer, node, x, tuple(order))


@lowers(np.rollaxis)
def _np_rollaxis(lowerer, node, args):
    """np.rollaxis(a, axis, start=0): ``axis`` moved to stand before ``start``."""
    x = lowerer.atom(args["a"])
    nd = _ndim(x)
    axis = _norm_axis(lowerer, node, lowerer.const_int(args["axis"]), nd, "np.rollaxis")
    start = lowerer.const_int(args["start"]) if "start" in args else 0
    start += nd if start < 0 else 0
    if not 0 <= start <= nd:
        raise lowerer.err(node, f"np.rollaxis: start {start} is out of bounds for {nd} axes")
    order = [k for k in range(nd) if k != axis]
    order.insert(start - (axis < start), axis)
    return _permute(lowerer, node, x, tuple(order))


@lowers(np.transpose)
def _np_transpose(lowerer, node, args):
    x = lowerer.atom(args["a"])
    a = args["axes"]
    if not T.is_array(x.type):
        return x
    nd = _ndim(x)
    if _none(lowerer, a):
        return lowerer.op(node, "transpose", x)
    axes, _ = _axes(lowerer, node, a, nd, "np.transpose")
    if len(axes) != nd:
        raise lowerer.err(node, "np.transpose: axes don't match array")
    return _permute(lowerer, node, x, tuple(axes))


@lowers(np.flip)
def _np_flip(lowerer, node, args):
    x = lowerer.atom(args["m"])
    if not T.is_array(x.type):
        return x
    nd = _ndim(x)
    a = args["axis"]
    if _none(lowerer, a):
        axes = set(range(nd))
    else:
        axes = set(_axes(lowerer, node, a, nd, "np.flip")[0])
    spec, idx = [], []
    for k in range(nd):
        if k in axes:
            spec.append(("s", False, False, True))
            idx.append(Const(-1, I64))
        else:
            spec.append(_FULL)
    return lowerer.op(node, "getitem", x, *idx, spec=tuple(spec))


def _flip_fixed(axis, name):
    def lowering(lowerer, node, args):
        x = lowerer.atom(args["m"])
        if _ndim(x) <= axis:
            raise lowerer.err(node, f"np.{name} needs an array of at least {axis + 1} dimensions")
        spec = (_FULL,) * axis + (("s", False, False, True),)
        return lowerer.op(node, "getitem", x, Const(-1, I64), spec=spec)
    return lowering


lowers(np.flipud)(_flip_fixed(0, "flipud"))
lowers(np.fliplr)(_flip_fixed(1, "fliplr"))


@lowers(np.matrix_transpose)
def _np_matrix_transpose(lowerer, node, args):
    x = lowerer.atom(args["x"])
    nd = _ndim(x)
    if nd < 2:
        raise lowerer.err(node, "np.matrix_transpose needs an array of at least 2 dimensions")
    return _permute(lowerer, node, x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _flip_axis(lowerer, node, x, axis):
    spec = (_FULL,) * axis + (("s", False, False, True),)
    return lowerer.op(node, "getitem", x, Const(-1, I64), spec=spec)


@lowers(np.rot90)
def _np_rot90(lowerer, node, args):
    x = lowerer.atom(args["m"])
    nd = _ndim(x)
    if nd < 2:
        raise lowerer.err(node, "np.rot90 needs an array of at least 2 dimensions")
    kn = args["k"]
    k = lowerer.const_int(kn) % 4 if kn is not None else 1
    an = args["axes"]
    a0, a1 = (0, 1) if an is None else _axes(lowerer, node, an, nd, "np.rot90")[0]
    if a0 == a1:
        raise lowerer.err(node, "np.rot90: the axes must be different")
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 0:
        return lowerer.op(node, "copy_array", x)
    if k == 2:
        return _flip_axis(lowerer, node, _flip_axis(lowerer, node, x, a0), a1)
    if k == 1:
        return _permute(lowerer, node, _flip_axis(lowerer, node, x, a1), tuple(perm))
    return _flip_axis(lowerer, node, _permute(lowerer, node, x, tuple(perm)), a1)


def _roll_spell(a, p):
    return f"np.roll({a[0]}, {a[1]}, axis={p['axis']})"


def _roll_jit(a, p):
    return f"roll_axis({a[0]}, {a[1]}, {p['axis']})"


# x rolled by the (integer) shift along axis: its adjoint rolls back. One primitive, not two
# slices and a concat: under Numba a compiled-once helper (runtime/numba_ext.py), where the
# slices' adjoints (zeros, a slice-add each) cost a fifth of a second of compile per np.roll
defprim("roll", 2, lambda x, shift, axis: x,
        Spelling(_roll_spell, _roll_spell, P_ATOM, (1, 1), jit=_roll_jit, helpers=("roll_axis",)),
        elementwise=False, fresh=True, reads_values=False,
        shape=lambda q, args, p: q.shape(args[0]),
        vjp=(lambda b, g, out, x, shift, axis: b.roll(g, b.neg(shift), axis=axis), None),
        jvp=(lambda b, t, out, x, shift, axis: b.roll(t, shift, axis=axis), None),
        batch=lambda bt, op, a, isb: None if isb[1] else bt.along(op, a, isb))


def _roll_one(lowerer, node, x, shift, axis):
    return lowerer.op(node, "roll", x, shift, axis=axis)


@lowers(np.roll)
def _np_roll(lowerer, node, args):
    x = lowerer.atom(args["a"])
    if not T.is_array(x.type):
        return x
    shifts = lowerer.expr(args["shift"])
    a = args["axis"]
    if _none(lowerer, a):
        if isinstance(shifts, tuple):
            raise lowerer.err(node, "np.roll without an axis takes one shift")
        flat = _ravel(lowerer, node, x)
        out = _roll_one(lowerer, node, flat, _int(lowerer, node, shifts, "np.roll: the shift"), 0)
        return out if _ndim(x) == 1 else lowerer.op(node, "reshape_like", out, x)
    axes, _ = _axes(lowerer, node, a, _ndim(x), "np.roll") if not isinstance(a, (ast.Tuple, ast.List)) \
        else ([_norm_axis(lowerer, node, lowerer.const_int(e), _ndim(x), "np.roll") for e in a.elts], True)
    shifts = list(shifts) if isinstance(shifts, tuple) else [shifts]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise lowerer.err(node, "np.roll: shift and axis must have the same length")
    out = x
    for s, ax in zip(shifts, axes):
        out = _roll_one(lowerer, node, out, _int(lowerer, node, s, "np.roll: the shift"), ax)
    return out


@lowers(np.broadcast_to, takes="array shape")
def _np_broadcast_to(lowerer, node, args):
    x = lowerer.atom(args["array"])
    dims = lowerer.dims(args["shape"], node)
    if len(dims) < _ndim(x):
        raise lowerer.err(node, "np.broadcast_to: the shape has fewer dimensions than the array")
    if not dims:
        return x
    return lowerer.op(node, "broadcast_to", x, *dims)


# ======================================================================= array methods

as_method(np.squeeze, "squeeze")
as_method(np.swapaxes, "swapaxes")
