"""Calls of Python's builtins (and of the few NumPy functions that fold like them) that the
frontend lowers itself: ``min(a, b, c)`` folds, ``len`` of a tuple is a constant, ``sum``
of a generator may become a loop. Registered in the one call registry
(:mod:`~flatgrad.compiler.library.registry`) as every other lowering is."""
from __future__ import annotations

import ast
import builtins
import functools
import math

import numpy as np

from .. import types as T
from ..ir import Const, Var
from ..library import rounding
from ..library.registry import lowers
from ..library.introspect import stand_ins
from ..values import Instance, ListValue, Record, Ref
from .desugar.rename import placed
from .effects import lower_print
from .lists import Stacked
from .objects import ObjectVal


@lowers(builtins.min, signature="*args, key=None, default=None", takes="args key")
def lower_min(lowerer, node, args):
    return _fold_minmax(lowerer, "min", node, args.rest, args.get("key"))


@lowers(builtins.max, signature="*args, key=None, default=None", takes="args key")
def lower_max(lowerer, node, args):
    return _fold_minmax(lowerer, "max", node, args.rest, args.get("key"))


def _fold_minmax(lowerer, prim, node, items, key=None):
    values = None
    if len(items) == 1:                  # max(xs): the items of a tuple or list of numbers
        seq = _iterated(lowerer, items[0], node)
        if key is None and isinstance(seq, Var) and T.is_array(seq.type) and seq.type.ndim == 1:
            # the items of a run-time sequence (a generator over an array's elements, a
            # list grown in a loop, a 1-D array): NumPy's reduction of them
            return lowerer.lower_text(f"np.{prim}(r)", node, r=seq)
        if isinstance(seq, tuple) and seq and all(
                isinstance(v, (Var, Const)) and (key is not None or not T.is_array(v.type))
                for v in seq):
            values = list(seq)
    elif len(items) >= 2:
        values = [lowerer.atom(a) for a in items]
    if values is None:
        raise lowerer.err(node, f"{prim}() needs two or more numbers, or a tuple or list of "
                                "numbers, here", f"Write {prim}(a, b) or use np.{prim} on arrays.")
    if key is not None:
        return _pick_by_key(lowerer, prim, node, values, _keys(lowerer, key, values, node))
    acc = values[0]
    for a in values[1:]:
        acc = lowerer.op(node, prim, acc, a)
    return acc


def _iterated(lowerer, node: ast.expr, call: ast.Call):
    """What a builtin reduction (``max``, ``any``, ``reduce``) runs over: a tuple of values
    known while compiling, or one array whose rows are the items (a comprehension or list
    over items known only at run time, grown in a loop, or an array itself)."""
    rows = lowerer.grown_rows(node, call)
    return rows if rows is not None else lowerer.expr(node)


@lowers(builtins.any, signature="iterable, /")
@lowers(builtins.all, signature="iterable, /")
def lower_any_all(lowerer, node, args):
    """``any(v > 0 for v in x)``, ``all(flags)``: over a tuple, each item's truth; over
    items known only at run time (1-D), NumPy's ``np.any``/``np.all`` of them."""
    name = "any" if args.fn is builtins.any else "all"
    seq = _iterated(lowerer, args["iterable"], node)
    if isinstance(seq, Var) and T.is_array(seq.type) and seq.type.ndim == 1:
        return lowerer.lower_text(f"np.{name}(r)", node, r=seq)
    if not isinstance(seq, tuple):
        raise lowerer.err(args["iterable"], f"{name}() runs over a tuple, a list, a generator "
                          "or a 1-D array here", f"Use np.{name} on an array.")
    if not seq:
        return Const(name == "all", T.BOOL)
    names = {f"v{k}": v for k, v in enumerate(seq)}
    joined = f" {'or' if name == 'any' else 'and'} ".join(f"bool({k})" for k in names)
    return lowerer.lower_text(f"bool({joined})", node, **names)


def _keys(lowerer, key_node, values, node) -> list:
    """``key(v)`` for each value (None: the values themselves), each a number."""
    if key_node is None:
        return list(values)
    key = lowerer.expr(key_node)
    keys = [lowerer.lower_text("key(v)", node, key=key, v=v) for v in values]
    if not all(isinstance(k, (Var, Const)) and not T.is_array(k.type) for k in keys):
        raise lowerer.err(key_node, "the key function must return a number for each item here")
    return keys


