"""NumPy's ufunc methods: ``np.add.reduce`` & co., ``np.maximum.accumulate`` & co. and
``np.subtract.outer`` & co.

``np.maximum.accumulate`` is an attribute of the ufunc ``np.maximum``: the frontend reads it
through ``ATTRIBUTES[np.ufunc]`` (a method with a lowering here, or a located CompileError),
and the call is found in the registry as any other (``@lowers(np.add.reduce)``).

Each maps onto primitives that exist: ``add``/``multiply``/``maximum``/``minimum.reduce`` are
the reductions ``sum``/``prod``/``amax``/``amin`` (axis 0 by default, None for all, a tuple,
keepdims); ``logaddexp.reduce`` is logsumexp shifted by the gradient-free maximum (NumPy folds
pairwise; the two agree to rounding) and ``logaddexp2.reduce`` its base-2 twin;
``add``/``multiply.accumulate`` are ``cumsum``/``cumprod``. ``maximum``/``minimum.accumulate``
gather ``x`` at ``cumargmax`` (the index of the element holding the running extremum: a
later element takes over only where strictly greater, or where it is the first NaN, so
ties keep the first holder), so the gradient of each output goes to that one element
(``take_along``'s adjoint adds up the repeated indices).
"""
from __future__ import annotations

import ast

import numpy as np

from .. import types as T
from ..primitives import B_ALONG, P_ATOM, Spelling, defprim
from ..values import Ref
from .callargs import array_arg, float_of, one_axis
from .registry import ATTRIBUTES, lowering_of, lowers
from .stable import _shift, _squeeze_like, _sum


def _cumarg_spell(a, p):
    return f"{'cumargmin' if p['least'] else 'cumargmax'}({a[0]}, {p['axis']})"


defprim("cumargmax", 1, lambda x, axis, least: T.Array("int64", x.ndim),
        Spelling(_cumarg_spell, _cumarg_spell, P_ATOM, (1,), helpers=("cumargmax", "cumargmin")),
        elementwise=False, nondiff=True, shape=lambda q, args, p: q.shape(args[0]),
        batch=B_ALONG)


def _read_ufunc(lowerer, ufunc, node):
    """``np.add.reduce``: the method, where it has a lowering."""
    method = getattr(ufunc, node.attr, None)
    if method is None or lowering_of(method) is None:
        name = f"np.{ufunc.__name__}.{node.attr}"
        if method is None:
            raise lowerer.err(node, f"'numpy.ufunc' object has no attribute '{node.attr}'")
        raise lowerer.err(node, f"flatgrad does not support {name}",
                          "Supported: .reduce of np.add, np.multiply, np.maximum, np.minimum, "
                          "np.logaddexp, np.logaddexp2; .accumulate of np.add, np.multiply, "
                          "np.maximum, np.minimum; .outer of a two-argument ufunc.")
    return Ref(method)


ATTRIBUTES[np.ufunc] = _read_ufunc

_REDUCE_SIG = "array, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=True"
_ACCUMULATE_SIG = "array, axis=0, dtype=None, out=None"


def _array_of(lowerer, node, args, name):
    for k in ("dtype", "out", "initial", "where"):
        if k in args:
            raise lowerer.err(node, f"{name}: {k}= is not supported",
                              "Convert or mask the array first, and assign the result.")
    return array_arg(lowerer, args["array"], name)


def _axis_node(args):
    """The reduction's axis as an AST node (None: all axes), 0 by default."""
    if "axis" not in args:
        return ast.Constant(0)
    return None if args.is_none("axis") else args["axis"]


def _reduce(ufunc, reduction):
    name = f"np.{ufunc.__name__}.reduce"

    @lowers(ufunc.reduce, signature=_REDUCE_SIG, takes="array axis dtype out keepdims initial where")
    def lower(lowerer, node, args):
        x = _array_of(lowerer, node, args, name)
        if reduction == "prod" and x.type.dtype == "bool":
            raise lowerer.err(node, f"{name} of booleans is not supported", "Use np.all.")
        return lowerer.arrays.reduction(reduction, x, _axis_node(args), args.get("keepdims"), node)
    return lower


