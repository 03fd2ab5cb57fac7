"""Jacobians: ``d results / d wrt`` as one compiled function (the ``jac`` step).

Scalars: one JVP per parameter (forward mode) or one VJP per result (reverse mode),
each seeded with a constant so the optimiser removes the zero parts.

Arrays: ``d result / d param`` has shape ``result.shape + param.shape`` (JAX's
convention), built flat as ``(result.size, param.size)`` and reshaped. Every basis seed
goes through the derivative code at once: the seeds are the rows of an identity
matrix, and :func:`~.batching.batch_inline` runs the VJP (rows of J) or the JVP (columns
of J) on that whole block, so the matrix-vector products of the derivative become one
matrix-matrix product. Where some op has no batching rule, one compiled loop runs over
the seeds instead, one VJP or JVP per trip (the slower path, which handles everything).
"""
from __future__ import annotations

from . import types as T
from .batching import Unbatchable, batch_inline
from .builder import in_dtype
from .errors import CompileError
from .forward import forward_ad
from .inline import builder_for, function, inline
from .ir import Block, Const, For, Function, If
from .rewrite import map_block, prints, quiet_function
from .vjp import reverse_seeded


MODES = ("auto", "rev", "fwd")


def jacobian_ir(fn: Function, wrt, mode: str = "auto") -> Function:
    """A function returning the Jacobian of ``fn``'s results with respect to ``wrt``,
    flattened row-major (``d result_j / d param_i`` at ``j * len(wrt) + i``).

    Forward mode builds one column per parameter, reverse mode one row per result;
    each seed is a constant, so the optimiser removes the zero parts. ``auto`` takes the
    mode with fewer seeds (see :func:`static_mode`). With arrays, the basis seeds go
    through as one block (see :func:`jacobian_arrays`)."""
    if mode not in MODES:
        raise ValueError(f"jacobian mode must be one of {MODES}, not {mode!r}")
    for a in [fn.params[i] for i in wrt] + list(fn.results):
        if not isinstance(a.type, (T.Scalar, T.Array)):
            raise CompileError(f"jacobian of '{fn.name}': cannot differentiate a {a.type}", fn.loc)
    if any(T.is_array(a.type) for a in [fn.params[i] for i in wrt] + list(fn.results)):
        return jacobian_arrays(fn, wrt, mode)
    b = builder_for(fn)
    if prints(fn.body):
        inline(b, fn, fn.params)         # the forward computation once, with its prints
        fn = quiet_function(fn)          # (the optimiser merges the copies below into it)
    m, n = len(fn.results), len(wrt)
    if mode == "auto":
        mode = static_mode(n, m)
    cells: list = [[None] * n for _ in range(m)]
    if mode == "fwd":
        for i_pos, i in enumerate(wrt):
            col = forward_ad(fn, (i,), with_value=False)
            col = _fix_param(col, len(fn.params), Const(1.0, T.F64))
            for j, t in enumerate(inline(b, col, fn.params)):
                cells[j][i_pos] = t
    else:
        for j in range(m):
            seeds = [1.0 if k == j else 0.0 for k in range(m)]
            row = reverse_seeded(fn, tuple(wrt), seeds)
            for i_pos, g in enumerate(inline(b, row, fn.params)):
                cells[j][i_pos] = g
    results = [_as_float(c) for row in cells for c in row]
    return function(fn.name + "_jac", fn.params, b, results, fn)


def _fix_param(fn: Function, k: int, value) -> Function:
    """``fn`` with its parameter ``k`` replaced by the constant ``value``."""
    p = fn.params[k]
    body = map_block(fn.body, {p.id: value})
    return Function(fn.name, fn.params[:k] + fn.params[k + 1:], body, fn.loc)


def _as_float(a):
    if isinstance(a, Const) and not T.is_float(a.type):
        return Const(float(a.value), T.F64)
    return a


# ---------------------------------------------------------------------- arrays
# d result / d param has shape result.shape + param.shape (JAX's convention). It is
# built flat, (result.size, param.size), then reshaped: from one batched JVP (columns)
# or VJP (rows) on the identity's block of seeds, or, where batching has no rule, by
# one compiled loop over the basis seeds.

_ROW = (("i",), ("s", False, False, False))      # J[k, :]
_COL = (("s", False, False, False), ("i",))      # J[:, k]
_ONE = (("i",),)                                 # J[k]


def jacobian_arrays(fn: Function, wrt, mode: str) -> Function:
    if mode not in MODES:
        raise ValueError(f"jacobian mode must be one of {MODES}, not {mode!r}")
    b = builder_for(fn)
    outs = inline(b, fn, fn.params)            # the results, for their shapes (and prints)
    if prints(fn.body):
        fn = quiet_function(fn)                # the derivative copies print nothing
    xs = [fn.params[i] for i in wrt]
    if mode == "auto":
        mode = _static_mode(xs, outs)
    if mode == "auto":
        cells = _either(b, fn, wrt, xs, outs)
    else:
        cells = _cells(b, fn, wrt, xs, outs, mode)
    results = [c for r in cells for c in r]
    return function(fn.name + "_jac", fn.params, b, results, fn)


