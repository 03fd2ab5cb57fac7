"""The oracle of the vmap tests: a plain Python loop over the examples calling the
unbatched function (or transform) on each, its results stacked along ``out_axes``. It
shares nothing with the batching rules or the loop method's generated code."""
from __future__ import annotations

import numpy as np


def _size(args, in_axes):
    for a, ax in zip(args, in_axes):
        for leaf, axis in _pairs(a, ax):
            if axis is not None:
                return np.shape(leaf)[axis]
    raise ValueError("nothing mapped")


def _pairs(value, spec):
    """(leaf, axis) for every leaf of ``value`` under the prefix ``spec``."""
    if isinstance(value, dict):
        for k in sorted(value):
            yield from _pairs(value[k], spec[k] if isinstance(spec, dict) else spec)
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _pairs(v, spec[i] if isinstance(spec, (tuple, list)) else spec)
    else:
        yield value, spec


def _take(value, spec, k):
    if isinstance(value, dict):
        return {key: _take(v, spec[key] if isinstance(spec, dict) else spec, k)
                for key, v in value.items()}
    if isinstance(value, (tuple, list)):
        out = [_take(v, spec[i] if isinstance(spec, (tuple, list)) else spec, k)
               for i, v in enumerate(value)]
        return type(value)(out)
    if spec is None:
        return value
    return np.take(np.asarray(value), k, axis=spec)


def _stack(results, spec):
    first = results[0]
    if isinstance(first, dict):
        return {key: _stack([r[key] for r in results], spec[key] if isinstance(spec, dict)
                            else spec) for key in first}
    if isinstance(first, (tuple, list)):
        out = [_stack([r[i] for r in results], spec[i] if isinstance(spec, (tuple, list))
                      else spec) for i in range(len(first))]
        return type(first)(out)
    if spec is None:
        return first
    return np.stack([np.asarray(r) for r in results], axis=spec)


def loop(f, args, in_axes=0, out_axes=0, axis_size=None):
    """``vmap(f, in_axes, out_axes)(*args)`` computed one example at a time."""
    if not isinstance(in_axes, (tuple, list)):
        in_axes = (in_axes,) * len(args)
    n = axis_size if axis_size is not None else _size(args, in_axes)
    results = [f(*[_take(a, ax, k) for a, ax in zip(args, in_axes)]) for k in range(n)]
    return _stack(results, out_axes)


def assert_close(got, want, rtol=1e-10, atol=1e-12):
    """Equal structure, and every leaf close."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), (got, want)
        for k in want:
            assert_close(got[k], want[k], rtol, atol)
        return
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_close(g, w, rtol, atol)
        return
    assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
