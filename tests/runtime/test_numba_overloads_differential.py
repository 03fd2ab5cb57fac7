"""Every Numba overload of ``runtime/support.py`` (``runtime/numba_ext.py``) against the NumPy
function it stands for, on the argument kinds the generated code passes.

The ``python`` target runs ``support``'s NumPy functions, the ``cpu`` target Numba's versions
of them: where the two differ on one input, one target computes a wrong value. Each case
calls both, on copies of one input, and compares values, shapes and dtypes, or the type of
the exception raised. The NumPy functions are the oracle here (they are NumPy's own
operations: np.add.at, np.roll, np.sum...), and the end-to-end gradient tests at the end
check the fixed divergences against finite differences.

One ``njit`` wrapper per call spelling (``_jit``, cached): literal arguments (axes,
keepdims, subscripts) are written into the wrapper's source, as the generated code writes
them. Numba compiles: marked slow.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
from numba import njit

import flatgrad as fg
import flatgrad.runtime.numba_ext  # noqa: F401 - teaches Numba the support functions
from flatgrad.runtime import support
from flatgrad.runtime.gradcheck import numeric_grad

pytestmark = pytest.mark.slow

RNG = np.random.default_rng(2512)


@functools.cache
def _jit(call: str, n: int):
    """A compiled ``lambda a0..a(n-1): support.<call>``: ``call`` spells the arguments as
    ``a0``, ``a1``... and any literal ones as the generated code does."""
    params = ", ".join(f"a{i}" for i in range(n))
    ns = {"support": support, "np": np}
    exec(f"def w({params}):\n    return support.{call}\n", ns)  # noqa: S102 - test wrappers
    return njit(ns["w"])


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _outcome(fn, args):
    try:
        return fn(*_copies(args)), None
    except Exception as e:          # noqa: BLE001 - the type is what is compared
        return None, e


def same(call: str, *args, dtype=True, rtol=1e-12, atol=0.0):
    """``support.<call>`` in NumPy and under Numba agree on ``args``: one value (shape,
    dtype where ``dtype``, items to ``rtol``), or one exception type."""
    n = len(args)
    params = ", ".join(f"a{i}" for i in range(n))
    ns = {"support": support, "np": np}
    exec(f"def w({params}):\n    return support.{call}\n", ns)  # noqa: S102
    want, err = _outcome(ns["w"], args)
    got, jerr = _outcome(_jit(call, n), args)
    if err is not None or jerr is not None:
        assert err is not None and jerr is not None, (call, err, jerr, got)
        assert isinstance(jerr, type(err)) or isinstance(err, type(jerr)), (call, err, jerr)
        return None
    if isinstance(want, tuple):
        for w, g in zip(want, got, strict=True):
            _agree(call, w, g, dtype, rtol, atol)
    else:
        _agree(call, want, got, dtype, rtol, atol)
    return got


def _agree(call, want, got, dtype, rtol, atol):
    w, g = np.asarray(want), np.asarray(got)
    assert w.shape == g.shape, (call, w.shape, g.shape)
    if isinstance(got, (bool, int, float)):
        # Numba boxes a number as Python's: a float32 one comes back a float (its kind kept)
        dtype = False
        assert w.dtype.kind == g.dtype.kind or (w.dtype.kind, g.dtype.kind) == ("u", "i"), \
            (call, w.dtype, type(got))
    if dtype:
        assert w.dtype == g.dtype, (call, w.dtype, g.dtype)
    if w.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=call)
    else:
        np.testing.assert_array_equal(g, w, err_msg=call)


def arr(*shape, dtype=np.float64, lo=-2.0, hi=2.0):
    if dtype == np.bool_:
        return RNG.uniform(size=shape) < 0.5
    if np.dtype(dtype).kind == "i":
        return RNG.integers(-4, 5, size=shape).astype(dtype)
    return RNG.uniform(lo, hi, size=shape).astype(dtype)


def views(x):
    """``x`` and non-contiguous views of the same values' shape kind: transposed, strided."""
    out = [x]
    if x.ndim >= 2:
        out.append(np.ascontiguousarray(x.T).T)          # F order, same values
    if x.ndim >= 1 and x.shape[-1]:
        big = np.repeat(x, 2, axis=-1)
        out.append(big[..., ::2])                         # a stride of 2
    return out


