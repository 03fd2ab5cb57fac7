"""The public transforms: grad, value_and_grad, source, check_grad."""
from __future__ import annotations

import functools

from .compiler.pipeline import Request
from .runtime.check import compare, numeric_grad
from .runtime.dispatch import Transformed


def _argnums(argnums) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    nums = tuple(argnums)
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return nums, False


def _decorator(make):
    """Let a transform be used as ``t(f, ...)``, ``@t`` and ``@t(...)``."""
    @functools.wraps(make)
    def wrapper(f=None, *args, **kwargs):
        if f is None or not callable(f):
            if f is not None:
                args = (f,) + args
            return lambda g: make(g, *args, **kwargs)
        return make(f, *args, **kwargs)
    return wrapper


def _layout(n: int, single: bool, with_value: bool) -> str:
    grads = "{%d}" % int(with_value) if single else \
        "(" + ", ".join("{%d}" % (i + int(with_value)) for i in range(n)) + ("," if n == 1 else "") + ")"
    return "{0}, " + grads if with_value else grads


@_decorator
def grad(f, argnums=0, *, target: str = "cpu", optimize: bool = True) -> Transformed:
    """The gradient of scalar-valued ``f`` with respect to argument(s) ``argnums``.

    As in JAX, an int ``argnums`` gives one gradient shaped like that argument and a
    tuple gives a tuple. ``target`` is ``"cpu"`` (Numba, the default) or ``"python"``
    (plain NumPy, no JIT). The result exposes ``.source`` and ``.ir``.
    """
    nums, single = _argnums(argnums)
    req = Request(mode="rev", wrt=nums, optimize=optimize)
    return Transformed(f, req, target, "grad", _layout(len(nums), single, False))


@_decorator
def value_and_grad(f, argnums=0, *, target: str = "cpu", optimize: bool = True) -> Transformed:
    """Like :func:`grad`, but returns ``(f(*args), gradient)`` from one pass."""
    nums, single = _argnums(argnums)
    req = Request(mode="rev", wrt=nums, with_value=True, optimize=optimize)
    return Transformed(f, req, target, "value_and_grad", _layout(len(nums), single, True))


def source(f, argnums=0, *, mode: str = "rev", target: str = "python", optimize: bool = True,
           types=None) -> str:
    """The generated module for a transform of ``f`` (all-float scalar arguments by default)."""
    if mode != "rev":
        raise ValueError(f"unknown mode {mode!r}")
    t = grad(f, argnums, target=target, optimize=optimize)
    if types is not None:
        return t.build_source(tuple(types))
    return t.source


def check_grad(f, *args, argnums=0, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7,
               target: str = "cpu"):
    """Compare flatgrad's gradient of ``f`` at ``args`` with central finite differences.

    Returns the flatgrad gradient; raises AssertionError naming the argument whose
    gradient disagrees (error scaled by ``atol + rtol*|numeric|``).
    """
    nums, single = _argnums(argnums)
    g = grad(f, nums, target=target)(*args)
    for i, gi in zip(nums, g):
        num = numeric_grad(f, list(args), i, eps)
        err = compare(gi, num, rtol, atol)
        if not err <= 1.0:
            name = f.__code__.co_varnames[i]
            raise AssertionError(f"gradient of {f.__name__} with respect to '{name}' disagrees with "
                                 f"finite differences:\n  flatgrad: {gi}\n  numeric:  {num}")
    return g[0] if single else g


def vectorize(fn, target: str = "cpu", *, fastmath=None):
    """Map scalar ``fn`` — a Python function, or ``grad``/``value_and_grad`` of one — over arrays.

    Called with arrays (scalars broadcast, NumPy rules), it returns one array per
    output of ``fn``, nested as ``fn`` nests them; ``out=`` takes preallocated
    outputs. ``target``: ``"cpu"`` (one fused compiled loop), ``"parallel"``
    (``prange`` over every core) or ``"cuda"`` (numba-cuda grid-stride kernel).
    See ``docs/vectorize.md``.
    """
    from .runtime.vectorize import Vectorized
    return Vectorized(fn, target, fastmath=fastmath)
