"""Teach Numba the functions of :mod:`.support`, so generated code compiles as written.

Each is registered with ``numba.extending.overload``: scalar and array versions,
chosen at typing time.
"""
from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from . import matrix_exp, numba_blas, numba_special, support  # noqa: F401 (numba_special: its overloads)
from .hugepages import advise


def _unary(py_fn, scalar):
    """Overload ``py_fn`` for scalars (``scalar``) and arrays (an elementwise loop)."""
    scalar_jit = register_jitable(scalar)

    @overload(py_fn)   # exec'd source: no cache (the generated function that calls it has one)
    def _impl(x):
        if isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return lambda x: scalar_jit(x)
        if isinstance(x, types.Array):
            dtype = np.float32 if x.dtype == types.float32 else np.float64
            if x.ndim == 0:
                return lambda x: np.full((), scalar_jit(x[()]), dtype=dtype)
            ns = {"np": np, "scalar_jit": scalar_jit, "dtype": dtype}
            exec(_elementwise_source(x.ndim), ns)  # noqa: S102 - a fixed template specialised on ndim
            return ns["arr"]
        return None

    return _impl


def _elementwise_source(nd: int) -> str:
    """``scalar_jit`` on every item of an ``nd``-dimensional array: a loop nest, whatever the
    layout (no ravel and reshape, whose copies and checks cost compile time)."""
    idx = ", ".join(f"i{d}" for d in range(nd))
    lines = ["def arr(x):", "    out = np.empty(x.shape, dtype=dtype)"]
    pad = "    "
    for d in range(nd):
        lines.append(f"{pad}for i{d} in range(x.shape[{d}]):")
        pad += "    "
    lines.append(f"{pad}out[{idx}] = scalar_jit(x[{idx}])")
    lines.append("    return out")
    return "\n".join(lines) + "\n"


_unary(support.sigmoid, support.sigmoid_scalar)
_unary(support.relu, support.relu_scalar)
_unary(support.softplus, support.softplus_scalar)
_unary(support.erf, lambda x: math.erf(x))
_unary(support.erfc, lambda x: math.erfc(x))


@overload(support.sum_to)
def _sum_to(c, like):
    if not isinstance(c, types.Array):
        return None
    if not isinstance(like, types.Array) or like.ndim > c.ndim:
        return lambda c, like: c.sum()
    ns = {"np": np}
    exec(_sum_to_source(c, like.ndim), ns)  # noqa: S102 - a fixed template specialised on ndims
    return ns["impl"]


def _sum_to_source(c, nd: int) -> str:
    """The source of ``sum_to`` from a ``c.ndim``-dimensional array to an ``nd``-dimensional
    one: a loop nest over ``c`` in index order adding into ``out`` (at index 0 along the axes
    ``like`` broadcast). One small function per pair of ndims, no generic fallback: Numba's
    tuple-to-array conversions and a general loop cost a second of compile in every process.
    Each item of ``out`` sums its terms in the order NumPy's row sums (and the loops of
    ``reduce_sum``) add them, so results are unchanged to the bit."""
    lead = c.ndim - nd
    dtype = f"np.{c.dtype}" if isinstance(c.dtype, types.Float) else "np.int64"
    lines = ["def impl(c, like):"]
    if lead == 0:
        lines += ["    if c.shape == like.shape:", "        return c"]
    for d in range(nd):
        lines += [f"    m{d} = 0 if like.shape[{d}] == 1 else 1",
                  f"    if m{d} and like.shape[{d}] != c.shape[{lead + d}]:",
                  "        raise ValueError('sum_to: the shapes do not broadcast')"]
    lines.append(f"    out = np.zeros({'like.shape' if nd else '1'}, dtype={dtype})")
    pad = "    "
    for d in range(c.ndim):
        lines.append(f"{pad}for i{d} in range(c.shape[{d}]):")
        pad += "    "
    at = ", ".join(f"i{lead + d} * m{d}" for d in range(nd)) if nd else "0"
    lines.append(f"{pad}out[{at}] += c[{', '.join(f'i{d}' for d in range(c.ndim))}]")
    lines.append("    return out" if nd else "    return out.reshape(like.shape)")
    return "\n".join(lines) + "\n"


@overload(support.distinct_index, jit_options={"cache": True})
def _distinct_index(idx, n):
    return support.distinct_index


@overload(support.check_index, jit_options={"cache": True})
def _check_index(i, n):
    return support.check_index


@overload(support.distinct_pairs, jit_options={"cache": True})
def _distinct_pairs(a, n, b, m):
    return support.distinct_pairs


@overload(support.empty_rows, jit_options={"cache": True})
def _empty_rows(n, like):
    def impl(n, like):
        out = np.empty((n,) + like.shape, dtype=like.dtype)
        advise(out)
        return out
    return impl


@overload(support.same_size, jit_options={"cache": True})
def _same_size(n, m):
    return support.same_size


@overload(support.tape_push, jit_options={"cache": True})
def _tape_push(tape, k, value):
    return support.tape_push     # plain NumPy that Numba compiles as it is