# ---------------------------------------------------------------- elementwise (_unary)

@pytest.mark.parametrize("name", ["sigmoid", "relu", "softplus", "erf", "erfc"])
def test_unary(name):
    for v in (0.7, -3.0, 0.0, 40.0, -800.0):
        same(f"{name}(a0)", v)
    for shape in ((), (5,), (3, 4), (2, 3, 2), (0, 3)):
        for x in views(arr(*shape, lo=-30, hi=30))[:3 if shape == (3, 4) else 1]:
            same(f"{name}(a0)", x)
    same(f"{name}(a0)", arr(3, 2, dtype=np.int64))          # float64, as the IR types it
    # float32 arrays: Numba keeps float32 (the IR's type); support's erf/erfc answer float64
    x32 = arr(4, 3, dtype=np.float32)
    same(f"{name}(a0)", x32, dtype=name not in ("erf", "erfc"), rtol=1e-6)
    assert _jit(f"{name}(a0)", 1)(x32).dtype == np.float32


# ---------------------------------------------------------------- sum_to, fit_shape

SUM_TO = [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 3), (1, 1)), ((2, 3), ()),
          ((4, 2, 3), (2, 3)), ((4, 2, 3), (1, 3)), ((4, 2, 3), (4, 1, 3)), ((4, 2, 3), (1,)),
          ((3,), (1,)), ((3,), ()), ((2, 3), (2, 3)), ((0, 3), (3,)), ((2, 0), (2, 1)),
          ((2, 3), (2, 2)), ((2, 3), (4, 3))]


@pytest.mark.parametrize("cs, ls", SUM_TO, ids=str)
def test_sum_to(cs, ls):
    """The adjoint of broadcasting: ``c`` is an adjoint, a float array (an int one sums too)."""
    for c in views(arr(*cs)):
        same("sum_to(a0, a1)", c, np.zeros(ls))
    for dt in (np.float32, np.int64):
        same("sum_to(a0, a1)", arr(*cs, dtype=dt), np.zeros(ls), rtol=1e-6)


def test_sum_to_scalar_like():
    """A number's adjoint: NumPy's answer is a 0-d array, Numba's a number (one value)."""
    c = arr(2, 3)
    np.testing.assert_allclose(_jit("sum_to(a0, a1)", 2)(c, 1.5), support.sum_to(c, 1.5))


@pytest.mark.parametrize("cs, ls", [((2, 3), (2, 3)), ((2, 1), (2, 3)), ((2, 3), (1, 3)),
                                     ((1, 1), (2, 1)), ((2, 3), (3, 3))], ids=str)
def test_fit_shape(cs, ls):
    """An einsum operand's adjoint, of the operand's ndim (the rule's subscripts are the
    operand's), summed or broadcast to its shape."""
    for c in views(arr(*cs)):
        same("fit_shape(a0, a1)", c, np.zeros(ls))


# ---------------------------------------------------------------- reductions

@pytest.mark.parametrize("name", ["sum", "max", "min", "prod"])
def test_reduce(name):
    """Every axis of 1-, 2- and 3-D arrays, keepdims or not (axis None: keepdims only, the
    generated code calls np.<name> itself without), float/int/bool, strided views."""
    for shape in ((5,), (3, 4), (2, 3, 4)):
        for ax in [*range(len(shape)), None] if len(shape) < 3 else (1, None):
            for kd in (True, False) if ax is not None else (True,):
                call = f"reduce_{name}(a0, {ax}, {kd})"
                same(call, arr(*shape))
                if len(shape) == 2 and ax == int(not kd) and name in ("sum", "max"):
                    # (axis 1, False), (0, True); prod and min are sum's and max's templates
                    for dt in (np.int64, np.bool_):
                        same(call, arr(*shape, dtype=dt))
                    same(call, arr(*shape, dtype=np.float32), rtol=1e-5)
                if len(shape) == 3 and ax == 1 and not kd and name in ("sum", "max"):
                    same(call, views(arr(*shape))[-1])


