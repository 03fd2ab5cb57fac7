"""The one registry of calls: Python callable -> the function that lowers a call to it.

Every call flatgrad lowers is found here (``lowering_of``), or, for a call that is one
primitive, in that primitive's stanza (``names=``, read by ``frontend.names.prim_of``); no
callable is in both, nor registered twice (tests/compiler/test_call_registry.py). A lowering
is ``lowering(lowerer, node, args)``: the Lowerer, the ``ast.Call``, and its arguments bound
by the one binder (:mod:`.binding`) against the signature ``@lowers`` declares with it.
Array methods are not lowerings of their own: ``x.sum(axis=0)`` is the call
``np.sum(x, axis=0)`` (``METHODS`` says which callable each method means), so a method and
its function cannot drift apart.
"""
from __future__ import annotations

from typing import Callable

from .binding import Signature, bind

LOWERINGS: dict[object, Callable] = {}
SIGNATURES: dict[object, Signature] = {}   # callable -> what its lowering binds its calls to
METHODS: dict[str, object] = {}        # array method name -> the callable it means


def lowers(*fns, signature: str | None = None, takes=None) -> Callable:
    """Register the decorated function as the lowering of calls to each of ``fns``, binding
    each call against the callable's own signature (``inspect.signature``), or against
    ``signature`` (a parameter list, ``"x, /"``) where it exposes none; ``takes`` names the
    parameters the lowering handles (all when None): passing another is an error."""
    def register(lowering: Callable) -> Callable:
        for fn in fns:
            # one home per call (tests/compiler/test_call_registry.py)
            if LOWERINGS.get(fn, lowering) is not lowering:
                raise ValueError(f"{fn!r} has a lowering already: {LOWERINGS[fn].__qualname__}")
            if fn not in LOWERINGS:             # (the same lowering again, an alias, keeps its)
                SIGNATURES[fn] = Signature.of(fn, signature, takes)
            LOWERINGS[fn] = lowering
        return lowering
    return register


def around(fn, outer: Callable) -> None:
    """Lower calls to ``fn`` with ``outer(lowering, lowerer, node, args)``, which may hand the
    call on to ``fn``'s own lowering (still its one home: a stack of matrices, library/stacks.py,
    lowers each 2-D matrix with it)."""
    inner = LOWERINGS[fn]
    LOWERINGS[fn] = lambda lowerer, node, args: outer(inner, lowerer, node, args)


def as_method(fn, *names) -> None:
    """The array methods ``names`` mean ``fn`` with the array first: ``x.name(*args, **kw)``
    lowers as ``fn(x, *args, **kw)`` (``fn`` must have a lowering)."""
    for name in names:
        if METHODS.get(name, fn) is not fn:
            raise ValueError(f"the method .{name}() means {METHODS[name]!r} already")
        METHODS[name] = fn


# Python objects whose attributes a function may read (``norm.logpdf`` of scipy.stats'
# ``norm``), by type: ``reader(lowerer, obj, node)`` gives the attribute's value for ``node``.
ATTRIBUTES: dict[type, Callable] = {}
# calls to instances of these types (a frozen distribution's method): ``lowering(lowerer, fn,
# node)``, for callables made while lowering, which no table can list beforehand (each binds
# its call with binding.bind_written, against the parameters it knows then)
CALLABLE_TYPES: dict[type, Callable] = {}


def attribute_reader(obj) -> Callable | None:
    """The function reading attributes of ``obj``, if flatgrad reads any."""
    for cls in type(obj).__mro__:
        reader = ATTRIBUTES.get(cls)
        if reader is not None:
            return reader
    return None


def lowering_of(fn) -> Callable | None:
    """How a call to ``fn`` lowers: ``lower(lowerer, node, kwargs)``, which binds the call's
    arguments (read from ``node``; the frontend's ``kwargs`` are not read) and hands them to
    ``fn``'s lowering, or None."""
    try:
        lowering = LOWERINGS.get(fn)
    except TypeError:                       # unhashable
        lowering = None
    if lowering is not None:
        sig = SIGNATURES[fn]
        return lambda lowerer, node, _kwargs: lowering(lowerer, node, bind(lowerer, node, sig, fn))
    by_type = CALLABLE_TYPES.get(type(fn))
    if by_type is None:
        return None
    return lambda lowerer, node, _kwargs: by_type(lowerer, fn, node)
