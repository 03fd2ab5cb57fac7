"""The public transforms. Each is a stack of IR transforms (``compiler/steps.py``) on a
Python function or on another transform, run by one class, ``runtime/dispatch.Transformed``;
every one defaults to the ``"cpu"`` target (Numba), ``target="python"`` runs the same
generated code without a JIT."""
from __future__ import annotations

import functools

import numpy as np

from .compiler import types as T
from .compiler.errors import CompileError
from .compiler.frontend.source import params_of
from .compiler.hints import float_typing_caused
from .compiler.steps import steps_of
from .compiler.values import is_static
from .compiler.frontend.arity import check_call, takes_fixed_arity
from .runtime.cache import readable
from .runtime.dispatch import DEFAULT_TARGET, Transformed, default_signature, lift, stack, \
    stack_cached
from .runtime.draws import forward_drawing, kind_of, replaying
from .runtime.gradcheck import compare, numeric_grad
from .runtime.user_defined import CustomVJP
from .runtime.user_defined import primitive as make_primitive
from .runtime.vectorize import Vectorized


def argnums_of(argnums) -> tuple[tuple[int, ...], bool]:
    """``(positions, single)`` from an ``argnums`` (an int or a non-empty tuple of ints);
    whether each names a parameter is checked when the function is lowered."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,), True
    nums = tuple(argnums) if isinstance(argnums, (tuple, list)) else ()
    if not nums or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
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


def _checkpoint(value):
    if value is None or value is False:
        return None
    if value is True or (isinstance(value, int) and value >= 1):
        return value
    raise ValueError(f"checkpoint must be None, True or a positive int, not {value!r}")


def _flag(value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"has_aux must be True or False, not {value!r}")
    return bool(value)


@_decorator
def grad(f, argnums=0, *, has_aux: bool = False, target: str = DEFAULT_TARGET,
         optimize: bool = True, checkpoint=None) -> Transformed:
    """The gradient of scalar-valued ``f`` with respect to argument(s) ``argnums``.

    As in JAX, an int ``argnums`` gives one gradient shaped like that argument and a
    tuple gives a tuple. ``f`` may itself be a transform (``grad(grad(f))``). ``target``
    is ``"cpu"`` (Numba, the default) or ``"python"`` (plain NumPy, no JIT).
    ``checkpoint`` bounds the tape memory of ``for`` loops: ``True`` keeps the loop state
    every ~sqrt(n) trips and recomputes each segment in the backward pass; an int K keeps
    it every K trips. ``has_aux=True``: ``f`` returns ``(value, aux)``, and the result is
    ``(gradient, aux)``, as in JAX. The result exposes ``.source`` and ``.ir``.
    """
    nums, single = argnums_of(argnums)
    steps = steps_of("grad", nums, single, checkpoint=_checkpoint(checkpoint),
                     has_aux=_flag(has_aux))
    return stack(f, steps, target, "grad", floats=nums, optimize=optimize)


@_decorator
def value_and_grad(f, argnums=0, *, has_aux: bool = False, target: str = DEFAULT_TARGET,
                   optimize: bool = True, checkpoint=None) -> Transformed:
    """Like :func:`grad`, but returns ``(f(*args), gradient)`` from one pass (with
    ``has_aux``: ``((value, aux), gradient)``, as in JAX)."""
    nums, single = argnums_of(argnums)
    steps = steps_of("value_and_grad", nums, single, checkpoint=_checkpoint(checkpoint),
                     has_aux=_flag(has_aux))
    return stack(f, steps, target, "value_and_grad", floats=nums, optimize=optimize)


def _extra_floats(f, nums: tuple, k: int) -> tuple:
    """The positions a transform with ``k`` extra parameters (tangents, cotangents, vectors)
    after ``f``'s own converts to float: ``nums``, then the extra ones (for a function whose
    parameters the call decides, the transform places those per call: compiler/frontend/arity.py)."""
    fn = lift(f)[0]
    if not takes_fixed_arity(fn):
        return tuple(nums)
    n = len(params_of(fn))
    return tuple(nums) + tuple(range(n, n + k))


def forward(f, argnums=0, *, tangents=None, target: str = DEFAULT_TARGET,
            optimize: bool = True) -> Transformed:
    """Forward mode as a transform: ``f``'s parameters, then one tangent per ``argnums``
    (named ``tangents``, default ``tangent<i>``); returns ``(f(...), tangent of f(...))``."""
    nums, _ = argnums_of(argnums)
    names = tuple(tangents) if tangents is not None else tuple(f"tangent{i}" for i in nums)
    return stack_cached(f, steps_of("forward", nums, False), target, "jvp", names,
                        _extra_floats(f, (), len(nums)), optimize)


def source(f, argnums=0, *, mode: str = "rev", target: str = DEFAULT_TARGET,
           optimize: bool = True, types=None) -> str:
    """The generated module for a transform of ``f`` (all-float scalar arguments by default)."""
    if mode == "fwd":
        nums, _ = argnums_of(argnums)
        t = forward(f, argnums, target=target, optimize=optimize)
        return readable(t.build_source(tuple(types) + (T.F64,) * len(nums))) if types is not None \
            else t.source
    if mode != "rev":
        raise ValueError(f"unknown mode {mode!r}")
    t = grad(f, argnums, target=target, optimize=optimize)
    if types is not None:
        return readable(t.build_source(tuple(types)))
    try:
        return t.source
    except CompileError as e:
        notes = getattr(f, "__annotations__", {}) or {}
        sig = default_signature(f)
        guessed = [p for p, ty in zip(t.params, sig) if p not in notes and ty == T.F64]
        if not guessed or not float_typing_caused(f, sig, guessed, e):
            raise
        raise CompileError(e.message, e.loc, (e.hint + "\n" if e.hint else "") +
                           f"(fg.source compiled {', '.join(guessed)} as float "
                           f"scalar{'s' * (len(guessed) > 1)}; give the argument types, e.g. "
                           "fg.source(f, types=[T.parse('f64[:, :]'), ...]) with "
                           "flatgrad.compiler.types as T, or annotate the parameters: "
                           "X: \"f64[:, :]\")") from None


def check_grad(f, *args, argnums=0, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7,
               target: str = DEFAULT_TARGET):
    """Compare flatgrad's gradient of ``f`` at ``args`` with central finite differences.

    Returns the flatgrad gradient; raises AssertionError naming the argument whose
    gradient disagrees (error scaled by ``atol + rtol*|numeric|``).
    """
    nums, single = argnums_of(argnums)
    g = grad(f, nums, target=target)(*args)
    for i, gi in zip(nums, g):
        num = numeric_grad(f, list(args), i, eps)
        err = compare(gi, num, rtol, atol)
        if not err <= 1.0:
            name = params_of(f)[i]
            raise AssertionError(f"gradient of {f.__name__} with respect to '{name}' disagrees with "
                                 f"finite differences:\n  flatgrad: {gi}\n  numeric:  {num}")
    return g[0] if single else g


def jvp(f, primals, tangents, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """Forward mode, as ``jax.jvp``: ``(f(*primals), J(primals) @ tangents)``.

    ``primals`` and ``tangents`` are tuples of the same length; for ``f`` returning a
    tuple the result is ``(outputs, tangents_of_outputs)`` as tuples. A tangent given as
    ``None`` is a symbolic zero: that argument is held constant and no tangent code is
    generated for it (an explicit array of zeros gives the same numbers at full cost)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    fn = lift(f)[0]
    if not takes_fixed_arity(fn):
        check_call(fn, len(primals), ())
    elif not len(params_of(fn)) - len(fn.__defaults__ or ()) <= len(primals) <= len(params_of(fn)):
        raise TypeError(f"jvp: the function takes {len(params_of(fn))} argument(s), got "
                        f"{len(primals)} primals")   # (defaults fill the rest)
    nums = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not nums:
        raise ValueError("jvp: every tangent is None; give at least one")
    t = forward(f, nums, target=target, optimize=optimize)
    return t(*primals, *(tangents[i] for i in nums))


