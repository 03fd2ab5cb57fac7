"""One home per primitive: every primitive's stanza declares how it batches (a rule, or
why it cannot); Jacobians and vmap use the same rules."""
import numpy as np

import flatgrad as fg
from flatgrad.compiler.primitives import PRIMS

from . import programs as P
from .oracle import assert_close, loop


def test_every_primitive_declares_a_batching_rule():
    missing = [n for n, p in PRIMS.items() if p.batch is None]
    assert not missing, f"primitives without batch= in their stanza: {missing}"
    for name, p in PRIMS.items():
        assert callable(p.batch) or (isinstance(p.batch, str) and len(p.batch) > 10), name


def test_elementwise_primitives_batch_by_default():
    unbatchable = {n for n, p in PRIMS.items() if p.elementwise and isinstance(p.batch, str)}
    # the scalar-only runtime helpers say so; every other elementwise primitive batches
    assert unbatchable == {"xlogy", "xlog1py", "polygamma", "gammaln", "log_ndtr", "gammainc",
                           "gammaincc", "betainc"}


def test_an_op_that_cannot_batch_falls_back_to_the_loop_and_says_why():
    A = np.random.default_rng(3).normal(size=(4, 3, 3)) + 3 * np.eye(3)
    v = fg.vmap(lambda A: np.linalg.det(A), target="python", method="batch")
    assert_close(v(A), loop(np.linalg.det, (A,)))
    why = dict(v.ir.meta)["vmap"]
    assert why.startswith("loop") and "det" in why and "one matrix at a time" in why


def test_dump_after_vmap_shows_the_batched_ir(tmp_path):
    from flatgrad.compiler.pipeline import PassLog
    W, X = np.ones((3, 2)), np.ones((5, 3))
    v = fg.vmap(fg.grad(P.linear_loss), in_axes=(None, 0, 0), target="python")
    sig, _, _ = v.signature((W, X, np.ones((5, 2))))
    log = PassLog(dump_after=("vmap",))
    v.build_ir(sig, log)
    (name, text), = log.dumps
    assert name == "vmap" and "einsum" in text and "for " not in text
