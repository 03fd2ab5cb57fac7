"""Transforms called inside a function being compiled: ``fg.grad(loglike)(r, p(r))``.

A call to a transform -- built in the body (``fg.grad(g, argnums=1)``, ``value_and_grad``,
``jacobian``, ``hessian``, ``hvp``), made outside and called inside (``dloglike =
fg.grad(loglike)``), or applied at once (``fg.jvp(f, primals, tangents)``, ``out, back =
fg.vjp(f, x)``) -- is lowered by inlining the transformed IR at the call, so that the
transform being compiled differentiates it like any other code: grad of grad, jvp of vjp.

The callee (a Python function, or a ``def``/``lambda`` of the body) is lowered afresh for
the call's argument types into a block of its own, then *closed*: every value it reads from
around it (an array of the module or of a closure, a variable of the enclosing function
that a local function reads) becomes a parameter after its own. The transform's steps
(``compiler/steps.py``) apply to that function -- differentiating with respect to its own
parameters only, as the transform says -- and the result is inlined with the values read
from around bound to those parameters. So a derivative of the enclosing function flows
through them (``p(r)`` depends on ``r``), while the inner one holds them constant, as in
Python. Objects that describe a transform say so with ``__flatgrad_transform__()`` (a
:class:`Inner`); public transform functions carry ``__flatgrad_api__`` (their name).
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace

from .. import tree as TR
from .. import types as T
from ..builder import Builder
from ..errors import CompileError
from ..inline import inline
from ..ir import Block, Const, Function, Op, Var, walk
from ..primitives import PRIMS
from ..library.binding import Bound, Signature, bind
from ..rewrite import free_vars, map_block
from ..steps import apply_steps, over_leaves, results_tree, steps_of
from ..vmap import resolve as resolve_vmap
from ..values import ListValue, PartialVal, Record, Ref, is_static, nests, result_tree
from .arity import fixed_arity, takes_fixed_arity
from .source import params_of


@dataclass(frozen=True, eq=False)
class Inner:
    """A transform as the frontend holds it: ``steps`` on ``callee`` (a Python function or a
    local function); ``floats``: the positions converted to float (the differentiated ones,
    cotangents); ``extra``: names of the parameters after the callee's own (tangents,
    cotangents); ``bound``: values given in advance for the first parameters (the primals of
    ``fg.vjp``'s backward function); ``none``: positions of ``bound`` whose gradient is None
    (``fg.vjp``: integer primals), for a call returning one entry per primal."""

    callee: object
    steps: tuple
    floats: frozenset = frozenset()
    extra: tuple = ()
    name: str = "transform"
    bound: tuple = ()
    none: tuple | None = None


def is_transform(fn) -> bool:
    """Whether a call of ``fn`` is lowered here."""
    return isinstance(fn, Inner) or isinstance(getattr(fn, "__flatgrad_api__", None), str) or \
        callable(getattr(type(fn), "__flatgrad_transform__", None))


def lower_call(lowerer, fn, node: ast.Call, kwargs) -> object:
    """The value of the call ``node`` of ``fn`` (see :func:`is_transform`)."""
    if isinstance(fn, Inner):
        return call(lowerer, fn, node, kwargs)
    api = getattr(fn, "__flatgrad_api__", None)
    if isinstance(api, str):
        return build(lowerer, api, node, fn)
    return call(lowerer, of_object(lowerer, fn), node, kwargs)


def of_object(lowerer, obj) -> Inner:
    """The :class:`Inner` an object made outside describes; the route by which the compiled
    function reaches it leads to its function too (for that one's closure arrays)."""
    spec = obj.__flatgrad_transform__()
    route = lowerer.routes.get(id(obj))
    if route is not None:
        lowerer.routes[id(spec.callee)] = route
    return spec


# ---------------------------------------------------------------------- building

def build(lowerer, api: str, node: ast.Call, fn) -> object:
    """``fg.grad(f, argnums=...)`` and its kin, called in the body: an :class:`Inner`;
    ``fg.jvp(f, primals, tangents)`` and ``fg.vjp(f, *primals)``: their values. The call
    binds against ``fn``'s own signature (the one binder); ``target=`` and ``optimize=`` are
    the enclosing transform's business here."""
    args = bind(lowerer, node, Signature.of(fn), f"fg.{api}")
    base = _callee(lowerer, lowerer.expr(args["f"]), args["f"], api)
    if api == "jvp":
        return _jvp(lowerer, base, node, args)
    if api == "vjp":
        return _vjp(lowerer, base, node, args)
    argnums = lowerer.expr(args["argnums"]) if "argnums" in args else Const(0, T.I64)
    nums, single = _argnums(lowerer, argnums, node)
    api, mode = {"jacfwd": ("jacobian", "fwd"), "jacrev": ("jacobian", "rev")}.get(api, (api, "auto"))
    mode = getattr(lowerer.expr(args["mode"]), "obj", None) if "mode" in args else mode
    if mode not in ("auto", "rev", "fwd"):
        raise lowerer.err(node, f"fg.{api}: mode must be 'auto', 'rev' or 'fwd'")
    checkpoint = lowerer.expr(args["checkpoint"]) if "checkpoint" in args else None
    aux = lowerer.expr(args["has_aux"]) if "has_aux" in args else Const(False, T.BOOL)
    if not isinstance(aux, Const):
        raise lowerer.err(node, f"fg.{api}: has_aux must be True or False, known while compiling")
    steps = steps_of(api, nums, single, mode=mode,
                     checkpoint=checkpoint.value if isinstance(checkpoint, Const) else None,
                     has_aux=bool(aux.value))
    extra = ()
    if api in ("hvp", "forward"):
        extra = tuple(f"v{i}" for i in nums)
    return Inner(base.callee, base.steps + steps, frozenset(nums), extra,
                 f"{_name(base.callee)}_{api}")


def _callee(lowerer, v, node, api) -> Inner:
    """What ``fg.<api>(v)`` transforms: a function, a local one, or a transform of one."""
    v = v.obj if isinstance(v, Ref) else v
    v = getattr(v, "py_func", v) if type(v).__module__.startswith("numba") else v
    if isinstance(v, Inner) or callable(getattr(type(v), "__flatgrad_transform__", None)):
        inner = v if isinstance(v, Inner) else of_object(lowerer, v)
        if inner.extra or inner.bound:
            raise lowerer.err(node, f"fg.{api} cannot transform {inner.name} further: it takes "
                               "extra arguments (tangents or cotangents)")
        return inner
    if isinstance(v, PartialVal) and v.obj is not None:
        v = v.obj                       # a partial object made outside: its function and values
    if _is_local(v) or (callable(v) and hasattr(v, "__code__")) or isinstance(v, functools.partial):
        return Inner(v, ())
    raise lowerer.err(node, f"fg.{api} transforms a Python function (a def or a lambda) here",
                 "Wrap it: lambda z: np.sin(z).")


def _argnums(lowerer, v, node) -> tuple:
    """``(positions, single)`` from a constant ``argnums``."""
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return (v.value,), True
    if isinstance(v, tuple) and v and all(isinstance(x, Const) and type(x.value) is int for x in v):
        return tuple(x.value for x in v), False
    raise lowerer.err(node, "argnums must be an int or a tuple of ints known while compiling")


def _jvp(lowerer, base: Inner, node, args: Bound) -> tuple:
    """``fg.jvp(f, primals, tangents)``: ``(f(*primals), J @ tangents)``, a tangent None is
    a zero."""
    primals, tangents = lowerer.expr(args["primals"]), lowerer.expr(args["tangents"])
    if not (isinstance(primals, tuple) and isinstance(tangents, tuple)) or \
            len(primals) != len(tangents):
        raise lowerer.err(node, "fg.jvp: primals and tangents must be tuples of the same length")
    nums = tuple(i for i, t in enumerate(tangents) if not (isinstance(t, Ref) and t.obj is None))
    if not nums:
        raise lowerer.err(node, "fg.jvp: every tangent is None; give at least one")
    base = _shaped(base, len(primals))
    inner = Inner(base.callee, base.steps + steps_of("forward", nums, False), frozenset(nums),
                  tuple(f"tangent{i}" for i in nums), f"{_name(base.callee)}_jvp")
    return apply(lowerer, inner, list(primals) + [tangents[i] for i in nums], node)


def _vjp(lowerer, base: Inner, node, args: Bound) -> tuple:
    """``out, back = fg.vjp(f, *primals)``: the value, and a function of the cotangent(s)
    returning one gradient per primal (None for integer ones)."""
    primals = tuple(lowerer.expr(a) for a in args.rest)
    base = _shaped(base, len(primals))
    out = apply(lowerer, base, list(primals), node)
    k = len(out) if isinstance(out, tuple) else 1
    nums = tuple(i for i, p in enumerate(primals) if not _integral(p))
    n = len(_params(base.callee))
    back = Inner(base.callee, base.steps + steps_of("vjp", nums, False),
                 frozenset(nums + tuple(range(n, n + k))),
                 tuple(f"cotangent{j}" for j in range(k)), f"{_name(base.callee)}_vjp",
                 bound=primals, none=tuple(i for i in range(len(primals)) if i not in nums))
    return (out, back)


def _integral(v) -> bool:
    """An integer or boolean primal (no gradient), or a static one."""
    if isinstance(v, (Var, Const)):
        return not T.is_float(v.type)
    return isinstance(v, Ref)


# ---------------------------------------------------------------------- calling

def _shaped(inner: Inner, n: int, keywords: tuple = ()) -> Inner:
    """``inner`` with a callee of plain parameters for a call with ``n`` positional arguments
    of its own and ``keywords``: a function taking ``*args``, keyword-only parameters or
    ``**kwargs``, or a ``functools.partial``, is called through the function
    :func:`~.arity.fixed_arity` makes for that call (as the API's transforms do)."""
    c = inner.callee
    if _is_local(c) or takes_fixed_arity(c):
        return inner
    return replace(inner, callee=fixed_arity(c, n, keywords))


def call(lowerer, inner: Inner, node: ast.Call, kwargs) -> object:
    """A call of a transform: its arguments bound as Python binds them, then :func:`apply`."""
    inner = _shaped(inner, len(inner.bound) + len(node.args) - len(inner.extra),
                    tuple(sorted(kwargs)))
    names = list(_params(inner.callee)) + list(inner.extra)
    args = list(inner.bound) + [lowerer.expr(a) for a in node.args]
    if len(args) > len(names):
        raise lowerer.err(node, f"'{inner.name}' takes {len(names) - len(inner.bound)} argument(s), "
                           f"got {len(node.args)}")
    bound = dict(zip(names, args))
    for k, a in kwargs.items():
        if k not in names or k in bound:
            raise lowerer.err(node, f"unexpected keyword argument '{k}' for '{inner.name}'")
        bound[k] = lowerer.expr(a)
    defaults = _defaults(lowerer, inner.callee) if not inner.extra else {}
    values = []
    for name in names:
        if name not in bound and name not in defaults:
            raise lowerer.err(node, f"'{inner.name}' is missing the argument '{name}'")
        values.append(bound[name] if name in bound else defaults[name])
    out = apply(lowerer, inner, values, node)
    if inner.none is None:
        return out
    grads = iter(out)            # fg.vjp's backward function: None where a primal has none
    return tuple(Ref(None) if i in inner.none else next(grads) for i in range(len(inner.bound)))


def apply(lowerer, inner: Inner, values: list, node) -> object:
    """``inner`` applied to ``values`` (the callee's parameters, then the extra ones), its
    transformed IR inlined here; the results nested as a call from Python nests them."""
    n = len(_params(inner.callee))
    own = [_as_float(lowerer, v, node) if i in inner.floats else v for i, v in enumerate(values[:n])]
    extra = [_as_float(lowerer, v, node) for v in values[n:]]
    steps, like = inner.steps, own
    if any(s.kind == "vmap" for s in steps):
        # lowered for one example's types; each vmap step learns its parameters' axes
        try:
            steps, types = resolve_vmap(steps, tuple(_type(v) for v in own + extra), n)
        except ValueError as e:
            raise lowerer.err(node, str(e)) from None
        like = [_like(v, t) for v, t in zip(own, types)]
    fn, free, types = closed(lowerer, inner.callee, like, node)
    try:
        ir = apply_steps(fn, over_leaves(steps, types, lowerer.pf.loc(node)))
    except CompileError as e:
        if e.loc is not None and e.loc == lowerer.pf.loc(node):
            raise
        raise e.called_from(lowerer.pf.loc(node)) from None
    args = _leaves(own) + free + _leaves(extra)
    if len(args) != len(ir.params):
        raise lowerer.err(node, f"'{inner.name}' takes {len(ir.params) - len(free)} number(s) or "
                           f"array(s), got {len(args) - len(free)}")
    # a float32 cotangent of a float64 result (or the other way round) is cast, as NumPy
    # would mix them; any other difference is the caller's mistake
    args = [lowerer.cast(a, p.type, node) if a.type != p.type and T.is_float(a.type)
            and T.is_float(p.type) and T.ndim(a.type) == T.ndim(p.type) else a
            for a, p in zip(args, ir.params)]
    for a, p in zip(args, ir.params):
        if a.type != p.type:
            raise lowerer.err(node, f"'{inner.name}': an argument of type {a.type} where {p.type} "
                               "is expected", "Pass the tangents and cotangents shaped and "
                               "typed as the values they go with.")
    lowerer.b.loc = lowerer.pf.loc(node)
    start = len(lowerer.b.stmts)
    results = inline(lowerer.b, ir, tuple(args))
    return _nest(results_tree(ir), _own(lowerer, args, lowerer.b.stmts[start:], results, node))


def _own(lowerer, args, stmts, results, node) -> list:
    """Tell the write checks (``frontend/ownership.py``) about the inlined code: the arrays it
    reads may be read again by the backward pass (a later write copies them first); the
    arrays it makes are the function's own. A result that is not -- an argument passed
    through, a loop's or an if's result, a view (a reshape, a broadcast adjoint) -- is copied,
    so that the caller may write into it as into any fresh array, as NumPy code may."""
    for a in args:
        lowerer.own.read(a, True)
    for s in stmts:
        if isinstance(s, Op) and len(s.outs) == 1:
            lowerer.own.track(s.prim, s.args, s.outs[0])
        else:
            for v in getattr(s, "outs", ()):
                if T.is_array(v.type):
                    lowerer.own.created(v, owned=False)
    return [lowerer.op(node, "copy_array", r) if isinstance(r, Var) and T.is_array(r.type)
            and not (lowerer.own.is_owned(r) and lowerer.own.root(r) == r.id) else r for r in results]


def closed(lowerer, callee, own: list, node) -> tuple:
    """``callee`` lowered for arguments like ``own``, as a closed function: its parameters
    are fresh ones for the leaves of ``own``, then one for each value it reads from around
    it. Returns (that function, those values, the argument types for ``over_leaves``)."""
    code = getattr(callee, "node", None) or getattr(callee, "__code__", None)
    if code in lowerer.stack:
        raise lowerer.err(node, f"recursive call to '{_name(callee)}'", "Rewrite the recursion as a loop.")
    b = Builder(lowerer.b.ids, lowerer.pf.loc(node))
    params: list = []
    bound = {name: _fresh(b, v, name, params) for name, v in zip(_params(callee), own)}
    result = lowerer.lower_body(callee, bound, b)
    results, tree = result_tree(result)
    if tree is None:
        raise lowerer.err(node, f"'{_name(callee)}' must return numbers or arrays to be "
                           "transformed", "Return a number, an array or a tuple, list or dict "
                           "of them.")
    block = Block((), tuple(b.stmts), tuple(results))
    if any(isinstance(s, Op) and PRIMS[s.prim].draws for s in walk(block)):
        raise lowerer.err(node, f"'{_name(callee)}' draws random numbers, which a transform called "
                           "inside another compiled function cannot do",
                     "Draw in the outer function and pass the draws in as an argument.")
    mine = {p.id for p in params}
    free = [v for i, v in free_vars(block).items() if i not in mine]
    hidden = [b.fresh(v.type, v.hint) for v in free]
    block = map_block(block, {v.id: h for v, h in zip(free, hidden)})
    meta = (("tree", tree),) if nests(result, tree) else ()
    fn = Function(_name(callee), tuple(params) + tuple(hidden), block, lowerer.pf.loc(node), meta)
    return fn, free, tuple(_type(v) for v in own)


# ---------------------------------------------------------------------- values

def _is_local(callee) -> bool:
    """A ``def``/``lambda`` of the body (``lower.LocalFunction``: its AST node and scope)."""
    return isinstance(getattr(callee, "node", None), ast.AST) and hasattr(callee, "scope")


def _params(callee) -> tuple:
    if _is_local(callee):
        return tuple(a.arg for a in callee.node.args.args)
    return tuple(params_of(callee))


def _defaults(lowerer, callee) -> dict:
    """Parameter name -> default value (numbers, None, strings, functions)."""
    names = _params(callee)
    if _is_local(callee):
        return dict(zip(names[len(names) - len(callee.defaults):], callee.defaults))
    ds = callee.__defaults__ or ()
    out = {}
    for name, d in zip(names[len(names) - len(ds):], ds):
        if isinstance(d, (bool, int, float)):
            out[name] = Const(d, T.of_value(d))
        elif is_static(d):
            out[name] = Ref(d)
    return out


def _name(callee) -> str:
    return getattr(callee, "name", None) or getattr(callee, "__name__", "f")


def _fresh(b: Builder, v, name: str, params: list) -> object:
    """A value shaped like ``v`` made of fresh parameters (appended to ``params``)."""
    if isinstance(v, (Var, Const)):
        params.append(b.fresh(v.type, hint=name))
        return params[-1]
    if isinstance(v, tuple):
        items = tuple(_fresh(b, x, f"{name}_{i}", params) for i, x in enumerate(v))
        return ListValue(items) if isinstance(v, ListValue) else items
    if isinstance(v, Record):
        # (a dict's leaves are parameters in the order of its sorted keys, as _leaves reads them)
        made = {k: _fresh(b, v.items[k], f"{name}_{k}", params) for k in sorted(v.items)}
        return Record({k: made[k] for k in v.items})
    return v                       # None, a string, a function: the same inside


def _type(v) -> T.Type:
    """The argument type ``over_leaves`` reads: a Tree for a container, Static for the rest."""
    if isinstance(v, (Var, Const)):
        return v.type
    if isinstance(v, (tuple, Record)):
        tree = _treedef(v)
        return T.Tree(tree, tuple(a.type for a in _leaves([v])))
    return T.Static(repr(v), getattr(v, "obj", v))


def _like(v, t: T.Type) -> object:
    """A value shaped like ``v`` whose numbers and arrays have the types of ``t`` (one
    example's, for a vmap), for :func:`_fresh` to make parameters of."""
    if isinstance(t, T.Tree):
        types = iter(t.leaves)

        def build(x):
            if isinstance(x, (Var, Const)):
                return Var(-1, next(types))
            if isinstance(x, tuple):
                items = tuple(build(y) for y in x)
                return ListValue(items) if isinstance(x, ListValue) else items
            if isinstance(x, Record):            # leaves in the order of the sorted keys
                made = {k: build(x.items[k]) for k in sorted(x.items)}
                return Record({k: made[k] for k in x.items})
            return x
        return build(v)
    if isinstance(v, (Var, Const)) and isinstance(t, (T.Scalar, T.Array)):
        return Var(-1, t)
    return v


def _treedef(v) -> TR.TreeDef:
    if isinstance(v, Record):
        keys = tuple(sorted(v.items))
        return TR.TreeDef("dict", tuple(_treedef(v.items[k]) for k in keys), keys)
    if isinstance(v, tuple):
        return TR.TreeDef("list" if isinstance(v, ListValue) else "tuple",
                          tuple(_treedef(x) for x in v))
    return TR.LEAF


def _leaves(values) -> list:
    """The numbers and arrays in ``values``, in the order of a container's IR parameters."""
    out = []
    for v in values:
        if isinstance(v, Record):
            out.extend(_leaves([v.items[k] for k in sorted(v.items)]))
        elif isinstance(v, tuple):
            out.extend(_leaves(v))
        elif isinstance(v, (Var, Const)):
            out.append(v)
    return out


def _as_float(lowerer, v, node):
    """``v`` with its integer numbers and arrays made float (a differentiated argument)."""
    if isinstance(v, (Var, Const)):
        return v if T.is_float(v.type) else lowerer.cast(v, T.with_dtype(v.type, "float64"), node)
    if isinstance(v, tuple):
        items = tuple(_as_float(lowerer, x, node) for x in v)
        return ListValue(items) if isinstance(v, ListValue) else items
    if isinstance(v, Record):
        return Record({k: _as_float(lowerer, x, node) for k, x in v.items.items()})
    return v


def _nest(tree: TR.TreeDef, atoms: list) -> object:
    """The frontend value of results nested as ``tree`` (lists tagged, dicts as Records)."""
    if tree.kind == "leaf":
        return atoms.pop(0)
    items = [_nest(c, atoms) for c in tree.children]
    if tree.kind == "dict":
        return Record(dict(zip(tree.keys, items)))
    return ListValue(items) if tree.kind == "list" else tuple(items)
