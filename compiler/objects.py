"""Plain user objects that describe a model (a list of layers with ``forward_pass``
methods, a config with sizes): which values count as such, and where their arrays are.

Shared by the frontend (which reads such objects read-only: numbers and shapes are known
while compiling, methods are inlined, arrays are inputs of the compiled code) and the
dispatcher (which passes an object argument's arrays to the compiled code at each call and
keys the compilation on everything else the object holds).
"""
from __future__ import annotations

import functools
import types

import numpy as np

# the modules whose objects are not a user's model description (they lower themselves,
# are random generators, distributions, or are not data at all; a Dask array is data in row
# chunks: runtime/dask_rows.py)
_FOREIGN = frozenset(("builtins", "numpy", "scipy", "flatgrad", "numba", "math", "functools",
                      "collections", "typing", "abc", "types", "threading", "io", "os", "sys",
                      "dask", "distributed", "pandas", "xarray", "jax", "jaxlib", "torch"))
_HOOKS = ("__flatgrad_lower__", "__flatgrad_key__", "__flatgrad_prim__", "__flatgrad_transform__")
_WALK_MAX = 10_000
_PLAIN = (bool, int, float, complex, str, np.ndarray, np.generic)     # values walked in one object argument (a list of numbers is walked too)


def is_user_object(v) -> bool:
    """An instance of a class the user wrote (its attributes in a ``__dict__``), not a
    function, module, class, array or anything flatgrad or a library lowers itself."""
    if isinstance(v, (type, types.ModuleType, types.FunctionType, types.MethodType,
                      types.BuiltinFunctionType, np.ndarray, np.generic, np.ufunc,
                      functools.partial)):
        return False
    return _users(type(v)) and hasattr(v, "__dict__")


def _users(t: type) -> bool:
    """Is ``t`` a class the user wrote: not a library's, not one flatgrad lowers itself, not
    compiled (``_cython``: np.random.default_rng)?"""
    module = t.__module__ or ""
    return module.split(".")[0] not in _FOREIGN and not module.startswith("_cython") and \
        not any(hasattr(t, h) for h in _HOOKS)


def is_user_class(c) -> bool:
    """A class the user wrote, built in the function by calling it (not a namedtuple, an
    exception, or one with a metaclass)."""
    return isinstance(c, type) and type(c) is type and \
        not issubclass(c, (tuple, BaseException)) and _users(c)


def is_namedtuple_class(c) -> bool:
    fields = getattr(c, "_fields", None)
    return isinstance(c, type) and issubclass(c, tuple) and isinstance(fields, tuple) and \
        all(isinstance(f, str) for f in fields)


def is_namedtuple(v) -> bool:
    """Is ``v`` a namedtuple (its field names are read as ``p.W``; its gradient is built as
    its class)?"""
    return isinstance(v, tuple) and is_namedtuple_class(type(v))


def holds_objects(v, depth: int = 0) -> bool:
    """``v`` is a user object, or a list, tuple or dict holding one (at any depth)."""
    if isinstance(v, _PLAIN):            # the common case, quickly (a long list of numbers)
        return False
    if is_user_object(v):
        return True
    if depth > 8:
        return False
    if isinstance(v, (list, tuple)):
        return any(holds_objects(e, depth + 1) for e in v)
    if isinstance(v, dict):
        return any(holds_objects(e, depth + 1) for e in v.values())
    return False


def attributes(obj) -> list[str]:
    """The instance attributes of ``obj`` in the order they are walked (sorted names)."""
    d = getattr(obj, "__dict__", None)
    return sorted(k for k in d if isinstance(k, str)) if isinstance(d, dict) else []


def array_leaves(v) -> list[tuple[tuple, np.ndarray]]:
    """Every array reachable from ``v`` through attributes of user objects, items of lists
    and tuples and values of dicts: ``(path, array)`` in a fixed order; a path is a tuple
    of steps ``("attr", name)``, ``("item", i)``, ``("key", k)`` (see :func:`follow`)."""
    out: list = []
    budget = [_WALK_MAX]
    active: set = set()

    def walk(x, path):
        budget[0] -= 1
        if budget[0] < 0 or len(path) > 16:
            return
        if isinstance(x, np.ndarray):
            out.append((path, x))
        elif id(x) in active:
            return                       # a cycle (a layer pointing back at its network)
        elif is_user_object(x):
            active.add(id(x))
            for k in attributes(x):
                walk(vars(x)[k], path + (("attr", k),))
            active.discard(id(x))
        elif isinstance(x, (list, tuple)):
            active.add(id(x))
            for i, e in enumerate(x):
                walk(e, path + (("item", i),))
            active.discard(id(x))
        elif isinstance(x, dict):
            active.add(id(x))
            for k in sorted((k for k in x if is_literal_key(k)), key=repr):
                walk(x[k], path + (("key", k),))
            active.discard(id(x))

    walk(v, ())
    return out


def is_literal_key(k) -> bool:
    """A dict key a path may hold (paths are written into generated code as literals)."""
    if isinstance(k, tuple):
        return all(is_literal_key(e) for e in k)
    return k is None or isinstance(k, (str, int, float, bool))


def follow(v, path: tuple):
    """The value at ``path`` (steps as :func:`array_leaves` gives them, and ``("cell", name)``:
    the closure variable ``name`` of the function ``v`` is) from ``v``."""
    for kind, k in path:
        if kind == "cell":
            v = closure_value(v, k)
        else:
            v = getattr(v, k) if kind == "attr" else v[k]
    return v


def closure_value(obj, name: str):
    """The closure variable ``name`` of the function behind ``obj``: a function, an ``@njit``
    one, or a transform of one (what its ``__flatgrad_transform__`` says it transforms); a
    LookupError if it has none."""
    spec = getattr(type(obj), "__flatgrad_transform__", None)
    fn = spec(obj).callee if spec is not None else obj
    fn = getattr(fn, "py_func", fn)
    code = getattr(fn, "__code__", None)
    cells = dict(zip(code.co_freevars, fn.__closure__ or ())) if code is not None else {}
    try:
        return cells[name].cell_contents
    except ValueError:               # an empty cell
        raise LookupError(name) from None
