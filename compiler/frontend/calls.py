"""How a call of an inlined helper binds its arguments, as Python binds them.

A helper is inlined at each call site, so every call has a fixed number of arguments:
``*args`` is the tuple of the extra positional ones, keyword-only parameters take
keywords (or their defaults), and ``**kwargs`` is a dict (a
:class:`~flatgrad.compiler.values.Record`) of the extra keywords. The function being
differentiated itself still takes plain positional parameters (the fence says so).
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from ..values import Record


@dataclass(frozen=True)
class Params:
    """A helper's parameter list: positional names (``defaults`` belong to the last
    ones), the ``*args`` name, keyword-only names with their defaults, the ``**kwargs``
    name. Defaults are as the caller of :func:`bind` converts them."""

    positional: tuple
    defaults: tuple
    vararg: str | None = None
    kwonly: tuple = ()
    kwdefaults: dict | None = None
    kwarg: str | None = None

    @classmethod
    def of_function(cls, fn) -> "Params":
        """The parameters of a module-level (or closed-over) Python function."""
        code = fn.__code__
        n, k = code.co_argcount, code.co_kwonlyargcount
        names = code.co_varnames
        rest = n + k
        vararg = kwarg = None
        if code.co_flags & inspect.CO_VARARGS:
            vararg, rest = names[rest], rest + 1
        if code.co_flags & inspect.CO_VARKEYWORDS:
            kwarg = names[rest]
        return cls(names[:n], fn.__defaults__ or (), vararg, names[n:n + k],
                   dict(fn.__kwdefaults__ or {}), kwarg)

    @classmethod
    def of_node(cls, a: ast.arguments, defaults: tuple, kwdefaults: dict) -> "Params":
        """The parameters of a def or lambda inside the function (defaults evaluated)."""
        return cls(tuple(p.arg for p in a.posonlyargs + a.args), defaults,
                   a.vararg.arg if a.vararg else None, tuple(p.arg for p in a.kwonlyargs),
                   kwdefaults, a.kwarg.arg if a.kwarg else None)


class BindError(Exception):
    """A call that does not match the helper's parameters (the message says how)."""


def bind(params: Params, fname: str, args: list, kwargs: dict, default) -> dict:
    """Parameter name -> value for a call with positional values ``args`` and keyword
    values ``kwargs``; ``default(name, d)`` converts each default ``d`` used."""
    pos = params.positional
    if len(args) > len(pos) and params.vararg is None:
        raise BindError(f"'{fname}' takes {len(pos)} positional arguments, got {len(args)}")
    bound = dict(zip(pos, args))
    if params.vararg is not None:
        bound[params.vararg] = tuple(args[len(pos):])
    extra = {}
    for k, v in kwargs.items():
        if k in pos or k in params.kwonly:
            if k in bound:
                raise BindError(f"'{fname}' got several values for the argument '{k}'")
            bound[k] = v
        elif params.kwarg is not None:
            extra[k] = v
        else:
            raise BindError(f"unexpected keyword argument '{k}' for '{fname}'")
    for i, name in enumerate(pos):
        if name not in bound:
            j = i - (len(pos) - len(params.defaults))
            if j < 0:
                raise BindError(f"'{fname}' is missing the argument '{name}'")
            bound[name] = default(name, params.defaults[j])
    for name in params.kwonly:
        if name not in bound:
            if name not in (params.kwdefaults or {}):
                raise BindError(f"'{fname}' is missing the keyword-only argument '{name}'")
            bound[name] = default(name, params.kwdefaults[name])
    if params.kwarg is not None:
        bound[params.kwarg] = Record(extra)
    return bound
