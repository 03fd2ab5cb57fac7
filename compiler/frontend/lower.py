"""SSA construction: Python AST -> structured, typed IR.

Mutable local variables become SSA versions; ``if``/``for``/``while`` become
structured regions whose blocks yield the variables they change. ``break``,
``continue`` and ``return`` arrive as flag variables that guard the rest of their block
(:mod:`.desugar.exits`, run on the body first), so every region stays single-entry
single-exit and the reverse pass never needs a goto. Calls to other user functions are
inlined.
"""
from __future__ import annotations

import ast
import builtins
import functools
import types as pytypes

import numpy as np

from .. import facts
from .. import types as T
from ..builder import Builder
from ..errors import CompileError
from ..ir import Atom, Block, Const, Function, If, Op, Var
from ..library.binding import bind_primitive
from ..library.registry import lowering_of
from ..library.shape import unstacked
from ..primitives import PRIMS
from . import array_calls, builtin_calls  # noqa: F401 - they register their lowerings
from . import names, partials, starred, texts, transforms
from .arrays import ArrayLowering
from .comprehensions import Comprehensions
from .conditions import ConditionLowering
from .constants import ConstantArgs
from .desugar.private import private_text
from .desugar.exits import exit_of, exits_to_flags, guard_of
from .flags import RETVAL, LoopFlags, hint_of
from .loops import PEELED, FirstTripMakesAnArray, LoopLowering
from .effects import fstring, is_print, lower_assert, lower_raise
from .fence import fence
from .lists import GrowingLists, ListLowering, Stacked, _appended
from .inline import InlineLowering, LocalFunction
from .objects import NO_KEY, ObjectLowering, ObjectVal, StaticArg, UserMethod, object_parameter, static_key
from .scope import NameLowering
from .ownership import Ownership
from .slices import SliceLowering, slice_parameter
from .source import ParsedFunction, params_of, parse_function
from ..objects import holds_objects, is_namedtuple_class, is_user_class
from ..values import (BoundMethod, Instance, ListValue, NamedValue, PartialVal, Record, Ref,
                      SliceVal, Undefined, Unreadable, hashable, join_value, nests, result_tree, same_form,
                      split_value, width)
from ..library import random

CAPTURES = "captures"   # meta: where each hidden parameter's array is read, its dtype and ndim

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul"}

def lower_function(fn, arg_types=None) -> Function:
    """Lower the Python function ``fn`` to IR, specialised on ``arg_types``: again, with a
    loop's first trip peeled, where that trip makes a number an array
    (:class:`~.loops.FirstTripMakesAnArray`)."""
    peeled: frozenset = frozenset()
    while True:
        token = PEELED.set(peeled)
        try:
            return _lower_function(fn, arg_types)
        except FirstTripMakesAnArray as e:
            if e.key in peeled:          # a peeled loop carries what its first trip made
                raise AssertionError(f"the loop at {e.key} was peeled already") from None
            peeled = peeled | {e.key}
        finally:
            PEELED.reset(token)


def _lower_function(fn, arg_types) -> Function:
    pf = parse_function(fn)
    fence(pf)
    argnames = params_of(fn)
    if arg_types is None:
        arg_types = (T.F64,) * len(argnames)
    arg_types, known = facts.split(arg_types)      # size facts the signature holds
    b = Builder(loc=pf.loc(pf.node))
    leaves: list = []
    bindings = {n: _parameter(b, n, t, leaves) for n, t in zip(argnames, arg_types)}
    params = tuple(leaves)
    lowerer = Lowerer(pf, fn, b, (fn.__code__,))
    lowerer.route = ("closure",)
    for n, v in bindings.items():
        if isinstance(v, StaticArg):      # an object argument: its arrays are parameters
            bindings[n] = lowerer.static_value(v.obj, v.arrays, (), pf.node, n)
    lowerer.captures_hints.update(argnames)
    lowerer.captures_hints.update(p.hint for p in params)
    with facts.scope(argnames, bindings, known):
        result = lowerer.run(bindings)
    results, tree = result_tree(result)
    if tree is None:
        raise CompileError(f"'{pf.name}' must return numbers or arrays",
                           pf.loc(pf.node), "Return a number, an array or a tuple, list or "
                           "dict of them (nested as you like: (loss, {'acc': acc})).")
    if len(results) == 1 and isinstance(results[0], Var):
        results = (lowerer.rename(results[0], "L"),)
    # arrays read from the module or closure come after the parameters, as hidden ones
    hidden = tuple(lowerer.captures.values())
    meta = ((CAPTURES, tuple(where + (v.type.dtype, v.type.ndim)
                             for where, v in lowerer.captures.items())),) if hidden else ()
    if nests(result, tree):      # (loss, {"acc": acc}) for has_aux; a tuple of one value
        meta += (("tree", tree),)
    fn = Function(pf.name, params + hidden, Block((), tuple(b.stmts), results), pf.loc(pf.node),
                  meta)
    return random.hoist(fn, len(params), lowerer.randoms)   # random draws: hidden parameters too