def _pick_by_key(lowerer, prim, node, values, keys):
    """max(xs, key=f) / min: the first item whose key is largest (smallest), as Python picks
    it (a later item replaces the best only with a strictly larger key)."""
    better = "k > bk" if prim == "max" else "k < bk"
    best, bk = values[0], keys[0]
    for v, k in zip(values[1:], keys[1:]):
        best, bk = (lowerer.lower_text(f"v if {better} else best", node, v=v, k=k, bk=bk, best=best),
                    lowerer.lower_text(f"k if {better} else bk", node, k=k, bk=bk))
    return best


@lowers(builtins.sorted, signature="iterable, /, *, key=None, reverse=False")
def lower_sorted(lowerer, node, args):
    """sorted(xs, key=None, reverse=False) of a tuple or list of numbers or arrays (a length
    known while compiling): a new list, ordered by compare-and-swap steps of insertion sort,
    which keep equal keys in their order, as Python's stable sort does (reverse=True too)."""
    items = lowerer.expr(args["iterable"])
    if not isinstance(items, tuple) or not all(isinstance(v, (Var, Const)) for v in items):
        raise lowerer.err(node, "sorted() of a tuple or list of numbers is supported here "
                                "(a length known while compiling)",
                          "Sort an array with np.sort(x) (an array, where sorted() gives a list).")
    reverse = lowerer.const_bool(args["reverse"]) if "reverse" in args else False
    key = args.get("key")
    if key is None and any(T.is_array(v.type) for v in items):
        raise lowerer.err(node, "sorted() of arrays compares arrays element by element, which "
                                "has no single truth value", "Pass key=... returning a number.")
    values, keys = list(items), _keys(lowerer, key, items, node)
    after = "kb > ka" if reverse else "kb < ka"          # b (later) moves before a
    for i in range(1, len(values)):
        for j in range(i, 0, -1):
            a, b, ka, kb = values[j - 1], values[j], keys[j - 1], keys[j]
            pick = lambda x, y: lowerer.lower_text(f"y if {after} else x", node,  # noqa: E731
                                                   x=x, y=y, ka=ka, kb=kb)
            values[j - 1], values[j] = pick(a, b), pick(b, a)
            if key is not None:
                keys[j - 1], keys[j] = pick(ka, kb), pick(kb, ka)
            else:
                keys[j - 1], keys[j] = values[j - 1], values[j]
    return ListValue(values)


@lowers(math.log, signature="x, base=None, /")
@lowers(np.log, takes="x")
def lower_log(lowerer, node, args):
    """math.log(x), math.log(x, base), np.log(x)."""
    x = lowerer.op(node, "log", lowerer.atom(args["x"]))
    if "base" in args:
        x = lowerer.op(node, "div", x, lowerer.op(node, "log", lowerer.atom(args["base"])))
    return x


@lowers(np.square, takes="x")
def lower_square(lowerer, node, args):
    x = lowerer.atom(args["x"])
    return lowerer.op(node, "mul", x, x)


@lowers(builtins.bool, signature="x, /")
def lower_bool(lowerer, node, args):
    return lowerer.truth(lowerer.atom(args["x"]), node)


@lowers(builtins.range, signature="*args")
def lower_range(lowerer, node, args):
    raise lowerer.err(node, "range() is only supported as the iterable of a for loop")


@lowers(builtins.list, signature="iterable=(), /")
@lowers(builtins.tuple, signature="iterable=(), /")
def lower_list(lowerer, node, args):
    """list(v) and tuple(v): of a list or tuple, its items; of a list grown in a loop, or
    of an array, the list of its rows; of a constant range, its numbers; of a generator
    helper's call, what it yields (desugar/generators.py)."""
    make = ListValue if args.fn is builtins.list else tuple
    if "iterable" not in args:
        return make(())
    it = args["iterable"]
    if lowerer.calls(it, range):
        bounds = [lowerer.int_atom(a) for a in it.args]
        if all(isinstance(b, Const) for b in bounds):
            return make(Const(i, T.I64) for i in range(*(int(b.value) for b in bounds)))
        return Stacked(lowerer.op(node, "arange", *bounds))
    x = lowerer.expr(it)
    if isinstance(x, tuple):
        return make(x)
    if isinstance(x, Stacked):
        return x
    if isinstance(x, Var) and T.is_array(x.type):
        return Stacked(x)
    raise lowerer.err(node, f"{make is tuple and 'tuple' or 'list'}() needs a list, tuple, "
                            "array or range here")