@pytest.mark.parametrize("name", ["sum", "max", "min", "prod"])
def test_reduce_edges(name):
    """Empty axes (max/min raise, sum/prod give their identity), NaNs (they win)."""
    for shape, ax in (((0, 3), 0), ((3, 0), 1), ((3, 0), 0), ((0,), 0), ((2, 0, 3), 1)):
        for kd in (True, False):
            same(f"reduce_{name}(a0, {ax}, {kd})", np.zeros(shape))
    same(f"reduce_{name}(a0, None, True)", np.zeros((0, 3)))
    x = np.array([[1.0, np.nan, 2.0], [np.nan, 0.5, -1.0]])
    for ax in (0, 1):
        same(f"reduce_{name}(a0, {ax}, False)", x)


def test_reduce_negative_axis():
    """A negative literal axis counts from the end (NumPy's); the compiler normalises its
    axes, but a helper that accepted -1 and read another axis would be a trap."""
    x = arr(2, 3, 4)
    for name in ("sum", "max"):
        for ax in (-1, -2, -3):
            for kd in (True, False):
                same(f"reduce_{name}(a0, {ax}, {kd})", x)


# ---------------------------------------------------------------- gather, scatter_add

def _index_cases():
    """(x shape, index arguments): integer arrays (1-D, length 1 broadcasting, negative,
    repeated, empty) and integers, one per axis, or fewer than the axes."""
    i64 = lambda *v: np.array(v, dtype=np.int64)      # noqa: E731
    return [
        ((5,), (i64(0, 4, -1, 2, 2),)),
        ((5,), (i64(),)),
        ((3, 4), (i64(0, 2, -1), i64(3, 0, 1))),
        ((3, 4), (i64(1), i64(0, 1, 3, -4))),            # a length-1 row index broadcasts
        ((3, 4), (i64(0, 2, 2), i64(-1))),
        ((3, 4), (i64(1), i64(2))),
        ((3, 4), (1, i64(0, 3, 3))),
        ((3, 4), (i64(2, 0), -1)),
        ((3, 4), (i64(0, 2, 1),)),                       # rows: fewer indices than axes
        ((2, 3, 4), (i64(0, 1, 1), i64(2, 0, 2), i64(3, -1, 0))),
        ((2, 3, 4), (i64(1), 2, i64(0, 1, 2, 3))),
        ((2, 3, 4), (i64(1, 0),)),
        ((2, 3, 4), (1, i64(2, 0, -1))),                 # rows of one plane
        ((2, 3, 4), (i64(0, 1, 1), i64(2, 0, 2))),
        ((3, 4), (i64(0, 1), i64(0, 1, 2))),             # no broadcast: IndexError
        ((3, 4), (i64(0, 3), i64(0, 1))),                # out of range: IndexError
        ((3, 4), (i64(0, -4), i64(0, 1))),
        ((3, 4), (i64(), i64(1))),
    ]


# the cases that also run on other dtypes and layouts (each is a compile)
WIDE = (2, 3, 9)


def _call(name, n):
    return f"{name}(" + ", ".join(f"a{i}" for i in range(n)) + ")"


@pytest.mark.parametrize("case", range(len(_index_cases())))
def test_gather(case):
    shape, idx = _index_cases()[case]
    same(_call("gather", 1 + len(idx)), arr(*shape), *idx)
    if case not in WIDE:
        return
    for dt in (np.float64, np.int64, np.bool_):
        for x in views(arr(*shape, dtype=dt))[dt != np.float64:]:
            same(_call("gather", 1 + len(idx)), x, *idx)
    for i in idx:                                       # a strided index array
        if isinstance(i, np.ndarray) and i.size:
            strided = [np.repeat(j, 2)[::2] if j is i else j for j in idx]
            same(_call("gather", 1 + len(idx)), arr(*shape), *strided)