def _integral(v) -> bool:
    """An integer or boolean argument (or array of them), or a static one (a function, None,
    a string, a random generator): no derivative is taken there."""
    if isinstance(v, (bool, int, np.integer, np.bool_)) or is_static(v) or kind_of(v):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind in "biu"


def vjp(f, *primals, target: str = DEFAULT_TARGET, optimize: bool = True):
    """Reverse mode with a given cotangent, as ``jax.vjp``: returns ``(out, vjp_fn)``
    where ``vjp_fn(cotangent)`` gives a tuple with the gradient of every primal (None for
    integer and boolean primals, which have none). For ``f`` returning a tuple (or a list,
    as ``np.split`` does) the cotangent is a tuple with one entry per output. A function that
    draws random numbers draws once, here: ``vjp_fn`` reuses those draws."""
    out, drawn = forward_drawing(f, stack_cached(f, (), "python", "value"), primals)
    several = isinstance(out, (tuple, list))
    if isinstance(out, list):
        out = tuple(out)
    n = len(primals)
    # the cotangents come after every parameter; a call leaving some out uses their defaults
    k = len(out) if several else 1
    nums = tuple(i for i, p in enumerate(primals) if not _integral(p))
    t = stack_cached(f, steps_of("vjp", nums, False), target, "vjp",
                     tuple(f"cotangent{j}" for j in range(k)), _extra_floats(f, nums, k),
                     optimize)

    def vjp_fn(cotangent):
        cts = tuple(cotangent) if several else (cotangent,)
        if len(cts) != k:
            raise ValueError(f"vjp_fn: expected {k} cotangent(s), got {len(cts)}")
        with replaying(drawn):
            grads = iter(t(*primals, *cts))
        return tuple(next(grads) if i in nums else None for i in range(n))

    return out, vjp_fn


