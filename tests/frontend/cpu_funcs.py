"""One program using every construct of issue 25 items 3-6, for the Numba target."""
import numpy as np


def _cat(*parts, axis=1):
    return np.concatenate(parts + (np.ones((parts[0].shape[0], 1)),), axis=axis)


def combined(flat, X, layers):
    """Slice objects, a *args helper, layer objects passed in, a list grown in a loop."""
    outputs = []
    for t in range(X.shape[0] // 2):
        rows = slice(2 * t, 2 * t + 2)
        h = X[rows, :]
        start = 0
        for layer in layers:
            h = layer.forward_pass(h, flat[start:start + layer.size])
            start += layer.size
        outputs.append(np.sum(_cat(h, h * h), axis=0))
    stacked = np.stack(outputs)
    return np.sum(stacked ** 2) + np.sum(outputs[-1]) * len(outputs)