for _ufunc, _reduction in [(np.add, "sum"), (np.multiply, "prod"), (np.maximum, "max"),
                           (np.minimum, "min")]:
    _reduce(_ufunc, _reduction)


def _logaddexp_reduce(ufunc, exp, log):
    name = f"np.{ufunc.__name__}.reduce"

    @lowers(ufunc.reduce, signature=_REDUCE_SIG, takes="array axis dtype out keepdims initial where")
    def lower(lowerer, node, args):
        """m + log(sum(exp(x - m))) along the axes, m the (gradient-free) maximum, 0 where
        it is not finite: its gradient is the softmax weights."""
        x = float_of(lowerer, _array_of(lowerer, node, args, name), node)
        axis = _axis_node(args)
        keepdims = lowerer.const_bool(args["keepdims"]) if "keepdims" in args else False
        m = _shift(lowerer, node, x, axis, finite=True)
        e = lowerer.op(node, exp, lowerer.op(node, "sub", x, m))
        s = lowerer.op(node, log, _sum(lowerer, node, e, axis, keepdims))
        return lowerer.op(node, "add", s, m if keepdims else _squeeze_like(lowerer, node, m, axis, x))
    return lower


_logaddexp_reduce(np.logaddexp, "exp", "log")
_logaddexp_reduce(np.logaddexp2, "exp2", "log2")


def _accumulate(ufunc, how):
    name = f"np.{ufunc.__name__}.accumulate"

    @lowers(ufunc.accumulate, signature=_ACCUMULATE_SIG, takes="array axis dtype out")
    def lower(lowerer, node, args):
        x = _array_of(lowerer, node, args, name)
        if x.type.dtype == "bool":       # (NumPy keeps booleans: add is or, multiply and)
            raise lowerer.err(node, f"{name} of booleans is not supported",
                              "Convert first: x.astype(int).")
        if args.is_none("axis"):
            if x.type.ndim != 1:
                raise lowerer.err(node, f"{name}: axis=None is supported for 1-D arrays only",
                                  "Flatten first: x.ravel().")
            axis = 0
        else:
            axis = one_axis(lowerer, args.get("axis"), x.type.ndim, name, default=0)
        if how in ("cumsum", "cumprod"):
            return lowerer.op(node, how, x, axis=axis)
        idx = lowerer.op(node, "cumargmax", x, axis=axis, least=how == "min")
        return lowerer.op(node, "take_along", x, idx, axis=axis)
    return lower


for _ufunc, _how in [(np.add, "cumsum"), (np.multiply, "cumprod"), (np.maximum, "max"),
                     (np.minimum, "min")]:
    _accumulate(_ufunc, _how)


def _outer(ufunc):
    name = f"np.{ufunc.__name__}.outer"

    @lowers(ufunc.outer, signature="A, B, /", takes="A B")
    def lower(lowerer, node, args):
        """ufunc.outer(A, B): ufunc of every pair, the result A.shape + B.shape: A with
        B.ndim new trailing axes, broadcast against B (so the rules are the ufunc's own)."""
        a, b = lowerer.atom(args["A"]), lowerer.atom(args["B"])
        nb = b.type.ndim if T.is_array(b.type) else 0
        if not T.is_array(a.type) or nb == 0:
            return lowerer.lower_text("f(a, b)", node, f=Ref(ufunc), a=a, b=b)
        return lowerer.lower_text(f"f(a[(..., {', '.join(['None'] * nb)})], b)", node,
                                  f=Ref(ufunc), a=a, b=b)
    return lower


for _ufunc in sorted({id(u): u for u in vars(np).values() if isinstance(u, np.ufunc)
                      and u.nin == 2 and u.nout == 1}.values(), key=lambda u: u.__name__):
    _outer(_ufunc)     # (np.pow is np.power: each ufunc once)
