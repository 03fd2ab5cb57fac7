"""Checkpointing (grad(..., checkpoint=...)) gives the same gradients as full tapes."""
import numpy as np
import pytest

import flatgrad as fg

from . import ckpt_funcs as F

RNG = np.random.default_rng(7)
CASES = [
    (F.recurrence, (0.3, 1.2), (0, 1)),
    (F.two_carried, (0.4, 0.7, 40), (0, 1)),
    (F.nested, (0.3, 0.8), (0, 1)),
    (F.array_state, (RNG.normal(size=4), 0.4 * RNG.normal(size=(4, 4))), (0, 1)),
    (F.with_break, (0.7,), (0,)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("checkpoint", [True, 1, 4, 1000])
@pytest.mark.parametrize("fn,args,argnums", CASES, ids=IDS)
def test_same_gradient_as_full_tape(fn, args, argnums, checkpoint):
    want = fg.grad(fn, argnums, target="python")(*args)
    got = fg.grad(fn, argnums, target="python", checkpoint=checkpoint)(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_checkpointed_code_keeps_a_state_every_k_trips():
    src = fg.grad(F.recurrence, (0, 1), target="python", checkpoint=True).source
    assert "checkpoint_x[" in src and "for segment in range(" in src
    assert "np.empty(1000" not in src          # no full-length tape


def test_bad_checkpoint_value():
    with pytest.raises(ValueError, match="checkpoint"):
        fg.grad(F.recurrence, checkpoint=0)


@pytest.mark.slow
def test_checkpointing_on_cpu():
    want = fg.grad(F.recurrence, (0, 1), target="python")(0.3, 1.2)
    got = fg.grad(F.recurrence, (0, 1), checkpoint=True)(0.3, 1.2)
    np.testing.assert_allclose(got, want, rtol=1e-12)
