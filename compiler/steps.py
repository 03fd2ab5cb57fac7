"""Transforms as data: a :class:`Step` maps IR to IR, so transforms stack.

Every transform flatgrad offers is a stack of steps applied to the user's function,
each to the previous one's output (``compiler/pipeline.py`` runs them as passes):

    Step("rev", wrt)     gradient of a scalar result                  (reverse_ad)
    Step("vjp", wrt)     cotangent parameters for the results          (reverse_seeded)
    Step("fwd", wrt)     tangent parameters for ``wrt``                (forward_ad)
    Step("jac", wrt)     the Jacobian, rows = results; ``mode`` "auto", "rev" or "fwd"
    Step("rows", data)   what one row chunk of the data computes   (split_rows)
    Step("sum", ())      the sum of every element of every result  (sum_results)

``grad(f)`` is ``[rev]``, ``grad(grad(f))`` is ``[rev, rev]``, ``hessian(f)`` is
``[rev, jac-fwd]``: forward over reverse on the gradient's IR. A step also says how its
results nest (:meth:`Step.tree`), from how its input's results nest.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from . import tree as TR
from . import types as T
from .builder import Builder
from .errors import CompileError
from .forward import forward_ad
from .ir import Block, Function, max_id
from .jacobian import MODES as JAC_MODES
from .jacobian import jacobian_arrays, jacobian_ir  # noqa: F401  (jacobian_arrays: re-exported)
from .reverse import reverse_ad
from .rows import split_rows
from .vjp import reverse_seeded

KINDS = ("rev", "vjp", "fwd", "jac", "rows", "sum")


@dataclass(frozen=True)
class Step:
    """One transform: ``kind`` with respect to parameters ``wrt``.

    ``single``: ``wrt`` was one int (its results are unwrapped, as JAX's ``argnums=0``);
    ``with_value``: the function's own results come first (rev, vjp, fwd);
    ``aux``: (rev) the function returns ``(value, aux)``, JAX's ``has_aux``: the gradient is
    of ``value``, and ``aux`` (any container of numbers and arrays) is returned beside it, as
    the forward pass computed it;
    ``mode``: "rev" (rows), "fwd" (columns) or "auto" (the fewer seeds) for jac; ``checkpoint``: None, True or K
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
    aux: bool = False               # rev: the function returns (value, aux); aux rides along

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown transform step {self.kind!r}")
        if self.kind == "jac" and self.mode not in JAC_MODES:
            raise ValueError(f"jacobian mode must be one of {JAC_MODES}, not {self.mode!r}")

    @property
    def name(self) -> str:
        """The pass name (``flatgrad show --dump-after rev``)."""
        return "jac" + self.mode if self.kind == "jac" else self.kind

    def apply(self, fn: Function) -> Function:
        check_wrt(fn, self.wrt)
        if self.kind == "rows":           # the same results, computed per row chunk
            return split_rows(fn, self.wrt)
        if self.kind == "sum":
            return sum_results(fn)
        aux = aux_leaves(fn) if self.aux and self.kind == "rev" else 0
        tree = self.tree(results_tree(fn))
        if self.kind == "rev":
            out = reverse_ad(fn, self.wrt, self.with_value, self.checkpoint, aux)
        elif self.kind == "vjp":
            out = reverse_seeded(fn, self.wrt, None, self.with_value)
        elif self.kind == "fwd":
            out = forward_ad(fn, self.wrt, self.with_value)
        else:
            out = jacobian_ir(fn, self.wrt, self.mode)
        return with_tree(out, tree)

    def tree(self, inner: TR.TreeDef) -> TR.TreeDef:
        """How this step's results nest, given how its input's results nest."""
        if self.kind == "sum":
            return TR.LEAF
        args = self.wrt_tree or (TR.LEAF if self.single else TR.leaves(len(self.wrt)))
        if self.kind == "jac":
            return TR.graft(inner, args)          # rows follow the results, columns wrt
        if self.aux and self.kind == "rev":     # JAX: (grad, aux); ((value, aux), grad)
            return TR.tuple_of([inner, args]) if self.with_value else \
                TR.tuple_of([args, inner.children[1]])
        out = {"rev": args, "vjp": self.wrt_tree or TR.leaves(len(self.wrt)), "fwd": inner}[self.kind]
        return TR.tuple_of([inner, out]) if self.with_value else out


def sum_results(fn: Function) -> Function:
    """``fn`` returning the sum of all its results' elements: a gradient of it is the VJP of
    ``fn`` with a cotangent of ones (autograd's ``elementwise_grad``)."""
    b = Builder(itertools.count(max_id(fn) + 1), fn.loc)
    b.stmts = list(fn.body.stmts)
    total = None
    for r in fn.results:
        s = b.sum(r) if T.is_array(r.type) else r
        total = s if total is None else b.add(total, s)
    if total is None:
        raise CompileError(f"'{fn.name}' returns nothing to differentiate", fn.loc)
    meta = tuple((k, v) for k, v in fn.meta if k != "tree")
    return Function(fn.name + "_sum", fn.params, Block((), tuple(b.stmts), (total,)), fn.loc,
                    meta)


def aux_leaves(fn: Function) -> int:
    """The number of leaves of ``aux`` in ``fn``'s results ``(value, aux)`` (``has_aux``)."""
    tree = results_tree(fn)
    if not (tree.kind == "tuple" and len(tree.children) == 2 and tree.children[0].kind == "leaf"):
        raise CompileError(f"has_aux=True needs '{fn.name}' to return a pair (value, aux), "
                           f"not {tree}", fn.loc, "Return (loss, aux): aux may be any tuple, "
                           "list or dict of numbers and arrays.")
    return tree.children[1].num_leaves


def steps_of(api: str, nums: tuple, single: bool, *, mode: str = "auto",
             checkpoint=None, has_aux: bool = False) -> tuple:
    """The steps of the public transform named ``api`` (``flatgrad/api.py``) with respect to
    positions ``nums``; the frontend builds the same ones for a transform made inside a
    function being compiled (``compiler/frontend/transforms.py``)."""
    if api == "grad":
        return (Step("rev", nums, single, checkpoint=checkpoint, aux=has_aux),)
    if api == "value_and_grad":
        return (Step("rev", nums, single, with_value=True, checkpoint=checkpoint, aux=has_aux),)
    if api == "jacobian":
        return (Step("jac", nums, single, mode=mode),)
    if api == "hessian":
        return (Step("rev", nums, single), Step("jac", nums, single, mode="fwd"))
    if api == "hvp":
        return (Step("rev", nums, single), Step("fwd", nums))
    if api == "forward":
        return (Step("fwd", nums, with_value=True),)
    if api == "vjp":
        return (Step("vjp", nums),)
    if api == "elementwise_grad":       # autograd's: the VJP of a cotangent of ones
        return (Step("sum", ()), Step("rev", nums, single))
    raise ValueError(f"unknown transform {api!r}")


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
    if not any(isinstance(t, (T.Tree, T.Static)) for t in arg_types):
        return tuple(steps)
    spans, k = [], 0
    for t in arg_types:
        width = len(T.leaf_types((t,)))
        spans.append(tuple(range(k, k + width)))
        k += width
    out = []
    for step in steps:
        if step.kind == "vmap":          # its axes are per leaf already (compiler/vmap.py)
            out.append(step)
            continue
        wrt, trees = [], []
        for i in step.wrt:
            if not 0 <= i < len(spans):
                raise CompileError(f"argnums {i} is out of range for a function with "
                                   f"{len(spans)} parameters", loc)
            t = arg_types[i]
            if isinstance(t, T.Static):
                raise CompileError(f"argnums {i} names a static argument ({t.key}): a function, "
                                   "None or a string has no derivative", loc)
            wrt.extend(spans[i])
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
