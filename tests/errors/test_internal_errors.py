"""Failures inside flatgrad or inside Numba reach the user as a CompileError that says what
happened and what to do, never as the compiler's own traceback."""
import pytest

import flatgrad as fg
from flatgrad.compiler import pipeline, steps

from . import api_funcs as F


def test_a_compiler_bug_is_reported_as_a_compile_error(monkeypatch):
    def broken(*a, **k):
        raise KeyError(42)
    monkeypatch.setattr(steps, "reverse_ad", broken)
    monkeypatch.setattr(pipeline, "DEBUG", False)
    with pytest.raises(fg.CompileError, match=r"internal error .*KeyError(.|\n)*bug in flatgrad"):
        fg.grad(F.square, target="python")(1.5)


def test_a_numba_failure_is_reported_as_a_compile_error():
    from numba.core.errors import TypingError

    def compiled(*args):
        raise TypingError("cannot type this")
    t = fg.grad(F.square)
    with pytest.raises(fg.CompileError, match=r"Numba could not compile(.|\n)*target='python'"):
        t._first_call(compiled, (1.0,), ("sig",))
