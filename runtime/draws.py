"""Random draws at run time: the generated module's prelude (``compiler/library/random.py``)
called with the user's generators before the compiled code, on every target.

A generator argument is a static argument (``types.Static``, keyed by its kind only, so one
compilation serves every generator of that kind); its object travels after the call's other
values (``Transformed.signature``) and is taken off here. Generators the function reads from
its closure or module, and NumPy's global state (``np.random``), are looked up at each call,
as Python looks them up. The draws are passed to the compiled code as hidden parameters
after the captured arrays, so every transform of the call reuses them.

:func:`recording` and :func:`replaying` let ``vjp`` draw once for its forward value and
its ``vjp_fn`` (which may run later, any number of times): the first records the draws of the
calls inside it, the second hands those same draws to the calls inside it.
"""
from __future__ import annotations

import contextlib
import sys
import threading

import numpy as np

from ..compiler import types as T
from ..compiler.library.random import kind_of

_local = threading.local()


def classify(name: str, value, differentiable: bool):
    """(Static type, None, True) for a generator argument, as ``dispatch.classify`` answers;
    None for anything else."""
    kind = kind_of(value)
    if kind is None:
        return None
    if differentiable:
        raise TypeError(f"argument '{name}' is a random generator, which has no gradient; "
                        "leave it out of argnums")
    return T.Static(kind, value), None, True


def generator_args(params, sig) -> tuple:
    """The names of the parameters of ``sig`` that are generators (in order)."""
    return tuple(p for p, t in zip(params, sig) if isinstance(t, T.Static) and t.key in
                 ("RandomState", "Generator"))


def wrap(compiled, module, name: str, fn, params, sig, n_front: int):
    """``compiled`` called as the dispatcher calls it -- the values, then the generator
    arguments' objects -- with the draws of the prelude of ``module`` (if it has one) passed
    after the first ``n_front`` values (the arguments' leaves and the captured arrays)."""
    gen_names = generator_args(params, sig)
    info = getattr(module, "__flatgrad_draws__", {}).get(name)
    k = len(gen_names)
    if info is None:
        if not k:
            return compiled

        def strip(*args):
            return compiled(*args[:len(args) - k])

        strip.__wrapped__ = compiled
        return strip
    prelude = getattr(module, info["prelude"])
    fetchers = [_fetcher(where, fn, gen_names) for where in info["sources"]]
    single = len(info["types"]) == 1

    def call(*args):
        gens = args[len(args) - k:] if k else ()
        args = args[:len(args) - k] if k else args
        front = args[:n_front]
        _local.last = None
        replay = getattr(_local, "replay", None)
        if replay:
            draws = replay.pop(0)
        else:
            draws = prelude(*(f(gens) for f in fetchers), *front)
            draws = (draws,) if single else tuple(draws)
            record = getattr(_local, "record", None)
            if record is not None:
                record.append(draws)
        _local.last = draws
        return compiled(*front, *draws, *args[n_front:])

    call.__wrapped__ = compiled
    call.__flatgrad_draws__ = info
    return call


def _fetcher(source: tuple, fn, gen_names):
    """A function of the call's generator arguments giving the generator ``source`` names
    (a Source's ``where``, then its kind)."""
    *where, expected = source
    kind = where[0]
    if kind == "arg":
        i = gen_names.index(where[1])
        return lambda gens: gens[i]
    if kind == "numpy":
        return lambda gens: np.random
    if kind == "closure":
        cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        cell = cells[where[1]]
        return lambda gens: _checked(cell.cell_contents, where[1], expected)
    module, name = where[1], where[2]

    def fetch(gens):
        scope = fn.__globals__ if fn.__globals__.get("__name__") == module \
            else vars(sys.modules[module])
        return _checked(scope[name], name, expected)
    return fetch


def _checked(obj, name: str, kind: str):
    """``obj`` if it is still a random generator of ``kind``; else the transform compiles
    again (its code draws from ``name`` as the kind of generator it was)."""
    if kind_of(obj) != kind:
        raise GeneratorChanged(name)
    return obj


class GeneratorChanged(Exception):
    """A generator the compiled code reads from the module or closure is now of another kind
    (or no generator at all): the transform compiles again."""


def descs(module, name: str) -> tuple:
    """tiers.describe-style descriptions of the draws ``module``'s function ``name`` takes."""
    info = getattr(module, "__flatgrad_draws__", {}).get(name)
    if info is None:
        return ()
    return tuple(("a", dt, nd, "C", False, True) if nd else ("s", dt) for dt, nd in info["types"])


def last() -> list:
    """The draws of this thread's last call (for :func:`replaying`), if it got as far as
    drawing: re-running a call to locate its error must not draw again."""
    d = getattr(_local, "last", None)
    return [d] if d is not None else []


@contextlib.contextmanager
def recording():
    """Record (into the yielded list) the draws of the transform calls inside the block."""
    saved = getattr(_local, "record", None)
    _local.record = out = []
    try:
        yield out
    finally:
        _local.record = saved


@contextlib.contextmanager
def replaying(draws: list):
    """Calls inside the block take ``draws`` (as :func:`recording` gave them), in order,
    instead of drawing."""
    saved = getattr(_local, "replay", None)
    _local.replay = list(draws)
    try:
        yield
    finally:
        _local.replay = saved


def draws_in(compiled) -> bool:
    """Whether ``compiled`` (as ``Transformed.compile`` returns it) draws random numbers."""
    while compiled is not None:
        if getattr(compiled, "__flatgrad_draws__", None) is not None:
            return True
        compiled = getattr(compiled, "__wrapped__", None)
    return False


def forward_drawing(f, primal, args) -> tuple:
    """``(f(*args), draws)``: for a function that draws random numbers, its value from
    ``primal`` (the transform of ``f`` with no steps, on the python target) and the draws it
    made, for :func:`replaying`; for any other function, the plain call and no draws."""
    try:
        sig, _, _ = primal.signature(args)
        drawing = draws_in(primal.compile(sig))
    except Exception:  # noqa: BLE001 - the transform itself reports what is wrong
        drawing = False
    if not drawing:
        return f(*args), []
    with recording() as drawn:
        out = primal(*args)
    return out, drawn
