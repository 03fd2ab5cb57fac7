"""Errors at the API boundary: no source, wrong arity, bad argument values, bad argnums."""
import pytest

import flatgrad as fg
from flatgrad import CompileError

from ..e2e import lectures


def test_function_without_source_is_a_compile_error():
    ns = {}
    exec("def h(x):\n    return x * x\n", ns)
    with pytest.raises(CompileError, match=r"source.*'h'|'h'.*source"):
        fg.grad(ns["h"], target="python")(1.0)


def test_function_without_source_via_source_api():
    ns = {}
    exec("def h(x):\n    return x * x\n", ns)
    with pytest.raises(CompileError, match="exec"):
        fg.source(ns["h"])


@pytest.mark.parametrize("args", [(1.0, 2.0), (1.0, 2.0, 3.0, 4.0)])
def test_wrong_arity_names_function_and_params(args):
    with pytest.raises(TypeError) as info:
        fg.grad(lectures.circuit, target="python")(*args)
    msg = str(info.value)
    assert "circuit" in msg and "x, y, z" in msg and "3" in msg


def test_string_argument_names_the_parameter():
    with pytest.raises(TypeError, match="'y'"):
        fg.grad(lectures.circuit, target="python")(1.0, "two", 3.0)


def test_string_argument_not_differentiated_names_the_parameter():
    with pytest.raises(TypeError, match="'z'"):
        fg.grad(lectures.circuit, target="python")(1.0, 2.0, "3")


def test_ragged_list_names_the_parameter():
    with pytest.raises(ValueError, match="'x'.*ragged|ragged.*'x'"):
        fg.grad(lectures.circuit, target="python")([[1.0], [1.0, 2.0]], 2.0, 3.0)


@pytest.mark.parametrize("argnums", [True, False, (0, True), (False,)])
def test_bool_argnums_is_a_type_error(argnums):
    with pytest.raises(TypeError, match="argnums"):
        fg.grad(lectures.circuit, argnums=argnums, target="python")(1.0, 2.0, 3.0)


def test_empty_argnums_is_a_type_error():
    with pytest.raises(TypeError, match="argnums"):
        fg.grad(lectures.circuit, argnums=(), target="python")


def test_argnums_out_of_range():
    with pytest.raises((CompileError, ValueError, IndexError), match="argnums"):
        fg.grad(lectures.circuit, argnums=5, target="python")(1.0, 2.0, 3.0)


def test_bool_value_for_differentiated_argument():
    with pytest.raises(TypeError, match="'x'"):
        fg.grad(lectures.circuit, target="python")(True, 2.0, 3.0)


def test_unknown_target():
    with pytest.raises(ValueError, match="target"):
        fg.grad(lectures.circuit, target="tpu")