def _reduce(py_fn, np_name):
    """``reduce_max(x, axis, keepdims)`` and friends: NumPy's axis/keepdims reductions,
    specialised on the literal axis (Numba's own np.max has no axis). Written as plain loops
    (no np.transpose with axes, no np.sum with an axis): those pull in Numba's axis checks and
    their formatted error messages, seconds of compile time in every new process."""

    @overload(py_fn, prefer_literal=True)
    def _impl(x, axis, keepdims):
        if not isinstance(x, types.Array):
            return None
        if not isinstance(keepdims, types.BooleanLiteral):
            return None
        nd = x.ndim
        if isinstance(axis, types.NoneType):
            shape = "(" + "1, " * nd + ")"
            src = f"def impl(x, axis, keepdims):\n    return np.full({shape}, np.{np_name}(x))\n"
        elif isinstance(axis, types.IntegerLiteral):     # (a negative axis counts from the end)
            src = _reduce_loops(np_name, x, axis.literal_value % nd, keepdims.literal_value)
        else:
            return None
        ns = {"np": np}
        exec(src, ns)  # noqa: S102 - a fixed template specialised on ndim and axis
        return ns["impl"]

    return _impl


def _reduce_loops(np_name: str, x, ax: int, keep_dims: bool) -> str:
    """The source of one axis reduction of an ``x.ndim``-dimensional array: a loop nest over
    the other axes, the reduced axis innermost, in index order (the order Numba's np.sum of a
    row adds in, so results are the same to the bit). Sums and products of integers and
    booleans are int64, as NumPy's are."""
    nd = x.ndim
    keep = [d for d in range(nd) if d != ax]
    if np_name in ("sum", "prod") and not isinstance(x.dtype, types.Float):
        dtype = "np.int64"
    else:
        dtype = "np.bool_" if isinstance(x.dtype, types.Boolean) else f"np.{x.dtype}"
    # the result is allocated in its final shape (no reshape: its tuple checks cost compile time)
    dims = [f"x.shape[{d}]" if d != ax else "1" for d in range(nd)] if keep_dims else \
        [f"x.shape[{d}]" for d in keep]
    put = [f"i{d}" if d != ax else "0" for d in range(nd)] if keep_dims else \
        [f"i{d}" for d in keep]
    at = lambda k: "x[" + ", ".join(k if d == ax else f"i{d}" for d in range(nd)) + "]"  # noqa: E731
    lines = ["def impl(x, axis, keepdims):",
             f"    n = x.shape[{ax}]",
             f"    out = np.empty(({''.join(d + ', ' for d in dims)}), dtype={dtype})" if keep
             else "    out = np.empty(1)"]
    if np_name in ("max", "min"):
        word = "maximum" if np_name == "max" else "minimum"
        lines += ["    if n == 0 and out.size > 0:",
                  f"        raise ValueError('zero-size array to reduction operation {word} "
                  "which has no identity')"]
    pad = "    "
    for d in keep:
        lines.append(f"{pad}for i{d} in range(x.shape[{d}]):")
        pad += "    "
    if np_name in ("max", "min"):
        cmp = ">" if np_name == "max" else "<"
        lines += [f"{pad}acc = {at('0')}",
                  f"{pad}for k in range(1, n):",
                  f"{pad}    v = {at('k')}",
                  f"{pad}    if v {cmp} acc or v != v:      # a NaN wins, as in NumPy",
                  f"{pad}        acc = v"]
    else:
        op = "+" if np_name == "sum" else "*"
        lines += [f"{pad}acc = {dtype}({0 if np_name == 'sum' else 1})",
                  f"{pad}for k in range(n):",
                  f"{pad}    acc = acc {op} {at('k')}"]
    if not keep:                    # a 1-d array: a number, or an array of one
        lines.append("    return np.full((1,), acc)" if keep_dims else "    return acc")
    else:
        lines.append(f"{pad}out[{', '.join(put)}] = acc")
        lines.append("    return out")
    return "\n".join(lines) + "\n"


_reduce(support.reduce_sum, "sum")
_reduce(support.reduce_max, "max")
_reduce(support.reduce_min, "min")
_reduce(support.reduce_prod, "prod")


@overload(support.arange, jit_options={"cache": True})
def _arange(n):
    if not isinstance(n, types.Integer):
        return lambda n: np.arange(n)

    def impl(n):
        out = np.empty(max(n, 0), np.int64)
        for i in range(n):
            out[i] = i
        return out
    return impl


@overload(support.gather)
def _gather(x, *idx):
    """``x[idx]`` as one loop when ``idx`` holds one integer or 1-D integer array per axis of
    ``x`` (the gather ``logp[np.arange(n), y]``); any other index goes to Numba's indexing."""
    if not isinstance(x, types.Array) or len(idx) != x.ndim or not all(
            isinstance(i, types.Integer) or isinstance(i, types.Array) and i.ndim == 1
            and isinstance(i.dtype, types.Integer) for i in idx):
        return lambda x, *idx: x[idx]
    ns = {"np": np}
    exec(_gather_source([isinstance(i, types.Array) for i in idx]), ns)  # noqa: S102
    return ns["impl"]