@pytest.mark.parametrize("case", range(len(_index_cases())))
def test_scatter_add(case):
    """np.add.at's sums (repeated indices add up), g one item per index or one number."""
    shape, idx = _index_cases()[case]
    try:
        picked = np.zeros(shape)[idx]
    except IndexError:
        picked = np.zeros(1)
    call = _call("scatter_add", 2 + len(idx))
    for g in (views(arr(*picked.shape)) if case in WIDE else [arr(*picked.shape)]) + [2.5]:
        same(call, arr(*shape), g, *idx)
    if case in WIDE:
        same(call, arr(*shape, dtype=np.float32), arr(*picked.shape, dtype=np.float32), *idx,
             rtol=1e-6)


@pytest.mark.parametrize("axis, nd", [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)])
def test_scatter_add_axis(axis, nd):
    """Into a view (``acc[2:, :]`` and friends, as the generated code passes), one index
    array along ``axis``, the other axes whole."""
    shape = (4, 3, 5)[:nd]
    call = f"scatter_add_axis(a0, a1, a2, {axis})"
    for idx in (np.array([0, 2, -1, 2]), np.array([1]), np.array([], dtype=np.int64)):
        gshape = list(shape)
        gshape[axis] = idx.size
        for g in views(arr(*gshape))[:1 if nd != 2 else 3]:
            same(call, arr(*shape), g, idx)
        base = arr(*[n + 2 for n in shape])
        want = base.copy()
        view = tuple(slice(1, 1 + n) for n in shape)
        support.scatter_add_axis(want[view], g, idx, axis)
        got = base.copy()
        _jit(call, 3)(got[view], g, idx)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    same(call, arr(*shape), arr(*gshape), np.array([0, shape[axis]]))   # out of range


@pytest.mark.parametrize("index", ["0, :, idx", "1, :, idx, :", "idx, :, 0", ":, 1, idx",
                                   "0, idx, :", ":, 0, :, idx", "1, 2:, ::-1, idx"])
def test_scatter_add_axis_spec(index):
    """The scatter the generated code writes for ``x[index]`` (``primitives._index_add_jit``:
    a view, the array's axis in it, and ``front`` where integers stand apart from the array,
    so that NumPy's gather put the array's axis first), against np.add.at with the index
    itself."""
    from flatgrad.compiler.primitives import _index_add_jit
    parts = [p.strip() for p in index.split(",")]
    spec = tuple(("a",) if p == "idx" else ("i",) if p.isdigit() else
                 ("s",) + tuple(bool(b) for b in (p.split(":") + [""] * 3)[:3]) for p in parts)
    texts = [q for p in parts if p != ":" for q in ([p] if ":" not in p else
                                                     [b for b in p.split(":") if b])]
    code = _index_add_jit(["acc", "g"] + texts, {"spec": spec})
    x = arr(3, 4, 5, 3)
    idx = np.array([1, -1, 0, 1, 2])
    ns = {"np": np, "idx": idx, "support": support}
    g = arr(*np.shape(eval(f"x[{index}]", {"x": x, "idx": idx})))  # noqa: S307 - test's own text
    want = np.zeros_like(x)
    np.add.at(want, eval(f"np.index_exp[{index}]", {"np": np, "idx": idx}), g)  # noqa: S307
    call = code.replace("scatter_add_axis(", "support.scatter_add_axis(")
    got = np.zeros_like(x)
    ns.update(acc=got, g=g)
    exec(call, ns)  # noqa: S102 - NumPy's helper, as the spelling calls it
    np.testing.assert_allclose(got, want, rtol=1e-12)
    jitted = njit(eval("lambda acc, g, idx: " + call.replace("support.", "_s."), {"_s": support}))
    got = np.zeros_like(x)
    jitted(got, g, idx)
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------- index checks

