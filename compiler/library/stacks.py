"""Linear algebra on stacks of matrices: NumPy's ``np.linalg`` functions take arrays of 3 or
more dimensions as stacks of matrices in their last two axes (``(..., M, M)``) and return
their results stacked in the same leading axes. So does flatgrad: such a call is NumPy's
function on each matrix of the stack, in a loop over the stack flattened to one axis,
its results stacked and given the leading axes back -- written as the NumPy code it means
(``Lowerer.lower_text``), so its derivatives are those of the 2-D function, the loop's and
the reshapes', and every target runs it::

    flat = a.reshape((-1,) + a.shape[-2:])
    r0 = []
    for k in range(flat.shape[0]):
        r0.append(np.linalg.inv(flat[k]))
    np.array(r0).reshape(a.shape[:-2] + np.array(r0).shape[1:])

A 2-D argument goes to the function's own lowering, untouched. ``np.linalg.solve(a, b)``
stacks ``b`` as NumPy 2 does: a vector ``b`` (1-D) is shared by every matrix; otherwise
``b``'s matrices (``(..., M, K)``) broadcast against ``a``'s leading axes.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from .. import types as T
from ..ir import Var
from ..values import NamedValue, Ref
from .registry import around


def _results(args, lowerer) -> int:
    """How many results one matrix gives (np.linalg.svd: 3, or 1 with compute_uv=False)."""
    node = args["compute_uv"]
    if node is not None and lowerer.const_bool(node) is False:
        return 1
    return 3


def _stack_text(call: str, n: int, lead: str) -> str:
    """The loop over ``flat`` calling ``call`` (which reads ``flat[k]``), then each of its
    ``n`` results stacked and reshaped to the leading axes ``lead``."""
    lines = [f"r{j} = []" for j in range(n)]
    lines.append("for k in range(flat.shape[0]):")
    lines.append(f"    res = {call}")
    lines += [f"    r{j}.append(res{f'[{j}]' if n > 1 else ''})" for j in range(n)]
    lines += [f"s{j} = np.array(r{j})" for j in range(n)]
    outs = [f"s{j}.reshape({lead} + s{j}.shape[1:])" for j in range(n)]
    lines.append(outs[0] if n == 1 else "(" + ", ".join(outs) + ")")
    return "\n".join(lines) + "\n"


def _other_args(lowerer, args, skip: str) -> tuple[dict, str]:
    """The call's other arguments, lowered, and the text passing them by keyword."""
    values, text = {}, ""
    for name, e in args.nodes.items():
        if name != skip:
            values[f"o_{name}"] = lowerer.expr(e)
            text += f", {name}=o_{name}"
    return values, text


def _qr_results(args, lowerer) -> int:
    """How many results one matrix gives np.linalg.qr or scipy.linalg.qr: R alone for
    mode='r', else (Q, R)."""
    node = args["mode"]
    mode = None if node is None else lowerer.expr(node)
    return 1 if getattr(mode, "obj", None) == "r" else 2


def _stacked(name: str, param: str, count, fields=None, fn=None):
    """The lowering of ``np.linalg.<name>`` (or of ``fn``, which returns a tuple even of one
    result, as scipy.linalg.qr) around its own: a stack in ``param`` maps the 2-D function
    over it; ``count`` results per matrix (or how to count them from the call)."""
    def lower(inner, lowerer, node, args):
        e = args[param]
        x = lowerer.expr(e) if e is not None else None
        if not (isinstance(x, Var) and T.is_array(x.type) and x.type.ndim > 2):
            if e is not None:
                lowerer.prelowered[id(e)] = x          # lowered once: the 2-D lowering reads it
            return inner(lowerer, node, args)
        n = count if isinstance(count, int) else count(args, lowerer)
        others, passed = _other_args(lowerer, args, param)
        callee = "fn" if fn is not None else f"np.linalg.{name}"
        text = "flat = a.reshape((-1,) + a.shape[-2:])\n" + \
            _stack_text(f"{callee}(flat[k]{passed}){'[0]' if fn and n == 1 else ''}", n,
                        "a.shape[:-2]")
        if fn is not None:
            others["fn"] = Ref(fn)
        out = lowerer.lower_text(text, node, a=x, **others)
        return NamedValue(out, fields) if fields and n == len(fields) else out
    return lower


def _solve(inner, lowerer, node, args):
    ea, eb = args["a"], args["b"]
    a, b = lowerer.expr(ea), lowerer.expr(eb)
    if not all(isinstance(v, Var) and T.is_array(v.type) for v in (a, b)) or \
            (a.type.ndim <= 2 and b.type.ndim <= 2):
        lowerer.prelowered[id(ea)], lowerer.prelowered[id(eb)] = a, b
        return inner(lowerer, node, args)
    if b.type.ndim == 1:                           # one vector for every matrix
        text = "flat = a.reshape((-1,) + a.shape[-2:])\n" + \
            _stack_text("np.linalg.solve(flat[k], b)", 1, "a.shape[:-2]")
        return lowerer.lower_text(text, node, a=a, b=b)
    # stacks of matrices on either side: b's broadcast against a's leading axes (or a's
    # against b's, where a is the single matrix)
    lead = "a.shape[:-2]" if a.type.ndim >= b.type.ndim else "b.shape[:-2]"
    text = f"""
aa = np.broadcast_to(a, {lead} + a.shape[-2:])
bb = np.broadcast_to(b, {lead} + b.shape[-2:])
flat = aa.reshape((-1,) + a.shape[-2:])
flat_b = bb.reshape((-1,) + b.shape[-2:])
""" + _stack_text("np.linalg.solve(flat[k], flat_b[k])", 1, lead)
    return lowerer.lower_text(text, node, a=a, b=b)


for _name in ("inv", "det", "cholesky", "pinv", "eigvalsh", "matrix_power"):
    around(getattr(np.linalg, _name), _stacked(_name, "a", 1))
around(np.linalg.slogdet, _stacked("slogdet", "a", 2))
around(np.linalg.eigh, _stacked("eigh", "a", 2))
around(np.linalg.svd, _stacked("svd", "a", _results, ("U", "S", "Vh")))
around(np.linalg.svdvals, _stacked("svdvals", "x", 1))
around(np.linalg.cond, _stacked("cond", "x", 1))
around(np.linalg.solve, _solve)
around(np.linalg.qr, _stacked("qr", "a", _qr_results, ("Q", "R")))
# (SciPy's mode='r' gives the tuple (R,) of a matrix, but R itself of a stack: so here too)
around(scipy.linalg.qr, _stacked("qr", "a", _qr_results, fn=scipy.linalg.qr))