def _gather_source(arrays: list) -> str:
    """The source of ``gather`` for indices that are arrays (True) or integers (False): the
    index arrays broadcast together (a length-1 array repeats), each index wraps once if
    negative and is checked in range, as NumPy's."""
    at = ", ".join(f"i{k}" for k in range(len(arrays)))
    lines = ["def impl(x, *idx):", *_index_loop("x", arrays, "    out = np.empty(n, x.dtype)"),
             f"        out[j] = x[{at}]", "    return out"]
    return "\n".join(lines) + "\n"


def _index_loop(x: str, arrays: list, *setup: str) -> list[str]:
    """The loop over a gather's or a scatter's items, shared by both: ``n``, the length the
    index arrays broadcast to (a length-1 array repeats; lengths that differ otherwise raise
    IndexError as NumPy's), the ``setup`` lines, then ``for j in range(n)`` loading
    ``i0, i1...``, each wrapped once if negative and checked against ``x``'s axis."""
    lines = ["    n = 1"]
    for k in (k for k, arr in enumerate(arrays) if arr):
        lines += [f"    m{k} = idx[{k}].shape[0]",
                  f"    if m{k} != 1:",
                  f"        if n != 1 and n != m{k}:",
                  "            raise IndexError(\"shape mismatch: indexing arrays could not be "
                  "broadcast together\")",
                  f"        n = m{k}",
                  f"    s{k} = 0 if m{k} == 1 else 1"]
    lines += [*setup, "    for j in range(n):"]
    for k, arr in enumerate(arrays):
        lines += [f"        i{k} = idx[{k}][j * s{k}]" if arr else f"        i{k} = idx[{k}]",
                  f"        if i{k} < 0:",
                  f"            i{k} += {x}.shape[{k}]",
                  f"        if i{k} < 0 or i{k} >= {x}.shape[{k}]:",
                  "            raise IndexError(\"index out of bounds\")"]
    return lines


@overload(support.scatter_add)
def _scatter_add(acc, g, *idx):
    """``np.add.at(acc, idx, g)`` for integer-array (and integer) indices: the index arrays
    broadcast together as the gather's (``_index_loop``); ``g`` is one item per index, or one
    number for all."""
    arrays = [isinstance(i, types.Array) for i in idx]
    at = ", ".join(f"i{k}" for k in range(len(idx)))
    lines = ["def impl(acc, g, *idx):", *_index_loop("acc", arrays),
             f"        acc[{at}] += {'g[j]' if isinstance(g, types.Array) else 'g'}",
             "    return acc"]
    ns = {}
    exec("\n".join(lines) + "\n", ns)  # noqa: S102 - a fixed template specialised on the index kinds
    return ns["impl"]


@overload(support.scatter_add_axis, prefer_literal=True)
def _scatter_add_axis(acc, g, idx, axis, front=False):
    """``scatter_add_axis`` specialised on the (literal) axis, ``front`` and the number of
    dimensions. With ``front`` g's item ``j`` is ``g[j]``, the rest of its axes in acc's
    order less ``axis`` (NumPy's order for a gather whose array axis came first). Each index
    wraps once if negative and is checked in range, as NumPy's."""
    if not isinstance(axis, types.IntegerLiteral) or not isinstance(acc, types.Array):
        return None
    if isinstance(front, bool):            # left out: the typing function's default
        first = front
    elif isinstance(front, types.Omitted):
        first = front.value
    elif isinstance(front, types.BooleanLiteral):
        first = front.literal_value
    else:
        return None
    k, nd = axis.literal_value, acc.ndim
    sel = lambda i: ", ".join([":"] * k + [i] + [":"] * (nd - k - 1))  # noqa: E731
    src = ("def impl(acc, g, idx, axis, front=False):\n"
           "    for j in range(idx.shape[0]):\n"
           "        i = idx[j]\n"
           "        if i < 0:\n"
           f"            i += acc.shape[{k}]\n"
           f"        if i < 0 or i >= acc.shape[{k}]:\n"       # NumPy's error, not a stray write
           "            raise IndexError('index out of bounds')\n"
           f"        acc[{sel('i')}] += g[{'j' if first else sel('j')}]\n"
           "    return acc\n")
    ns = {}
    exec(src, ns)  # noqa: S102 - a fixed template specialised on the axis
    return ns["impl"]


@overload(support.split_size, jit_options={"cache": True})
def _split_size(n, sections):
    return support.split_size


@overload(support.nonneg, jit_options={"cache": True})
def _nonneg(n):
    return support.nonneg


@overload(support.array_equiv, jit_options={"cache": True})
def _array_equiv(a, b):
    def impl(a, b):
        sa, sb = a.shape, b.shape
        for i in range(1, min(len(sa), len(sb)) + 1):
            da, db = sa[len(sa) - i], sb[len(sb) - i]
            if da != db and da != 1 and db != 1:
                return False
        return bool(np.all(a == b))
    return impl


@overload(support.cross_index, jit_options={"cache": True})
def _cross_index(n):
    return support.cross_index


@overload(support.squeeze_index, jit_options={"cache": True})
def _squeeze_index(n):
    return support.squeeze_index


