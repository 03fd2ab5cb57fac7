"""np.einsum (string and sublist forms, repeated subscripts as diagonals), np.tensordot,
np.dot of stacks and the products of stacks of matrices (``@`` with 3 or more dimensions).

* einsum: linear in each operand; the adjoint of an operand is the einsum of the output's
  adjoint with the other operands, into that operand's subscripts (summed back to its shape
  where a size-1 axis was broadcast); the tangent is the sum of einsums with one operand
  replaced by its tangent. Under Numba (which has no einsum) it calls ``einsum_loops``, a
  helper that flatgrad.runtime.numba_ext compiles to plain loops for each subscript string.
"""
from __future__ import annotations

import ast
import string

import numpy as np

from .. import dims as D
from .. import types as T
from ..ir import Const
from ..primitives import B_PRODUCT, P_ATOM, Spelling, defprim, helper
from ..values import Ref
from .diagonals import einsum_diagonals
from .linalg import _float, _float_type, _same_float
from .registry import lowers


# ======================================================================= einsum

def _einsum_type(*ops, spec):
    dt = T.promote_dtype(*(_float_type(o).dtype if T.is_array(o) else o.dtype for o in ops))
    dt = dt if dt in T.FLOATS else "float64"
    n = len(spec.split("->")[1])
    return T.Array(dt, n) if n else T.Scalar(dt)


def _einsum_shape(q, args, p):
    ins, out = p["spec"].split("->")
    seen: dict = {}
    for sub, a in zip(ins.split(","), args):
        for c, d in zip(sub, q.shape(a)):
            seen.setdefault(c, []).append((d,))
    return tuple(D.broadcast(seen[c])[0] for c in out)


def _einsum_spell(a, p):
    return f"np.einsum({p['spec']!r}, {', '.join(a)})"


def _einsum_jit(a, p):
    return f"einsum_loops({p['spec']!r}, {', '.join(a)})"


class _EinsumVJP:
    """The adjoint of operand i: the output's adjoint contracted with the other operands."""

    def __getitem__(self, i):
        def rule(b, g, out, *ops, spec):
            ins, res = spec.split("->")
            subs = ins.split(",")
            others = [(s, o) for j, (s, o) in enumerate(zip(subs, ops)) if j != i]
            target = subs[i]
            avail = set(res).union(*(set(s) for s, _ in others))
            terms = [(res, g)] + others
            if not set(target) <= avail:     # a letter summed over in operand i alone
                terms.append((target, b.ones_like(ops[i])))
            if not T.is_array(g.type):
                g = b.mul(g, b.ones_like(ops[i]))   # never happens: reverse makes g full
            c = b.einsum(*(o for _, o in terms),
                         spec=",".join(s for s, _ in terms) + "->" + target)
            return b.fit_shape(c, ops[i])
        return rule

    def __len__(self):
        return 1 << 30


class _EinsumJVP:
    def __getitem__(self, i):
        def rule(b, t, out, *ops, spec):
            return b.einsum(*ops[:i], t, *ops[i + 1:], spec=spec)
        return rule

    def __len__(self):
        return 1 << 30


defprim("fit_shape", 2, lambda c, like: T.with_dtype(like, c.dtype),
        helper("fit_shape", arity=2), elementwise=False, shape=D.like(1), shape_args=(1,), vjp=(),
        jvp=(lambda b, t, out, c, like: b.fit_shape(t, like), None),
        batch="sums into a shape that broadcasting chose per example")
defprim("einsum", -1, _einsum_type, Spelling(_einsum_spell, _einsum_spell, P_ATOM, (1,),
                                             jit=_einsum_jit, helpers=("einsum_loops",)),
        elementwise=False, costly=True, fresh=True, shape=_einsum_shape,
        never_raises=True, batch=B_PRODUCT)
from ..primitives import PRIMS  # noqa: E402

PRIMS["einsum"].vjp = _EinsumVJP()
PRIMS["einsum"].jvp = _EinsumJVP()



# ---- einsum & tensordot

_LETTERS = string.ascii_letters


