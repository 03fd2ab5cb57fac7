"""The listings pinned by golden files: (name, function, argnums, types, options)."""
import sys
from pathlib import Path

from flatgrad.compiler import types as T

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from tests.e2e import lectures as L  # noqa: E402
from tests.e2e import tape_funcs as TF  # noqa: E402

import matrix_example  # noqa: E402

F64 = T.F64
M = T.parse("f64[:, :]")
V = T.parse("f64[:]")

CASES = {
    "neuron_O0": (L.neuron, (0, 1, 2, 3, 4), None, dict(optimize=False)),
    "neuron_O1": (L.neuron, (0, 1, 2, 3, 4), None, {}),
    "circuit": (L.circuit, (0, 1, 2), None, {}),
    "if_elif_else": (L.if_elif_else, (0, 1), None, {}),
    "recurrence_loop": (L.recurrence, (0, 1), None, {}),
    "while_loop": (L.newton_sqrt_while, (0,), None, {}),
    "matrix_example": (matrix_example.loss, (1, 2), (M, M, M), {}),
    "rnn": (TF.rnn, (0, 1, 3), (M, M, M, V), {}),
    "neuron_jvp": (L.neuron, (0, 1), None, dict(mode="fwd")),
}
