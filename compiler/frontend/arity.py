"""Functions whose number of parameters a call decides: ``def loss(*params)``,
``def f(x, *args, scale=1.0)``, ``lambda *a: ...``.

The compiler lowers a function of fixed positional parameters (one IR parameter per
argument leaf). A function taking ``*args``, keyword-only parameters or ``**kwargs`` has no
such list until it is called, as in JAX, where ``grad(f)`` of such a function traces it per
call. So each call's shape (how many positional arguments, which keywords) gets a function
of exactly those parameters, written as Python source that calls the user's function,
which the compiler inlines as it inlines any helper (a helper may take ``*args``, keyword-only
parameters and ``**kwargs``: ``frontend/calls.py``). For ``loss(w, *params, scale=1.0)``
called as ``loss(w, a, b, scale=s)``::

    def made(loss_):
        def loss(w, params_0, params_1, scale=1.0):
            return loss_(w, params_0, params_1, scale=scale)
        return loss

``made`` is called with the user's function; what a ``functools.partial`` holds (and the
flags and strings a call passes by keyword) are further closure variables of ``made``, which
the compiler reads as it reads any closure: arrays at each call, numbers and strings while
compiling. The source is registered with ``linecache`` under a name of its own, so the
compiler reads it as it reads any function's. :class:`~flatgrad.runtime.dispatch.ByArity`
keeps one transform per call shape; a transform called inside compiled code inlines the
made function for its call (frontend/transforms.py).
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import keyword
import linecache
import threading

import numpy as np

_MADE: dict = {}          # (fn, call shape) -> the made function, the oldest dropped first
_MADE_MAX = 256
_P = inspect.Parameter
_LOCK = threading.Lock()


def takes_fixed_arity(fn) -> bool:
    """Whether ``fn``'s parameters are plain positional ones (the compiler's own case): not
    for ``*args``, keyword-only parameters, ``**kwargs`` or a ``functools.partial``."""
    if isinstance(fn, functools.partial):
        return False
    code = fn.__code__
    return not (code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
                or code.co_kwonlyargcount or code.co_posonlyargcount)


def check_call(fn, n: int, keywords: tuple) -> None:
    """A ``TypeError`` as Python's where ``fn`` cannot take ``n`` positional arguments and
    ``keywords`` (checked with the function's own signature, before anything compiles)."""
    try:
        inspect.signature(fn).bind(*range(n), **dict.fromkeys(keywords))
    except TypeError as e:
        raise TypeError(f"{getattr(fn, '__name__', 'function')}(): {e}") from None


def is_setting(v) -> bool:
    """A keyword value a call fixes while compiling (``allow_singular=False``,
    ``mode="mean"``, ``axis=None``), as flatgrad reads strings and flags: not a parameter."""
    return v is None or isinstance(v, (bool, str, np.bool_))


def positional_count(fn) -> int:
    """How many named positional parameters ``fn`` has (a partial: those left to pass)."""
    return sum(p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
               for p in inspect.signature(fn).parameters.values())


def split_keywords(kwargs: dict) -> tuple:
    """A call's keywords as ``(names, settings)``: the names of those passed as parameters,
    and (name, value) of the settings (:func:`is_setting`), each sorted: with the number of
    positional arguments, the call's shape."""
    return (tuple(sorted(k for k, v in kwargs.items() if not is_setting(v))),
            tuple(sorted((k, v) for k, v in kwargs.items() if is_setting(v))))


def fixed_arity(fn, n: int, keywords: tuple = (), settings: tuple = ()):
    """A function of ``n`` positional parameters and then one per name in ``keywords`` that
    returns ``fn(*positional, **keywords, **dict(settings))``: the same one for the same
    arguments. Its positional parameters are named after ``fn``'s (``x``), then after its
    ``*args`` (``args_0``, ``args_1``, ...); keywords keep their names. A keyword whose
    parameter has a default (a mode string, say) keeps it, so that a string may be passed
    there. ``settings`` (name, value) are keywords known while compiling (:func:`is_setting`),
    held by the made function as a partial holds its keywords."""
    key = (fn, n, tuple(keywords), tuple(settings))
    with _LOCK:
        made = _MADE.get(key)
        if made is None:
            if len(_MADE) >= _MADE_MAX:      # partials made per batch would pile up
                _MADE.pop(next(iter(_MADE)))
            made = _MADE[key] = _make(fn, n, tuple(keywords), dict(settings))
        return made


def _make(fn, n: int, keywords: tuple, settings: dict):
    check_call(fn, n, keywords + tuple(settings))
    base, bound, bound_kw = unwrap_partial(fn)
    bound_kw = {**bound_kw, **settings}
    params = list(inspect.signature(fn).parameters.values())
    own = [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind is _P.VAR_POSITIONAL), "args")
    base_own = [p.name for p in inspect.signature(base).parameters.values()
                if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
    # what a partial holds: closure variables named after the parameters they fill
    held = [(base_own[i] if i < len(base_own) else f"bound_{i}", v) for i, v in enumerate(bound)]
    held += [(k, v) for k, v in bound_kw.items() if k not in keywords]
    taken = set(keywords) | set(own) | {name for name, _ in held}
    names = list(own[:n])
    for i in range(n - len(names)):
        names.append(_fresh(f"{star}_{i}", taken))
    name = _fresh(base.__name__ if base.__name__.isidentifier() and
                  not keyword.iskeyword(base.__name__) else "fn", taken)
    callee = _fresh(f"{name}_", taken)          # the user's function, which ``name`` calls
    defaults = {p.name: p.default for p in params if p.default is not _P.empty}
    # parameters with a default (a mode string, say, may be passed there) last, as Python asks
    plain = [k for k in keywords if k not in defaults]
    with_default = [k for k in keywords if k in defaults]
    args = [name for name, _ in held[:len(bound)]] + names + [f"{k}={k}" for k in keywords] + \
        [f"{k}={k}" for k, _ in held[len(bound):]]
    # the user's function and what a partial holds reach the made one as closure variables:
    # the compiler reads arrays there at each call, numbers and strings while compiling
    text = (f"def made({', '.join([callee] + [name for name, _ in held])}):\n"
            f"    def {name}({', '.join(names + plain + with_default)}):\n"
            f"        return {callee}({', '.join(args)})\n"
            f"    return {name}\n")
    # a stable name (the on-disk cache keys on it): the same text in every process
    filename = f"<flatgrad: {base.__module__}.{base.__qualname__} called with {len(names)} " \
        f"argument(s){' and ' + ', '.join(keywords) if keywords else ''} " \
        f"{hashlib.sha1(text.encode()).hexdigest()[:8]}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    scope = {"__name__": __name__}
    exec(compile(text, filename, "exec"), scope)        # noqa: S102 - our own four lines
    made = scope["made"](base, *(v for _, v in held))
    made.__defaults__ = tuple(defaults[k] for k in with_default) or None
    made.__doc__ = base.__doc__
    made.__flatgrad_calls__ = fn
    return made


def _fresh(name: str, taken: set) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def unwrap_partial(fn) -> tuple:
    """``(function, bound positional arguments, bound keywords)`` of a ``functools.partial``
    (nested ones flattened), else ``(fn, (), {})``."""
    args, kwargs = (), {}
    while isinstance(fn, functools.partial):
        args, kwargs = fn.args + args, {**fn.keywords, **kwargs}
        fn = fn.func
    return fn, args, kwargs