def _cells(b, fn: Function, wrt, xs, outs, mode: str) -> list:
    """The cells ``[result][param]``, one seeded value at a time: forward mode seeds each
    parameter (a column block of J, through that parameter's JVP), reverse mode each result
    (a row block, through the VJP of all of them). ``seeded`` are the values seeded,
    ``others`` the values each seed's derivative gives one cell for."""
    fwd = mode == "fwd"
    seeded, others = (xs, outs) if fwd else (outs, xs)
    vjp = None if fwd else reverse_seeded(fn, tuple(wrt))
    cells = [[None] * len(xs) for _ in outs]
    for s, v in enumerate(seeded):
        deriv = forward_ad(fn, (wrt[s],), with_value=False) if fwd else vjp

        def args(bb, seed, v=v):
            """The derivative's arguments: ``seed`` for ``v``, zero for the other results."""
            if fwd:
                return fn.params + (seed,)
            return fn.params + tuple(seed if o is v else (bb.op("zeros_like", o) if T.is_array(o.type)
                                                          else Const(0.0, _float(o))) for o in outs)

        def put(k, cell, s=s):
            cells[k if fwd else s][s if fwd else k] = cell

        if not T.is_array(v.type):
            one = Const(1.0, v.type if fwd else _float(v))
            for k, d in enumerate(inline(b, deriv, args(b, one))):
                put(k, _as_float(d))
            continue
        n = b.op("size", v)
        flats = _batched(b, fn, deriv, v, n, others, args, fwd)
        if flats is None:                  # an op without a batching rule: loop over the seeds
            def seed_k(bb, k, acc, v=v, n=n, deriv=deriv, args=args):
                seed = in_dtype(bb, bb.op("reshape_like", _onehot(bb, n, k), v), v)
                return [_store(bb, a, d, k, (_COL if fwd else _ROW) if T.is_array(o.type) else _ONE)
                        for a, d, o in zip(acc, inline(bb, deriv, args(bb, seed)), others)]
            flats = _loop(b, n, [_zeros(b, o, n, rows=not fwd) for o in others], seed_k, fn)
        for k, (o, J) in enumerate(zip(others, flats)):
            put(k, _shaped(b, J, o, v) if fwd else _shaped(b, J, v, o))
    return cells


# ---------------------------------------------------------------------- mode="auto"
# Forward mode costs one JVP per input element, reverse one VJP per output element
# (batched: one product over that many seeds). ``auto`` takes the fewer seeds; the
# sizes of arrays are known only at run time, so it is decided there, by one ``if``
# around both modes' code, unless a single scalar on one side settles it here.

def static_mode(n_in: int, n_out: int) -> str:
    """The mode ``auto`` takes for ``n_in`` inputs and ``n_out`` outputs, all scalars:
    forward when there are no more inputs than outputs (its passes carry no tape)."""
    return "fwd" if n_in <= n_out else "rev"


def _static_mode(xs, outs) -> str:
    """``auto`` decided without sizes: forward for one scalar input (a single seed),
    reverse for one scalar result; else "auto" (decide at run time)."""
    if len(xs) == 1 and not T.is_array(xs[0].type):
        return "fwd"
    if len(outs) == 1 and not T.is_array(outs[0].type):
        return "rev"
    return "auto"


def _either(b, fn: Function, wrt, xs, outs) -> list:
    """Both modes' cells under one ``if``: forward where the inputs have no more elements
    than the results. A tie goes to the mode whose seeds all ran as one batch (the other
    fell back to a loop over them), else to forward."""
    fb, rb = b.child(), b.child()
    fwd, rev = _cells(fb, fn, wrt, xs, outs, "fwd"), _cells(rb, fn, wrt, xs, outs, "rev")
    n_in, n_out = _total_size(b, xs), _total_size(b, outs)
    looped = lambda bb: any(isinstance(s, For) for s in bb.stmts)    # noqa: E731
    tie_to_rev = looped(fb) and not looped(rb)
    cond = b.op("lt" if tie_to_rev else "le", n_in, n_out)
    ys_f = [c for r in fwd for c in r]
    ys_r = [c for r in rev for c in r]
    for k, (f, r) in enumerate(zip(ys_f, ys_r)):
        if f.type != r.type:              # a scalar cell of one mode, f32 vs f64: both f64
            ys_f[k], ys_r[k] = _to_f64(fb, f), _to_f64(rb, r)
    outs_ = tuple(b.fresh(y.type) for y in ys_f)
    b.emit(If(cond, Block((), tuple(fb.stmts), tuple(ys_f)),
              Block((), tuple(rb.stmts), tuple(ys_r)), outs_, fn.loc))
    it = iter(outs_)
    return [[next(it) for _ in r] for r in fwd]