def test_index_checks():
    i64 = lambda *v: np.array(v, dtype=np.int64)      # noqa: E731
    for idx, n in ((i64(0, 2, 1), 3), (i64(0, -3), 3), (i64(1, 1), 3), (i64(), 0),
                   (i64(-1, 4), 5), (np.array([[0, 1], [2, 0]]), 3)):
        same("distinct_index(a0, a1)", idx, n)
    for a, n, b, m in ((i64(0, 1), 2, i64(1, 1), 3), (i64(0, 0), 2, i64(1, 1), 3),
                       (i64(1), 2, i64(0, 1, 2), 3), (i64(1), 2, i64(0, -3), 3),
                       (i64(0, 1, -2), 2, i64(2), 3)):
        same("distinct_pairs(a0, a1, a2, a3)", a, n, b, m)
    for i, n in ((0, 3), (2, 3), (3, 3), (-3, 3), (-4, 3), (0, 0)):
        same("check_index(a0, a1)", i, n)
    for n, m in ((3, 3), (3, 4)):
        same("same_size(a0, a1)", n, m)
    for n, s in ((6, 3), (6, 4), (0, 2)):
        same("split_size(a0, a1)", n, s)
    for n in (0, 3, -1):
        same("nonneg(a0)", n)
    for n in (3, 2):
        same("cross_index(a0)", n)
    for n in (1, 3):
        same("squeeze_index(a0)", n)


def test_arange():
    """An integer: the loop helper (an empty array for a negative one, as NumPy's); a float:
    Numba's own np.arange."""
    for n in (0, 1, 5, -3, np.int32(4)):
        same("arange(a0)", n)
    same("arange(a0)", 3.5, dtype=False)


def test_array_equiv():
    a = arr(2, 3)
    for b in (a.copy(), a[:1], a[:, :1], a[0], np.zeros(3), a.T.copy(), a[:, :2], a + 1,
              np.broadcast_to(a[0], (2, 3)).copy(), np.zeros((4, 2, 3))):
        same("array_equiv(a0, a1)", a, b)
        same("array_equiv(a0, a1)", np.ones((2, 1)), np.ones_like(b))


# ---------------------------------------------------------------- tapes

def test_tape_push():
    for like in (np.zeros(3), np.zeros((2, 2))):
        tape = support.empty_rows(0, like)
        jtape = _jit("empty_rows(a0, a1)", 2)(0, like)
        assert jtape.shape == tape.shape and jtape.dtype == tape.dtype
        for k in range(20):
            v = arr(*like.shape)
            tape = support.tape_push(tape, k, v)
            jtape = _jit("tape_push(a0, a1, a2)", 3)(jtape, k, v)
            assert jtape.shape == tape.shape
            np.testing.assert_array_equal(jtape[:k + 1], tape[:k + 1])
        same("tape_push(a0, a1, a2)", tape, 20, np.zeros(like.shape[:-1] + (5,)))
    t = np.empty(0)
    for k in range(3):                              # a tape of numbers
        t = _jit("tape_push(a0, a1, a2)", 3)(t, k, float(k))
    np.testing.assert_array_equal(t[:3], [0.0, 1.0, 2.0])
    for n, like in ((4, np.zeros((2, 3), np.float32)), (0, np.zeros(2, np.int64))):
        got = _jit("empty_rows(a0, a1)", 2)(n, like)
        want = support.empty_rows(n, like)
        assert (got.shape, got.dtype) == (want.shape, want.dtype)


# ---------------------------------------------------------------- linear algebra helpers

def test_tril_halved_and_diag_embed():
    for shape in ((3, 3), (2, 4), (4, 2), (1, 1), (0, 0)):
        for x in views(arr(*shape)):
            same("tril_halved(a0)", x)
    for shape in ((3, 3), (2, 4), (4, 2)):
        for k in (0, 1, -1, 2):
            n = np.diag(np.zeros(shape), k).size
            same("diag_embed(a0, a1, a2)", arr(n), np.zeros(shape), k)


EINSUMS = [("ij,jk->ik", ((3, 4), (4, 2))), ("ij,j->i", ((3, 4), (4,))),
           ("i,i->", ((4,), (4,))), ("ii->", ((3, 3),)), ("ii->i", ((3, 3),)),
           ("ij->ji", ((2, 3),)), ("i,j->ij", ((3,), (2,))), ("bij,bjk->bik", ((2, 3, 4), (2, 4, 2))),
           ("ij,jk->ik", ((3, 1), (4, 2))), ("ij,ij->i", ((3, 1), (1, 4))),
           ("ij,jk->ik", ((3, 4), (5, 2))), ("ij,jk->ik", ((0, 4), (4, 2))),
           (",ij->ij", ((), (2, 3)))]


