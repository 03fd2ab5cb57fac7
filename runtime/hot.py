"""The hot path of a ``target="cpu"`` transform: a private Numba dispatcher that calls go
to before flatgrad classifies anything (:meth:`~.dispatch.Transformed.__call__`).

:func:`publish` makes it from a compiled signature's specialisations, :func:`sync` adds the
memory layouts compiled since, :func:`withdraw` takes it back (the function's typing came to
need size facts, which Numba does not key on). For scalar code that cannot raise, the
transform's class becomes a one-object subclass whose ``__call__`` *is* the dispatcher, so
a call goes from the caller straight into Numba's C dispatcher with no Python frame of
flatgrad's; this module is the only place that swaps a class, and :func:`withdraw` the only
place that swaps it back.
"""
from __future__ import annotations

from . import tiers

OMITTED = object()   # the default of every parameter of a hot dispatcher's function


def publish(t, compiled) -> None:
    """Publish on transform ``t`` a private dispatcher holding ``compiled``'s
    specialisations, for ``t.__call__`` to hand unchecked arguments to. Numba's C dispatcher
    checks their types exactly (compilation stays on, so no conversion is ever applied) and,
    for anything it has no specialisation for, calls ``_compile_for_args``: here ``t._miss``,
    which hands the call to the classifying path; it never compiles. Every parameter of its
    function defaults to a marker, so a call with too few arguments takes that path too.
    ``compiled`` itself stays as it is: it may be shared with other transforms of the same
    code and threads, and only ever sees classified arguments (so it may compile new
    layouts)."""
    from numba import njit      # not at the top: `import flatgrad` does not load Numba
    with t._lock:
        if t._hot_dispatcher is not None or not compiled.overloads:
            return
        py = compiled.py_func
        code = py.__code__
        names = code.co_varnames[:code.co_argcount]
        fn = type(py)(code, py.__globals__, py.__name__, (OMITTED,) * len(names),
                      py.__closure__)
        hot = njit(fn)
        for cres in list(compiled.overloads.values()):
            hot.add_overload(cres)
        hot._compile_for_args = t._miss
        t._hot_source = compiled
        t._hot_dispatcher = hot            # published complete
        prof = tiers.profile_of(compiled)
        # scalar code (no arrays: no index or shape errors to locate) whose parameters Numba
        # binds by the user's names can be called with no frame of flatgrad's in between
        direct = (names == t.params and prof is not None and not prof["arrays"]
                  and not _is_direct(type(t)))
    if direct:
        t.__class__ = _direct_class(type(t), hot)


def sync(t) -> None:
    """Give the hot dispatcher the memory layouts of its signature compiled since."""
    with t._lock:
        hot, src = t._hot_dispatcher, t._hot_source
        for types, cres in list(src.overloads.items()):
            if types not in hot.overloads:
                hot.add_overload(cres)


def withdraw(t) -> None:
    """No more hot path for ``t`` (the caller holds ``t._lock``): calls classify again."""
    t._hot_dispatcher = t._hot_source = None
    if _is_direct(type(t)):
        t.__class__ = type(t).__bases__[0]


def _is_direct(cls) -> bool:
    return bool(vars(cls).get("__flatgrad_direct__"))


def _direct_class(base: type, hot) -> type:
    """A one-object subclass of ``base`` whose calls go straight to ``hot`` (a staticmethod:
    Python calls it without the object)."""
    return type(base.__name__, (base,),
                {"__call__": staticmethod(hot), "__slots__": (), "__module__": base.__module__,
                 "__qualname__": base.__qualname__, "__doc__": base.__doc__,
                 "__flatgrad_direct__": True})
