"""A call to a function whose source flatgrad cannot read (a frozen standard-library module's,
a C function, one made by exec) is a CompileError at the user's call: file:line:col, the line,
a caret under the call, and what to do (compute the value outside and pass it in, or register
the function)."""
import inspect
import os

import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import opaque_funcs as F

FILE = F.__file__


def marked(fn) -> list[tuple[int, str]]:
    """(file line, text) of each line marked ``# <-`` in ``fn``'s source."""
    lines, first = inspect.getsourcelines(fn)
    return [(first + k, ln) for k, ln in enumerate(lines) if ln.rstrip().endswith("# <-")]


def error_of(fn) -> str:
    with pytest.raises(CompileError) as info:
        fg.grad(fn, target="python")(1.5)
    return str(info.value)


def assert_at(msg_lines: list[str], line: int, text: str, callee: str):
    """The first of ``msg_lines`` names FILE:line:col, then the line and a caret under the
    callee's first character in it."""
    head = f"{FILE}:{line}:"
    assert msg_lines[0].startswith(head), msg_lines
    col = int(msg_lines[0][len(head):].split(":")[0])
    assert text[col - 1:].startswith(callee), (col, text)
    assert msg_lines[1].strip() == text.strip()
    indent = len(text) - len(text.lstrip())
    assert msg_lines[2].index("^") == 4 + col - 1 - indent


@pytest.mark.parametrize("fn, callee", [(F.frozen_call, "os.path.getsize"),
                                        (F.exec_call, "made_by_exec")])
def test_unreadable_source_is_located_at_the_call(fn, callee):
    msg = error_of(fn)
    [(line, text)] = marked(fn)
    rows = msg.splitlines()
    assert_at(rows, line, text, callee)
    assert f"cannot compile the call to '{callee}': its source code cannot be read" in rows[0]
    assert "compute it outside the function and pass it in as an argument" in msg
    assert "fg.primitive" in msg and "fg.custom_vjp" in msg
    assert "cannot find the source code" not in msg


def test_exec_made_function_says_to_define_it_in_a_file():
    assert "defined in the REPL or through exec: define it in a .py file" in error_of(F.exec_call)
    assert "REPL" not in error_of(F.frozen_call)


def test_c_function_says_to_pass_the_value_in():
    msg = error_of(F.c_call)
    [(line, text)] = marked(F.c_call)
    assert_at(msg.splitlines(), line, text, "os.getpid")
    assert "cannot differentiate calls to 'getpid'" in msg
    assert "compute it outside the function and pass it in as an argument" in msg


def test_inside_a_helper_both_call_sites_are_named():
    msg = error_of(F.through_helper)
    [(inner, inner_text)] = marked(F._size_helper)
    [(outer, outer_text)] = marked(F.through_helper)
    rows = msg.splitlines()
    assert_at(rows, inner, inner_text, "os.path.getsize")
    k = next(i for i, r in enumerate(rows) if r.endswith("in the call from here"))
    assert_at(rows[k:], outer, outer_text, "_size_helper")


def test_computed_outside_and_passed_in_works():
    """The advice works: the value as an argument, not differentiated."""
    n = os.path.getsize(FILE)
    g = fg.grad(lambda x, n: x * x * n, target="python")
    assert g(1.5, n) == pytest.approx(3.0 * n)
