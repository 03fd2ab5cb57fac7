"""Calling flatgrad transforms from Numba code: ``dE(x)`` inside a user's ``@njit`` function.

A transform is a Python object; Numba types it through the ``typeof`` hook registered
here: the first time Numba meets one, it is given a Numba function type whose typing
callback maps the Numba argument types of each call site to flatgrad's argument types,
compiles the transform for them (through the same cache as a Python call), and hands Numba
the generated ``@njit`` function to call. The gradient is then a direct call between
compiled functions: no Python object, no dispatch, inside ``prange`` loops and
``numba.cfunc`` callbacks too.
"""
from __future__ import annotations

import threading

from numba.core import types
from numba.core.errors import TypingError
from numba.core.typing.templates import infer, infer_global, make_overload_template
from numba.extending import typeof_impl

from ..compiler import types as T
from . import forksafe
from .draws import draws_in

_lock = threading.Lock()
_types: dict = {}           # transform -> its Numba function type
_enabled: set = set()       # transform classes whose typeof hook is registered


@forksafe.on_child
def _after_fork() -> None:
    global _lock
    _lock = threading.Lock()


def enable(cls) -> None:
    """Let Numba type instances of ``cls`` (flatgrad's transform class) as functions."""
    with _lock:
        if cls in _enabled:
            return
        _enabled.add(cls)

        @typeof_impl.register(cls)
        def _typeof(val, c):
            return function_type(val)


def function_type(transform):
    with _lock:
        fnty = _types.get(transform)
        if fnty is None:
            template = make_overload_template(transform, _typer(transform), {"cache": False},
                                              True, "never")
            infer(template)
            fnty = types.Function(template)
            infer_global(transform, fnty)
            _types[transform] = fnty
        return fnty


def flatgrad_type(t, name: str, differentiated: bool) -> T.Type:
    """flatgrad's type for the Numba type of an argument."""
    if isinstance(t, types.Array) and t.ndim >= 1:
        if str(t.dtype) in ("float64", "float32"):
            return T.Array(str(t.dtype), t.ndim)
        if not differentiated and str(t.dtype) in ("int64", "bool"):
            return T.Array(str(t.dtype), t.ndim)
    elif isinstance(t, types.Float):
        return T.F32 if t.bitwidth == 32 else T.F64
    elif isinstance(t, types.Boolean) and not differentiated:
        return T.BOOL
    elif isinstance(t, types.Integer) and not differentiated:
        return T.I64
    if isinstance(t, (types.BaseTuple, types.DictType, types.LiteralStrKeyDict, types.List)):
        raise TypingError(f"flatgrad: argument '{name}' is a container ({t}); from Numba code, "
                          "pass its arrays as separate arguments (containers of parameters are "
                          "taken by calls from Python)")
    what = "float" if differentiated else "float, int, bool"
    raise TypingError(f"flatgrad: argument '{name}' is {t}; a differentiated argument must be a "
                      f"float or a float array (here: {what} scalars or arrays)")


def _typer(transform):
    def typer(*args):
        if len(args) == 1 and isinstance(args[0], types.StarArgTuple):
            args = args[0].types
        if not transform.backend.native:
            raise TypingError(f"{transform.__name__} has target={transform.target!r}; only "
                              "target='cpu' transforms can be called from Numba code")
        if len(args) != len(transform.params):
            raise TypingError(f"{transform.__name__} takes {len(transform.params)} arguments, "
                              f"got {len(args)}")
        sig = tuple(flatgrad_type(t, name, i in transform.floats)
                    for i, (t, name) in enumerate(zip(args, transform.params)))
        compiled = transform.compile(sig)
        captured = getattr(compiled, "__flatgrad_captures__", ())
        if captured:
            names = ", ".join(w[-3] for w in captured)
            raise TypingError(f"{transform.__name__} reads the array(s) {names} from its module "
                              "or closure; to call it from Numba code, pass them as arguments")

        if draws_in(compiled):
            raise TypingError(f"{transform.__name__} draws random numbers with NumPy before "
                              "its compiled code runs, which Numba code cannot do; draw them "
                              "outside and pass them in as an argument")

        def impl(*args):
            return compiled(*args)
        return impl
    return typer
