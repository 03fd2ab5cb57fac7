"""``vmap``: a function of one example as a function of a batch of them (the ``vmap`` step).

``vmap(f, in_axes, out_axes)`` takes arguments with an extra *mapped* axis (``in_axes``
says which, per argument or per leaf of a container argument; ``None``: not mapped) and
returns results with one (``out_axes``). The step is a pass like ``rev`` or ``fwd``
(``compiler/steps.py``), so it stacks with every transform in both orders:
``vmap(grad(f))`` is ``[rev, vmap]``, ``grad(vmap(f))`` is ``[vmap, rev]``.

The function is lowered for one example's argument types (:func:`resolve` takes the
mapped axis off each mapped argument's type, walking the stack from its outer end), and
:func:`vmap_ir` then builds the batched function by one of two methods:

* ``"batch"`` -- every value that depends on a mapped argument gets a leading batch axis
  and each op is rewritten by its batching rule (``compiler/batching.py``): ``x @ W`` with
  a batched ``x`` is one matrix product, a reduction moves its axis one right;
* ``"loop"`` -- one loop over the examples running the per-example code (the first
  example outside it, to learn the results' shapes), writing row ``k`` of each result.
  It handles everything: control flow on per-example values, while loops, nested vmap.

``"auto"`` batches where every op has a rule and control flow does not depend on a
mapped value, and loops otherwise (see :func:`choose`); ``"batch"`` falls back to the
loop too where some op has no rule (``flatgrad show --dump-after vmap`` shows which).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import tree as TR
from . import types as T
from .batching import Unbatchable, batch_vmap
from .errors import CompileError
from .inline import builder_for, function, inline
from .primitives import NO_BATCH_INT, defprim, helper
from .ir import Block, Const, For, Function, Op, Var, blocks_of, operands, walk
from .rewrite import free_vars

# the batch size, checked to be the same for two mapped arguments (a ValueError otherwise)
defprim("same_size", 2, lambda n, m: T.I64, helper("same_size", arity=2), elementwise=False,
        nondiff=True, pure=False, reads_output=False, batch=NO_BATCH_INT)

METHODS = ("auto", "batch", "loop")
_ROW = (("i",),)                      # x[k]


# ---------------------------------------------------------------------- axis specs

def freeze(spec):
    """A user's ``in_axes``/``out_axes`` (an int, None, or tuples, lists and dicts of them)
    as a hashable prefix tree: ``("tuple", children)``, ``("list", children)``,
    ``("dict", keys, children)``, or the int / None itself."""
    if spec is None or (isinstance(spec, int) and not isinstance(spec, bool)):
        return spec
    if isinstance(spec, (tuple, list)):
        return ("tuple" if isinstance(spec, tuple) else "list", tuple(freeze(s) for s in spec))
    if isinstance(spec, dict):
        keys = tuple(sorted(spec))
        return ("dict", keys, tuple(freeze(spec[k]) for k in keys))
    raise ValueError(f"vmap axes must be ints, None, or tuples, lists and dicts of them; "
                     f"got {spec!r}")


def is_axis(spec) -> bool:
    return spec is None or isinstance(spec, int)


def children(spec) -> tuple:
    return spec[-1]


def broadcast_prefix(spec, tree: TR.TreeDef, what: str) -> list:
    """One axis per leaf of ``tree``, from ``spec`` (a prefix of it)."""
    if is_axis(spec):
        return [spec] * tree.num_leaves
    kind = spec[0]
    if tree.kind == "leaf" or (kind == "dict") != (tree.kind == "dict") or \
            len(children(spec)) != len(tree.children) or \
            (kind == "dict" and tuple(spec[1]) != tuple(tree.keys)):
        raise ValueError(f"vmap {what}: the axes {thaw(spec)!r} do not match the structure "
                         f"{tree!r} (give a prefix of it: an int or None per leaf or subtree)")
    out: list = []
    for s, t in zip(children(spec), tree.children):
        out += broadcast_prefix(s, t, what)
    return out


def thaw(spec):
    """The user's spelling of a frozen spec (for messages)."""
    if is_axis(spec):
        return spec
    if spec[0] == "dict":
        return {k: thaw(s) for k, s in zip(spec[1], spec[2])}
    items = [thaw(s) for s in spec[1]]
    return tuple(items) if spec[0] == "tuple" else items


