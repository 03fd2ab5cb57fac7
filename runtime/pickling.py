"""Pickling flatgrad's callables for other processes (Dask workers, multiprocessing).

A transform (``grad``, ``value_and_grad``, ...) or a ``vectorize`` object pickles as what
rebuilds it: the user's Python function, named by its module and qualified name, and the
transform's parameters; never compiled code. Unpickling makes a fresh object whose first
call compiles in that process, or loads the generated module and Numba's machine code from
the on-disk cache (``runtime/cache.py``) when the process shares it.

A function that cannot be named is handed to the pickler as it is when the pickler can
pickle functions by value (cloudpickle, which Dask uses; dill): a lambda, a closure, a
function of ``__main__`` (a script's), or one of a module registered with
``cloudpickle.register_pickle_by_value``. cloudpickle renames the file of code it pickles
by value (``<dynamic-code>``), so the file names of that function and of the functions it
calls travel with it, and the text of those files: flatgrad reads a function's source
through its file name, also in a process that does not have the file. Plain ``pickle``
cannot pickle such a function, and gets a ``PicklingError`` that says what to do.
"""
from __future__ import annotations

import linecache
import pickle
import sys
import types

from .cache import _names

_WRAPPERS = ("fn", "py_func", "__wrapped__")   # a transform, a Numba dispatcher, functools.wraps


def portable(fn):
    """What a flatgrad object pickles in place of its Python function ``fn``: ``fn`` itself
    when pickle finds it by name, a reference to the object that wraps it at its name (a
    module-level ``@fg.grad`` or ``@njit`` function), or ``fn`` with its source file's text
    when the pickler at work pickles functions by value."""
    by_value = _by_value_pickler()
    where = _named(fn)
    module = getattr(fn, "__module__", None)
    if where is not None and not (by_value and (module == "__main__" or _registered(module))):
        return fn if where[2] is None else _Ref(*where)
    if by_value:
        return _WithSource(fn)
    name = getattr(fn, "__qualname__", repr(fn))
    raise pickle.PicklingError(
        f"flatgrad pickles '{name}' by reference (its module and name), but it is not reachable "
        f"by name from module {module!r} (a lambda, a closure, or a name bound to something "
        "else). Define it with def at the top level of an importable module, or pickle with "
        "cloudpickle, which pickles it by value (Dask does).")


def _named(fn):
    """``(module, qualname, attribute)`` such that importing the module, following the
    qualified name and reading the attribute (if any) gives ``fn``; None when that fails."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module not in sys.modules:
        return None
    obj = sys.modules[module]
    try:
        for part in qualname.split("."):
            obj = getattr(obj, part)
        if obj is fn:
            return module, qualname, None
        for attr in _WRAPPERS:
            if getattr(obj, attr, None) is fn:
                return module, qualname, attr
    except Exception:  # noqa: BLE001 - any failure to find it means: not reachable by name
        return None
    return None


def _registered(module) -> bool:
    """Whether cloudpickle was told to pickle ``module``'s functions by value."""
    cp = sys.modules.get("cloudpickle")
    try:
        return module in cp.list_registry_pickle_by_value()
    except Exception:  # noqa: BLE001 - no cloudpickle, or one without the registry
        return False


def _by_value_pickler() -> bool:
    """Whether a pickler that pickles functions by value is at work: cloudpickle's and dill's
    are Python subclasses of pickle's, running in a frame up the stack; ``pickle.dumps``
    (C) leaves none, nor does ``copy``."""
    plain = (pickle.Pickler, pickle._Pickler)
    frame = sys._getframe(1)
    while frame is not None:
        me = frame.f_locals.get("self")
        if isinstance(me, plain) and type(me) not in plain:
            return True
        frame = frame.f_back
    return False


def _resolve(module, qualname, attr):
    import importlib
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj if attr is None else getattr(obj, attr)


def _with_source(fn, files: dict, texts: dict):
    """``fn`` as unpickled by value, and the functions it calls, given back their file names
    (``files``: qualified name and first line -> file name), with the files' text where this
    process cannot read the same text there (``texts``)."""
    for filename, lines in texts.items():
        if lines and tuple(linecache.getlines(filename)) != lines:
            linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)
    for f in _functions(fn):
        code = f.__code__
        filename = files.get((f.__qualname__, code.co_firstlineno))
        if filename is not None and code.co_filename != filename:
            f.__code__ = _refile(code, filename)
    return fn


def _functions(fn) -> list:
    """``fn`` and the Python functions it reads from its globals and closure, recursively."""
    found, todo = {}, [fn]
    while todo:
        f = todo.pop()
        if not isinstance(f, types.FunctionType) or id(f) in found:
            continue
        found[id(f)] = f
        glob = f.__globals__
        todo.extend(glob[n] for n in _names(f.__code__) if n in glob)
        for cell in f.__closure__ or ():
            try:
                todo.append(cell.cell_contents)
            except ValueError:      # an empty cell
                pass
    return list(found.values())


def _refile(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(_refile(c, filename) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


class _Ref:
    """Pickles as the import of ``module``, a walk down ``qualname`` and ``attr``."""

    def __init__(self, module, qualname, attr):
        self.where = (module, qualname, attr)

    def __reduce__(self):
        return _resolve, self.where


class _WithSource:
    """Pickles as ``fn`` (by value) with the file names of the functions it reaches and the
    text of those files."""

    def __init__(self, fn):
        self.fn = fn

    def __reduce__(self):
        funcs = _functions(self.fn)
        files = {(f.__qualname__, f.__code__.co_firstlineno): f.__code__.co_filename
                 for f in funcs}
        texts = {name: tuple(linecache.getlines(name)) for name in set(files.values())}
        return _with_source, (self.fn, files, texts)