def _parse_einsum(lowerer, node, spec: str, ops):
    """The explicit form of ``spec`` ('ij,jk->ik') for these operands, as (each operand's
    subscripts, the output's): '...' replaced by letters (aligned at the right, as NumPy
    broadcasts), the implicit output made explicit (the letters seen once, in alphabetical
    order: a letter repeated within one operand is summed, as in 'ii', a trace)."""
    spec = spec.replace(" ", "")
    if "->" in spec:
        ins, out = spec.split("->")
        explicit = True
    else:
        ins, out, explicit = spec, "", False
    subs = ins.split(",")
    if len(subs) != len(ops):
        raise lowerer.err(node, f"np.einsum: {len(subs)} operand subscripts for {len(ops)} operands")
    used = set(spec) - set(".,->")
    if not used <= set(_LETTERS):
        raise lowerer.err(node, "np.einsum: subscripts must be letters, with '...' and '->'")
    free = [c for c in _LETTERS if c not in used]
    ell_n = 0
    for s, o in zip(subs, ops):
        if "..." in s:
            ell_n = max(ell_n, o.type.ndim - len(s.replace("...", "")))
    ell = "".join(free[:ell_n])
    new = []
    for s, o in zip(subs, ops):
        if "..." in s:
            k = o.type.ndim - len(s.replace("...", ""))
            if k < 0:
                raise lowerer.err(node, f"np.einsum: '{s}' has more subscripts than the operand's "
                                   f"{o.type.ndim} dimensions")
            s = s.replace("...", ell[ell_n - k:] if k else "")
        elif len(s) != o.type.ndim:
            raise lowerer.err(node, f"np.einsum: '{s}' names {len(s)} axes of a {o.type.ndim}-D operand")
        if "." in s:
            raise lowerer.err(node, "np.einsum: '.' is only allowed as '...'")
        new.append(s)
    if explicit:
        if "..." in out:
            out = out.replace("...", ell)
        elif ell_n and any("..." in s for s in subs):
            pass                                 # NumPy sums the broadcast dims away
    else:
        counts = {c: sum(s.count(c) for s in new) for c in set("".join(new))}
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    if len(set(out)) != len(out) or not set(out) <= set("".join(new)):
        raise lowerer.err(node, f"np.einsum: bad output subscripts '{out}'")
    return new, out


def einsum(lowerer, node, spec: str, ops):
    ops = [_float(lowerer, o, node) for o in ops]
    ops = _same_float(lowerer, ops, node)
    for o in ops:
        if not T.is_array(o.type):
            raise lowerer.err(node, "np.einsum operands must be arrays")
    subs, out = _parse_einsum(lowerer, node, spec, ops)
    subs, ops = einsum_diagonals(lowerer, node, subs, ops)      # 'ii': a diagonal first
    return lowerer.op(node, "einsum", *ops, spec=",".join(subs) + "->" + out)


def _sublist_letter(lowerer, node, v) -> str:
    """NumPy's letter for an axis number of einsum's sublist form (0-25: 'A'-'Z', 26-51:
    'a'-'z'), or '...'."""
    if isinstance(v, Ref) and v.obj is Ellipsis:
        return "..."
    if isinstance(v, Const) and type(v.value) is int and 0 <= v.value < 52:
        return chr(ord("A") + v.value) if v.value < 26 else chr(ord("a") + v.value - 26)
    raise lowerer.err(node, "np.einsum: a sublist holds axis numbers from 0 to 51 (and ...), "
                            "known while compiling")


def _sublist_spec(lowerer, node, parts: list) -> tuple:
    """``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``: the subscripts string and the operands."""
    ops, subs = [], []
    for k in range(0, len(parts) - 1, 2):
        ops.append(lowerer.atom(parts[k]))
        sub = lowerer.expr(parts[k + 1])
        if not isinstance(sub, tuple):
            raise lowerer.err(parts[k + 1], "np.einsum: each operand is followed by its sublist "
                                            "of axis numbers")
        subs.append("".join(_sublist_letter(lowerer, node, v) for v in sub))
    spec = ",".join(subs)
    if len(parts) % 2:                              # the output's sublist, last
        out = lowerer.expr(parts[-1])
        if not isinstance(out, tuple):
            raise lowerer.err(parts[-1], "np.einsum: the output's sublist must be a list of axis "
                                         "numbers")
        spec += "->" + "".join(_sublist_letter(lowerer, node, v) for v in out)
    return spec, ops


