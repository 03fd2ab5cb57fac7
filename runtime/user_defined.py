"""What users define themselves: functions with their own backward (``custom_vjp``)
and elementwise primitives given as SymPy expressions (``primitive``)."""
from __future__ import annotations

import functools
import inspect

import numpy as np

from ..compiler.custom_rules import call_custom
from . import support
from .cache import fingerprint


class CustomVJP:
    """A function whose reverse-mode derivative the user gives, as ``jax.custom_vjp``.

    ``fwd(*args) -> (output, residuals)`` and ``bwd(residuals, g) -> gradients`` (one per
    argument, ``None`` for an argument without one) are written in the supported
    subset. Called from Python it simply runs the function."""

    def __init__(self, fn):
        if not inspect.isfunction(fn):
            raise TypeError(f"custom_vjp decorates a Python function, not {type(fn).__name__}")
        self.fn = fn
        self.fwd = None
        self.bwd = None
        functools.update_wrapper(self, fn)

    def defvjp(self, fwd, bwd):
        """Give the forward function (output and residuals) and the backward function."""
        for f in (fwd, bwd):
            if not inspect.isfunction(f):
                raise TypeError(f"defvjp takes Python functions, not {type(f).__name__}")
        self.fwd, self.bwd = fwd, bwd
        self.__dict__.pop("_flatgrad_specs", None)
        return self

    def __call__(self, *args):
        return self.fn(*args)

    def __flatgrad_lower__(self, b, args, loc):
        return call_custom(self, b, args, loc)

    def __flatgrad_key__(self) -> str:
        if self.__dict__.get("_hashing"):   # fwd may call the function itself
            return f"custom_vjp:{self.fn.__qualname__}"
        self._hashing = True
        try:
            return repr(tuple(fingerprint(f) if f is not None else None
                              for f in (self.fn, self.fwd, self.bwd)))
        finally:
            self._hashing = False

    def __repr__(self) -> str:
        return f"<flatgrad custom_vjp {self.fn.__name__}>"


class UserPrimitive:
    """An elementwise function registered from a SymPy expression.

    Calling it evaluates the expression with NumPy (scalars and arrays); inside a
    compiled function it is a primitive whose derivatives SymPy worked out."""

    def __init__(self, name: str, symbols, expr):
        import sympy
        from ..compiler.sympy_prims import register
        self.__flatgrad_prim__ = register(name, symbols, expr)
        self.__name__ = name
        self.expr = expr
        self.symbols = tuple(symbols)
        self._np = sympy.lambdify(self.symbols, expr, modules=[{"erf": _erf, "erfc": _erfc}, "numpy"])

    def __call__(self, *args):
        if len(args) != len(self.symbols):
            raise TypeError(f"{self.__name__}() takes {len(self.symbols)} argument(s), "
                            f"got {len(args)}")
        out = self._np(*args)
        return float(out) if np.ndim(out) == 0 else out

    def __flatgrad_key__(self) -> str:
        return f"{self.__name__}:{self.symbols!r}:{self.expr!r}"

    def __repr__(self) -> str:
        return f"<flatgrad primitive {self.__name__}: {self.expr}>"


def _erf(x):
    return support.erf(x)


def _erfc(x):
    return support.erfc(x)


def primitive(name, fn=None) -> UserPrimitive:
    """Register an elementwise primitive from a function of SymPy symbols.

    ``primitive("gauss", lambda x: sympy.exp(-x**2 / 2))`` or, as a decorator,
    ``@primitive`` over ``def gauss(x): return sympy.exp(-x**2 / 2)``."""
    import sympy
    if fn is None and callable(name):
        name, fn = name.__name__, name
    if fn is None:
        return lambda f: primitive(name, f)
    if not isinstance(name, str):
        raise TypeError("primitive(name, fn): name must be a string")
    params = list(inspect.signature(fn).parameters)
    symbols = sympy.symbols(params, real=True) if params else ()
    symbols = symbols if isinstance(symbols, (list, tuple)) else (symbols,)
    try:
        expr = sympy.sympify(fn(*symbols))
    except (TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"primitive '{name}': cannot build a SymPy expression from "
                         f"{getattr(fn, '__name__', fn)}: {e}. Use sympy functions "
                         "(sympy.exp, ...) in it, not math or numpy ones.") from None
    return UserPrimitive(name, symbols, expr)
