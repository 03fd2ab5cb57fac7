"""autograd's rnn and lstm objectives as written (tests/frontend/ported.py): the gradient
with respect to a dict of parameters against finite differences."""
import numpy as np
import pytest

import flatgrad as fg

from . import ported as P

RNG = np.random.default_rng(9)
IN, HID, OUT, T, B = 3, 4, 3, 5, 2


def _params(kind):
    n = {"rnn": ("change",), "lstm": ("change", "forget", "ingate", "outgate")}[kind]
    p = {k: RNG.normal(size=(IN + HID + 1, HID)) * 0.3 for k in n}
    p["predict"] = RNG.normal(size=(HID + 1, OUT)) * 0.3
    p["init hiddens"] = RNG.normal(size=(1, HID)) * 0.3
    if kind == "lstm":
        p["init cells"] = RNG.normal(size=(1, HID)) * 0.3
    return p


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_autograd_example_objective(kind):
    f = P.rnn_log_likelihood if kind == "rnn" else P.lstm_log_likelihood
    params = _params(kind)
    inputs, targets = RNG.normal(size=(T, B, IN)), RNG.normal(size=(T, B, OUT))
    value, grads = fg.value_and_grad(f, target="python")(params, inputs, targets)
    assert value == pytest.approx(f(params, inputs, targets), rel=1e-12)
    eps = 1e-6
    for k, W in params.items():
        for idx in [(0, 0), tuple(np.array(W.shape) - 1), (W.shape[0] // 2, W.shape[1] // 2)]:
            up = {**params, k: W.copy()}
            down = {**params, k: W.copy()}
            up[k][idx] += eps
            down[k][idx] -= eps
            fd = (f(up, inputs, targets) - f(down, inputs, targets)) / (2 * eps)
            assert grads[k][idx] == pytest.approx(fd, rel=1e-5, abs=1e-8), (k, idx)
