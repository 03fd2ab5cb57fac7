"""Diagonals of arrays of any number of dimensions: ``np.diagonal(a, offset, axis1, axis2)``,
``np.trace`` (its sum), and the repeated subscripts of ``np.einsum`` (``'ii->i'``,
``'ijj->ij'``, ``'ii'``).

A 2-D array's diagonal is one primitive (``diagonal``, with its offset). Otherwise the two
axes are moved first and the diagonal is read with two integer-array indices,
``t[i + r0, i + c0]`` for ``i`` in ``range(n)``, then moved last: NumPy's own result (the two
axes gone, the diagonal last), whose derivative is the gather's (a scatter back into the
positions read), so no new rule is needed.
"""
from __future__ import annotations

import numpy as np

from .callargs import array_arg
from .registry import lowers


def take_diagonal(lowerer, node, x, axis1: int, axis2: int, offset: int = 0):
    """``np.diagonal(x, offset, axis1, axis2)``."""
    nd = x.type.ndim
    if nd < 2:
        raise lowerer.err(node, "np.diagonal needs an array of 2 or more dimensions")
    a1, a2 = axis1 % nd if -nd <= axis1 < nd else None, axis2 % nd if -nd <= axis2 < nd else None
    if a1 is None or a2 is None:
        raise lowerer.err(node, f"np.diagonal: axis {axis1 if a1 is None else axis2} is out of "
                                f"range for a {nd}-D array")
    if a1 == a2:
        raise lowerer.err(node, "np.diagonal: axis1 and axis2 cannot be the same")
    if nd == 2 and (a1, a2) == (0, 1):
        return lowerer.op(node, "diagonal", x, k=offset)
    rest = tuple(k for k in range(nd) if k not in (a1, a2))
    r0, c0 = max(-offset, 0), max(offset, 0)
    return lowerer.lower_text(f"""
t = np.transpose(x, {(a1, a2) + rest})
i = np.arange(max(min(t.shape[0] - {r0}, t.shape[1] - {c0}), 0))
np.transpose(t[i + {r0}, i + {c0}], {tuple(range(1, nd - 1)) + (0,)})
""", node, x=x)


def _ints(lowerer, args, names_defaults):
    return [d if args[n] is None else lowerer.const_int(args[n]) for n, d in names_defaults]


@lowers(np.diagonal, takes="a offset axis1 axis2")
def _lower_diagonal(lowerer, node, args):
    x = array_arg(lowerer, args["a"], "np.diagonal")
    offset, a1, a2 = _ints(lowerer, args, (("offset", 0), ("axis1", 0), ("axis2", 1)))
    return take_diagonal(lowerer, node, x, a1, a2, offset)


@lowers(np.trace, takes="a offset axis1 axis2")
def _lower_trace(lowerer, node, args):
    x = array_arg(lowerer, args["a"], "np.trace")
    offset, a1, a2 = _ints(lowerer, args, (("offset", 0), ("axis1", 0), ("axis2", 1)))
    d = take_diagonal(lowerer, node, x, a1, a2, offset)
    return lowerer.op(node, "sum", d, axis=d.type.ndim - 1) if d.type.ndim > 1 else \
        lowerer.op(node, "sum", d)


def einsum_diagonals(lowerer, node, subs: list, ops: list) -> tuple:
    """Each operand whose subscripts repeat a letter (``'ii'``, ``'iji'``) replaced by its
    diagonal over those axes, and its subscripts by the letters left, the repeated one last
    (as :func:`take_diagonal` leaves it), until no letter repeats within an operand."""
    subs, ops = list(subs), list(ops)
    for k, (s, o) in enumerate(zip(subs, ops)):
        while len(set(s)) != len(s):
            c = next(c for c in s if s.count(c) > 1)
            p = s.index(c)
            q = s.index(c, p + 1)
            o = take_diagonal(lowerer, node, o, p, q)
            s = "".join(ch for j, ch in enumerate(s) if j not in (p, q)) + c
        subs[k], ops[k] = s, o
    return subs, ops