@lowers(builtins.dict, signature="*args, **kwargs")
def lower_dict(lowerer, node, args):
    """dict(d), dict(k=v, ...), dict(d, k=v): a new dict the function may write into."""
    if len(args.rest) > 1:
        raise lowerer.err(node, "dict() takes at most one positional argument")
    items = {}
    if args.rest:
        d = lowerer.expr(args.rest[0])
        if not isinstance(d, Record):
            raise lowerer.err(node, "dict() of a dict (or keywords) only here",
                              "Write the dict display: {\"a\": a, \"b\": b}.")
        items.update(d.items)
    for k, v in args.extra.items():
        items[k] = lowerer.expr(v)
    return Record(items, owner=lowerer)


@lowers(builtins.map, signature="function, *iterables")
def lower_map(lowerer, node, args):
    """map(f, xs, ...): the generator (f(a, ...) for a, ... in zip(xs, ...)), lowered as
    such (a tuple of values, or a list grown in a loop over rows)."""
    if not args.rest:
        raise lowerer.err(node, "map() needs a function and an iterable")
    names = [f"_fg_map{k}" for k in range(len(args.rest))]
    call = ast.Call(func=args["function"], args=[ast.Name(id=n, ctx=ast.Load()) for n in names],
                    keywords=[])
    target = ast.Name(id=names[0], ctx=ast.Store()) if len(names) == 1 else \
        ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Store()) for n in names], ctx=ast.Store())
    it = args.rest[0] if len(names) == 1 else \
        ast.Call(func=ast.Name(id="zip", ctx=ast.Load()), args=list(args.rest), keywords=[])
    gen = ast.GeneratorExp(elt=call, generators=[ast.comprehension(
        target=target, iter=it, ifs=[], is_async=0)])
    return lowerer.expr(placed(gen, node))


@lowers(functools.reduce, signature="function, iterable, initial=None, /")
def lower_reduce(lowerer, node, args):
    """reduce(f, xs[, initial]) over a tuple or list (a length known while compiling):
    f(f(initial, xs[0]), xs[1]) ..., each call inlined."""
    items = _iterated(lowerer, args["iterable"], node)
    if isinstance(items, Var) and T.is_array(items.type):
        # items known at run time: Python's loop, written out (the rows of an array)
        f = lowerer.expr(args["function"])
        if "initial" in args:
            return lowerer.lower_text("acc = init\nfor item in xs:\n    acc = f(acc, item)\nacc",
                                      node, f=f, xs=items, init=lowerer.expr(args["initial"]))
        return lowerer.lower_text("acc = xs[0]\nfor item in xs[1:]:\n    acc = f(acc, item)\n"
                                  "acc", node, f=f, xs=items)
    if not isinstance(items, tuple):
        raise lowerer.err(args["iterable"], "reduce() runs over a tuple, a list or an array "
                                            "here",
                          "Write a for loop: acc = x[0]; for row in x[1:]: acc = f(acc, row).")
    if "initial" in args:
        items = (lowerer.expr(args["initial"]),) + items
    if not items:
        raise lowerer.err(node, "reduce() of an empty sequence with no initial value")
    f, acc = lowerer.expr(args["function"]), items[0]
    for item in items[1:]:
        acc = lowerer.lower_text("f(acc, item)", node, f=f, acc=acc, item=item)
    return acc


@lowers(builtins.len)
def lower_len(lowerer, node, args):
    x = lowerer.expr(args["obj"])
    if isinstance(x, Ref) and isinstance(x.obj, str):        # a string known while compiling
        return Const(len(x.obj), T.I64)
    if isinstance(x, (tuple, Record)):
        return Const(len(x.items if isinstance(x, Record) else x), T.I64)
    if isinstance(x, Stacked):
        if x.count is not None:
            return x.count
        x = x.rows
    if isinstance(x, Var) and T.is_array(x.type):
        return lowerer.op(node, "dim", x, axis=0)
    raise lowerer.err(node, "len() needs an array or a tuple")