def _parameter(b: Builder, name: str, t: T.Type, leaves: list) -> object:
    """What the function sees as its parameter ``name`` of type ``t``: a fresh IR parameter;
    for a container argument (:class:`~flatgrad.compiler.types.Tree`) the same container
    (tuples for tuples and lists, :class:`Record` s for dicts) of one IR parameter per leaf,
    named after its path (``params_W``). ``leaves`` collects the IR parameters in order."""
    if isinstance(t, T.Static) and isinstance(t.obj, slice):
        return slice_parameter(b, name, t.obj, leaves)
    if isinstance(t, T.Static) and holds_objects(t.obj):
        return object_parameter(b, name, t, leaves)
    if isinstance(t, T.Static):           # a function, None or a string: known while compiling
        kind = random.kind_of(t.obj)      # (a random generator: drawn from at run time)
        return Ref(t.obj) if kind is None else random.Source(("arg", name), kind, name)
    if not isinstance(t, T.Tree):
        leaves.append(b.fresh(t, hint=name))
        return leaves[-1]
    types = iter(t.leaves)

    def build(tree, path):
        if tree.kind == "leaf":
            leaves.append(b.fresh(next(types), hint=path))
            return leaves[-1]
        if tree.kind == "dict":
            return Record({k: build(c, f"{path}_{_identifier(k)}")
                           for k, c in zip(tree.keys, tree.children)})
        items = tuple(build(c, f"{path}_{i}") for i, c in enumerate(tree.children))
        if tree.named:                     # a namedtuple: its fields by name too
            return NamedValue(items, tree.fields)
        return ListValue(items) if tree.kind == "list" else items

    return build(t.tree, name)


def _identifier(key: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in key)
    return text if text and not text[0].isdigit() else "k" + text


_EFFECTS = {ast.Assert: lower_assert, ast.Raise: lower_raise}


