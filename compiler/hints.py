"""Hints for errors that come from guessed argument types.

``flatgrad show`` and ``fg.source`` compile a function before any call, so arguments
without a declared type are taken as float scalars. When that guess is what made
compilation fail (``x[0]`` on a "float"), the error should say how to give types.
"""
from __future__ import annotations

from . import types as T
from .errors import CompileError
from .frontend import lower_function
from .frontend.source import params_of


def float_typing_caused(fn, sig, guessed: list[str], err: CompileError) -> bool:
    """Did typing ``guessed`` as float scalars cause ``err``? Yes if another type for them (an
    int, a vector, a matrix; one parameter at a time, then all together) compiles, or fails
    somewhere else."""
    params = params_of(fn)

    def same(e) -> bool:
        return (e.message, getattr(e.loc, "line", None), getattr(e.loc, "col", None)) == \
            (err.message, getattr(err.loc, "line", None), getattr(err.loc, "col", None))

    try:
        lower_function(fn, tuple(sig))
    except CompileError as e:
        if not same(e):
            return False
    except Exception:  # noqa: BLE001 - a probe only
        return False
    else:
        return False     # the function compiles with these types: the error is elsewhere
    others = (T.I64, T.Array("float64", 1), T.Array("float64", 2))
    trials = [{p: t} for p in guessed for t in others]
    trials += [{p: t for p in guessed} for t in others[1:]]
    for trial in trials:
        probe = tuple(trial.get(p, t) for p, t in zip(params, sig))
        try:
            lower_function(fn, probe)
        except CompileError as e:
            if not same(e):
                return True
        except Exception:  # noqa: BLE001 - a probe only
            continue
        else:
            return True
    return False