@overload(support.tril_halved, jit_options={"cache": True})
def _tril_halved(x):
    return support.tril_halved_loops


@overload(support.mirror_triangle, jit_options={"cache": True})
def _mirror_triangle(x, lower):
    return support.mirror_triangle_loops


@overload(support.fold_triangle, jit_options={"cache": True})
def _fold_triangle(g, lower):
    return support.fold_triangle_loops


@overload(support.diag_embed, jit_options={"cache": True})
def _diag_embed(g, like, k):
    return support.diag_embed


def einsum_source(spec: str, ndims: tuple, dtype: str) -> str:
    """Loops for np.einsum(spec, *ops) with explicit subscripts: the output's letters outside,
    the summed letters inside with a scalar accumulator; a size-1 axis broadcasts."""
    ins, out = spec.split("->")
    subs = ins.split(",")
    letters = list(dict.fromkeys(out + "".join(subs)))
    lines = ["def impl(spec, *ops):"]
    for j in range(len(subs)):
        lines.append(f"    a{j} = ops[{j}]")
    for c in letters:
        lines.append(f"    n_{c} = 1")
        for j, s in enumerate(subs):
            for d, c2 in enumerate(s):
                if c2 == c:
                    lines += [f"    d = a{j}.shape[{d}]",
                              "    if d != 1:",
                              f"        if n_{c} != 1 and n_{c} != d:",
                              "            raise ValueError('einsum: operands could not be "
                              "broadcast together')",
                              f"        n_{c} = d"]
    for j, s in enumerate(subs):
        for d in range(len(s)):
            lines.append(f"    s{j}_{d} = 1 if a{j}.shape[{d}] != 1 else 0")
    summed = [c for c in letters if c not in out]
    term = " * ".join(f"a{j}[" + ", ".join(f"i_{c} * s{j}_{d}" for d, c in enumerate(s)) + "]"
                      if s else (f"a{j}[()]" if ndims[j] else f"a{j}") for j, s in enumerate(subs))
    ind = "    "
    if out:
        shape = "(" + ", ".join(f"n_{c}" for c in out) + ",)"
        lines.append(f"{ind}out = np.empty({shape}, dtype=np.{dtype})")
        lines.append(f"{ind}advise(out)")      # huge pages, as NumPy's einsum output has
    for c in out:
        lines.append(f"{ind}for i_{c} in range(n_{c}):")
        ind += "    "
    lines.append(f"{ind}acc = np.{dtype}(0.0)")
    inner = ind
    for c in summed:
        lines.append(f"{inner}for i_{c} in range(n_{c}):")
        inner += "    "
    lines.append(f"{inner}acc += {term}")
    if out:
        lines.append(f"{ind}out[" + ", ".join(f"i_{c}" for c in out) + "] = acc")
        lines.append("    return out")
    else:
        lines.append("    return acc")
    return "\n".join(lines) + "\n"


@overload(support.einsum_loops, prefer_literal=True)   # exec'd source: no cache
def _einsum_loops(spec, *ops):
    if not isinstance(spec, types.StringLiteral):
        return None          # Numba retries with the literal subscripts
    if len(ops) == 1 and isinstance(ops[0], types.BaseTuple):
        ops = tuple(ops[0])
    dtype = "float32" if all(getattr(o, "dtype", o) == types.float32 for o in ops) else "float64"
    ns = {"np": np, "advise": advise}
    ndims = tuple(o.ndim if isinstance(o, types.Array) else 0 for o in ops)
    exec(einsum_source(spec.literal_value, ndims, dtype), ns)  # noqa: S102
    return ns["impl"]


# ---- special functions, scans and sorting (compiler/library/special.py, stable.py,
# cumulative.py, order.py)

# float32 first: a ufunc takes the first signature its arguments cast to safely
_UFUNC_SIGS = {
    "gammaln": (support.gammaln_scalar, ["float32(float32)", "float64(float64)"]),
    "polygamma": (support.polygamma_scalar, ["float32(int64, float32)", "float64(int64, float64)"]),
    "xlogy": (support.xlogy_scalar, ["float32(float32, float32)", "float64(float64, float64)"]),
    "xlog1py": (support.xlog1py_scalar, ["float32(float32, float32)", "float64(float64, float64)"]),
    "log_ndtr": (support.log_ndtr_scalar, ["float32(float32)", "float64(float64)"]),
    "hurwitz_zeta": (support.hurwitz_zeta_scalar, ["float32(float32, float32)",
                                                   "float64(float64, float64)"]),
    "gammainc": (support.gammainc_scalar, ["float32(float32, float32)", "float64(float64, float64)"]),
    "gammaincc": (support.gammaincc_scalar, ["float32(float32, float32)", "float64(float64, float64)"]),
    "betainc": (support.betainc_scalar, ["float32(float32, float32, float32)",
                                         "float64(float64, float64, float64)"]),
}
_ufuncs: dict = {}
# the helpers those formulas call, compiled where they are called
for _helper in (support._lentz_step, support._gamma_front, support._gamma_series,
                support._gamma_fraction, support._gamma_tail, support._beta_fraction):
    register_jitable(_helper)


