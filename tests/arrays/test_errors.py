"""Rejected array programs (CompileError with location) and run-time shape errors."""
import numpy as np
import pytest

import flatgrad as fg
from flatgrad import CompileError

from . import bad
from . import funcs as F


@pytest.mark.parametrize("name, line, var", [
    ("mutate_item", 6, "x"), ("mutate_slice", 11, "x"), ("mutate_augmented", 16, "x"),
    ("mutate_alias", 22, "y"), ("mutate_view", 28, "y"), ("mutate_transpose_view", 34, "t"),
    ("mutate_reshape_view", 40, "y"),
])
def test_mutating_an_argument_is_rejected_with_location(name, line, var):
    x = np.ones((2, 2)) if name == "mutate_transpose_view" else np.ones(4)
    with pytest.raises(CompileError, match=rf"bad\.py:{line}:\d+: cannot assign into '{var}'") as e:
        fg.grad(getattr(bad, name), target="python")(x)
    text = str(e.value)
    assert "^" in text and "copy" in text      # caret under the line, and what to do instead


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("f, shapes, words", [
    (F.shape_mismatch, ((3, 4), (3, 4)), ("matmul", "dot", "size")),
    (F.add_mismatch, ((3,), (4,)), ("broadcast",)),
])
def test_shape_mismatch_at_run_time_is_a_clear_error(target, f, shapes, words):
    args = tuple(np.ones(s) for s in shapes)
    with pytest.raises(ValueError) as e:
        fg.grad(f, argnums=(0, 1), target=target)(*args)
    assert any(w in str(e.value) for w in words), str(e.value)