@pytest.mark.parametrize("spec, shapes", EINSUMS, ids=[s for s, _ in EINSUMS])
def test_einsum_loops(spec, shapes):
    ops = [arr(*s) for s in shapes]
    call = f"einsum_loops({spec!r}, " + ", ".join(f"a{i}" for i in range(len(ops))) + ")"
    same(call, *ops)
    if spec in ("ij,jk->ik", "ii->i", "bij,bjk->bik"):       # strided views, float32
        same(call, *[v[-1] for v in map(views, ops)])
        same(call, *[o.astype(np.float32) for o in ops], rtol=1e-5)


def test_cofactor():
    a = arr(3, 3)
    for m in views(a) + [np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((2, 2)), np.eye(1),
                         np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])]:
        same("cofactor(a0)", m, rtol=1e-9, atol=1e-12)


def test_solve_tri():
    a = arr(4, 4) + 4 * np.eye(4)
    for lower in (True, False):
        for unit in (True, False):
            call = f"solve_tri(a0, a1, {lower}, {unit})"
            for m in views(a):
                for b in (arr(4), arr(4, 3), arr(4, 3).T.copy().T, arr(4, 0)):
                    same(call, m, b, rtol=1e-10)
            same(call, a.astype(np.float32), arr(4, 2, dtype=np.float32), rtol=1e-4)
            z = a.copy()
            z[2, 2] = 0.0
            same(call, z, arr(4))                       # LinAlgError unless unit


# ---------------------------------------------------------------- special functions

SPECIAL = {"gammaln": 1, "log_ndtr": 1, "xlogy": 2, "xlog1py": 2, "gammainc": 2, "gammaincc": 2,
           "betainc": 3}


@pytest.mark.parametrize("name", sorted(SPECIAL) + ["polygamma"])
def test_special(name):
    n = SPECIAL.get(name, 1)
    pre = "polygamma(a0, " if name == "polygamma" else f"{name}("
    call = pre + ", ".join(f"a{i + (name == 'polygamma')}" for i in range(n)) + ")"
    lead = (1,) if name == "polygamma" else ()
    ok = lambda *s, dtype=np.float64: arr(*s, dtype=dtype, lo=0.05, hi=0.95) \
        if name == "betainc" else arr(*s, dtype=dtype, lo=0.1, hi=6.0)   # noqa: E731
    same(call, *lead, *[0.7] * n)                                       # numbers
    same(call, *lead, *[ok(3, 2) for _ in range(n)])
    same(call, *lead, *[ok(*s) for s in ((3, 1), (1, 2), (2,))[:n]])     # broadcasting
    same(call, *lead, *[v[-1] for v in (views(ok(2, 3)) for _ in range(n))])
    same(call, *lead, ok(2, 2), *[1.5] * (n - 1))                       # array and numbers
    same(call, *lead, *[np.array([-1.0, 0.0, np.nan, np.inf])] * n)
    # bool and int arguments: a float64 result, as the IR types it (and support answers)
    same(call, *lead, *[np.array([True, False, True])] * n)
    same(call, *lead, *[np.array([1, 2, 3])] * n)
    # float32: a float32 result, computed in float32 by Numba (a few ulps from NumPy's)
    got = same(call, *lead, *[ok(3, dtype=np.float32) for _ in range(n)], rtol=5e-5)
    assert got.dtype == np.float32
    if n > 1:                  # float32 with ints: float32 (Numba's ufunc took float64's loop)
        same(call, *lead, ok(3, dtype=np.float32), *[np.array([1, 2, 3])] * (n - 1), rtol=5e-5)
        same(call, *lead, ok(3, dtype=np.float32), *[2] * (n - 1), rtol=5e-5)


# ---------------------------------------------------------------- along an axis