def _ufunc_of(name):
    """A Numba ufunc of the scalar formula ``name`` (one formula for scalars, arrays and
    broadcasting), built when code first uses it: building loads or compiles every signature,
    which would otherwise cost each process that imports this module (every Numba tier)."""
    uf = _ufuncs.get(name)
    if uf is None:
        from numba import vectorize
        scalar, sigs = _UFUNC_SIGS[name]
        uf = _ufuncs[name] = vectorize(sigs, cache=True)(scalar)
    return uf


def _float32_result(*args) -> bool:
    """The IR's dtype rule for a special function (``T.floating``): a float32 result where
    some argument is float32 and none float64 (ints and bools count for neither)."""
    dts = [getattr(a, "dtype", a) for a in args]
    return types.float32 in dts and types.float64 not in dts


def _cast_f32(x):
    """``x`` as the float32 ufunc loop takes it (a typing-time stand-in, see its overload)."""
    return x


def _cast_f64(x):
    return x


@overload(_cast_f32)
def _cast_f32_impl(x):
    """An int argument cast to float32, which a float32 result is computed in (the ufunc
    would take the float64 loop for it: an int64 does not cast to float32 safely)."""
    if isinstance(getattr(x, "dtype", x), types.Integer):
        return (lambda x: x.astype(np.float32)) if isinstance(x, types.Array) else \
            (lambda x: np.float32(x))
    return lambda x: x


@overload(_cast_f64)
def _cast_f64_impl(x):
    """A bool argument cast to float64 (the ufunc would take the float32 loop for it, a
    bool casting safely to float32: a float32 result, and digits lost, where the IR says
    float64)."""
    if isinstance(getattr(x, "dtype", x), types.Boolean):
        return (lambda x: x.astype(np.float64)) if isinstance(x, types.Array) else \
            (lambda x: np.float64(x))
    return lambda x: x


def _cast_of(*args):
    """The cast each argument of a special function takes (``_float32_result``)."""
    return _cast_f32 if _float32_result(*args) else _cast_f64


@overload(support.gammaln, jit_options={"cache": True})
def _gammaln(x):
    uf, cast = _ufunc_of("gammaln"), _cast_of(x)
    return lambda x: uf(cast(x))


@overload(support.polygamma, jit_options={"cache": True})
def _polygamma(n, x):
    uf, cast = _ufunc_of("polygamma"), _cast_of(x)     # n, the integer order, as it is
    return lambda n, x: uf(n, cast(x))


@overload(support.xlogy, jit_options={"cache": True})
def _xlogy(x, y):
    uf, cast = _ufunc_of("xlogy"), _cast_of(x, y)
    return lambda x, y: uf(cast(x), cast(y))


@overload(support.xlog1py, jit_options={"cache": True})
def _xlog1py(x, y):
    uf, cast = _ufunc_of("xlog1py"), _cast_of(x, y)
    return lambda x, y: uf(cast(x), cast(y))


@overload(support.log_ndtr, jit_options={"cache": True})
def _log_ndtr(x):
    uf, cast = _ufunc_of("log_ndtr"), _cast_of(x)
    return lambda x: uf(cast(x))


@overload(support.hurwitz_zeta, jit_options={"cache": True})
def _hurwitz_zeta(x, q):
    uf, cast = _ufunc_of("hurwitz_zeta"), _cast_of(x, q)
    return lambda x, q: uf(cast(x), cast(q))


@overload(support.gammainc, jit_options={"cache": True})
def _gammainc(a, x):
    uf, cast = _ufunc_of("gammainc"), _cast_of(a, x)
    return lambda a, x: uf(cast(a), cast(x))


@overload(support.gammaincc, jit_options={"cache": True})
def _gammaincc(a, x):
    uf, cast = _ufunc_of("gammaincc"), _cast_of(a, x)
    return lambda a, x: uf(cast(a), cast(x))


@overload(support.betainc, jit_options={"cache": True})
def _betainc(a, b, x):
    uf, cast = _ufunc_of("betainc"), _cast_of(a, b, x)
    return lambda a, b, x: uf(cast(a), cast(b), cast(x))


