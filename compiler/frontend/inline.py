"""Calls of the user's helpers, inlined: a module-level function (its source read and fenced),
a ``def`` or ``lambda`` inside the function (its body lowered with the enclosing function's
variables as they are at the call, as Python's closures bind late), a method of a user
object. The arguments bind as Python binds them (:mod:`.calls`); what is passed in is
read-only inside.

Mixed into :class:`~.lower.Lowerer`: a helper's body is lowered by a new Lowerer sharing
the caller's builder, ownership and captures.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, replace

from .. import types as T
from ..builder import Builder
from ..errors import CompileError
from ..ir import Const, Var
from ..values import Record, Ref, is_static, split_value
from .calls import BindError, Params, bind
from .desugar.generators import collected, is_generator
from .fence import fence
from .flags import ITEM
from .source import parse_function, unreadable_call


class InlineLowering:
    """Inlined calls and local functions for the Lowerer."""

    def call_user(self, fn, node: ast.Call, kwargs, leading: tuple = (), lower=None,
                  rewrite=None) -> object:
        try:
            if lower is not None:
                return lower(self, fn, node, kwargs)
            return self.inline_call(fn, node, kwargs, leading, rewrite)
        except CompileError as e:
            if e.loc is not None and e.loc.file == self.pf.loc(node).file and \
                    e.loc.line == self.pf.loc(node).line:
                raise                   # already points at this call
            if _library(fn) and not _library_file(self.pf.loc(node).file):
                raise self.library_refused(fn, node, e) from None
            raise e.called_from(self.pf.loc(node)) from None

    def library_refused(self, fn, node: ast.Call, e: CompileError) -> CompileError:
        """NumPy's or SciPy's own Python source (read as any helper's) met something flatgrad
        does not support: the error is the user's call, which names the function and says
        where inside it the reading stopped."""
        from ..library.listing import nearest
        name, advice = nearest(fn)
        where = f" ({e.loc.file}:{e.loc.line}: {e.message})" if e.loc is not None else ""
        return self.err(node, f"flatgrad cannot differentiate calls to '{name}': its source "
                              f"uses what flatgrad does not support{where}", advice)

    def inline_call(self, fn, node: ast.Call, kwargs, leading: tuple = (), rewrite=None) -> object:
        code = fn.__code__
        self.check_recursion(code, fn.__name__, node)
        if not isinstance(fn, LocalFunction):     # a helper whose source can be read
            try:
                parse_function(fn)
            except CompileError as e:
                if e.loc is not None:
                    raise
                raise self.err(node, *unreadable_call(fn, ast.unparse(node.func))) from None

        def default(name, d):      # numbers; None, strings and functions as they are
            if isinstance(d, (int, float, bool)):
                return Const(d, T.of_value(d))
            if is_static(d):
                return Ref(d)
            return self.err_default(node, name)

        bound = self.bind_call(fn.__name__, Params.of_function(fn), default, node, kwargs,
                               leading)
        return self.lower_body(fn, bound, rewrite=rewrite)

    def lower_body(self, fn, bound: dict, b: Builder | None = None, rewrite=None) -> object:
        """The value of helper ``fn`` (a Python function or a :class:`LocalFunction`) run with
        its parameters bound to ``bound``, lowered into builder ``b`` (default: here). The
        values passed in, and a local function's enclosing variables, are read-only there."""
        here = b is None
        if isinstance(fn, LocalFunction):
            outer = fn.scope
            # the enclosing function's arrays are read-only in here: a write would change only
            # this function's version of them, where Python changes the one array
            visible = {k: v for k, v in outer.env.items()
                       if not k.startswith("$") or k.startswith(ITEM)}
            bound = {**visible, **bound}
            pf, code, scope = replace(outer.pf, node=fn.node, name=fn.name), fn.node, _Scope(outer)
        else:
            pf, code, scope = parse_function(fn), fn.__code__, fn
            fence(pf, helper=True)
        if is_generator(pf.node):           # run to its end: the list of what it yields
            pf = replace(pf, node=collected(pf.node))
        if rewrite is not None:             # an __init__: the dict of what it sets
            pf = replace(pf, node=rewrite(pf.node))
        lent = frozenset(self.root(v) for v in _atoms(bound.values())
                         if isinstance(v, Var) and T.is_array(v.type))
        sub = type(self)(pf, scope, self.b if here else b, self.stack + (code,), self.own,
                         self.borrowed | lent, self.captures)
        sub.captures_hints, sub.randoms, sub.routes = self.captures_hints, self.randoms, self.routes
        if isinstance(fn, LocalFunction):
            sub.closure, sub.globals, sub.route = outer.closure, outer.globals, outer.route
        else:
            sub.route = self.routes.get(id(fn))
        sub.recursions, sub.defs, sub.shape_like = self.recursions, self.defs, self.shape_like
        result = sub.run(bound)
        _adopt(result, sub, self)     # dicts the helper made are the caller's to change now
        if here:
            self.b = sub.b
        return result

    @property
    def top_closure(self) -> bool:
        """Is self.closure the compiled function's own (not a helper's)?"""
        return self.route == ("closure",)

    # ------------------------------------------------------------------ local functions

    def stmt_FunctionDef(self, s: ast.FunctionDef) -> None:
        if s.decorator_list:
            raise self.err(s.decorator_list[0], "decorators on a nested function are not supported",
                           "Define the decorated function at module level.")
        self.env[s.name] = self.local_function(s)

    def expr_Lambda(self, node: ast.Lambda) -> "LocalFunction":
        return self.local_function(node)

    def local_function(self, node) -> "LocalFunction":
        """A def or lambda inside the function: its defaults are evaluated now, as Python
        does; its body is inlined at each call, reading the enclosing function's variables
        as they are then (Python's closures bind late)."""
        defaults = tuple(self.expr(d) for d in node.args.defaults)
        kwdefaults = {a.arg: self.expr(d) for a, d in zip(node.args.kwonlyargs,
                                                          node.args.kw_defaults) if d is not None}
        name = getattr(node, "name", "<lambda>")
        return LocalFunction(name, node, self, defaults, kwdefaults)

    def check_recursion(self, code, name: str, node) -> None:
        """A recursive call is inlined as any call, so its depth must be decided while
        compiling (``if n == 0: return ...`` with ``n`` a count or the length of a tuple):
        past ``RECURSION_DEPTH`` levels, or ``RECURSION_CALLS`` recursive calls in all, it is
        a CompileError (a recursion that stops on a value known only at run time never
        ends here)."""
        depth = self.stack.count(code)
        if depth == 0:
            return
        self.recursions[0] += 1
        if depth >= RECURSION_DEPTH or self.recursions[0] > RECURSION_CALLS:
            raise self.err(node, f"recursive call to '{name}' more than "
                                 f"{RECURSION_DEPTH if depth >= RECURSION_DEPTH else RECURSION_CALLS} "
                                 f"{'deep' if depth >= RECURSION_DEPTH else 'times'}: flatgrad "
                                 "inlines recursion whose depth is decided while compiling",
                           "Make the recursion stop on a value known while compiling (a count "
                           "argument, the length of a tuple), or rewrite it as a loop.")

    def call_local(self, fn: "LocalFunction", node: ast.Call, kwargs) -> object:
        self.check_recursion(fn.node, fn.name, node)
        bound = self.bind_call(fn.name, Params.of_node(fn.node.args, fn.defaults, fn.kwdefaults),
                               lambda name, d: d, node, kwargs)
        return self.lower_body(fn, bound)

    def bind_call(self, fname: str, params: Params, default, node: ast.Call, kwargs,
                  leading: tuple = ()) -> dict:
        """Parameter name -> value for a call of a helper, as Python binds it (``*args``,
        keyword-only parameters and ``**kwargs`` included: see calls.py); ``leading``
        values come before the call's own arguments (a method's ``self``)."""
        args = list(leading) + [self.expr(a) for a in node.args]
        try:
            return bind(params, fname, args, {k: self.expr(v) for k, v in kwargs.items()},
                        default)
        except BindError as e:
            raise self.err(node, str(e)) from None

    def err_default(self, node, name):
        raise self.err(node, f"the default value of '{name}' is not a number",
                       "Pass the argument explicitly.")


RECURSION_DEPTH = 24      # nested recursive calls of one function, inlined
RECURSION_CALLS = 500     # recursive calls inlined in one compiled function


@dataclass(frozen=True, eq=False)
class LocalFunction:
    """A def or lambda inside the function being compiled: ``scope`` is the Lowerer of the
    function that defines it (whose variables it reads), ``defaults`` its default values."""

    name: str
    node: ast.AST
    scope: object
    defaults: tuple
    kwdefaults: dict


class _Scope:
    """What a Lowerer needs of ``fn`` for a local function: the enclosing one's globals and
    closure (set on the Lowerer after construction)."""

    def __init__(self, outer):
        self.__globals__ = outer.globals
        self.__closure__ = None
        self.__code__ = None


def _adopt(v, old, new) -> None:
    """Give the Records in ``v`` (at any depth of tuples, dicts and objects) that ``old``
    owns to ``new``."""
    if isinstance(v, Record) and v.owner is old:
        v.owner = new
    split = split_value(v)
    for x in split[0] if split is not None else ():
        _adopt(x, old, new)


def _atoms(values):
    """The IR values in ``values``, looking inside tuples and dict arguments."""
    for v in values:
        if isinstance(v, tuple):
            yield from _atoms(v)
        elif isinstance(v, Record):
            yield from _atoms(v.items.values())
        else:
            yield v


def _library(fn) -> bool:
    """A function of NumPy's or SciPy's (whose Python source flatgrad may still read)."""
    return (getattr(fn, "__module__", None) or "").split(".")[0] in ("numpy", "scipy")


def _library_file(path) -> bool:
    return any(f"{os.sep}{top}{os.sep}" in str(path) for top in ("numpy", "scipy"))