def arg_specs(in_axes, nargs: int) -> tuple:
    """One spec per argument: ``in_axes`` is an int or None for all, or a tuple (or list)
    with one entry per argument."""
    if is_axis(in_axes):
        return (in_axes,) * nargs
    if in_axes[0] == "dict":
        raise ValueError("vmap in_axes must be an int, None, or a tuple with one entry per "
                         f"argument, not a dict ({thaw(in_axes)!r})")
    specs = children(in_axes)
    if len(specs) != nargs:
        raise ValueError(f"vmap in_axes has {len(specs)} entries but the function takes "
                         f"{nargs} argument(s): {thaw(in_axes)!r}")
    return specs


def one_example(t, axis: int):
    """The type of one example of a leaf of type ``t`` mapped along ``axis``."""
    if t.ndim == 1:
        return T.Scalar(t.dtype)
    return T.Array(t.dtype, t.ndim - 1)


def leaf_axis(t, axis, where: str):
    """``axis`` checked against the batched leaf type ``t`` and made non-negative."""
    if axis is None:
        return None
    r = T.ndim(t)
    if not -r <= axis < r:
        raise ValueError(f"vmap was asked to map {where} along axis {axis}, so its rank "
                         f"should be at least {axis + 1 if axis >= 0 else -axis}, but it is {r}")
    return axis % r


# ---------------------------------------------------------------------- the step

@dataclass(frozen=True)
class VmapStep:
    """The ``vmap`` transform as a step of a stack (see ``compiler/steps.py``).

    ``in_axes``/``out_axes``: frozen specs (:func:`freeze`); ``nargs``: how many arguments
    the mapped function takes (its own and the tangents or cotangents of steps below);
    ``names``: their names, for messages. ``head``/``tail`` are filled by :func:`resolve`:
    the axis of each IR parameter of the function's own arguments, and of the arguments
    after them (the hidden parameters of captured arrays, in between, are never mapped)."""

    in_axes: object = 0
    out_axes: object = 0
    axis_size: int | None = None
    method: str = "auto"
    parallel: bool = False
    jit: bool = True                # compiled by Numba (auto's rule differs for plain NumPy)
    nargs: int = 0
    names: tuple = ()
    head: tuple | None = None
    tail: tuple = ()

    kind = "vmap"
    name = "vmap"
    wrt = ()

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"vmap method must be one of {', '.join(METHODS)}, not {self.method!r}")

    def tree(self, inner: TR.TreeDef) -> TR.TreeDef:
        return inner

    def apply(self, fn: Function) -> Function:
        if self.head is None:
            raise ValueError("vmap: the step was not resolved against argument types")
        middle = len(fn.params) - len(self.head) - len(self.tail)
        axes = self.head + (None,) * middle + self.tail
        outs = broadcast_prefix(self.out_axes, results_tree_of(fn), "out_axes")
        method = choose(fn, axes, self.jit) if self.method == "auto" else self.method
        return vmap_ir(fn, axes, tuple(outs), self.axis_size, method, self.parallel)


def results_tree_of(fn: Function) -> TR.TreeDef:
    tree = dict(fn.meta).get("tree")
    if tree is not None and tree.num_leaves == len(fn.results):
        return tree
    return TR.LEAF if len(fn.results) == 1 else TR.leaves(len(fn.results))


def resolve(steps: tuple, arg_types: tuple, n_own: int) -> tuple[tuple, tuple]:
    """``(steps, types)``: each vmap step of ``steps`` given the axis of each of its IR
    parameters, and the argument types the function is lowered with (one example's), from
    the types ``arg_types`` of the outermost call, walking the stack from its outer end.
    ``n_own``: how many arguments are the function's own (the rest are tangents, ...)."""
    types = list(arg_types)
    out = list(steps)
    for k in range(len(out) - 1, -1, -1):
        step = out[k]
        if getattr(step, "kind", None) != "vmap":
            continue
        specs = arg_specs(step.in_axes, step.nargs)
        head, tail = [], []
        for i, spec in enumerate(specs):
            if i >= len(types):
                break
            name = step.names[i] if i < len(step.names) else f"argument {i}"
            types[i], axes = _unmap_arg(types[i], spec, name)
            (head if i < n_own else tail).extend(axes)
        if all(a is None for a in head + tail) and step.axis_size is None:
            raise ValueError("vmap must map at least one argument (an in_axes entry that is "
                             "not None), or be given axis_size")
        out[k] = replace(step, head=tuple(head), tail=tuple(tail))
    return tuple(out), tuple(types)