def _along_axis(py_fn, row, out_dtype=None, ns=None, takes_k=False):
    """``py_fn(x, axis)``: a 1-D operation ``row`` (source text over ``r``, the row) applied
    to every line of ``x`` along the literal ``axis``, as NumPy's axis argument does;
    ``py_fn(x, k, axis)`` where ``takes_k`` (``row`` reads ``k`` too); ``ns``: the jitted
    functions ``row`` calls."""

    def source(x, axis, args):
        if not isinstance(x, types.Array) or not isinstance(axis, types.IntegerLiteral):
            return None
        nd, ax = x.ndim, axis.literal_value % x.ndim
        keep = [d for d in range(nd) if d != ax]
        perm = tuple(keep + [ax])
        inv = tuple(sorted(range(nd), key=perm.__getitem__))
        outer = " * ".join(f"x.shape[{d}]" for d in keep) or "1"
        tshape = ", ".join(f"x.shape[{d}]" for d in perm)
        dt = out_dtype or ("np.int64" if isinstance(x.dtype, (types.Boolean, types.Integer))
                           else "x.dtype")
        src = (
            f"def impl({args}):\n"
            f"    rows = np.ascontiguousarray(np.transpose(x, {perm})).reshape(({outer}, x.shape[{ax}]))\n"
            f"    out = np.empty(rows.shape, dtype={dt})\n"
            "    for i in range(rows.shape[0]):\n"
            "        r = rows[i]\n"
            f"        out[i] = {row}\n"
            f"    return np.ascontiguousarray(np.transpose(out.reshape(({tshape},)), {inv}))\n")
        env = {"np": np, **(ns or {})}
        exec(src, env)  # noqa: S102 - a fixed template specialised on ndim and axis
        return env["impl"]

    if takes_k:
        @overload(py_fn, prefer_literal=True)
        def _impl_k(x, k, axis):
            return source(x, axis, "x, k, axis")
        return _impl_k

    @overload(py_fn, prefer_literal=True)
    def _impl(x, axis):
        return source(x, axis, "x, axis")

    return _impl


_along_axis(support.scan_cumsum, "np.cumsum(r)")
_along_axis(support.rcumsum, "np.cumsum(r[::-1])[::-1]")
_along_axis(support.scan_cumprod, "np.cumprod(r)")
_along_axis(support.argsort_axis, "np.argsort(r, kind='mergesort')", "np.int64")


def _cumarg_row(r, greater):
    """The index of the running maximum (``greater``) or minimum of the row ``r``: taken
    over by a strictly better element or the first NaN; ties keep the first holder."""
    out = np.empty(r.shape[0], dtype=np.int64)
    best = 0
    for i in range(r.shape[0]):
        v, b = r[i], r[best]
        if (v > b if greater else v < b) or (v != v and b == b):
            best = i
        out[i] = best
    return out


_cumarg_jit = {"cumarg_row": register_jitable(_cumarg_row)}
_along_axis(support.cumargmax, "cumarg_row(r, True)", "np.int64", _cumarg_jit)
_along_axis(support.cumargmin, "cumarg_row(r, False)", "np.int64", _cumarg_jit)
_along_axis(support.argpartition_axis, "np.argpartition(r, k)", "np.int64", takes_k=True)


@overload(support.scatter_along, prefer_literal=True)
def _scatter_along(g, idx, like, axis):
    """Loops over the positions g and idx broadcast to (both have like's ndim). Along the
    other axes ``like`` may have length 1 where they are longer (np.take_along_axis
    broadcast ``x`` there): those items add up at index 0, the adjoint of that broadcast.
    An index out of ``like``'s range raises IndexError, as NumPy's, never writes past it."""
    if not isinstance(axis, types.IntegerLiteral):
        return None
    ns = {"np": np}
    exec(_scatter_along_source(g.ndim, axis.literal_value % g.ndim), ns)  # noqa: S102
    return ns["impl"]


def _scatter_along_source(nd: int, ax: int) -> str:
    """The source of ``scatter_along`` for ``nd`` dimensions and the axis ``ax``: per axis
    ``n`` (the length g and idx broadcast to), strides ``sg``/``si`` (0 where one has length
    1: it repeats) and ``so`` (0 where ``like`` has length 1 off the axis: the sum)."""
    lines = ["def impl(g, idx, like, axis):",
             "    out = np.zeros(like.shape, dtype=g.dtype)"]
    for d in range(nd):
        lines += [f"    n{d} = g.shape[{d}] if idx.shape[{d}] == 1 else idx.shape[{d}]",
                  f"    sg{d} = 0 if g.shape[{d}] == 1 else 1",
                  f"    si{d} = 0 if idx.shape[{d}] == 1 else 1",
                  f"    if sg{d} and si{d} and g.shape[{d}] != idx.shape[{d}]:",
                  "        raise ValueError('scatter_along: the shapes do not broadcast')"]
        if d != ax:
            lines += [f"    so{d} = 0 if like.shape[{d}] == 1 else 1",
                      f"    if so{d} and like.shape[{d}] != n{d}:",
                      "        raise ValueError('scatter_along: the shapes do not broadcast')"]
    pad = "    "
    for d in range(nd):
        lines.append(f"{pad}for i{d} in range(n{d}):")
        pad += "    "
    at = lambda s: ", ".join(f"i{d} * {s}{d}" for d in range(nd))  # noqa: E731
    oi = ", ".join("j" if d == ax else f"i{d} * so{d}" for d in range(nd))
    lines += [f"{pad}j = idx[{at('si')}]",
              f"{pad}if j < 0:",
              f"{pad}    j += like.shape[{ax}]",
              f"{pad}if j < 0 or j >= like.shape[{ax}]:",
              f"{pad}    raise IndexError('index out of bounds')",
              f"{pad}out[{oi}] += g[{at('sg')}]",
              "    return out"]
    return "\n".join(lines) + "\n"


@overload(support.mask_scatter, jit_options={"cache": True})
def _mask_scatter(g, mask, like):
    def impl(g, mask, like):
        out = np.zeros(like.size, dtype=g.dtype)
        m = mask.ravel()
        k = 0
        for i in range(m.size):
            if m[i]:
                out[i] = g[k]
                k += 1
        return out.reshape(like.shape)
    return impl


