"""Stacks of transforms: because every transform maps IR to IR, they compose.

A *step* is a small hashable tuple; :func:`apply_steps` runs a stack of them on a
primal function, each on the previous one's output:

    ("rev", wrt, with_value)   gradient of a scalar result        (reverse_ad)
    ("vjp", wrt, with_value)   cotangent parameters for results   (reverse_seeded)
    ("fwd", wrt, with_value)   tangent parameters for ``wrt``     (forward_ad)
    ("jac", wrt, mode)         the Jacobian, rows = results, mode "fwd" or "rev"

``grad(grad(f))`` is ``[rev, rev]``; ``hessian(f)`` is ``[rev, jac-fwd]``, forward
over reverse on the gradient's IR.
"""
from __future__ import annotations

from . import types as T
from .errors import CompileError
from .forward import forward_ad
from .inline import builder_for, function, inline
from .ir import Const, Function
from .rewrite import map_block
from .reverse import reverse_ad
from .vjp import reverse_seeded


def check_wrt(fn: Function, wrt) -> None:
    for i in wrt:
        if not 0 <= i < len(fn.params):
            raise CompileError(f"argnums {i} is out of range for '{fn.name}' with "
                               f"{len(fn.params)} parameters", fn.loc)


def apply_steps(fn: Function, steps) -> Function:
    """Apply each step of ``steps`` in order."""
    for step in steps:
        kind, wrt, opt = step
        check_wrt(fn, wrt)
        if kind == "rev":
            fn = reverse_ad(fn, wrt, opt)
        elif kind == "vjp":
            fn = reverse_seeded(fn, wrt, None, opt)
        elif kind == "fwd":
            fn = forward_ad(fn, wrt, opt)
        elif kind == "jac":
            fn = jacobian_ir(fn, wrt, opt)
        else:
            raise ValueError(f"unknown transform step {step!r}")
    return fn


def jacobian_ir(fn: Function, wrt, mode: str = "rev") -> Function:
    """A function returning the Jacobian of ``fn``'s results with respect to ``wrt``,
    flattened row-major (``d result_j / d param_i`` at ``j * len(wrt) + i``).

    Forward mode builds one column per parameter, reverse mode one row per result;
    each seed is a constant, so the optimiser removes the zero parts. Scalars only:
    array parameters and results need a loop over basis seeds (not built yet)."""
    for a in [fn.params[i] for i in wrt] + list(fn.results):
        if not isinstance(a.type, T.Scalar):
            raise CompileError(f"jacobian of '{fn.name}' supports scalar arguments and results "
                               f"for now, not {a.type}", fn.loc,
                               "Pass scalars (or a tuple of them) and return a tuple of scalars.")
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
