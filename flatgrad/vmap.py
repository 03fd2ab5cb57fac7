"""``fg.vmap``: map a function, or any flatgrad transform of one, over a batch axis."""
from __future__ import annotations

import functools

from .compiler import targets
from .compiler.frontend.arity import fixed_arity, split_keywords, takes_fixed_arity
from .compiler.frontend.source import params_of
from .compiler.vmap import METHODS, VmapStep, freeze
from .runtime.dispatch import DEFAULT_TARGET, ByArity, Transformed, python_function
from .runtime.vmap import VMapped


def vmap(f, in_axes=0, out_axes=0, *, axis_size=None, target=None, method="auto",
         optimize=None):
    """``f`` mapped over a batch axis of its arguments, with JAX's semantics.

    ``in_axes``: the mapped axis of every argument (an int; None: not mapped), or a tuple
    with one entry per argument, each an int, None, or a container of them matching a
    container argument (a prefix of it: ``{"W": None, "b": 0}``). Negative axes count from
    the end. ``out_axes``: where the batch axis goes in each result (None: the result is
    the same for every example), a prefix of the results' structure. ``axis_size``: the
    batch size where no argument is mapped. Mapped axes of different lengths are a
    ValueError naming the arguments.

    ``f`` may be a Python function or a flatgrad transform (``grad``, ``value_and_grad``,
    ``jacobian``, ``hessian``, ``forward``, another ``vmap``): ``vmap(grad(loss), in_axes=
    (None, 0, 0))`` gives per-example gradients. The result is a transform itself, so
    ``grad(vmap(f))`` works, and so does calling it inside compiled code.

    ``method``: ``"batch"`` rewrites every op to work on the whole batch (``x @ W`` is one
    matrix product, the per-example weight gradient one einsum); ``"loop"`` runs the
    per-example code in one compiled loop (any control flow); ``"auto"`` batches unless
    control flow depends on a mapped value or the per-example code has no array work (see
    ``docs/vmap.md``). ``target``: ``"cpu"`` (Numba), ``"python"`` (NumPy) or
    ``"parallel"`` (Numba, the loop method's loop spread over every core); default: ``f``'s
    target, else ``"cpu"``.
    """
    if method not in METHODS:
        raise ValueError(f"vmap method must be one of {', '.join(METHODS)}, not {method!r}")
    if axis_size is not None and (not isinstance(axis_size, int) or axis_size < 0):
        raise ValueError(f"vmap axis_size must be a non-negative int, not {axis_size!r}")
    f = python_function(f)
    base = f.fn if isinstance(f, Transformed) else f
    if isinstance(base, functools.partial) or (hasattr(base, "__code__") and (
            not takes_fixed_arity(base) or base.__defaults__)):
        # *args, keyword-only parameters, **kwargs or a partial: one vmap per call shape;
        # so with defaults, which only the arguments passed are mapped over (as in JAX)
        if isinstance(f, Transformed) and not isinstance(f, ByArity):
            f = ByArity(f.fn, f.steps, f.target, f.suffix, extra=f.extra, floats=f.floats,
                        optimize=f.req.optimize)
        return PerCallShape(lambda fixed: vmap(fixed, in_axes, out_axes, axis_size=axis_size,
                                               target=target, method=method, optimize=optimize),
                            f)
    if isinstance(f, Transformed):
        fn, steps, extra, floats = f.fn, f.steps, f.extra, f.floats
        target = target or f.target
        opt = f.req.optimize if optimize is None else optimize
        names = f.params
        suffix = f.suffix + "_vmap"
    else:
        if not callable(f) or not hasattr(f, "__code__"):
            raise TypeError(f"flatgrad transforms Python functions, not {type(f).__name__}")
        fn, steps, extra, floats = f, (), (), ()
        target = target or DEFAULT_TARGET
        opt = True if optimize is None else optimize
        names = params_of(fn)
        suffix = "vmap"
    t = targets.get(target, "vmap")
    step = VmapStep(freeze(in_axes), freeze(out_axes), axis_size, method,
                    t.parallel, t.jit, len(names), tuple(names))
    return VMapped(fn, steps + (step,), t.vmap_as, suffix,
                   extra=extra, floats=floats, optimize=opt)


class PerCallShape:
    """``make(fixed)`` for each shape of call (positional arguments, keyword names, settings:
    compiler/frontend/arity.py) of a function whose parameters the call decides, ``fixed``
    the function (or the transform ``f`` of it) for that shape; made at the first call."""

    def __init__(self, make, f):
        self.make, self.f, self.shapes = make, f, {}
        self.__name__ = getattr(f, "__name__", "f")

    def __call__(self, *args, **kwargs):
        keywords, settings = split_keywords(kwargs)
        key = (len(args), keywords, settings)
        made = self.shapes.get(key)
        if made is None:
            f = self.f          # a function, or a transform of one (then one per shape)
            fixed = f.shape_of(len(args) - len(f.extra), keywords, settings) \
                if isinstance(f, ByArity) else fixed_arity(f, len(args), keywords, settings)
            made = self.shapes.setdefault(key, self.make(fixed))
        return made(*args, *(kwargs[k] for k in keywords))