@overload(support.fit_shape, jit_options={"cache": True})
def _fit_shape(c, like):
    def impl(c, like):
        if c.shape == like.shape:
            return c
        return support.sum_to(c + np.zeros_like(like), like)
    return impl


@overload(support.cofactor, jit_options={"cache": True})
def _cofactor(a):
    if isinstance(a, types.Array) and a.ndim == 2 and isinstance(a.dtype, types.Float):
        return support.cofactor        # written in the NumPy that Numba compiles
    return None


@overload(support.shift_along, prefer_literal=True)
def _shift_along(x, axis, k, fill):
    if not (isinstance(x, types.Array) and isinstance(axis, types.IntegerLiteral)
            and isinstance(k, types.IntegerLiteral)):
        return None
    nd, ax, up = x.ndim, axis.literal_value % x.ndim, k.literal_value > 0
    full = ", ".join([":"] * nd)
    dst = ", ".join("1:" if d == ax else ":" for d in range(nd)) if up else \
        ", ".join(":-1" if d == ax else ":" for d in range(nd))
    src = ", ".join(":-1" if d == ax else ":" for d in range(nd)) if up else \
        ", ".join("1:" if d == ax else ":" for d in range(nd))
    text = ("def impl(x, axis, k, fill):\n"
            "    out = np.empty_like(x)\n"
            f"    out[{full}] = fill\n"
            f"    if x.shape[{ax}] > 1:\n"
            f"        out[{dst}] = x[{src}]\n"
            "    return out\n")
    ns = {"np": np}
    exec(text, ns)  # noqa: S102 - a fixed template specialised on ndim, axis and direction
    return ns["impl"]


@overload(support.roll_axis)
def _roll_axis(x, shift, axis):
    """One function per ndim and dtype whatever the shift and axis (branches on the axis at
    run time): a loop nest copying each item to its rolled place."""
    if not (isinstance(x, types.Array) and isinstance(shift, types.Integer)
            and isinstance(axis, types.Integer)):
        return None
    ns = {"np": np}
    exec(_roll_source(x.ndim), ns)  # noqa: S102 - a fixed template specialised on ndim
    return ns["impl"]


def _roll_source(nd: int) -> str:
    """The source of ``roll_axis`` for ``nd`` dimensions: one loop nest per axis (a negative
    axis counts from the end, as np.roll's: no branch would match it, leaving ``out`` unset)."""
    lines = ["def impl(x, shift, axis):",
             "    if axis < 0:",
             f"        axis += {nd}",
             "    out = np.empty_like(x)",
             "    n = x.shape[axis]",
             "    s = shift % n if n > 0 else 0"]
    for ax in range(nd):
        lines.append(f"    {'if' if ax == 0 else 'elif'} axis == {ax}:")
        pad = "        "
        for d in range(nd):
            lines.append(f"{pad}for i{d} in range(x.shape[{d}]):")
            pad += "    "
            if d == ax:
                lines += [f"{pad}j = i{d} + s", f"{pad}if j >= n:", f"{pad}    j -= n"]
        at = ", ".join("j" if d == ax else f"i{d}" for d in range(nd))
        lines.append(f"{pad}out[{at}] = x[{', '.join(f'i{d}' for d in range(nd))}]")
    lines.append("    return out")
    return "\n".join(lines) + "\n"


@overload(support.linrec, prefer_literal=True)
def _linrec(a, g, axis, reverse):
    """Rows along the literal axis, one sequential loop each (a and g of one shape)."""
    if not (isinstance(a, types.Array) and isinstance(g, types.Array)
            and isinstance(axis, types.IntegerLiteral) and isinstance(reverse, types.BooleanLiteral)):
        return None
    nd, ax = g.ndim, axis.literal_value % g.ndim
    keep = [d for d in range(nd) if d != ax]
    perm = tuple(keep + [ax])
    inv = tuple(sorted(range(nd), key=perm.__getitem__))
    outer = " * ".join(f"g.shape[{d}]" for d in keep) or "1"
    tshape = ", ".join(f"g.shape[{d}]" for d in perm)
    loop = ("        for i in range(n - 2, -1, -1):\n            y[r, i] += ar[r, i] * y[r, i + 1]\n"
            if reverse.literal_value else
            "        for i in range(1, n):\n            y[r, i] += ar[r, i] * y[r, i - 1]\n")
    text = (
        "def impl(a, g, axis, reverse):\n"
        f"    n = g.shape[{ax}]\n"
        f"    y = np.ascontiguousarray(np.transpose(g, {perm})).reshape(({outer}, n)).copy()\n"
        f"    ar = np.ascontiguousarray(np.transpose(a, {perm})).reshape(({outer}, n))\n"
        "    for r in range(y.shape[0]):\n"
        + loop +
        f"    return np.ascontiguousarray(np.transpose(y.reshape(({tshape},)), {inv}))\n")
    ns = {"np": np}
    exec(text, ns)  # noqa: S102 - a fixed template specialised on ndim, axis and direction
    return ns["impl"]