@lowers(builtins.sum, takes="iterable")
def lower_sum(lowerer, node, args):
    if isinstance(args["iterable"], (ast.GeneratorExp, ast.ListComp)):
        total, x = lowerer.comprehensions.summed(args["iterable"])
        if total is not None:      # over a loop: accumulated
            return total
        if not x:
            return Const(0, T.I64)
    else:
        rows = lowerer.grown_rows(args["iterable"], node)
        if rows is not None:       # a list grown in a loop: its items added, as Python does
            return lowerer.op(node, "sum", rows, axis=0, keepdims=False)
        x = lowerer.expr(args["iterable"])
    if isinstance(x, tuple):
        acc = x[0]
        for v in x[1:]:
            acc = lowerer.op(node, "add", acc, v)
        return acc
    if isinstance(x, Var) and T.is_array(x.type):
        rows = ast.copy_location(ast.Constant(0), node) if x.type.ndim > 1 else None
        return lowerer.arrays.reduction("sum", x, rows, None, node)   # sum(x) adds x's rows
    raise lowerer.err(node, "sum() needs an array or a tuple", "Use a loop or np.sum on an array.")


@lowers(np.where)
def lower_where(lowerer, node, args):
    if "x" not in args and "y" not in args:      # np.where(c) is np.nonzero(c)
        from ..library.order import where_one
        return where_one(lowerer, node, args["condition"])
    if "x" not in args or "y" not in args:
        raise lowerer.err(node, "np.where takes one or three arguments here")
    c, a, b = (lowerer.atom(args[k]) for k in ("condition", "x", "y"))
    c = lowerer.truth(c, node) if not T.is_array(c.type) else c
    return lowerer.op(node, "select", c, a, b)


@lowers(builtins.print)
def lower_print_call(lowerer, node, args):
    given = [k for k in ("sep", "end", "file", "flush") if k in args or args.is_none(k)]
    return lower_print(lowerer, node, args.rest, given)


@lowers(builtins.round)
def lower_round(lowerer, node, args):
    """round(x): an int, half to even (of a float known at run time: NumPy's rounding, the
    same); round(x, n) of numbers known while compiling is Python's own."""
    x = lowerer.atom(args["number"])
    nd = lowerer.atom(args["ndigits"]) if "ndigits" in args else None
    if isinstance(x, Const) and (nd is None or isinstance(nd, Const)):
        v = round(x.value) if nd is None or nd.value is None else round(x.value, nd.value)
        return Const(v, T.of_value(v))
    digits = None if nd is None or (isinstance(nd, Const) and nd.value is None) \
        else lowerer.const_int(args["ndigits"])
    if T.is_array(x.type):          # (NumPy arrays have no __round__)
        raise lowerer.err(node, "round() of an array: type numpy.ndarray doesn't define "
                                "__round__ method", "Use np.round(x, decimals).")
    if digits is None:
        return lowerer.op(node, "int", rounding.round_of(lowerer, node, x, 0))
    raise lowerer.err(node, "round(x, ndigits) of a number known only at run time is not "
                            "supported (Python rounds the decimal value exactly; NumPy scales)",
                      "Use np.round(x, ndigits) (NumPy's rounding; its derivative is 0).")


@lowers(builtins.slice, signature="*args")
def lower_slice(lowerer, node, args):
    return lowerer.call_slice(node, args.rest)


def _attribute_name(lowerer, node) -> str:
    name = lowerer.expr(node)
    if not (isinstance(name, Ref) and isinstance(name.obj, str)):
        raise lowerer.err(node, "the attribute's name must be a string known while compiling")
    return name.obj


@lowers(builtins.getattr, signature="object, name, default=None, /")
def lower_getattr(lowerer, node, args):
    """getattr(obj, "name"[, default]) with a name known while compiling: obj.name."""
    name = _attribute_name(lowerer, args["name"])
    if "default" in args and not _has_attribute(lowerer.expr(args["object"]), name):
        return lowerer.expr(args["default"])
    return lowerer.expr(placed(ast.Attribute(value=args["object"], attr=name, ctx=ast.Load()), node))


@lowers(builtins.hasattr, signature="object, name, /")
def lower_hasattr(lowerer, node, args):
    """hasattr(obj, "name"): Python's answer, known while compiling."""
    name = _attribute_name(lowerer, args["name"])
    return Const(_has_attribute(lowerer.expr(args["object"]), name), T.BOOL)


def _has_attribute(v, name: str) -> bool:
    """Asked of the object itself (a module, a user object, one the function built) or of
    stand-ins of the value's kind (an array, a number: introspect.stand_ins)."""
    if isinstance(v, (Ref, ObjectVal)):
        return hasattr(v.obj, name)
    if isinstance(v, Instance):
        return name in v.attrs or hasattr(v.cls, name)
    return all(hasattr(s, name) for s in stand_ins(v))
