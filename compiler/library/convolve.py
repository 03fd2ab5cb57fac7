"""Convolution and correlation: ``np.convolve`` and ``np.correlate`` (1-D), and SciPy's
``scipy.signal.convolve``, ``correlate``, ``convolve2d`` and ``correlate2d`` (arrays of any
equal number of dimensions; the ``2d`` ones of two).

One primitive, the full N-D convolution ``conv_full``:

    out[k] = sum_i a[i] v[k - i]       (k, i multi-indices; out has n + m - 1 along each axis)

spelled ``np.convolve`` on 1-D arrays (which Numba compiles) and the runtime helper
``convolve_nd`` on more (SciPy's direct sum in plain Python, a loop nest under Numba). Every
call above is a slice of it:

* a correlation ``sum_i a[i + k] v[i]`` is the convolution with ``v`` reversed along every
  axis, read from the full result's index ``k + m - 1``;
* ``valid`` keeps, along each axis, the positions where the shorter lies inside the longer
  (``min - 1`` on, ``max - min + 1`` long); SciPy requires one input to be at least as long as
  the other along every axis (a ValueError otherwise, at run time, as sizes are not types);
* ``same`` keeps a centred window whose offset each library chooses its own way (``_SAME``).

It is bilinear, so its derivatives are convolutions again. With ``d out[k] / d a[i] =
v[k - i]``, the VJP in ``a`` is ``sum_k g[k] v[k - i]``: the full convolution of the cotangent
with ``v`` reversed along every axis, read from index ``i + m - 1`` (a correlation sliced to
``a``'s shape), and likewise in ``v``; the JVP is the sum of the two convolutions with the
tangents. Under vmap, a batch of ``a`` against one ``v`` is one convolution of one more
dimension with ``v`` given a leading axis of length 1 (which leaves the batch axis as it is).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from .. import types as T
from ..ir import Const
from ..primitives import defprim
from ..spelling import P_ATOM, Spelling
from .callargs import array_arg, float_of
from .grids import _static
from .registry import lowers

_I = T.I64
_SLICE = ("s", True, True, False)           # x[start:stop] along one axis
_REVERSED = ("s", False, False, True)       # x[::-1]


def _window(b, x, starts, lengths):
    """``x[s0:s0 + l0, s1:s1 + l1, ...]``."""
    bounds = [a for s, n in zip(starts, lengths) for a in (s, b.add(s, n))]
    return b.getitem(x, *bounds, spec=(_SLICE,) * len(starts))


def _reversed(b, x):
    """``x[::-1, ::-1, ...]``: reversed along every axis."""
    nd = x.type.ndim
    return b.getitem(x, *[Const(-1, _I)] * nd, spec=(_REVERSED,) * nd)


def _dims(b, x):
    return [b.dim(x, axis=d) for d in range(x.type.ndim)]


def _vjp_a(b, g, out, a, v):
    # sum_k g[k] v[k - i] = conv_full(g, v reversed)[i + m - 1]
    return _window(b, b.conv_full(g, _reversed(b, v)), [b.sub(m, 1) for m in _dims(b, v)],
                   _dims(b, a))


def _vjp_v(b, g, out, a, v):
    return _window(b, b.conv_full(g, _reversed(b, a)), [b.sub(n, 1) for n in _dims(b, a)],
                   _dims(b, v))


def _batch(bt, op, args, isb):
    """One of the two batched: the other gets a leading axis of length 1, along which the
    full convolution copies the batch axis through. Both batched is a convolution per
    example (vmap's loop)."""
    if all(isb):
        return None
    a, v = (x if mapped else bt.b.expand_dims(x, axis=0) for x, mapped in zip(args, isb))
    return bt.b.conv_full(a, v)


def _conv_text(a, p):
    return f"np.convolve({a[0]}, {a[1]})" if p["ndim"] == 1 else f"convolve_nd({a[0]}, {a[1]})"


defprim("conv_full", 2, lambda a, v: T.Array(T.promote_dtype(a.dtype, v.dtype, "float32"), a.ndim),
        Spelling(_conv_text, _conv_text, P_ATOM, (1, 1), helpers=("convolve_nd",)),
        elementwise=False, costly=True, allocates=True, vjp=(_vjp_a, _vjp_v),
        jvp=(lambda b, t, out, a, v: b.conv_full(t, v), lambda b, t, out, a, v: b.conv_full(a, t)),
        reads_output=False, batch=_batch)


# ---------------------------------------------------------------- modes as windows

class _At:
    """Ops emitted by the Lowerer at ``node``, written as a builder's (``i.sub(n, 1)``;
    ``and_``/``or_`` for the primitives named by keywords)."""

    def __init__(self, lowerer, node):
        self.lowerer, self.node = lowerer, node

    def __getattr__(self, prim):
        return lambda *args, **params: self.lowerer.op(self.node, prim.rstrip("_"), *args, **params)


def _valid(i, n, m):
    short, long = i.min(n, m), i.max(n, m)
    return i.sub(short, 1), i.add(i.sub(long, short), 1)


def _same_np_correlate(i, n, m):
    """NumPy correlates the longer input against the shorter and reverses the result where it
    swapped them, so its window starts (m - 1) // 2 on where ``a`` is at least as long and
    n // 2 on where ``v`` is longer: (min + [n < m] - 1) // 2, with [n < m] = min(1, m - min)."""
    short = i.min(n, m)
    v_longer = i.min(1, i.sub(m, short))
    return i.floordiv(i.sub(i.add(short, v_longer), 1), 2), i.max(n, m)


# the 'same' window (start, length) along one axis of the full result, n and m the two
# inputs' lengths there, as each library centres it
_SAME = {
    # the longer's length, the shorter centred: (min - 1) // 2 on
    "np.convolve": lambda i, n, m: (i.floordiv(i.sub(i.min(n, m), 1), 2), i.max(n, m)),
    "np.correlate": _same_np_correlate,
    # in1's shape, centred in the full result ((n + m - 1 - n) // 2 on)
    "scipy": lambda i, n, m: (i.floordiv(i.sub(m, 1), 2), n),
    # correlate2d's C loop centres its window one later along axes where m is even
    "correlate2d": lambda i, n, m: (i.floordiv(m, 2), n),
}

_VALID_MESSAGE = "For 'valid' mode, one must be at least as large as the other in every dimension"


def _check_covers(i, ns, ms):
    """SciPy's valid mode: one input at least as long as the other along every axis (a
    ValueError at run time otherwise, with SciPy's words)."""
    first, second = i.ge(ns[0], ms[0]), i.ge(ms[0], ns[0])
    for n, m in zip(ns[1:], ms[1:]):
        first, second = i.and_(first, i.ge(n, m)), i.and_(second, i.ge(m, n))
    i.check(i.or_(first, second), exc="ValueError", message=_VALID_MESSAGE)


def _modes(i, full, a, v, mode, form):
    """The ``mode`` window of ``full``, the full convolution of ``a`` and ``v``, as ``form``'s
    library slices it (``i`` emits the size arithmetic)."""
    if mode == "full":
        return full
    ns, ms = _dims(i, a), _dims(i, v)
    if mode == "valid":
        if form.scipy and len(ns) > 1:
            _check_covers(i, ns, ms)
        windows = [_valid(i, n, m) for n, m in zip(ns, ms)]
    else:
        windows = [_SAME[form.centre](i, n, m) for n, m in zip(ns, ms)]
    return _window(i, full, [s for s, _ in windows], [n for _, n in windows])


# ---------------------------------------------------------------- the calls

@dataclass(frozen=True)
class _Form:
    """How one library function reads its arguments and slices the full result."""
    name: str
    ins: tuple[str, str]                # its two array parameters
    ndim: int | None                    # the number of dimensions it takes (None: any)
    centre: str                         # its 'same' window (a key of _SAME)
    default: str = "full"               # its default mode
    correlates: bool = False            # the second input reversed along every axis
    scipy: bool = True                  # SciPy's valid-mode rule (one covers the other)


def _inputs(lowerer, node, args, form: _Form):
    """The two inputs as float arrays of one number of dimensions (``form.ndim`` if given)."""
    a, v = (array_arg(lowerer, args[k], form.name) for k in form.ins)
    if form.ndim is not None and not a.type.ndim == v.type.ndim == form.ndim:
        wrong = next(args[k] for k, x in zip(form.ins, (a, v)) if x.type.ndim != form.ndim)
        raise lowerer.err(wrong, f"{form.name} takes {form.ndim}-D arrays",
                          "scipy.signal.convolve and scipy.signal.correlate take arrays of any "
                          "(equal) number of dimensions.")
    if a.type.ndim != v.type.ndim:
        raise lowerer.err(node, f"{form.name}: {' and '.join(form.ins)} must have the same number "
                                f"of dimensions, not {a.type.ndim} and {v.type.ndim}",
                          "Give the smaller one axes of length 1 (k[None, :], or "
                          "k.reshape(1, -1) for a row).")
    if a.type.ndim == 0:
        raise lowerer.err(node, f"{form.name} takes arrays of at least one dimension",
                          "Multiply numbers: a * b.")
    return float_of(lowerer, a, node), float_of(lowerer, v, node)


def _choice(lowerer, args, name, default, allowed, form: _Form):
    """A string argument known while compiling, one of ``allowed``."""
    value = _static(lowerer, args, name, default)
    if value not in allowed:
        where = args[name] if name in args else None
        raise lowerer.err(where, f"{form.name}: {name} must be "
                                 + ", ".join(repr(x) for x in allowed[:-1])
                                 + f" or {allowed[-1]!r} (known while compiling), not {value!r}")
    return value


def _lower(lowerer, node, args, form: _Form):
    mode = _choice(lowerer, args, "mode", form.default, ("full", "valid", "same"), form)
    a, v = _inputs(lowerer, node, args, form)
    i = _At(lowerer, node)
    full = i.conv_full(a, _reversed(i, v) if form.correlates else v)
    return _modes(i, full, a, v, mode, form)


_NP_CONVOLVE = _Form("np.convolve", ("a", "v"), 1, "np.convolve", scipy=False)
_NP_CORRELATE = _Form("np.correlate", ("a", "v"), 1, "np.correlate", "valid", True, scipy=False)
_CONVOLVE = _Form("scipy.signal.convolve", ("in1", "in2"), None, "scipy")
_CORRELATE = _Form("scipy.signal.correlate", ("in1", "in2"), None, "scipy", correlates=True)
_CONVOLVE2D = _Form("scipy.signal.convolve2d", ("in1", "in2"), 2, "scipy")
_CORRELATE2D = _Form("scipy.signal.correlate2d", ("in1", "in2"), 2, "correlate2d", correlates=True)


@lowers(np.convolve, takes="a v mode")
def _np_convolve(lowerer, node, args):
    return _lower(lowerer, node, args, _NP_CONVOLVE)


@lowers(np.correlate, takes="a v mode")
def _np_correlate(lowerer, node, args):
    return _lower(lowerer, node, args, _NP_CORRELATE)


def _method(lowerer, args, form):
    """``method=``: 'direct' and 'fft' give the same values up to rounding; flatgrad sums
    directly whichever is asked for."""
    _choice(lowerer, args, "method", "auto", ("auto", "direct", "fft"), form)


@lowers(scipy.signal.convolve, takes="in1 in2 mode method")
def _sp_convolve(lowerer, node, args):
    _method(lowerer, args, _CONVOLVE)
    return _lower(lowerer, node, args, _CONVOLVE)


@lowers(scipy.signal.correlate, takes="in1 in2 mode method")
def _sp_correlate(lowerer, node, args):
    _method(lowerer, args, _CORRELATE)
    return _lower(lowerer, node, args, _CORRELATE)


def _fill_boundary(lowerer, node, args, form):
    """``boundary='fill'`` (or its alias 'pad') with ``fillvalue=0``: the only boundary the
    plain convolution is."""
    boundary = _static(lowerer, args, "boundary", "fill")
    if boundary not in ("fill", "pad"):
        raise lowerer.err(args["boundary"], f"{form.name}: boundary={boundary!r} is not supported "
                                            "(only 'fill' with fillvalue=0)",
                          "Extend in1 yourself (np.pad with mode='wrap' or 'symmetric') and "
                          "use mode='valid'.")
    fill = _static(lowerer, args, "fillvalue", 0)
    if isinstance(fill, bool) or not isinstance(fill, (int, float)) or fill != 0:
        raise lowerer.err(args["fillvalue"], f"{form.name}: only fillvalue=0 (known while "
                                             "compiling) is supported",
                          "Pad in1 with np.pad(in1, ..., constant_values=c) and use mode='valid', "
                          "or add c times the sums of the kernel's overhanging parts.")


@lowers(scipy.signal.convolve2d, takes="in1 in2 mode boundary fillvalue")
def _sp_convolve2d(lowerer, node, args):
    _fill_boundary(lowerer, node, args, _CONVOLVE2D)
    return _lower(lowerer, node, args, _CONVOLVE2D)


@lowers(scipy.signal.correlate2d, takes="in1 in2 mode boundary fillvalue")
def _sp_correlate2d(lowerer, node, args):
    _fill_boundary(lowerer, node, args, _CORRELATE2D)
    return _lower(lowerer, node, args, _CORRELATE2D)
