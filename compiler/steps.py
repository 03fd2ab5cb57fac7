"""Transforms as data: a :class:`Step` maps IR to IR, so transforms stack.

Every transform flatgrad offers is a stack of steps applied to the user's function,
each to the previous one's output (``compiler/pipeline.py`` runs them as passes):

    Step("rev", wrt)     gradient of a scalar result                  (reverse_ad)
    Step("vjp", wrt)     cotangent parameters for the results          (reverse_seeded)
    Step("fwd", wrt)     tangent parameters for ``wrt``                (forward_ad)
    Step("jac", wrt)     the Jacobian, rows = results; ``mode`` "rev" or "fwd"

``grad(f)`` is ``[rev]``, ``grad(grad(f))`` is ``[rev, rev]``, ``hessian(f)`` is
``[rev, jac-fwd]``: forward over reverse on the gradient's IR. A step also says how its
results nest (:meth:`Step.tree`), from how its input's results nest.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import tree as TR
from . import types as T
from .errors import CompileError
from .forward import forward_ad
from .inline import builder_for, function, inline
from .ir import Block, Const, For, Function
from .rewrite import map_block
from .reverse import reverse_ad
from .vjp import reverse_seeded

KINDS = ("rev", "vjp", "fwd", "jac")


@dataclass(frozen=True)
class Step:
    """One transform: ``kind`` with respect to parameters ``wrt``.

    ``single``: ``wrt`` was one int (its results are unwrapped, as JAX's ``argnums=0``);
    ``with_value``: the function's own results come first (rev, vjp, fwd);
    ``mode``: "rev" (rows) or "fwd" (columns) for jac; ``checkpoint``: None, True or K
    for the loops of a rev step (see ``compiler/reverse.py``); ``wrt_tree``: how the
    derivatives with respect to ``wrt`` nest, when they are the leaves of container arguments
    (set by :func:`over_leaves`; else one leaf per position)."""

    kind: str
    wrt: tuple
    single: bool = False
    with_value: bool = False
    mode: str = "rev"
    checkpoint: object = None
    wrt_tree: object = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown transform step {self.kind!r}")
        if self.kind == "jac" and self.mode not in ("rev", "fwd"):
            raise ValueError(f"jacobian mode must be 'rev' or 'fwd', not {self.mode!r}")

    @property
    def name(self) -> str:
        """The pass name (``flatgrad show --dump-after rev``)."""
        return "jac" + self.mode if self.kind == "jac" else self.kind

    def apply(self, fn: Function) -> Function:
        check_wrt(fn, self.wrt)
        tree = self.tree(results_tree(fn))
        if self.kind == "rev":
            out = reverse_ad(fn, self.wrt, self.with_value, self.checkpoint)
        elif self.kind == "vjp":
            out = reverse_seeded(fn, self.wrt, None, self.with_value)
        elif self.kind == "fwd":
            out = forward_ad(fn, self.wrt, self.with_value)
        else:
            out = jacobian_ir(fn, self.wrt, self.mode)
        return with_tree(out, tree)

    def tree(self, inner: TR.TreeDef) -> TR.TreeDef:
        """How this step's results nest, given how its input's results nest."""
        args = self.wrt_tree or (TR.LEAF if self.single else TR.leaves(len(self.wrt)))
        if self.kind == "jac":
            return TR.graft(inner, args)          # rows follow the results, columns wrt
        out = {"rev": args, "vjp": self.wrt_tree or TR.leaves(len(self.wrt)), "fwd": inner}[self.kind]
        return TR.tuple_of([inner, out]) if self.with_value else out


def results_tree(fn: Function) -> TR.TreeDef:
    """How ``fn``'s results nest: as recorded in its meta, else one leaf or a flat tuple."""
    tree = dict(fn.meta).get("tree")
    if tree is not None and tree.num_leaves == len(fn.results):
        return tree
    return TR.of_results(len(fn.results))


def with_tree(fn: Function, tree: TR.TreeDef) -> Function:
    meta = tuple((k, v) for k, v in fn.meta if k != "tree") + (("tree", tree),)
    return replace(fn, meta=meta)


def over_leaves(steps, arg_types, loc=None) -> tuple:
    """``steps`` for a function whose parameters of types ``arg_types`` include containers
    (:class:`~flatgrad.compiler.types.Tree`): its IR has one parameter per leaf, so each
    position in a step's ``wrt`` becomes the positions of its leaves, and ``wrt_tree`` nests
    the derivatives as the arguments nest (a gradient with respect to ``{"W": W, "b": b}``
    is a dict). Without containers the steps are returned as they are."""
    if not any(isinstance(t, T.Tree) for t in arg_types):
        return tuple(steps)
    spans, k = [], 0
    for t in arg_types:
        width = t.tree.num_leaves if isinstance(t, T.Tree) else 1
        spans.append(tuple(range(k, k + width)))
        k += width
    out = []
    for step in steps:
        wrt, trees = [], []
        for i in step.wrt:
            if not 0 <= i < len(spans):
                raise CompileError(f"argnums {i} is out of range for a function with "
                                   f"{len(spans)} parameters", loc)
            wrt.extend(spans[i])
            t = arg_types[i]
            trees.append(t.tree if isinstance(t, T.Tree) else TR.LEAF)
        tree = trees[0] if step.single else TR.tuple_of(trees)
        out.append(replace(step, wrt=tuple(wrt), single=False, wrt_tree=tree))
    return tuple(out)


def check_wrt(fn: Function, wrt) -> None:
    """The one check that ``wrt`` (``argnums``) names parameters of ``fn``."""
    for i in wrt:
        if not 0 <= i < len(fn.params):
            raise CompileError(f"argnums {i} is out of range for '{fn.name}' with "
                               f"{len(fn.params)} parameters", fn.loc)


def apply_steps(fn: Function, steps) -> Function:
    """Apply each step of ``steps`` in order."""
    for step in steps:
        fn = step.apply(fn)
    return fn


def jacobian_ir(fn: Function, wrt, mode: str = "rev") -> Function:
    """A function returning the Jacobian of ``fn``'s results with respect to ``wrt``,
    flattened row-major (``d result_j / d param_i`` at ``j * len(wrt) + i``).

    Forward mode builds one column per parameter, reverse mode one row per result;
    each seed is a constant, so the optimiser removes the zero parts. With arrays, one
    compiled loop runs over the basis seeds (see :func:`jacobian_arrays`)."""
    for a in [fn.params[i] for i in wrt] + list(fn.results):
        if not isinstance(a.type, (T.Scalar, T.Array)):
            raise CompileError(f"jacobian of '{fn.name}': cannot differentiate a {a.type}", fn.loc)
    if any(T.is_array(a.type) for a in [fn.params[i] for i in wrt] + list(fn.results)):
        return jacobian_arrays(fn, wrt, mode)
    b = builder_for(fn)
    m, n = len(fn.results), len(wrt)
    cells: list = [[None] * n for _ in range(m)]
    if mode == "fwd":
        for i_pos, i in enumerate(wrt):
            col = forward_ad(fn, (i,), with_value=False)
            col = _fix_param(col, len(fn.params), Const(1.0, T.F64))
            for j, t in enumerate(inline(b, col, fn.params)):
                cells[j][i_pos] = t
    elif mode == "rev":
        for j in range(m):
            seeds = [1.0 if k == j else 0.0 for k in range(m)]
            row = reverse_seeded(fn, tuple(wrt), seeds)
            for i_pos, g in enumerate(inline(b, row, fn.params)):
                cells[j][i_pos] = g
    else:
        raise ValueError(f"jacobian mode must be 'fwd' or 'rev', not {mode!r}")
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
# built in a flat (result.size, param.size) buffer by one compiled loop over basis
# seeds: columns (a JVP per input element) in forward mode, rows (a VJP per output
# element) in reverse mode; then reshaped.

_ROW = (("i",), ("s", False, False, False))      # J[k, :]
_COL = (("s", False, False, False), ("i",))      # J[:, k]
_ONE = (("i",),)                                 # J[k]


def jacobian_arrays(fn: Function, wrt, mode: str) -> Function:
    if mode not in ("fwd", "rev"):
        raise ValueError(f"jacobian mode must be 'fwd' or 'rev', not {mode!r}")
    b = builder_for(fn)
    outs = inline(b, fn, fn.params)            # the results, for their shapes
    xs = [fn.params[i] for i in wrt]
    cells = [[None] * len(wrt) for _ in outs]
    if mode == "fwd":
        for ipos, i in enumerate(wrt):
            col = forward_ad(fn, (i,), with_value=False)
            x = xs[ipos]
            if not T.is_array(x.type):
                tans = inline(b, col, fn.params + (Const(1.0, x.type),))
                for j, t in enumerate(tans):
                    cells[j][ipos] = _as_float(t)
                continue
            n = b.op("size", x)
            flats = [_zeros(b, r, n) for r in outs]

            def column(bb, k, acc, x=x, n=n, col=col):
                seed = bb.op("reshape_like", _onehot(bb, n, k), x)
                tans = inline(bb, col, fn.params + (seed,))
                return [_store(bb, a, t, k, _COL if T.is_array(r.type) else _ONE)
                        for a, t, r in zip(acc, tans, outs)]

            done = _loop(b, n, flats, column, fn)
            for j, (r, J) in enumerate(zip(outs, done)):
                cells[j][ipos] = _shaped(b, J, r, x)
    else:
        row = reverse_seeded(fn, tuple(wrt))
        for j, r in enumerate(outs):
            if not T.is_array(r.type):
                cts = [Const(1.0 if o is r else 0.0, _float(o)) if not T.is_array(o.type)
                       else b.op("zeros_like", o) for o in outs]
                for ipos, g in enumerate(inline(b, row, fn.params + tuple(cts))):
                    cells[j][ipos] = _as_float(g)
                continue
            m = b.op("size", r)
            flats = [_zeros(b, x, m, rows=True) for x in xs]

            def one_row(bb, k, acc, r=r, m=m):
                cts = [bb.op("reshape_like", _onehot(bb, m, k), o) if o is r else
                       (bb.op("zeros_like", o) if T.is_array(o.type) else Const(0.0, _float(o)))
                       for o in outs]
                grads = inline(bb, row, fn.params + tuple(cts))
                return [_store(bb, a, g, k, _ROW if T.is_array(x.type) else _ONE)
                        for a, g, x in zip(acc, grads, xs)]

            done = _loop(b, m, flats, one_row, fn)
            for ipos, (x, J) in enumerate(zip(xs, done)):
                cells[j][ipos] = _shaped(b, J, r, x)
    results = [c for r in cells for c in r]
    return function(fn.name + "_jac", fn.params, b, results, fn)


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
    return b.op("reshape", J, *dims)
