"""Every construct outside the subset is a CompileError at its file:line, with the
source line, a caret under the offending column, and what to do instead."""
import inspect
import re

import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import bad


def marked_line(fn):
    """The file line number of the line marked ``# <-`` in ``fn``'s source."""
    lines, first = inspect.getsourcelines(fn)
    (k,) = [i for i, ln in enumerate(lines) if ln.rstrip().endswith("# <-")]
    return first + k, lines[k]


def compile_error(fn, *args):
    with pytest.raises(CompileError) as info:
        fg.grad(fn, target="python")(*(args or (1.5,) * fn.__code__.co_argcount))
    return str(info.value)


def assert_located(msg, fn):
    line, text = marked_line(fn)
    assert re.match(rf"\S*bad\.py:{line}:(\d+): ", msg), msg
    col = int(re.match(rf"\S*bad\.py:{line}:(\d+): ", msg).group(1))
    rows = msg.splitlines()
    # the offending source line (stripped of indentation), then a caret under the column
    assert rows[1].strip() == text.strip(), msg
    indent = len(text) - len(text.lstrip())
    caret = rows[2]
    assert caret.strip() == "^", msg
    assert caret.index("^") == 4 + (col - 1) - indent, msg
    assert len(rows) >= 4 and rows[3].strip(), f"no advice sentence in:\n{msg}"


CASES = {
    "uses_class": "class",
    "uses_try": "try",
    "uses_with": "with",
    "uses_listcomp": "comprehension with several 'for's runs over range",
    "uses_genexp": "comprehension runs over range",
    "uses_dictcomp": "comprehension",
    "uses_global": "global",
    "uses_nonlocal": "nonlocal",
    "recursive": "recursi",
    "uses_string": "string",
    "for_over_tuple": "range",
    "maybe_undefined": "undefined",
    "unknown_call": "getcwd",
    "unknown_numpy_call": "eig",
    "uses_yield": "yield",
    "uses_assert": "f-string",     # an assert's message may be one, not an expression of one
    "uses_fstring": "f-string",
    "uses_walrus": ":=",
    "uses_while_else": "else",
    "uses_import": "import",
    "no_return": "return",
    "uses_match": "match",
}


@pytest.mark.parametrize("name,what", CASES.items(), ids=list(CASES))
def test_rejected_construct(name, what):
    fn = getattr(bad, name)
    msg = compile_error(fn)
    assert_located(msg, fn)
    assert what in msg.splitlines()[0], msg


def test_lambda_with_star_args_is_inlined():
    # a helper (here a lambda) may take *args since issue 25: it is inlined per call
    assert fg.grad(bad.uses_lambda, target="python")(1.5) == pytest.approx(3.0)
    assert fg.grad(bad.nested_def, target="python")(1.5) == pytest.approx(1.0)


@pytest.mark.parametrize("fn,name", [(lambda: bad.prints_to_a_file, "file="),
                                     (lambda: bad.saves_a_file, "np.save")])
def test_io_calls_are_rejected_and_named(fn, name):
    msg = compile_error(fn())
    assert_located(msg, fn())
    assert name in msg.splitlines()[0]


def test_mutating_an_array_argument_is_rejected():
    msg = compile_error(bad.mutates_argument, np.ones(3))
    assert_located(msg, bad.mutates_argument)


def test_mutating_a_scalar_argument_is_rejected():
    assert_located(compile_error(bad.mutates_argument, 1.5), bad.mutates_argument)


def test_an_error_in_a_star_args_function_is_located_in_it():
    # *args functions compile per call shape (compiler/frontend/arity.py); reading past the arguments
    # given is located at the user's line, not in the made function
    def first(*xs):
        return xs[1]
    with pytest.raises(CompileError, match=r"test_rejected\.py:\d+:\d+: tuple index 1 out of range"):
        fg.grad(first, target="python")(1.5)


def test_errors_are_compile_errors_not_internal_exceptions():
    # every rejected function raises CompileError and nothing else, also via source()
    for name in CASES:
        with pytest.raises(CompileError):
            fg.source(getattr(bad, name))