class Lowerer(NameLowering, LoopLowering, InlineLowering, ConstantArgs, SliceLowering,
              ListLowering, GrowingLists, ObjectLowering, ConditionLowering):
    """Lowers one function body (the user's, or an inlined callee) into a builder."""

    def __init__(self, pf: ParsedFunction, fn, b: Builder, stack: tuple,
                 own: Ownership | None = None, borrowed: frozenset = frozenset(),
                 captures: dict | None = None):
        self.pf = pf
        self.globals = fn.__globals__
        self.closure = {}
        if fn.__closure__:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
                try:
                    self.closure[name] = cell.cell_contents
                except ValueError:
                    pass
        self.b = b
        self.stack = stack
        # how the compiled function reaches this one's closure cells at run time (see
        # ``capture``): ("closure",) for its own, else the names leading to this helper
        self.route: tuple | None = None
        self.routes: dict = {}       # id(function) -> its route, shared with inlined helpers
        self.env: dict[str, object] = {}
        self.dead = False
        self.raised: ast.AST | None = None   # the last raise met that ends its path
        self.loops: list[LoopFlags] = []
        self.counter = 0
        self.hints: dict[str, str] = {}   # internal counters named after the user's loop variable
        self.own = own or Ownership()     # shared with inlined helpers
        self.captures: dict = captures if captures is not None else {}   # ditto: arrays read
        self.captures_hints: set = set()                                 # from the module
        self.borrowed = borrowed          # the caller's arrays, passed in: read-only here
        self.list_depth: dict[str, int] = {}   # list name -> loops around where it was made
        self.randoms: dict = {}           # random generators drawn from, shared with helpers
        self.prelowered: dict = {}        # id(argument node) -> its value, lowered once
        self.recursions = [0]             # recursive calls inlined, shared with helpers
        self.defs: dict = {}              # Var id -> the op that made it, shared with helpers
        self.shape_like: dict = {}        # Var id -> a value of the same shape (an ODE's
        #                                   state and its y0: facts.py), shared with helpers
        self.arrays = ArrayLowering(self)  # indexing, array methods, reductions
        self.comprehensions = Comprehensions(self)   # unrolled, or sum() as a loop

    # ------------------------------------------------------------------ helpers

    def err(self, node: ast.AST, msg: str, hint: str = "") -> CompileError:
        return CompileError(msg, self.pf.loc(node), hint)

    def op(self, node: ast.AST, prim: str, *args, **params) -> Var:
        self.b.loc = self.pf.loc(node)
        out = self.b.op(prim, *args, **params)
        made = self.b.last()
        self.own.track(prim, made.args, out)
        if isinstance(made, Op) and made.outs and made.outs[0] is out:
            self.defs[out.id] = made       # its shape, where typing needs it (facts.py)
        return out

    def flag(self, base: str) -> str:
        self.counter += 1
        return f"${base}{self.counter}"

    def rename(self, var: Var, hint: str) -> Var:
        """Give a fresh, unnamed value the user's name (the statement just emitted it)."""
        return self.b.rename_last(var, hint=hint) or var

    def root(self, v: Var) -> int:
        """The buffer array ``v`` is (a view's base)."""
        return self.own.root(v)

    def expr_Subscript(self, node: ast.Subscript) -> object:
        return self.arrays.subscript(node)

    def expr_ListComp(self, node: ast.ListComp | ast.GeneratorExp) -> object:
        return self.comprehensions.lower(node)

    expr_GeneratorExp = expr_ListComp

    def expr_JoinedStr(self, node: ast.JoinedStr) -> Ref:
        return fstring(self, node)

    def expr_DictComp(self, node: ast.DictComp) -> object:
        return self.comprehensions.dict(node)

    def placeholder(self, t: T.Type, node: ast.AST) -> Atom:
        if isinstance(t, T.Scalar):
            return Const(False if t.dtype == "bool" else (0 if t.dtype == "int64" else 0.0), t)
        return self.op(node, "undef", type=t)

    def cast(self, a: Atom, t: T.Type, node: ast.AST) -> Atom:
        """Promote ``a`` to type ``t`` (int -> float, f32 -> f64)."""
        if a.type == t:
            return a
        if isinstance(a, Const) and isinstance(t, T.Scalar):
            conv = float if t.dtype in T.FLOATS else bool if t.dtype == "bool" else int
            return Const(conv(a.value), t)      # as astype: 2.7 -> 2
        if isinstance(t, T.Scalar) and t.dtype == "float64" and not T.is_float(a.type):
            return self.op(node, "float", a)
        return self.op(node, "astype", a, dtype=t.dtype)

    def unify(self, name: str, types: list, node: ast.AST) -> T.Type:
        first = types[0]
        if all(t == first for t in types):
            return first
        kinds = {(type(t), T.ndim(t)) for t in types}
        if len(kinds) == 1 and all(t.dtype != "bool" for t in types):
            return T.with_dtype(first, T.promote_dtype(*(t.dtype for t in types)))
        raise self.err(node, f"variable '{name}' has type {' and '.join(map(str, types))} on "
                             "different paths", "Give it one type on every path (e.g. 0.0, not 0).")

    # ------------------------------------------------------------------ entry

    def run(self, bindings: dict) -> object:
        self.env = dict(bindings)
        self.passed_in = tuple(bindings.values())   # (lists and dicts here are the caller's)
        node = self.pf.node
        if isinstance(node, ast.Lambda):
            return self.expr(node.body)
        self.block(exits_to_flags(node.body))
        if not self.dead:
            raise self.err(node, f"'{self.pf.name}' can reach its end without returning a value",
                           "Make every path end in a return statement.")
        result = self.env.get(RETVAL)
        if isinstance(result, Undefined) and "different" in result.why:
            # (a generator's list, or a dict, of other lengths or keys on different paths)
            raise self.err(node, f"'{self.pf.name}' returns values of different structure on "
                                 f"different paths: {result.why}",
                           "Return a tuple, list or dict of one length (one set of keys) "
                           "on every path.")
        if (result is None or isinstance(result, Undefined)) and self.raised is not None:
            raise self.err(self.raised, f"'{self.pf.name}' raises here on every path: it never "
                                        "returns a value", "Return a value on some path.")
        if result is None or isinstance(result, Undefined):
            raise self.err(node, f"'{self.pf.name}' does not return a value", "Add a return statement.")
        return result

    # ------------------------------------------------------------------ statements

    def block(self, stmts: list[ast.stmt]) -> None:
        for i, s in enumerate(stmts):
            self.rest = stmts[i + 1:]       # what follows s in its block (loops look ahead)
            self.stmt(s)
            if self.dead:
                if i + 1 < len(stmts) and exit_of(s):
                    raise self.err(stmts[i + 1], "this statement can never run: it follows a "
                                                 "return, break or continue",
                                   "Remove it, or move it before the statement that leaves.")
                return

    def guard(self, flags: list[str], rest: list[ast.stmt], node: ast.AST) -> None:
        """Run ``rest`` only if none of ``flags`` is set (a guard of :mod:`.desugar.exits`):
        the other path has already exited, so what it lacks needs no value there. A flag
        known to be clear is left out; one known to be set leaves ``rest`` unlowered."""
        stop = None
        for f in flags:
            v = self.env[f]
            if isinstance(v, Const) and not v.value:
                continue
            stop = v if stop is None else self.op(node, "or", stop, v)
        if stop is None:
            return self.block(rest)
        if isinstance(stop, Const):
            self.dead = True
            return
        go = self.op(node, "not", stop)
        self.region_if(go, lambda: self.block(rest), None, node, else_dead=True)

    def stmt(self, s: ast.stmt) -> None:
        effect = _EFFECTS.get(type(s))           # assert, raise: frontend/effects.py
        if effect is not None:
            return effect(self, s)
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            raise self.err(s, f"flatgrad does not support {type(s).__name__} statements",
                           "Rewrite it with assignments, if, for over range, or while.")
        method(s)

    def stmt_Expr(self, s: ast.Expr) -> None:
        if isinstance(s.value, ast.Constant):   # docstring or a bare constant
            return
        grown = _appended(s)
        if grown is not None and isinstance(self.env.get(grown), (tuple,) + self.LIST_VALUES):
            if not self.append_to(s, grown):
                self.list_append(s, grown)
            return
        if isinstance(s.value, ast.Call) and is_print(self, s.value):
            self.expr(s.value)
            return
        if isinstance(s.value, ast.Call):
            name = ast.unparse(s.value.func)
            raise self.err(s, f"the call {name}(...) is only useful for its side effects, and "
                              "differentiated functions must be pure",
                           "Move printing, I/O and in-place updates out of the function; "
                           "return values instead.")
        raise self.err(s, "an expression statement has no effect here",
                       "Assign its value to a variable, or remove it.")

    def stmt_Pass(self, s) -> None:
        pass

    def stmt_Assign(self, s: ast.Assign) -> None:
        value = self.expr(s.value)
        if isinstance(s.targets[0], ast.Name) and s.targets[0].id == RETVAL:
            self.check_result(s, value)
        for target in s.targets:
            self.assign(target, value, s)
        if exit_of(s):             # break, continue or return: this path has left
            self.dead = True

    def stmt_Return(self, s: ast.Return) -> None:
        """Only a bare ``return`` is left as a statement (:mod:`.desugar.exits`)."""
        raise self.err(s, "return without a value", "Return the function's result.")

    def check_result(self, s: ast.Assign, value) -> None:
        """A returned value (``$retval = v``, a ``return v``) must be numbers or arrays."""
        if isinstance(value, Ref):
            raise self.err(s.value, "a function or module cannot be returned",
                           "Return numbers or arrays.")

    def stmt_AnnAssign(self, s: ast.AnnAssign) -> None:
        if s.value is None:
            return
        self.assign(s.target, self.expr(s.value), s)

    def stmt_AugAssign(self, s: ast.AugAssign) -> None:
        op = _BINOPS.get(type(s.op))
        if op is None:
            raise self.err(s, "this augmented assignment is not supported", "Use + - * / // % ** @.")
        if isinstance(s.target, ast.Name):
            current = self.load(s.target.id, s.target)
            if isinstance(current, (tuple, Stacked)):      # shape += (n,), xs += [x]
                return self.assign(s.target, self.sequence_binop(
                    op, current, self.expr(s.value), s), s)
            if isinstance(current, Var) and T.is_array(current.type):
                current = self.arrays.aug_array(s, current, s.target.id)
            self.assign(s.target, self.binop(op, current, self.atom(s.value), s), s)
        elif isinstance(s.target, ast.Subscript):
            self.arrays.aug_subscript(s, op)
        else:
            raise self.err(s.target, "cannot assign to this target", "Assign to a plain variable.")

    def assign(self, target: ast.expr, value: object, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            hint = self.hints.get(target.id, target.id)   # internal names show the user's
            if isinstance(value, Var) and not hint.startswith("$"):
                value = self.rename(value, hint)
            elif isinstance(value, tuple):      # a list may grow: where (which loop) it was made
                self.list_depth[target.id] = len(self.loops)
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and starred.has_starred(target.elts):
            starred.unpack(self, target, value, node)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, Var) and T.is_array(value.type):     # a, b, c = x: its rows
                value = unstacked(self, node, value, 0, "unpacking an array")
            if not isinstance(value, tuple):
                raise self.err(node, "only tuples can be unpacked",
                               "Unpack a tuple expression or a function returning a tuple.")
            if len(value) != len(target.elts):
                raise self.err(node, f"cannot unpack {len(value)} values into {len(target.elts)} names")
            for t, v in zip(target.elts, value):
                self.assign(t, v, node)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                isinstance(self.env.get(target.value.id), Record):
            self.assign_item(target, value, node)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                isinstance(self.env.get(target.value.id), ListValue):
            self.assign_list_item(target, value, node)
        elif isinstance(target, ast.Subscript):
            self.arrays.assign_subscript(target, value, node)
        elif isinstance(target, ast.Attribute):
            self.read_only(target)
        else:
            raise self.err(target, "cannot assign to this target", "Assign to a plain variable.")

    # ------------------------------------------------------------------ if

    def stmt_If(self, s: ast.If) -> None:
        flags = guard_of(s)
        if flags is not None:
            return self.guard(flags, s.body, s)
        cond = self.condition(s.test)
        if isinstance(cond, Const):   # `if True:` / module constants: only one branch exists
            self.block(s.body if cond.value else s.orelse)
            return
        self.region_if(cond, lambda: self.block(s.body),
                       (lambda: self.block(s.orelse)) if s.orelse else None, s)

    def region_if(self, cond: Atom, then_fn, else_fn, node, else_dead=False) -> list[Var]:
        """Lower both branches and merge the variables they change into If outputs."""
        env0, saved = self.env, self.b
        arms = []
        for fn in (then_fn, else_fn):
            self.env, self.dead, self.b = dict(env0), False, saved.child()
            outer = self.own.enter()
            if fn is not None:
                fn()
            self.own.leave(outer)
            arms.append((self.b, self.env, self.dead or (fn is else_fn and else_dead)))
        self.b = saved
        (bt, et, dt), (be, ee, de) = arms
        rt, re_ = et.get(RETVAL), ee.get(RETVAL)
        if rt is not None and re_ is not None and (
                isinstance(rt, tuple) != isinstance(re_, tuple)
                or isinstance(rt, tuple) and len(rt) != len(re_)):
            raise self.err(node, f"'{self.pf.name}' returns a tuple on one path and a different "
                                 "value on another", "Return the same kind of value on every path.")
        env0, et, ee, tuples = _split_tuples(env0, et, ee, dt, de)
        changed = [k for k in {**et, **ee} if et.get(k) is not env0.get(k) or ee.get(k) is not env0.get(k)]
        merged = dict(env0)
        names, yt, ye, outs = [], [], [], []
        for k in changed:
            vt, ve = et.get(k), ee.get(k)
            okt, oke = isinstance(vt, (Var, Const)), isinstance(ve, (Var, Const))
            # a value missing on an arm that has already exited (or an internal flag) is never
            # read on that path: a placeholder of the right type stands in for it
            if okt and oke or (okt and (de or k.startswith("$"))) or (oke and (dt or k.startswith("$"))):
                names.append(k)
                yt.append(vt if okt else None)
                ye.append(ve if oke else None)
            elif isinstance(vt, tuple) or isinstance(ve, tuple):
                merged[k] = Undefined(k, "it holds different tuples on different paths")
            elif isinstance(vt, Record) or isinstance(ve, Record):
                merged[k] = Undefined(k, "it holds dicts with different keys on different paths")
            else:
                merged[k] = Undefined(k, f"it is assigned only on some paths through the if at "
                                         f"line {self.pf.loc(node).line}")
        types = []
        for k, a, c in zip(names, yt, ye):
            types.append(self.unify(k, [x.type for x in (a, c) if x is not None], node))
        for arm, vals in ((bt, yt), (be, ye)):
            self.b = arm
            for i, (t, v) in enumerate(zip(types, vals)):
                vals[i] = self.placeholder(t, node) if v is None else self.cast(v, t, node)
        self.b = saved
        for k, t, a, c in zip(names, types, yt, ye):
            out = self.b.fresh(t, hint=hint_of(k))
            outs.append(out)
            merged[k] = out
            if T.is_array(t):
                self.own.created(out, all(isinstance(v, Const) or self.own.is_owned(v) for v in (a, c)),
                                 sources=(a, c))
        self.b.emit(If(cond, Block((), tuple(bt.stmts), tuple(yt)),
                       Block((), tuple(be.stmts), tuple(ye)), tuple(outs), self.pf.loc(node)))
        for k, form in reversed(tuples):          # put split tuples back together
            parts = [f"{k}#{i}" for i in range(width(form))]
            if any(p in merged for p in parts):
                merged[k] = join_value(form, tuple(merged.pop(p, None) for p in parts))
        self.env, self.dead = merged, dt and de
        return outs

    # ------------------------------------------------------------------ expressions

    def expr(self, node: ast.expr) -> object:
        if self.prelowered and id(node) in self.prelowered:   # lowered already by grown_rows
            return self.prelowered.pop(id(node))
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.err(node, f"flatgrad does not support this expression "
                                 f"({type(node).__name__})", "Use arithmetic, calls and indexing.")
        return method(node)

    def atom(self, node: ast.expr) -> Atom:
        return self.as_atom(self.expr(node), node)

    def as_atom(self, v, node: ast.expr) -> Atom:
        """``v`` (the value of ``node``) if it is a number or an array, else a CompileError."""
        if isinstance(v, (Var, Const)):
            return v
        if isinstance(v, Unreadable):
            raise self.err(node, v.why, v.hint)
        if isinstance(v, Stacked):       # a list grown in a loop, where an array is expected
            return self.stacked_rows(v, node)
        if isinstance(v, tuple) and v and all(isinstance(x, (Var, Const, tuple)) for x in v):
            return self.sequence_array(v, node)    # array_like, as NumPy reads np.std([a, b])
        what = ("a tuple" if isinstance(v, tuple) else "a dict" if isinstance(v, Record)
                else "a string" if isinstance(v, Ref) and isinstance(v.obj, str)
                else "a random generator" if isinstance(v, random.Source)
                else "a slice" if isinstance(v, SliceVal)
                else f"a '{type(v.obj).__name__}' object" if isinstance(v, ObjectVal)
                else "a function or module")
        raise self.err(node, f"expected a number or an array here, got {what}",
                       "Strings, functions and None are known while compiling: compare them "
                       "(kind == 'relu'), key dicts with them or pass them to helpers; "
                       "arithmetic takes numbers and arrays.")

    def int_atom(self, node: ast.expr) -> Atom:
        a = self.atom(node)
        if not (isinstance(a.type, T.Scalar) and a.type.dtype in ("int64", "bool")):
            raise self.err(node, f"expected an integer here, got {a.type}",
                           "Use int(...) or an integer argument.")
        return a

    def expr_Constant(self, node: ast.Constant) -> Atom:
        v = node.value
        if isinstance(v, (bool, int, float)):
            return Const(v, T.of_value(v))
        if v is None or v is Ellipsis:   # (... outside an index: np.einsum's sublists)
            return Ref(v)
        if isinstance(v, str):           # a dict key, a mode= or an einsum spec
            return Ref(v)
        raise self.err(node, f"flatgrad does not support constants of type {type(v).__name__}")

    def expr_Tuple(self, node: ast.Tuple) -> tuple:
        if starred.has_starred(node.elts):
            return starred.splice(self, node.elts)
        return tuple(self.expr(e) for e in node.elts)

    def expr_List(self, node: ast.List) -> ListValue:
        return ListValue(self.expr_Tuple(node))

    def expr_Set(self, node: ast.Set) -> tuple:
        """``{"relu", "tanh"}``: a set of values known while compiling (strings, numbers),
        for ``mode in {...}``: its distinct items, as a tuple (in the order written)."""
        out, seen = [], set()
        for e in node.elts:
            v = self.expr(e)
            key = static_key(v)
            if key is NO_KEY or not hashable(key):
                raise self.err(e, "a set holds values known while compiling here (strings, "
                               "numbers)", "Use a tuple, or an array and np.isin.")
            if key not in seen:
                seen.add(key)
                out.append(v)
        return tuple(out)

    def expr_BinOp(self, node: ast.BinOp) -> Atom:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.err(node, "flatgrad does not support bitwise operators",
                           "Use arithmetic, comparisons and and/or/not.")
        left, right = self.expr(node.left), self.expr(node.right)
        text = texts.binop(self, op, left, right, node)       # "W" + str(i): a string
        if text is not None:
            return text
        if isinstance(left, (tuple, Stacked)) or isinstance(right, (tuple, Stacked)):
            return self.sequence_binop(op, left, right, node)
        return self.binop(op, self.as_atom(left, node.left), self.as_atom(right, node.right), node)

    def binop(self, op: str, a: Atom, c: Atom, node: ast.AST) -> Atom:
        if op == "matmul":
            if not (T.is_array(a.type) and T.is_array(c.type)):
                raise self.err(node, "@ needs arrays on both sides")
            return self.arrays.matmul(a, c, node)
        if op == "pow" and isinstance(c, Const) and c.type.dtype != "bool" and not T.is_array(a.type):
            if a.type.dtype in ("int64", "bool") and isinstance(c.value, int) and c.value < 0:
                a = self.cast(a, T.F64, node)
        if (isinstance(a, Const) and isinstance(c, Const) and PRIMS[op].folds_ints
                and a.type == c.type == T.I64 and not (op in ("floordiv", "mod") and c.value == 0)):
            # integers known while compiling (an unrolled loop's index): known results
            return Const(PRIMS[op].evaluate(a.value, c.value), T.I64)
        return self.op(node, op, a, c)

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Atom:
        if isinstance(node.op, ast.Not):     # `not xs`: a tuple's or a list's truth, too
            c = self.condition(node.operand)
            return Const(not c.value, T.BOOL) if isinstance(c, Const) else self.op(node, "not", c)
        a = self.atom(node.operand)
        if isinstance(node.op, ast.USub):
            if isinstance(a, Const) and not isinstance(a.value, bool):
                return Const(-a.value, a.type)
            return self.op(node, "neg", a)
        if isinstance(node.op, ast.UAdd):
            return a
        if getattr(a.type, "dtype", None) == "bool":   # ~mask: elementwise not
            return Const(not a.value, T.BOOL) if isinstance(a, Const) else self.op(node, "not", a)
        raise self.err(node, "flatgrad supports ~ on booleans (masks) only",
                       "Use np.logical_not(mask), or not for a number.")

    # ------------------------------------------------------------------ calls

    def resolve_callee(self, func: ast.expr) -> object:
        v = self.expr(func)
        return v.obj if isinstance(v, Ref) else v

    def expr_Call(self, node: ast.Call) -> object:
        if starred.spreads(node):          # f(*params, **opts): one argument per item
            node, temps = starred.expand_call(self, node)
            try:
                return self.expr_Call(node)
            finally:
                for name in temps:
                    self.env.pop(name, None)
        fn = self.resolve_callee(node.func)
        if isinstance(fn, (Var, Const)):
            raise self.err(node, "this value is not callable")
        py = getattr(fn, "py_func", None)
        if py is not None and type(fn).__module__.startswith("numba"):
            fn = py                     # a user's @njit helper: differentiate its Python source
        if fn is functools.partial:
            return partials.make(self, node)
        if isinstance(fn, PartialVal):
            return partials.call(self, fn, node)
        kwargs = {k.arg: k.value for k in node.keywords}
        if isinstance(fn, random.Method):
            return random.lower_draw(self, fn, node)
        if isinstance(fn, BoundMethod):
            return self.arrays.call_method(fn, node, kwargs)
        if isinstance(fn, UserMethod):
            return self.call_user_method(fn, node, kwargs)
        if isinstance(fn, (ObjectVal, Instance)):
            return self.call_object(fn, node, kwargs)
        if isinstance(fn, LocalFunction):
            try:
                return self.call_local(fn, node, kwargs)
            except CompileError as e:
                if e.loc is not None and e.loc == self.pf.loc(node):
                    raise
                raise e.called_from(self.pf.loc(node)) from None
        if transforms.is_transform(fn):      # fg.grad(f)(x), a grad made outside, fg.vjp(...)
            return self.call_user(fn, node, kwargs, lower=transforms.lower_call)
        if texts.is_text_method(fn):        # kind.lower(), "{}{}".format(...): now
            return texts.call_method(self, fn, node)
        lowering = lowering_of(fn)        # the one registry of calls (library/registry.py)
        if lowering is not None:
            return lowering(self, node, kwargs)
        prim = names.prim_of(fn)            # a primitive's stanza names it (names=)
        if prim is not None:
            return self.call_prim(prim, fn, node)
        if isinstance(fn, pytypes.FunctionType):
            return self.call_user(fn, node, kwargs)
        return self.call_other(fn, node, kwargs)

    def call_other(self, fn, node, kwargs):
        if is_namedtuple_class(fn):
            return self.make_named(fn, node, kwargs)
        if is_user_class(fn):
            return self.construct(fn, node, kwargs)
        hook = getattr(fn, "__flatgrad_lower__", None)
        if hook is not None:   # grad-ed and custom_vjp functions lower themselves (issue 5)
            if kwargs:
                raise self.err(node, "keyword arguments are not supported in this call",
                               "Pass the arguments by position.")
            args = tuple(self.atom(a) for a in node.args)
            self.b.loc = self.pf.loc(node)
            return hook(self.b, args, self.pf.loc(node))
        from ..library.listing import nearest
        name, advice = nearest(fn)
        raise self.err(node, f"flatgrad cannot differentiate calls to '{name}'", advice)

    def call_prim(self, prim: str, fn, node: ast.Call) -> Atom:
        """A call to a function that is one primitive (``np.sin(x)``, ``xlogy(x1=a, x2=b)``),
        its operands bound by the one binder."""
        operands = bind_primitive(self, node, fn, PRIMS[prim].arity)
        atoms = [self.atom(a) for a in operands]
        if fn in (builtins.float, builtins.int) and T.is_array(atoms[0].type):
            # Python's float(a) of an array is its one element (NumPy's np.float64(a) stays
            # an array), where the installed NumPy still converts arrays of one element;
            # any other size is NumPy's run-time error, from the reshape
            if not _CONVERTS_ARRAYS:
                raise self.err(node, f"{fn.__name__}() of an array: NumPy {np.__version__} "
                               "converts only 0-d arrays to numbers",
                               "Take the element: a[0], or a.item() of a one-element array.")
            atoms[0] = self.lower_text("np.reshape(a, (1,))[0]", node, a=atoms[0])
        return self.op(node, prim, *atoms)

    # ------------------------------------------------------------------ library code

    def lower_text(self, text: str, node: ast.AST, **values) -> object:
        """Lower ``text`` -- Python statements ending in an expression, written with ``np`` and
        the names in ``values`` -- as if it stood at ``node``, and return the expression's
        value: a library function written as the NumPy code it means (``np.polyval`` as
        Horner's loop). Its names are private (they neither see nor change the user's), its
        positions are ``node``'s, and the generated code shows them by their names here."""
        tree, renames = private_text(text, node, values)
        saved = {k: self.env[k] for k in renames.values() if k in self.env}
        for name, private in renames.items():
            self.hints[private] = name
        self.env.update({renames[k]: v for k, v in values.items() if k in renames})
        if "np" in renames:
            self.env[renames["np"]] = Ref(np)
        rest = getattr(self, "rest", [])
        try:
            *stmts, last = tree.body
            self.block(stmts)
            return self.expr(last.value)
        finally:
            self.rest = rest
            for k in renames.values():
                self.env.pop(k, None)
            self.env.update(saved)