@pytest.mark.parametrize("name", ["scan_cumsum", "rcumsum", "scan_cumprod", "argsort_axis"])
def test_along_axis(name):
    """Every axis (negative too) of 1-, 2- and 3-D arrays; views, ints, bools, empty arrays.
    The four share one template (``numba_ext._along_axis``): each axis of a 3-D array, and
    a negative axis, for one of them."""
    full = name == "scan_cumsum"
    for shape in ((5,), (3, 4), (2, 3, 4)):
        axes = {1: (0,) if full else (), 2: (-1, 0, 1) if full else (0, 1),
                3: (1,) if full else ()}
        for ax in axes[len(shape)]:
            call = f"{name}(a0, {ax})"
            same(call, arr(*shape))
            if len(shape) == 2:
                same(call, np.zeros((0, 3)))
                same(call, np.zeros((3, 0)))
            if len(shape) == 2 and ax == 0 and full:
                same(call, views(arr(*shape))[-1])
            if len(shape) == 2 and ax == 1 and name in ("scan_cumsum", "scan_cumprod"):
                same(call, arr(*shape, dtype=np.int64))
                same(call, arr(*shape, dtype=np.bool_))
    same("argsort_axis(a0, 0)", np.array([1.0, 0.0, 1.0, 0.0, np.nan, 1.0]))   # stable ties


def test_scatter_along():
    """The adjoint of np.take_along_axis: repeated and negative indices add, indices that
    broadcast (length 1 off the axis), ``like`` broadcast off the axis (its items sum),
    out-of-range indices raise."""
    cases = [((3, 4), (3, 2), (3, 4), 1), ((3, 4), (3, 2), (1, 2), 1), ((3, 4), (2, 4), (2, 4), 0),
             ((1, 5), (3, 2), (3, 2), 1), ((3, 1), (3, 6), (3, 6), 1), ((2, 3, 4), (2, 3, 2), (2, 3, 2), 2),
             ((2, 3, 4), (2, 5, 4), (2, 5, 4), 1), ((2, 1, 4), (2, 3, 4), (2, 3, 4), 0),
             ((5,), (7,), (7,), 0), ((3, 4), (3, 0), (3, 0), 1)]
    for ls, gs, ishape, ax in cases:
        for axis in (ax, ax - len(ls)):
            call = f"scatter_along(a0, a1, a2, {axis})"
            n = ls[ax]
            idx = RNG.integers(-n, n, size=ishape)
            for g in views(arr(*gs)):
                same(call, g, idx, np.zeros(ls))
            same(call, arr(*gs), idx + n, np.zeros(ls))        # out of range
    same("scatter_along(a0, a1, a2, 1)", arr(2, 3, dtype=np.float32),
         np.array([[0, 0, 1], [2, 1, 1]]), np.zeros((2, 3), np.float32))


def test_mask_scatter():
    for shape in ((5,), (3, 4), (2, 3, 2), (0, 2)):
        like = np.zeros(shape)
        for m in views(arr(*shape, dtype=np.bool_)):
            g = arr(int(m.sum()))
            same("mask_scatter(a0, a1, a2)", g, m, like)
            same("mask_scatter(a0, a1, a2)", g, m, np.ascontiguousarray(like.T).T)


def test_shift_and_roll():
    """shift_along: every axis (a literal), both directions, axes of length 1 and 0;
    roll_axis: every axis, negative ones too, any shift."""
    for shape in ((5,), (3, 4), (2, 3, 4)):
        for ax in range(-1, 2) if len(shape) == 2 else range(1) if len(shape) == 1 else (1,):
            for k in (1, -1) if len(shape) < 3 else (1,):
                call = f"shift_along(a0, {ax}, {k}, 0.0)"
                same(call, arr(*shape))
                if len(shape) == 2:
                    same(call, arr(1, 3))
                    same(call, np.zeros((0, 2)))
                if len(shape) == 2 and ax == 0:
                    same(call, views(arr(*shape))[-1])
                if len(shape) == 2 and ax == 1:
                    same(f"shift_along(a0, {ax}, {k}, 1)", arr(*shape, dtype=np.int64))
        for ax in range(-len(shape), len(shape)):
            for shift in (0, 1, -1, 7, -9):
                for x in views(arr(*shape))[:3 if len(shape) == 2 else 1] + [arr(*shape[:-1], 1)]:
                    same("roll_axis(a0, a1, a2)", x, shift, ax)
    same("roll_axis(a0, a1, a2)", np.zeros((0, 2)), 1, 0)
    same("roll_axis(a0, a1, a2)", arr(3, 4, dtype=np.int64), 2, 1)
    same("roll_axis(a0, a1, a2)", arr(3, 4, dtype=np.bool_), -1, 0)