@overload(support.solve_tri, jit_options={"cache": True})
def _solve_tri(a, b, lower, unit):
    if isinstance(a, types.Array) and a.ndim == 2 and isinstance(b, types.Array) and b.ndim in (1, 2):
        if a.dtype in (types.float32, types.float64) and a.dtype == b.dtype and a.ndim == 2:
            return numba_blas.solve_tri_impl(a, b, lower, unit)     # BLAS ?trsm
        return support.solve_tri_loops   # written in the NumPy that Numba compiles
    return None


@overload(support.svdvals, jit_options={"cache": True})
def _svdvals(a):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.svdvals_impl(a)                          # LAPACK ?gesdd, JOBZ='N'
    return None


@overload(support.eigh_upper, jit_options={"cache": True})
def _eigh_upper(a):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.eigh_upper_impl(a)                       # LAPACK ?syevd, UPLO='U'
    return None


@overload(support.qr_q, jit_options={"cache": True})
def _qr_q(a, complete, scipy):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.qr_impl(a, True)                          # LAPACK ?geqrf, ?orgqr
    return None


@overload(support.qr_r, jit_options={"cache": True})
def _qr_r(a, complete, scipy):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.qr_impl(a, False)                         # LAPACK ?geqrf
    return None


for _fn in matrix_exp.JITTED:
    register_jitable(_fn)


@overload(support.expm, jit_options={"cache": True})
def _expm(a):
    if isinstance(a, types.Array) and a.ndim >= 2 and a.dtype in (types.float32, types.float64):
        return matrix_exp.expm_stack          # scaling and squaring, as scipy.linalg.expm
    return None


@overload(support.convolve_nd)
def _convolve_nd(a, v):
    """One loop nest per number of dimensions: each item of ``a`` times the whole of ``v``,
    added into ``out`` shifted by the item's index."""
    if not (isinstance(a, types.Array) and isinstance(v, types.Array) and a.ndim == v.ndim
            and isinstance(a.dtype, types.Float) and isinstance(v.dtype, types.Float)):
        return None
    both32 = a.dtype == types.float32 and v.dtype == types.float32
    ns = {"np": np, "dtype": np.float32 if both32 else np.float64}
    exec(_convolve_source(a.ndim), ns)  # noqa: S102 - a fixed template specialised on ndim
    return ns["impl"]


def _convolve_source(nd: int) -> str:
    """The source of ``convolve_nd`` for ``nd`` dimensions."""
    shape = ", ".join(f"a.shape[{d}] + v.shape[{d}] - 1" for d in range(nd))
    lines = ["def impl(a, v):",
             "    if a.size == 0 or v.size == 0:",
             "        raise ValueError('convolve: an input is empty')",
             f"    out = np.zeros(({shape},), dtype=dtype)"]
    pad = "    "
    for d in range(nd):
        lines.append(f"{pad}for i{d} in range(a.shape[{d}]):")
        pad += "    "
    lines.append(f"{pad}x = a[{', '.join(f'i{d}' for d in range(nd))}]")
    for d in range(nd):
        lines.append(f"{pad}for j{d} in range(v.shape[{d}]):")
        pad += "    "
    at = ", ".join(f"i{d} + j{d}" for d in range(nd))
    lines += [f"{pad}out[{at}] += x * v[{', '.join(f'j{d}' for d in range(nd))}]",
              "    return out"]
    return "\n".join(lines) + "\n"


@overload(support.lu_packed, jit_options={"cache": True})
def _lu_packed(a):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.getrf_impl(a, False)                      # LAPACK ?getrf
    return None


@overload(support.lu_pivots, jit_options={"cache": True})
def _lu_pivots(a):
    if isinstance(a, types.Array) and a.ndim == 2 and a.dtype in (types.float32, types.float64):
        return numba_blas.getrf_impl(a, True)
    return None


@overload(support.lu_perm, jit_options={"cache": True})
def _lu_perm(piv):
    return support.lu_perm


@overload(support.lstsq_x, jit_options={"cache": True})
def _lstsq_x(a, b, rcond):
    """np.linalg.lstsq under Numba: its rcond < 0 is machine precision, so NumPy's default
    (None: eps * max(m, n)) is computed here."""
    if isinstance(rcond, (types.NoneType, types.Omitted)) or rcond is None:
        return lambda a, b, rcond: np.linalg.lstsq(
            a, b, rcond=np.finfo(a.dtype).eps * max(a.shape[0], a.shape[1]))[0]
    return lambda a, b, rcond: np.linalg.lstsq(a, b, rcond=rcond)[0]


@overload(support.lstsq_rank, jit_options={"cache": True})
def _lstsq_rank(a, b, rcond):
    if isinstance(rcond, (types.NoneType, types.Omitted)) or rcond is None:
        return lambda a, b, rcond: np.int64(np.linalg.lstsq(
            a, b, rcond=np.finfo(a.dtype).eps * max(a.shape[0], a.shape[1]))[2])
    return lambda a, b, rcond: np.int64(np.linalg.lstsq(a, b, rcond=rcond)[2])