def _converts_arrays() -> bool:
    """Whether this NumPy's ``float(a)`` takes a one-element array (a deprecation before
    NumPy 2.4, an error since)."""
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            float(np.ones(1))
        return True
    except TypeError:
        return False


_CONVERTS_ARRAYS = _converts_arrays()


def _split_tuples(env0: dict, et: dict, ee: dict, dt: bool, de: bool):
    """Tuples the arms of an if assign (``a, b = ...``; ``return x, y``) are merged component
    by component: copies of the three environments where each such tuple ``k`` of length
    ``n`` is replaced by entries ``k#0 .. k#n-1``, and the list of (k, n) to rebuild."""
    env0, et, ee = dict(env0), dict(et), dict(ee)
    tuples = []
    todo = list({**et, **ee})
    while todo:
        k = todo.pop()
        vt, ve = et.get(k), ee.get(k)
        st, se = split_value(vt), split_value(ve)
        if st is None and se is None:
            continue
        if st is not None and se is not None and not same_form(st[1], se[1]):
            if dt == de:
                continue
            form = se[1] if dt else st[1]    # an arm that has exited: the other one's counts
        elif st is not None and se is not None:
            # a dict stays writable where both arms' are the function's own
            form = st[1] if st[1][0] != "dict" or st[1][2] is se[1][2] else st[1][:2] + (None,)
        else:   # a tuple on one arm only: fine where the other arm has exited or never set it
            (_, one), other, other_dead = (st, ve, de) if st is not None else (se, vt, dt)
            if not (other is None or other_dead or k.startswith("$")) or isinstance(other, Undefined):
                continue
            form = one
        if width(form) == 0 and (dt or de or (vt is not None and ve is not None)):
            # an empty tuple, list or dict has no components to merge: it stays as it is
            empty = join_value(form, ())
            for env in (env0, et, ee):
                env[k] = empty
            continue
        tuples.append((k, form))
        for env in (env0, et, ee):
            v = env.pop(k, None)
            split = split_value(v)
            if split is not None and same_form(split[1], form):
                for i, x in enumerate(split[0]):
                    env[f"{k}#{i}"] = x
                    todo.append(f"{k}#{i}")
    return env0, et, ee, tuples
