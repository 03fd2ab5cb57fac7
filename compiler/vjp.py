"""Reverse mode with a given cotangent: the VJP of a function with any float results.

:func:`~.reverse.reverse_ad` seeds the adjoint of a scalar result with ``1.0``; this
helper seeds the adjoint of every float result with a cotangent: either a new
parameter (``grad_L``, taken after the function's own ones: ``vjp``) or a constant
(one row of a reverse-mode Jacobian). It reuses the reverse pass unchanged.
"""
from __future__ import annotations

from . import types as T
from .errors import CompileError
from .ir import Block, Const, Function, Var
from .reverse import backward


def reverse_seeded(fn: Function, wrt: tuple[int, ...], seeds=None,
                   with_value: bool = False) -> Function:
    """Gradients of ``sum_j seed_j * results_j`` with respect to parameters ``wrt``.

    ``seeds`` gives one float constant per result; ``None`` makes each a parameter
    (named ``grad_<result>``) appended to the function's parameters."""
    for r in fn.results:
        if not isinstance(r.type, T.Scalar) and not T.is_array(r.type):
            raise CompileError(f"cannot differentiate a result of type {r.type}", fn.loc)
    extra: list = []

    def seed(b, rev, adj):
        values = seeds
        if values is None:
            values, used = [], set()
            for j, r in enumerate(fn.results):
                name = r.hint if isinstance(r, Var) and r.hint else f"out{j}"
                if name in used:        # one value returned twice: a cotangent for each
                    name = f"{name}_{j}"
                used.add(name)
                t = r.type if T.is_float(r.type) else T.with_dtype(r.type, "float64")
                p = b.fresh(t, f"grad_{name}")
                extra.append(p)
                values.append(p)
        else:
            values = [Const(float(s), r.type if T.is_float(r.type) else T.F64)
                      for s, r in zip(values, fn.results)]
        for r, s in zip(fn.results, values):
            if isinstance(r, Var) and r.id in rev.active and not _is_zero(s):
                rev.accumulate(b, adj, r, s, len(b.stmts))

    b, grads = backward(fn, wrt, seed)
    results = (tuple(fn.results) if with_value else ()) + grads
    return Function(fn.name + "_vjp", fn.params + tuple(extra),
                    Block((), tuple(b.stmts), results), fn.loc)


def _is_zero(s) -> bool:
    return isinstance(s, Const) and s.value == 0