def _unmap_arg(t, spec, name: str):
    """(one example's type, the axis of each leaf) for an argument of batched type ``t``."""
    if isinstance(t, T.Static):
        if not is_axis(spec) or spec is not None and not isinstance(spec, int):
            raise ValueError(f"vmap in_axes: argument '{name}' is static ({t.key}); map it "
                             "with None")
        return t, []
    if isinstance(t, T.Tree):
        axes = broadcast_prefix(spec, t.tree, f"in_axes of '{name}'")
        leaves, out = [], []
        paths = _paths(t.tree, name)
        for lt, a, p in zip(t.leaves, axes, paths):
            a = leaf_axis(lt, a, f"'{p}'")
            out.append(a)
            leaves.append(lt if a is None else one_example(lt, a))
        return T.Tree(t.tree, tuple(leaves)), out
    if not is_axis(spec):
        raise ValueError(f"vmap in_axes: argument '{name}' is not a container, but its axes "
                         f"are {thaw(spec)!r}")
    a = leaf_axis(t, spec, f"argument '{name}'")
    return (t if a is None else one_example(t, a)), [a]


def _paths(tree: TR.TreeDef, name: str) -> list[str]:
    if tree.kind == "leaf":
        return [name]
    keys = tree.keys if tree.kind == "dict" else range(len(tree.children))
    return [p for k, c in zip(keys, tree.children) for p in _paths(c, f"{name}[{k!r}]")]


# ---------------------------------------------------------------------- the batched IR

def vmap_ir(fn: Function, axes: tuple, out_axes: tuple, axis_size, method: str,
            parallel: bool = False) -> Function:
    """``fn`` mapped over the axis ``axes[i]`` of each parameter (None: not mapped), its
    results' batch axes at ``out_axes`` (None: not mapped; the result must then not depend
    on a mapped argument)."""
    b = builder_for(fn)
    params, moved, mapped = [], [], set()
    for p, a in zip(fn.params, axes):
        if a is None:
            params.append(p)
            moved.append(p)
            continue
        r = T.ndim(p.type) + 1
        q = b.fresh(T.Array(p.type.dtype, r), p.hint)
        params.append(q)
        if a:
            q = b.transpose(q, axes=(a,) + tuple(i for i in range(r) if i != a))
        moved.append(q)
        mapped.add(p.id)
    deps = depends(fn, mapped)
    for r, o in zip(fn.results, out_axes):
        if o is None and isinstance(r, Var) and r.id in deps:
            raise CompileError(f"vmap of '{fn.name}': a result with out_axes None depends on a "
                               "mapped argument", fn.loc,
                               "give it an int out_axes, or make it independent of the mapped "
                               "arguments")
    n = _size(b, moved, axes, axis_size)
    results, why = None, method
    if method == "batch":
        mark = len(b.stmts)
        try:
            results, flags = batch_vmap(b, fn, tuple(moved), {i for i, a in enumerate(axes)
                                                              if a is not None}, n)
        except Unbatchable as e:
            del b.stmts[mark:]
            why = f"loop (no batching rule: {e})"
    if results is None:
        results = _loop(b, fn, moved, axes, n, out_axes, parallel)
        flags = [o is not None for o in out_axes]
    final = [_place(b, r, f, o, n, fn) for r, f, o in zip(results, flags, out_axes)]
    out = function(fn.name + "_vmap", params, b, final, fn)
    # the method used, for `flatgrad show --dump-after vmap` and the tests
    return replace(out, meta=fn.meta + (("vmap", why),))


def _size(b, moved, axes, axis_size):
    """The batch size: the mapped axis of the first mapped argument, each other one checked
    to be the same at run time (a ValueError otherwise); ``axis_size`` if none is mapped."""
    sizes = [b.dim(v, axis=0) for v, a in zip(moved, axes) if a is not None]
    if axis_size is not None:
        sizes.insert(0, Const(int(axis_size), T.I64))
    n = sizes[0]
    for s in sizes[1:]:
        n = b.op("same_size", n, s)
    return n


