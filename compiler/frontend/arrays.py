"""Lowering of NumPy array code: attributes, methods, reductions, constructors, indexing.

A collaborator of :class:`~.lower.Lowerer` (``lowerer.arrays``). It also keeps two facts the rest of the
compiler relies on: which arrays the function created itself (only those may be
assigned into; arguments are read-only), and which arrays have been read as a whole
(an item assignment into one of those first copies it, so the backward pass still
sees the values it read).
"""
from __future__ import annotations

import ast

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..library.registry import METHODS, lowering_of
from ..library.binding import bind_written
from ..library.einsum import batched_matmul, dot_nd
from ..primitives import PRIMS
from ..values import BoundMethod, ListValue, NamedValue, Record, Ref, SliceVal, hashable, \
    split_value
from .lists import Held, Stacked
from .objects import NO_KEY, static_key

REDUCTIONS = {"sum": "sum", "mean": "mean", "max": "amax", "min": "amin", "prod": "prod",
              "amax": "amax", "amin": "amin"}


class ArrayLowering:
    """Array support for a :class:`~.lower.Lowerer`, its collaborator (``lowerer.arrays``):
    it emits through the Lowerer's builder and keeps its facts in the Lowerer's
    :class:`~.ownership.Ownership`."""

    def __init__(self, lowerer):
        self.lowerer = lowerer

    # the Lowerer's own, used on every line here
    def op(self, node: ast.AST, prim: str, *args, **params) -> Var:
        return self.lowerer.op(node, prim, *args, **params)

    def err(self, node: ast.AST, msg: str, hint: str = ""):
        return self.lowerer.err(node, msg, hint)

    def expr(self, node: ast.expr) -> object:
        return self.lowerer.expr(node)

    def atom(self, node: ast.expr):
        return self.lowerer.atom(node)

    @property
    def own(self):
        return self.lowerer.own

    # ---------------------------------------------------------------- bookkeeping

    # ---------------------------------------------------------------- attributes

    def attribute(self, base, node: ast.Attribute):
        name = node.attr
        if name == "dtype":                          # known while compiling (introspect.py)
            return Ref(np.dtype(base.type.dtype))
        if name in ("real", "imag"):                 # of a real number or array (flatgrad has
            return self.lowerer.lower_text(f"np.{name}(v)", node, v=base)  # no complex ones)
        if not T.is_array(base.type):
            if name == "item":                       # x.item() of a number: the number
                return Ref(BoundMethod(base, name))
            if name in ("ndim", "shape", "size"):    # a NumPy scalar's (a 0-d array's)
                return {"ndim": Const(0, T.I64), "shape": (), "size": Const(1, T.I64)}[name]
            if name == "T":                          # a number's transpose
                return base
            if name in METHODS:                      # np.sum(a @ b).mean(): as np.mean(...)
                return Ref(BoundMethod(base, name))
            raise self.err(node, f"a scalar has no attribute '{name}' flatgrad can read")
        if name == "T":
            return self.op(node, "transpose", base)
        if name == "shape":
            return tuple(self.op(node, "dim", base, axis=k) for k in range(base.type.ndim))
        if name == "size":
            return self.op(node, "size", base)
        if name == "ndim":
            return Const(base.type.ndim, T.I64)
        if name in METHODS or name == "item":
            return Ref(BoundMethod(base, name))
        raise self.err(node, f"flatgrad does not support the array attribute '.{name}'")

    def item(self, x, node: ast.Call, kwargs):
        """``a.item()`` of a one-element array (any other size is NumPy's run-time error,
        from the reshape), ``a.item(k)`` the k-th element in C order, ``a.item(i, j)`` and
        ``a.item((i, j))`` the element there: a number."""
        if kwargs:
            raise self.err(node, "a.item() takes positions, not keywords")
        args = node.args
        if not args:
            return self.lowerer.lower_text("np.reshape(a, (1,))[0]", node, a=x)
        index = self.expr(args[0]) if len(args) == 1 else tuple(self.expr(a) for a in args)
        if isinstance(index, tuple):
            return self.lowerer.lower_text("a[k]", node, a=x, k=index)
        return self.lowerer.lower_text("np.ravel(a)[k]", node, a=x, k=index)

    def call_method(self, m: BoundMethod, node: ast.Call, kwargs):
        x, name = m.base, m.name
        if name == "item" and isinstance(x, (Var, Const)) and not T.is_array(x.type):
            if node.args or kwargs:
                raise self.err(node, "x.item() of a number takes no arguments")
            return x
        if name == "item" and isinstance(x, (Var, Const)):
            return self.item(x, node, kwargs)
        if isinstance(x, NamedValue):        # p._replace(W=...), p._asdict()
            return self.lowerer.named_method(x, name, node, kwargs)
        if isinstance(x, Record) and name == "get":    # d.get(key[, default])
            if kwargs or not 1 <= len(node.args) <= 2:
                raise self.err(node, "d.get takes a key and an optional default")
            key = static_key(self.expr(node.args[0]))
            if key is NO_KEY or not hashable(key):
                raise self.err(node.args[0], "a dict is read with a key known while compiling")
            if key in x.items:
                return x.items[key]
            return self.expr(node.args[1]) if len(node.args) == 2 else Ref(None)
        if isinstance(x, Record):          # d.keys(), d.values(), d.items(), d.copy()
            bind_written(self.lowerer, node, f".{name}", "")     # takes no arguments
            if name == "copy":
                return Record(x.items, owner=self.lowerer)
            keys = tuple(map(Ref, x.items))
            vals = tuple(x.items.values())
            return {"keys": keys, "values": vals, "items": tuple(zip(keys, vals))}[name]
        if name in METHODS:               # x.sum(axis=0) is np.sum(x, axis=0)
            held = ast.copy_location(Held(x), node)
            call = ast.copy_location(ast.Call(func=node.func, args=[held, *node.args],
                                              keywords=node.keywords), node)
            return lowering_of(METHODS[name])(self.lowerer, call, kwargs)
        raise self.err(node, f"flatgrad does not support .{name}()")

    # ---------------------------------------------------------------- numpy calls

    def variance(self, name, args):
        """np.var / np.std with axis, keepdims and ddof: sum((x - mean)**2) / (n - ddof)."""
        node, ddof = args.call, args["ddof"]
        x = self.atom(args["a"])
        mu = self.reduction("mean", x, args["axis"], ast.Constant(True), node)
        d = self.op(node, "sub", x, mu)
        v = self.reduction("mean", self.op(node, "mul", d, d), args["axis"], args["keepdims"], node)
        if ddof is not None:
            k = self.atom(ddof)
            if not (isinstance(k, Const) and k.value == 0):
                n = self.op(node, "div", self.op(node, "float", self.op(node, "size", x)),
                            self.op(node, "float", self.op(node, "size", mu)) if T.is_array(mu.type)
                            else Const(1.0, T.F64))
                v = self.op(node, "mul", v, self.op(node, "div", n, self.op(node, "sub", n, k)))
        return v if name == "var" else self.op(node, "sqrt0", v)

    def matmul(self, a, c, node):
        if not (T.is_array(a.type) and T.is_array(c.type)):
            return self.op(node, "mul", a, c)
        if a.type.ndim > 2 or c.type.ndim > 2:
            # np.dot of stacks is another product than matmul's, except against a matrix or
            # vector: both sum a's last axis with c's first (np.dot(X3d, W) is X3d @ W)
            if not (isinstance(node, ast.BinOp) or c.type.ndim <= 2 or getattr(
                    self.expr(node.func), "obj", None) is np.matmul):
                return dot_nd(self, node, a, c)          # np.dot's own product of stacks
            return batched_matmul(self, node, a, c)      # a stack of matrix products
        a, c = self.same_dtype(a, c, node)
        return self.op(node, "matmul", a, c)

    def same_dtype(self, a, c, node):
        """Matrix products take one dtype (BLAS does): a float32 operand meeting a float64
        one, or an int one, is converted first, as NumPy does."""
        dt = T.promote_dtype(a.type.dtype, c.type.dtype)
        if dt not in T.FLOATS:
            dt = "float64"
        return tuple(x if x.type.dtype == dt else self.lowerer.cast(x, T.with_dtype(x.type, dt), node)
                     for x in (a, c))

    def transpose(self, x, args, node, axes_node=None):
        if args:
            axes_node = args[0] if len(args) == 1 else ast.Tuple(elts=list(args))
        if isinstance(axes_node, ast.Constant) and axes_node.value is None:
            axes_node = None
        if not T.is_array(x.type):
            return x                    # np.transpose of a number is the number
        if axes_node is None:
            return self.op(node, "transpose", x)
        if not isinstance(axes_node, (ast.Tuple, ast.List)):
            raise self.err(axes_node, "transpose axes must be a tuple of constant integers")
        nd = x.type.ndim
        axes = tuple(self.lowerer.const_int(e) for e in axes_node.elts)
        if sorted(a % nd for a in axes if -nd <= a < nd) != list(range(nd)):
            raise self.err(axes_node, f"transpose axes {axes} are not a permutation of the "
                                      f"{nd} axes of the array")
        return self.op(node, "transpose", x, axes=tuple(a % nd for a in axes))

    def reshape(self, x, args, node):
        if len(args) == 1:
            v = self.expr(args[0])
            dims = v if isinstance(v, tuple) else (v,)
        else:
            dims = tuple(self.lowerer.int_atom(a) for a in args)
        return self.op(node, "reshape", x, *dims)

    def reduction(self, name, x, axis_node, keepdims_node, node):
        """np.sum and its kin of ``x`` over the axis or axes ``axis_node`` (all when None)."""
        if not T.is_array(x.type):
            return x
        keepdims = self.lowerer.const_bool(keepdims_node) if keepdims_node is not None else False
        axis = None
        if isinstance(axis_node, ast.Name) and isinstance(self.lowerer.env.get(axis_node.id), Ref):
            axis_node = None              # an inlined parameter bound to None
        if axis_node is not None and not (isinstance(axis_node, ast.Constant) and axis_node.value is None):
            if isinstance(axis_node, ast.Tuple):
                axis = tuple(sorted(self.lowerer.const_int(e) % x.type.ndim for e in axis_node.elts))
            else:
                axis = self.lowerer.const_int(axis_node) % x.type.ndim
        prim = REDUCTIONS[name]
        if isinstance(axis, tuple):
            # several axes: one at a time, highest first, so the others keep their numbers
            out = x
            for ax in reversed(axis):
                out = self.reduction_one(prim, out, ax, True, node)
            if not keepdims:
                out = self.squeeze(out, axis, node)
            return out
        return self.reduction_one(prim, x, axis, keepdims, node)

    def reduction_one(self, prim, x, axis, keepdims, node):
        if prim == "mean":
            s = self.op(node, "sum", x, axis=axis, keepdims=keepdims)
            count = self.op(node, "size", x) if axis is None else self.op(node, "dim", x, axis=axis)
            return self.op(node, "div", s, count)
        return self.op(node, prim, x, axis=axis, keepdims=keepdims)

    def squeeze(self, x, axes, node):
        dims = [self.op(node, "dim", x, axis=k) for k in range(x.type.ndim) if k not in axes]
        if not dims:
            return self.op(node, "sum", x)
        return self.op(node, "reshape", x, *dims)

    # ---------------------------------------------------------------- constants

    # ---------------------------------------------------------------- indexing

    def subscript(self, node: ast.Subscript):
        base = self.expr(node.value)
        if isinstance(base, Record):
            key = static_key(self.expr(node.slice))   # a string (in static data also a
            if key is NO_KEY or not hashable(key):    # number, an object, a tuple)
                raise self.err(node, "a dict is read with a key known while compiling (a "
                                     "constant string)", "Write d[\"name\"], or loop over "
                                                        "d.items().")
            if key not in base.items:
                raise self.err(node, f"the dict has no key {key!r} (it has "
                                     f"{', '.join(map(repr, base.items))})")
            return base.items[key]
        if isinstance(base, Ref) and (base.obj is np.s_ or base.obj is np.index_exp):
            return self.lowerer.index_expression(base, node)
        if isinstance(base, Ref) and (base.obj is np.r_ or base.obj is np.c_):
            from ..library.shape import index_concat
            return index_concat(self.lowerer, node, base.obj)
        if isinstance(base, self.lowerer.LIST_VALUES[0]):    # a list grown in a loop: its rows
            return self.lowerer.stacked_index(base, node)
        if isinstance(base, tuple):
            key = self.lowerer.index_value(node.slice)
            if isinstance(key, SliceVal):     # layer_sizes[:-1], args[1:]
                return base[self.lowerer.static_slice(key, node)]
            if isinstance(key, Var) and key.type == T.I64 and base:
                # an index known only at run time: the items as one array (numbers, or
                # arrays of one shape, as np.array makes of them), indexed
                rows = self.lowerer.sequence_array(base, node)
                return self.op(node, "getitem", rows, key, spec=(("i",),))
            i = self.lowerer.const_int(node.slice)
            try:
                return base[i]
            except IndexError:
                raise self.err(node, f"tuple index {i} out of range") from None
        if not (isinstance(base, Var) and T.is_array(base.type)):
            raise self.err(node, "only arrays and tuples can be indexed")
        spec, args, newaxes = self.index(base, node.slice, node)
        if spec == (("m",),):
            from ..library.order import mask_read
            return mask_read(self, node, base, args[0])
        out = base
        if spec and not all(e == ("s", False, False, False) for e in spec):
            args, unfold = self.flat_fancy(spec, args, node)
            out = self.op(node, "getitem", base, *args, spec=spec)
            if unfold is not None:
                out = self.unfold_axis(node, out, *unfold)
        for axis in newaxes:
            out = self.op(node, "expand_dims", out, axis=axis)
        return out

    def index(self, base, sl, node):
        """(spec, index atoms, positions of None axes) for ``base[sl]``. A tuple index (written
        ``x[i, :]`` or held in a variable, as ``np.nonzero`` returns one) is its items."""
        v = self._list_index(self.lowerer.index_value(sl), sl)
        if isinstance(v, tuple):
            nodes = sl.elts if isinstance(sl, ast.Tuple) else [sl] * len(v)
            items = list(zip(v, nodes))
        else:
            items = [(v, sl)]
        items = self.expand_ellipsis(base, items, node)
        spec, args, newaxes, pos, used = [], [], [], 0, 0
        for v, it in items:
            v = self._list_index(v, it)
            if isinstance(v, SliceVal):
                entry, parts = self.lowerer.slice_spec(v)
                spec.append(entry)
                args += parts
                pos, used = pos + 1, used + 1
                continue
            if isinstance(v, Ref) and v.obj is None:
                newaxes.append(pos)
                pos += 1
                continue
            if isinstance(v, (Var, Const)) and isinstance(v.type, T.Scalar) and v.type.dtype == "int64":
                spec.append(("i",))
                args.append(v)
                used += 1
                continue
            if isinstance(v, Var) and T.is_array(v.type) and v.type.dtype == "bool":
                if len(items) == 1 and v.type.ndim == base.type.ndim:
                    return (("m",),), [v], []       # x[mask]: read by library/order.py
                if v.type.ndim != 1:
                    raise self.err(it, "a boolean mask indexes either the whole array "
                                       "(x[x > 0]) or one axis (1-D: X[y == 1], M[:, keep])",
                                   "Use np.where(mask, x, 0.0) instead.")
                # a 1-D mask at one axis (rows X[y == k], columns M[:, keep]) is the
                # positions where it is true, as NumPy reads it
                v = self.op(it, "nonzero", v, axis=0)
            if isinstance(v, Var) and T.is_array(v.type) and v.type.dtype == "int64":
                spec.append(("a",))
                args.append(v)
                used += 1
                pos += 0 if any(e[0] == "a" for e in spec[:-1]) else 1
                continue
            raise self.err(it, "unsupported index", "Index with ints, slices, None, integer arrays "
                                                    "or one boolean mask.")
        if used > base.type.ndim:
            raise self.err(node, f"too many indices for a {base.type.ndim}-D array")
        if newaxes and any(e[0] == "a" for e in spec):
            raise self.err(node, "None cannot be mixed with integer-array indexing")
        return tuple(spec), args, newaxes

    def _list_index(self, v, node):
        """A list in an index (``x[[0, 2]]``, ``M[[0, 1], :]``, ``x[IDX]`` of a module list) is
        an integer (or boolean) array, as NumPy reads it, never a tuple of indices."""
        if isinstance(v, ListValue):
            return self.lowerer.sequence_array(v, node)
        return v

    def expand_ellipsis(self, base, items, node):
        """``...`` in an index: as many whole slices as the array has axes the other
        entries do not index (None indexes none); at the end it adds nothing."""
        at = [k for k, (v, _) in enumerate(items) if v is Ellipsis]
        if not at:
            return items
        if len(at) > 1:
            raise self.err(node, "an index can only have a single ellipsis ('...')")
        k = at[0]
        used = sum(1 for v, _ in items if v is not Ellipsis and not (isinstance(v, Ref) and v.obj is None))
        fill = [] if k == len(items) - 1 else \
            [(SliceVal(None, None, None), items[k][1])] * max(0, base.type.ndim - used)
        return items[:k] + fill + items[k + 1:]

    def flat_fancy(self, spec, args, node):
        """NumPy's integer-array indices of any shape, as a gather with 1-D ones: the arrays
        are broadcast together to a shape S and raveled, so the gather has one advanced
        axis of S's size. Returns the index operands and, where some array was not 1-D,
        ``(axis, S's dims)``: where that axis is and what it unfolds into (``unfold_axis``).
        The axis is NumPy's: at the first advanced index (ints count) when the advanced
        indices are side by side, else first."""
        arrays = [j for j, e in enumerate(_spec_args(spec)) if e == ("a",)]
        if all(args[j].type.ndim == 1 for j in arrays):
            return args, None
        nd = max(args[j].type.ndim for j in arrays)
        dims = []
        for k in range(nd):                   # right-aligned, as NumPy broadcasts
            have = [self.op(node, "dim", args[j], axis=k - nd + args[j].type.ndim)
                    for j in arrays if k >= nd - args[j].type.ndim]
            d = have[0]
            for e in have[1:]:                # 1 against n is n; n against m fails in
                d = self.op(node, "max", d, e)  # broadcast_to, at run time, as in NumPy
            dims.append(d)
        size = self.product(node, dims)
        out = list(args)
        for j in arrays:
            a = args[j]
            if len(arrays) > 1:
                a = self.op(node, "broadcast_to", a, *dims)
            out[j] = self.op(node, "reshape", a, size) if a.type.ndim != 1 else a
        adv = [k for k, e in enumerate(spec) if e[0] in ("i", "a")]
        together = adv[-1] - adv[0] + 1 == len(adv)
        axis = sum(e[0] == "s" for e in spec[:adv[0]]) if together else 0
        return out, (axis, dims)

    def product(self, node, dims):
        size = dims[0]
        for d in dims[1:]:
            size = self.op(node, "mul", size, d)
        return size

    def unfold_axis(self, node, x, axis, dims):
        """``x`` with its axis ``axis`` reshaped into ``dims`` (C order)."""
        nd = x.type.ndim
        new = ([self.op(node, "dim", x, axis=k) for k in range(axis)] + list(dims)
               + [self.op(node, "dim", x, axis=k) for k in range(axis + 1, nd)])
        return self.op(node, "reshape", x, *new)

    def assign_subscript(self, target: ast.Subscript, value, node) -> None:
        if not isinstance(target.value, ast.Name):
            raise self.err(target, "assign into a named array (y[i] = ...)")
        name = target.value.id
        arr = self.lowerer.load(name, target.value)
        if isinstance(arr, tuple) and not isinstance(arr, ListValue):
            raise self.err(target, f"'{name}' is a tuple, which cannot be assigned into (Python "
                                   "raises TypeError)", f"Make it a list: {name} = list({name}).")
        if not (isinstance(arr, Var) and T.is_array(arr.type)):
            raise self.err(target, f"'{name}' is not an array, so it cannot be assigned into",
                           f"Assign a new value to '{name}' instead, or make it an array.")
        if not self.own.is_owned(arr) or self.lowerer.root(arr) in self.lowerer.borrowed:
            raise self.err(target, f"cannot assign into '{name}': flatgrad never mutates an argument "
                                   "or a view of one", f"Make a copy first: {name} = {name}.copy()")
        if self.lowerer.root(arr) != arr.id:
            arr = self.own_view(name, arr, target, "assigning through it would change that array")
        self.check_unaliased(name, arr, target)
        if not isinstance(value, (Var, Const)):
            raise self.err(node, "only numbers or arrays can be stored into an array")
        spec, args, newaxes = self.index(arr, target.slice, target)
        if spec == (("m",),):
            raise self.err(target, "assigning through a boolean mask is not supported",
                           f"Use np.where(mask, value, {name}) instead.")
        if newaxes:
            raise self.err(target, "None is not allowed in an assignment target")
        args, unfold = self.flat_fancy(spec, args, target)
        region = PRIMS["getitem"].result(arr.type, *(a.type for a in args), spec=spec)
        region_nd = T.ndim(region) + (len(unfold[1]) - 1 if unfold else 0)
        if T.ndim(value.type) > region_nd:
            raise self.err(node, f"the value written has {T.ndim(value.type)} dimension(s) but "
                                 f"the region '{ast.unparse(target)}' has {region_nd}",
                           "NumPy drops a value's leading axes of length 1 here; flatgrad asks "
                           "for them to be dropped explicitly: index the value (v[0]) or "
                           "reshape it to the region's shape.")
        if unfold is not None and T.is_array(value.type):
            value = self.folded_value(arr, spec, value, unfold, target)
        # NumPy lets the last of repeated writes win, which has no useful gradient: ask for
        # distinct indices (checked at run time)
        args = self.distinct(arr, spec, args, node)
        if self.own.is_exposed(arr) or self.own.is_foreign(arr):
            # the backward pass may still need the old values (or replays this region from
            # them): write into a copy and keep them intact
            arr = self.op(node, "copy_array", arr)
        value = self.lowerer.cast(value, T.Scalar(arr.type.dtype), node) if isinstance(value.type, T.Scalar) \
            and value.type.dtype != arr.type.dtype else value
        out = self.op(node, "setitem", arr, value, *args, spec=spec)
        self.lowerer.env[name] = out

    def folded_value(self, arr, spec, value, unfold, node):
        """The array written through integer-array indices of 2 or more dimensions, shaped
        for the flat gather's region: broadcast to the region's shape (S, then ``arr``'s
        axes past the indexed ones) and its first axes folded into one."""
        if any(e[0] == "s" for e in spec):
            raise self.err(node, "an array written through integer-array indices of 2 or more "
                                 "dimensions mixed with slices is not supported",
                           "Index with 1-D integer arrays (ravel them, and the value), or "
                           "write a number.")
        _, dims = unfold
        rest = [self.op(node, "dim", arr, axis=k) for k in range(len(spec), arr.type.ndim)]
        size = self.product(node, dims)
        value = self.op(node, "broadcast_to", value, *dims, *rest)
        return self.op(node, "reshape", value, size, *rest)

    def check_unaliased(self, name: str, arr: Var, node) -> None:
        """Reject a write into ``arr`` while another name refers to the same buffer, or a
        tuple, list or dict holds it (``L = [A]; A[0] = x``): NumPy would change both, and
        SSA versions cannot."""
        k = self.holder(name, arr)
        if k is None:
            return
        if isinstance(self.lowerer.env[k], Var):
            raise self.err(node, f"'{name}' and '{k}' are the same array; assigning through one "
                                 "of two names is not supported",
                           f"Use one name for it, or make a copy: {name} = {k}.copy()")
        raise self.err(node, f"'{k}' holds the array '{name}'; assigning into '{name}' would "
                             f"change '{k}' too, which is not supported",
                       f"Write into '{name}' before '{k}' takes it, or give '{k}' a copy: "
                       f"{name}.copy()")

    def holder(self, name: str, arr: Var) -> str | None:
        """Another name whose value is ``arr``'s buffer or holds it (in a tuple, list or
        dict, at any depth), or None."""
        mine = self.own.buffers(arr)
        for k, v in self.lowerer.env.items():
            if k != name and not k.startswith("$") and \
                    any(self.own.buffers(a) & mine for a in _arrays_in(v)):
                return k
        return None

    def own_view(self, name: str, arr: Var, node, what: str, advice: str = "",
                 copy: bool = True) -> Var:
        """A view whose buffer nothing else can reach (``Z = np.zeros(6).reshape(2, 3)``, a
        helper's ``return np.array([...]).reshape(2, 3)``), about to be written into: NumPy
        writes into a buffer only ``name`` sees, the same as writing into a copy of the
        view, which becomes ``name``'s own array (made once, here; ``copy=False``: the view
        itself, for ``a += x``, which the IR computes as a new array anyway). A view of a
        buffer another name, a container or the caller holds is still refused: the write
        would change it too."""
        passed = any(self.own.buffers(a) & self.own.buffers(arr)
                     for a in _arrays_in(getattr(self.lowerer, "passed_in", ())))
        if passed or self.holder(name, arr) is not None:
            raise self.err(node, f"'{name}' is a view into another array; {what}", advice or
                           "Assign into the array itself, with the index shifted (z[1 + i] = "
                           "... rather than v = z[1:]; v[i] = ...), or copy the view first.")
        if not copy:
            return arr
        own = self.lowerer.rename(self.lowerer.op(node, "copy_array", arr), name)
        self.lowerer.env[name] = own
        return own

    def distinct(self, arr, spec, args, node):
        """Index operands with a run-time check that fancy indices name distinct positions."""
        fancy = [(k, j) for j, (k, e) in enumerate(zip(_spec_axes(spec), _spec_args(spec)))
                 if e == ("a",)]
        if not fancy or len(fancy) > 2:
            return args
        args = list(args)
        (k0, j0), rest = fancy[0], fancy[1:]
        n0 = self.op(node, "dim", arr, axis=k0)
        if not rest:
            args[j0] = self.op(node, "distinct", args[j0], n0)
        else:
            k1, j1 = rest[0]
            args[j0] = self.op(node, "distinct2", args[j0], n0, args[j1],
                               self.op(node, "dim", arr, axis=k1))
        return args

    def aug_array(self, s: ast.AugAssign, current: Var, name: str) -> Var:
        """``a += x`` on an array changes its buffer in place. That is the same as ``a = a + x``
        only if no other name sees the buffer: reject it on arguments, aliases and views of
        a buffer something else holds. ``current`` back, to compute ``a + x`` from."""
        if not self.own.is_owned(current) or self.lowerer.root(current) in self.lowerer.borrowed:
            raise self.err(s, f"'{name} {_AUG[type(s.op)]}= ...' would change the argument "
                              f"'{name}' in place; flatgrad never mutates an argument",
                           f"Write {name} = {name} {_AUG[type(s.op)]} ... (a new array).")
        if self.lowerer.root(current) != current.id:
            current = self.own_view(name, current, s, "an in-place operator would change that "
                                    "array too", f"Write {name} = {name} {_AUG[type(s.op)]} ... "
                                    "(a new array), or update the array itself.", copy=False)
        self.check_unaliased(name, current, s)
        return current

    def aug_subscript(self, s: ast.AugAssign, op: str) -> None:
        current = self.subscript(ast.Subscript(value=s.target.value, slice=s.target.slice,
                                                    ctx=ast.Load(), lineno=s.lineno,
                                                    col_offset=s.col_offset))
        value = self.lowerer.binop(op, current, self.atom(s.value), s)
        if isinstance(s.target.value, ast.Name) and \
                isinstance(self.lowerer.env.get(s.target.value.id), Record):
            return self.lowerer.assign_item(s.target, value, s)     # d["k"] += v
        if isinstance(s.target.value, ast.Name) and \
                isinstance(self.lowerer.env.get(s.target.value.id), ListValue):
            if isinstance(current, Var) and T.is_array(current.type):
                # Python's += on the array the list holds changes that array in place (and
                # every name that sees it)
                name, sign = s.target.value.id, _AUG[type(s.op)]
                raise self.err(s, f"'{name}[...] {sign}= ...' would change the array the list "
                                  "holds in place", f"Write {name}[...] = {name}[...] {sign} ... "
                                  "(a new array).")
            return self.lowerer.assign_list_item(s.target, value, s)     # xs[0] += v
        self.assign_subscript(s.target, value, s)


_AUG = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
        ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@"}


def _spec_args(spec):
    """The spec entry each index operand belongs to (slices take 0-3 operands)."""
    out = []
    for e in spec:
        if e[0] == "s":
            out += [e] * sum(e[1:])
        else:
            out.append(e)
    return out


def _spec_axes(spec):
    """The array axis of each index operand."""
    out = []
    for k, e in enumerate(spec):
        out += [k] * (sum(e[1:]) if e[0] == "s" else 1)
    return out


def _arrays_in(v, depth: int = 0):
    """The array values in ``v``: itself, or the components of a container value
    (``split_value``: a tuple, list, dict, named tuple or object made in the function; a
    list of rows), at any depth."""
    if isinstance(v, Var):
        if T.is_array(v.type):
            yield v
        return
    split = split_value((v.rows, v.last) if isinstance(v, Stacked) else v)
    if split is not None and depth < 16:
        for x in split[0]:
            yield from _arrays_in(x, depth + 1)