def test_linrec():
    """a and g of one shape (the rules of np.cumprod make them so); every axis, both
    directions, zeros among the a's (where a division would fail)."""
    for shape in ((6,), (3, 4), (2, 3, 4)):
        for ax in range(-1, 2) if len(shape) == 2 else range(1) if len(shape) == 1 else (1,):
            for rev in (False, True) if ax >= 0 and len(shape) == 2 else (ax != 0,):
                call = f"linrec(a0, a1, {ax}, {rev})"
                a = arr(*shape)
                a[a > 1.2] = 0.0
                same(call, a, arr(*shape))
                if len(shape) == 2:
                    same(call, np.zeros((0, 3)), np.zeros((0, 3)))
                    same(call, arr(3, 1), arr(3, 1))
                if len(shape) == 2 and ax == 0:
                    same(call, views(a)[-1], views(arr(*shape))[1])
    same("linrec(a0, a1, 0, False)", arr(4, 2, dtype=np.float32), arr(4, 2, dtype=np.float32),
         rtol=1e-6)


# ---------------------------------------------------------------- end to end: fixed divergences

def _take_bcast(x, idx):
    """np.take_along_axis broadcasting x's length-1 axis 0 against idx's 3 rows."""
    return np.sum(np.take_along_axis(x, idx, axis=1) ** 2 * np.arange(1.0, 3.0))


def _sort_rows_then_roll(x):
    return np.sum(np.roll(np.sort(x, axis=-1), 1, axis=-1) * np.arange(1.0, 5.0))


@pytest.fixture(scope="module")
def take_bcast_grad():
    return fg.grad(_take_bcast, argnums=(0,), target="cpu")


def test_take_along_axis_broadcast_grad(take_bcast_grad):
    """x of shape (1, 5) taken by 3 rows of indices: its gradient sums the rows' adjoints.
    Numba's scatter_along wrote rows 1 and 2 past its (1, 5) output (a silent wrong
    gradient, [[2, 4, 0, 0, 0]] here), NumPy's raised IndexError."""
    x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    idx = np.array([[0, 1], [2, 2], [4, -5]])
    num = numeric_grad(_take_bcast, [x, idx], 0, 1e-6)
    for g in (take_bcast_grad, fg.grad(_take_bcast, argnums=(0,), target="python")):
        (got,) = g(x, idx)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_sort_roll_grad():
    """np.sort's adjoint (scatter_along) and np.roll's (roll_axis, a negative axis in the
    user's code) on the cpu target, against finite differences."""
    x = RNG.normal(size=(3, 4))
    got = fg.grad(_sort_rows_then_roll, target="cpu")(x)
    num = numeric_grad(_sort_rows_then_roll, [x], 0, 1e-6)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def _apart(x, idx, w):
    """An integer apart from the index array (NumPy's gather puts idx's axis first: (5, 3)),
    and one beside it (the axis stays in place: (2, 5))."""
    return np.sum(x[0, :, idx] * w) + np.sum(x[:, 1, idx] ** 2)


def test_integer_apart_from_index_array_grad():
    """The adjoint of x[0, :, idx] on the cpu target: Numba's scatter_add_axis read g as if
    idx's axis were in place ((3, 5), not NumPy's (5, 3)): a silent wrong gradient."""
    x = RNG.normal(size=(2, 3, 4))
    idx = np.array([0, 2, 3, 3, -3])
    w = RNG.normal(size=(5, 3))
    num = numeric_grad(_apart, [x, idx, w], 0, 1e-6)
    for target in ("cpu", "python"):
        (got,) = fg.grad(_apart, argnums=(0,), target=target)(x, idx, w)
        np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8, err_msg=target)