@lowers(np.einsum, takes="operands")
def _lower_einsum(lowerer, node, args):
    subscripts, *operands = args.rest or (None,)
    if subscripts is None:
        raise lowerer.err(node, "np.einsum needs at least one operand")
    if isinstance(subscripts, ast.Constant) and isinstance(subscripts.value, str):
        ops = [lowerer.atom(e) for e in operands]
        spec = subscripts.value
    else:                                           # the sublist form
        spec, ops = _sublist_spec(lowerer, node, list(args.rest))
    if not ops:
        raise lowerer.err(node, "np.einsum needs at least one operand")
    return einsum(lowerer, node, spec, ops)


@lowers(np.tensordot)
def _lower_tensordot(lowerer, node, args):
    a, c = (lowerer.atom(args[k]) for k in ("a", "b"))
    axes_node = args["axes"]
    if not (T.is_array(a.type) and T.is_array(c.type)):      # a number: only axes=0, a product
        if axes_node is None or lowerer.const_int(axes_node) != 0:
            raise lowerer.err(node, "np.tensordot of a number sums no axes: give axes=0")
        return lowerer.op(node, "mul", _float(lowerer, a, node), _float(lowerer, c, node))
    na, nc = a.type.ndim, c.type.ndim
    if axes_node is None:
        n = 2
        ax_a, ax_c = list(range(na - n, na)), list(range(n))
    elif isinstance(axes_node, (ast.Tuple, ast.List)) and len(axes_node.elts) == 2:
        def ints(e):
            if isinstance(e, (ast.Tuple, ast.List)):
                return [lowerer.const_int(x) for x in e.elts]
            return [lowerer.const_int(e)]
        ax_a, ax_c = (ints(e) for e in axes_node.elts)
        ax_a, ax_c = [k % max(na, 1) for k in ax_a], [k % max(nc, 1) for k in ax_c]
    else:
        n = lowerer.const_int(axes_node)
        ax_a, ax_c = list(range(na - n, na)), list(range(n))
    if len(ax_a) != len(ax_c) or len(ax_a) > min(na, nc) or min(ax_a + ax_c + [0]) < 0:
        raise lowerer.err(node, "np.tensordot: the axes do not match the arrays")
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(na)]
    sc = [next(letters) for _ in range(nc)]
    for i, j in zip(ax_a, ax_c):
        sc[j] = sa[i]
    out = [s for k, s in enumerate(sa) if k not in ax_a] + [s for k, s in enumerate(sc)
                                                              if k not in ax_c]
    return einsum(lowerer, node, "".join(sa) + "," + "".join(sc) + "->" + "".join(out), [a, c])


def dot_nd(lowerer, node, a, c):
    """np.dot(a, c) with c of 3 or more dimensions: a's last axis summed with c's second to
    last, ``dot(a, c)[i.., k.., m] = sum_j a[i.., j] c[k.., j, m]`` (not matmul's stacks)."""
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(a.type.ndim)]
    sc = [next(letters) for _ in range(c.type.ndim)]
    sc[-2] = sa[-1]
    out = sa[:-1] + sc[:-2] + sc[-1:]
    return einsum(lowerer, node, "".join(sa) + "," + "".join(sc) + "->" + "".join(out), [a, c])


def batched_matmul(lowerer, node, a, c):
    """a @ c with 3 or more dimensions: a stack of matrix products, batch axes broadcast."""
    if a.type.ndim == 1:
        return einsum(lowerer, node, "j,...jk->...k", [a, c])
    if c.type.ndim == 1:
        return einsum(lowerer, node, "...ij,j->...i", [a, c])
    return einsum(lowerer, node, "...ij,...jk->...ik", [a, c])
