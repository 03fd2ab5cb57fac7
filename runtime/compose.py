"""Stacked transforms at run time: ``grad(grad(f))``, ``jvp``, ``vjp``, ``jacobian``,
``hessian``, and the hooks that let compiled functions call flatgrad objects.

A :class:`Composed` is a :class:`~.dispatch.Transformed` whose request is a stack of
IR transforms (see ``compiler/compose.py``) applied to the user's function, and whose
signature may have extra parameters (tangents, cotangents) after the function's own.
"""
from __future__ import annotations

import functools
from dataclasses import replace

from ..compiler import types as T
from ..compiler.errors import CompileError
from ..compiler.inline import inline
from ..compiler.pipeline import Request
from .dispatch import Signature, Transformed, _classify


class Composed(Transformed):
    """A stack of transforms of ``fn``, compiled lazily per signature.

    ``extra`` names parameters appended after ``fn``'s (``tan_x``, ``grad_out0``);
    ``floats`` are the positions converted to float (differentiated arguments);
    ``shape(n_results)`` gives the layout of the results once their number is known."""

    def __init__(self, fn, steps: tuple, target: str, suffix: str, shape: tuple = (),
                 extra: tuple = (), floats=(), optimize: bool = True):
        wrt = steps[-1][1] if steps else ()
        req = Request(mode="steps", wrt=wrt, optimize=optimize, steps=steps)
        super().__init__(fn, req, target, suffix, layout=f"composed:{shape!r}")
        self.params = self.params + tuple(extra)
        if extra:
            self.defaults = ()
        self.floats = set(floats)
        self.shape = SHAPES[shape[0]](*shape[1:]) if shape else None

    def signature(self, args):
        args = self._bind(tuple(args))
        types, values, converted = [], [], False
        for i, (name, v) in enumerate(zip(self.params, args)):
            t, v2, conv = _classify(name, v, i in self.floats)
            types.append(t)
            values.append(v2)
            converted |= conv
        return Signature(types), values, converted

    def build_ir(self, sig):
        from ..compiler.pipeline import transform
        ir = transform(self.fn, tuple(sig), self.req)
        layout = self.shape(len(ir.results)) if self.shape else None
        return replace(ir, name=self.__name__, meta=(("layout", layout),) if layout else ())


def lift(f):
    """``(python function, steps so far)`` for a function or a flatgrad transform of one."""
    if isinstance(f, Composed):
        if len(f.params) != f.fn.__code__.co_argcount:
            raise TypeError(f"cannot transform {f!r} further: it takes extra arguments "
                            "(tangents or cotangents)")
        return f.fn, f.req.steps
    if isinstance(f, Transformed):
        if f.req.mode != "rev":
            raise TypeError(f"cannot transform {f!r} further")
        return f.fn, (("rev", f.req.wrt, f.req.with_value),)
    if not callable(f) or not hasattr(f, "__code__"):
        raise TypeError(f"flatgrad transforms Python functions, not {type(f).__name__}")
    return f, ()


@functools.lru_cache(maxsize=512)
def make(f, steps: tuple, target: str, suffix: str, shape: tuple = (), extra: tuple = (),
         floats: tuple = (), optimize: bool = True) -> Composed:
    """One :class:`Composed` per distinct request (so repeated ``jvp`` calls reuse it).

    ``shape`` names the result layout: ``("grid", single_row, single_col, ncols)``,
    ``("pair",)`` or ``("flat",)``."""
    fn, base = lift(f)
    return Composed(fn, base + steps, target, suffix, shape, extra, floats, optimize)


# ---------------------------------------------------------------------- result layouts

def grid(single_row: bool, single_col: bool, ncols: int):
    """Layout of ``rows x ncols`` results given row-major: scalars where JAX has them."""
    def shape(n: int) -> str:
        rows = n // ncols
        cells = ["{%d}" % k for k in range(n)]

        def tup(items):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        row_txt = [cells[r * ncols] if single_col else tup(cells[r * ncols:(r + 1) * ncols])
                   for r in range(rows)]
        return row_txt[0] if single_row and rows == 1 else tup(row_txt)
    return shape


def pair(n: int) -> str:
    """``(out, tangent)`` for one result, ``((outs...), (tangents...))`` for several."""
    half = n // 2
    if half == 1:
        return "{0}, {1}"
    outs = ", ".join("{%d}" % k for k in range(half))
    tans = ", ".join("{%d}" % (k + half) for k in range(half))
    return f"({outs}), ({tans})"


def pair_like(inner: str):
    """``(out, tangent)`` where both keep the nesting ``inner`` of the function's results."""
    def shape(n: int) -> str:
        half = n // 2
        outs = inner.format(*["{%d}" % k for k in range(half)])
        tans = inner.format(*["{%d}" % (k + half) for k in range(half)])
        return f"({outs}), ({tans})"
    return shape


def flat_tuple(n: int) -> str:
    return "(" + ", ".join("{%d}" % k for k in range(n)) + ("," if n == 1 else "") + ")"


SHAPES = {"grid": grid, "pair": lambda: pair, "pair_like": pair_like, "flat": lambda: flat_tuple}


# ---------------------------------------------------------------------- inlining hook

def lower_transformed(t: Transformed, b, args: tuple, loc):
    """Inline transform ``t`` called with ``args`` inside a function being compiled."""
    if len(args) != len(t.params):
        raise CompileError(f"'{t.__name__}' takes {len(t.params)} argument(s), got {len(args)}",
                           loc)
    floats = t.floats if isinstance(t, Composed) else set(t.req.wrt)
    cast = []
    for i, a in enumerate(args):
        if i in floats and not T.is_float(a.type):
            b.loc = loc
            a = b.op("float", a) if not T.is_array(a.type) else b.op("astype", a, dtype="float64")
        cast.append(a)
    ir = t.build_ir(Signature(a.type for a in cast))
    results = inline(b, replace(ir, name=t.__name__), tuple(cast))
    layout = dict(ir.meta).get("layout")
    if not layout:
        return results[0] if len(results) == 1 else tuple(results)
    return _nest(layout, results)


def _nest(layout: str, results):
    """Evaluate a layout such as ``{0}, ({1}, {2})`` on atoms, giving nested tuples."""
    text = layout.format(*[f"r[{k}]" for k in range(len(results))])
    return eval(text, {"__builtins__": {}}, {"r": results})  # noqa: S307 - internal layout