def depends(fn: Function, seeds: set[int]) -> set[int]:
    """The ids of the values of ``fn`` that depend on the values ``seeds`` (a region's
    outputs depend on them when anything it reads does)."""
    dep = set(seeds)

    def visit(block: Block) -> None:
        for s in block.stmts:
            if isinstance(s, Op):
                if any(isinstance(a, Var) and a.id in dep for a in s.args):
                    dep.update(v.id for v in s.outs)
                continue
            if any(a.id in dep for a in _reads(s)):
                dep.update(v.id for v in s.outs)
                for inner in blocks_of(s):
                    dep.update(p.id for p in inner.params)
                    dep.update(v.id for x in walk(inner) for v in getattr(x, "outs", ()))
                    for x in walk(inner):
                        for bl in blocks_of(x):
                            dep.update(p.id for p in bl.params)
    visit(fn.body)
    return dep


def _reads(s) -> list[Var]:
    """The values a region reads: its operands and its blocks' free values."""
    reads = [a for a in operands(s) if isinstance(a, Var)]
    return reads + list(free_vars(Block((), (s,), ())).values())


def choose(fn: Function, axes: tuple, jit: bool) -> str:
    """``"auto"``'s rule: batch unless control flow depends on a mapped value (a branch
    or trip count that differs between examples: the loop runs each example's own path)
    or, under Numba, the function does no array work (scalar code per example, where the
    compiled loop is as fast and the batch method's temporaries are pure overhead; in
    plain NumPy the batch method is the fast one there too)."""
    deps = depends(fn, {p.id for p, a in zip(fn.params, axes) if a is not None})
    arrays = not jit
    for s in walk(fn.body):
        if not isinstance(s, Op):
            if any(a.id in deps for a in _reads(s)):
                return "loop"
        elif any(T.is_array(v.type) for v in s.outs):
            arrays = True
    return "batch" if arrays else "loop"


def _loop(b, fn, moved, axes, n, out_axes, parallel=False):
    """The loop method: example 0 first (its results give the output buffers' shapes), then
    ``for k in range(1, n)`` writing row ``k`` of each buffer."""
    def example(bb, k):
        args = [bb.getitem(v, k, spec=_ROW) if a is not None else v for v, a in zip(moved, axes)]
        return inline(bb, fn, tuple(args))

    zero = Const(0, T.I64)
    first = example(b, zero)
    bufs = []
    for r, o in zip(first, out_axes):
        if o is None:
            bufs.append(r)
            continue
        buf = b.op("tape_alloc", n, r, hint="out")
        bufs.append(b.setitem(buf, r, zero, spec=_ROW))
    rows = [i for i, o in enumerate(out_axes) if o is not None]
    if not rows:
        return first
    bb = b.child()
    k = bb.fresh(T.I64, hint="k")
    carried = [bb.fresh(bufs[i].type, "out") for i in rows]
    res = example(bb, k)
    yields = [bb.setitem(c, res[i], k, spec=_ROW) for c, i in zip(carried, rows)]
    outs = tuple(b.fresh(c.type, "out") for c in carried)
    b.emit(For(Const(1, T.I64), n, Const(1, T.I64), tuple(bufs[i] for i in rows),
               Block((k, *carried), tuple(bb.stmts), tuple(yields)), outs, fn.loc, parallel))
    done = list(first)
    for i, o in zip(rows, outs):
        done[i] = o
    return done


def _place(b, r, batched: bool, o, n, fn):
    """Result ``r`` (batch axis first, or none where it is the same for every example) with
    its batch axis at ``o``; one that does not depend on the batch is broadcast."""
    if o is None:
        return r
    if not batched:
        r = b.setitem(b.op("tape_alloc", n, r), r, spec=(("s", False, False, False),))
    rank = T.ndim(r.type)
    if not -rank <= o < rank:
        raise CompileError(f"vmap of '{fn.name}': out_axes {o} is out of range for a result "
                           f"of rank {rank - 1}", fn.loc)
    o %= rank
    if o == 0:
        return r
    perm = list(range(1, rank))
    perm.insert(o, 0)
    return b.transpose(r, axes=tuple(perm))