def _total_size(b, vals):
    """The number of elements of ``vals`` together (a scalar counts one)."""
    total = Const(sum(1 for v in vals if not T.is_array(v.type)), T.I64)
    for v in vals:
        if T.is_array(v.type):
            total = b.op("add", total, b.op("size", v))
    return total


def _to_f64(b, a):
    if T.is_array(a.type):
        return a if a.type.dtype == "float64" else b.op("astype", a, dtype="float64")
    if isinstance(a, Const):
        return Const(float(a.value), T.F64)
    return a if a.type == T.F64 else b.op("float", a)


def _seeds(b, n, like):
    """The identity's ``n`` basis seeds as one block shaped ``(n, *like.shape)``, in
    ``like``'s dtype (a float32 argument's tangents are float32)."""
    eye = in_dtype(b, b.op("eye", n), like)
    if T.ndim(like.type) == 1:
        return eye
    return b.op("reshape", eye, n, *[b.op("dim", like, axis=d) for d in range(like.type.ndim)])


def _flat(b, v, batched: bool, n, a, rows: bool):
    """A batched derivative ``v`` (seed axis first) as the flat Jacobian buffer (see
    ``_zeros``), in float64 like the loop's; zeros where ``v`` does not depend on the seed
    (the derivative is linear in the seed, so such a ``v`` is zero)."""
    if not batched:
        return _zeros(b, a, n, rows)
    if T.is_array(a.type):
        if T.ndim(a.type) > 1:      # a vector's derivative is (n, a.size) already
            v = b.op("reshape", v, n, b.op("size", a))
        if not rows:
            v = b.op("transpose", v)
    if v.type.dtype != "float64":
        v = b.op("astype", v, dtype="float64")
    return v


def _batched(b, fn, deriv, v, n, others, args, fwd: bool):
    """The flat Jacobians of ``others`` by seeded ``v`` from one pass of the derivative (the
    JVP in forward mode, the VJP in reverse) on all of ``v``'s ``n`` basis seeds, or None
    where the derivative has an op without a batching rule."""
    mark = len(b.stmts)
    try:
        seed = _seeds(b, n, v)
        dargs = args(b, seed)
        at = {k for k in range(len(fn.params), len(dargs)) if dargs[k] is seed}
        vals, flags = batch_inline(b, deriv, dargs, at, n, identity=T.ndim(v.type) == 1)
    except Unbatchable:
        del b.stmts[mark:]
        return None
    return [_flat(b, d, f, n, o, rows=not fwd) for d, f, o in zip(vals, flags, others)]


def _float(a):
    return a.type if T.is_float(a.type) else T.F64


def _zeros(b, a, n, rows: bool = False):
    """The flat buffer: (a.size, n) for an array ``a`` (transposed with ``rows``), else (n,)."""
    if not T.is_array(a.type):
        return b.op("zeros", n)
    size = b.op("size", a)
    return b.op("zeros", n, size) if rows else b.op("zeros", size, n)


def _onehot(b, n, k):
    e = b.op("zeros", n)
    return b.op("setitem", e, 1.0, k, spec=_ONE)


def _store(b, acc, value, k, spec):
    if isinstance(value, Const) and value.value == 0:
        return acc                                  # a zero column: nothing to write
    if T.is_array(value.type):
        value = b.op("reshape", value, Const(-1, T.I64))
    return b.op("setitem", acc, value, k, spec=spec)


def _loop(b, n, init, body, like: Function):
    """``for k in range(n)`` carrying ``init``; ``body(bb, k, carried)`` returns the next."""
    bb = b.child()
    k = bb.fresh(T.I64, hint="k")
    params = [bb.fresh(a.type, a.hint) for a in init]
    yields = body(bb, k, params)
    outs = tuple(b.fresh(a.type) for a in init)
    b.emit(For(Const(0, T.I64), n, Const(1, T.I64), tuple(init),
               Block((k, *params), tuple(bb.stmts), tuple(yields)), outs, like.loc))
    return outs


def _shaped(b, J, r, x):
    """The flat buffer reshaped to r.shape + x.shape."""
    dims = [b.op("dim", a, axis=d) for a in (r, x) if T.is_array(a.type)
            for d in range(a.type.ndim)]
    if len(dims) == 1:
        return J                    # already flat: a vector result of a scalar, or vice versa
    if T.ndim(r.type) == T.ndim(x.type) == 1 and T.ndim(J.type) == 2:
        # (r.size, x.size) is r.shape + x.shape: no reshape, which would copy a transposed
        # forward-mode Jacobian (vmap(hessian(f)) would write its result twice)
        return J
    return b.op("reshape", J, *dims)