@_decorator
def jacobian(f, argnums=0, *, mode: str = "auto", target: str = DEFAULT_TARGET,
             optimize: bool = True):
    """The Jacobian of ``f`` (scalar or tuple results), as ``jax.jacrev``/``jacfwd``.

    ``mode="rev"`` builds it row by row (one reverse pass per result element), ``"fwd"``
    column by column (one forward pass per input element); ``"auto"`` (the default) takes
    forward where the inputs have no more elements than the results, else reverse, judged
    by the sizes of each call. Either way one compiled function computes all of it. Rows
    follow the results (a scalar result gives one row, unwrapped); columns follow
    ``argnums``."""
    nums, single = argnums_of(argnums)
    return stack_cached(f, steps_of("jacobian", nums, single, mode=mode), target, f"jac{mode}",
                        (), nums, optimize)


@_decorator
def jacfwd(f, argnums=0, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """:func:`jacobian` built column by column, as ``jax.jacfwd``."""
    return jacobian(f, argnums, mode="fwd", target=target, optimize=optimize)


@_decorator
def jacrev(f, argnums=0, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """:func:`jacobian` built row by row, as ``jax.jacrev``."""
    return jacobian(f, argnums, mode="rev", target=target, optimize=optimize)


@_decorator
def elementwise_grad(f, argnums=0, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """autograd's ``elementwise_grad``: the gradient of the sum of ``f``'s results, i.e. the
    VJP of ``f`` with a cotangent of ones; for ``f`` acting elementwise, each element's
    derivative (``elementwise_grad(np.tanh)``-style plots). One compiled function."""
    nums, single = argnums_of(argnums)
    steps = steps_of("elementwise_grad", nums, single)
    return stack(f, steps, target, "elementwise_grad", floats=nums, optimize=optimize)


@_decorator
def hessian(f, argnums=0, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """The Hessian of scalar ``f``: forward mode over the gradient's IR."""
    nums, single = argnums_of(argnums)
    return stack_cached(f, steps_of("hessian", nums, single), target, "hessian", (), nums,
                        optimize)


@_decorator
def hvp(f, argnums=0, *, target: str = DEFAULT_TARGET, optimize: bool = True):
    """Hessian-vector products of scalar ``f``, forward over reverse:
    ``hvp(f, argnums)(*args, *vectors)`` is ``H @ v``, one vector per ``argnums``
    parameter, shaped as that parameter, and the result nests as ``grad(f, argnums)``'s.

    Only the product is computed: the parts of the gradient that the product does not
    read are left out (``jax.jvp(jax.grad(f), ...)[1]`` under ``jit``; ``fg.jvp`` of a
    gradient returns the gradient too, and pays for it)."""
    nums, single = argnums_of(argnums)
    steps = steps_of("hvp", nums, single)
    return stack_cached(f, steps, target, "hvp", tuple(f"v{i}" for i in nums),
                        _extra_floats(f, (), len(nums)), optimize)


def custom_vjp(fn):
    """Decorate a function whose backward you give with ``fn.defvjp(fwd, bwd)``.

    ``fwd(*args)`` returns ``(output, residuals)``; ``bwd(residuals, g)`` returns one
    gradient per argument. Every transform that meets a call to ``fn`` uses them."""
    return CustomVJP(fn)


def primitive(name, fn=None):
    """Register an elementwise function from SymPy: ``primitive("gauss", lambda x:
    sympy.exp(-x**2/2))`` (or ``@primitive`` on a def). Its derivatives of every order
    come from ``sympy.diff``; it works on the python and cpu targets."""
    return make_primitive(name, fn)


def vectorize(fn, target: str = DEFAULT_TARGET, *, fastmath=None):
    """Map scalar ``fn`` — a Python function, or ``grad``/``value_and_grad`` of one — over arrays.

    Called with arrays (scalars broadcast, NumPy rules), it returns one array per
    output of ``fn``, nested as ``fn`` nests them; ``out=`` takes preallocated
    outputs. ``target``: ``"cpu"`` (one fused compiled loop), ``"parallel"``
    (``prange`` over every core) or ``"cuda"`` (numba-cuda grid-stride kernel).
    See ``docs/vectorize.md``.
    """
    return Vectorized(fn, target, fastmath=fastmath)


# a call to one of these inside a function being compiled builds (or applies) the transform
# there, inlined (compiler/frontend/transforms.py)
for _api in (grad, value_and_grad, forward, jvp, vjp, jacobian, jacfwd, jacrev, hessian, hvp,
             elementwise_grad):
    _api.__flatgrad_api__ = _api.__name__
