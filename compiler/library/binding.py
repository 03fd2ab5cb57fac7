"""The one binder of calls: a call's AST arguments bound against the called function's
Python signature, as Python itself would bind them.

Every lowering in the call registry (:mod:`.registry`) declares its signature with
``@lowers`` -- derived from the real callable (``inspect.signature(np.sum)``) where NumPy,
SciPy or Python expose one, or written out (``signature="x, /"``) for ufuncs and builtins
that do not -- and which of its parameters it handles (``takes=``). The registry binds each
call here before the lowering runs, so every call takes keywords and positions alike
(``np.sum(a=x, axis=0)``, ``np.dot(a, b=y)``), and every misuse is a located CompileError
naming the argument: an unknown keyword, a parameter flatgrad does not handle, an argument
given twice, too many or missing ones. The lowering reads the result, a :class:`Bound`,
by parameter name.
"""
from __future__ import annotations

import ast
import functools
import inspect
from dataclasses import dataclass, field

import numpy as np

from .naming import names_of, namespaces

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)


@dataclass(frozen=True)
class Signature:
    """What a lowering accepts: the callable's parameters, and those of them it handles."""
    params: tuple[inspect.Parameter, ...]
    takes: frozenset[str]

    @classmethod
    def of(cls, fn, signature: str | None = None, takes=None) -> "Signature":
        """``fn``'s signature (or the one written out in ``signature``), handling the
        parameters named in ``takes`` (all of them when None)."""
        sig = parse(signature) if signature is not None else inspect.signature(fn)
        params = tuple(sig.parameters.values())
        if signature is None and isinstance(fn, np.ufunc):
            # a ufunc's inputs are positional-only in NumPy; flatgrad binds them by their
            # names too (scipy.special.expit(x=v)), as it always has
            params = tuple(p.replace(kind=_P.POSITIONAL_OR_KEYWORD)
                           if p.kind is _P.POSITIONAL_ONLY else p for p in params)
        names = [p.name for p in params]
        if takes is None:
            takes = names
        elif isinstance(takes, str):
            takes = takes.replace(",", " ").split()
        unknown = set(takes) - set(names)
        if unknown and not any(p.kind is _P.VAR_KEYWORD for p in params):  # (named **kwargs: np.pad's)
            raise ValueError(f"{fn!r} has no parameters {sorted(unknown)}")
        return cls(params, frozenset(takes))

    def handled(self) -> str:
        """The parameters as an error's advice lists them."""
        named = [p.name for p in self.params]
        return ", ".join([n for n in named if n in self.takes] + sorted(self.takes - set(named)))


@functools.lru_cache(maxsize=None)
def parse(text: str) -> inspect.Signature:
    """A signature written as a parameter list: ``"x, /, axis=None, *, keepdims=False"``
    (defaults are literals)."""
    a = ast.parse(f"def _({text}): pass").body[0].args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + a.defaults
    kinds = [_P.POSITIONAL_ONLY] * len(a.posonlyargs) + [_P.POSITIONAL_OR_KEYWORD] * len(a.args)
    params = [_param(p.arg, kind, d) for p, kind, d in zip(positional, kinds, defaults)]
    if a.vararg:
        params.append(_P(a.vararg.arg, _P.VAR_POSITIONAL))
    params += [_param(p.arg, _P.KEYWORD_ONLY, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        params.append(_P(a.kwarg.arg, _P.VAR_KEYWORD))
    return inspect.Signature(params)


def _param(name: str, kind, default: ast.expr | None) -> inspect.Parameter:
    return _P(name, kind, default=_P.empty if default is None else _constant(default))


def _constant(node: ast.expr):
    """A written default: a constant, a negated one, or a tuple of them."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_constant(node.operand)
    if isinstance(node, ast.Tuple):
        return tuple(_constant(e) for e in node.elts)
    raise ValueError(f"a written signature's default must be a constant: {ast.unparse(node)}")


def written(params, required: int = 0) -> str:
    """The parameter list of a callable flatgrad knows from a table of its parameters (a
    distribution's, a random generator method's): the first ``required`` of ``params``
    without a default, the others None by default."""
    return ", ".join([*params[:required], *(f"{p}=None" for p in params[required:])])


def bind_written(lowerer, call: ast.Call, fname: str, text: str) -> "Bound":
    """Bind ``call``, a call to a callable made while compiling (``rng.normal``, a frozen
    distribution's method: no registry entry can name it beforehand), against the parameter
    list ``text``; errors call it ``fname``."""
    return bind(lowerer, call, Signature.of(None, text), fname)


@functools.lru_cache(maxsize=None)
def _primitive_signature(fn, arity: int) -> Signature:
    """The signature of a callable that is one primitive (a stanza's ``names=``: ``np.sin``,
    ``math.exp``, ``scipy.special.xlogy``, ``fg.relu``): its own where Python has one whose
    first ``arity`` parameters are the operands, else ``x1, ..., xn, /`` written out; it
    handles exactly the operands (``out=``, ``where=``, ``dtype=`` are refused by name)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    operands = [p.name for p in params[:arity] if p.kind in _POSITIONAL]
    if len(operands) == arity:
        return Signature.of(fn, takes=operands)
    names = ["x"] if arity == 1 else [f"x{k + 1}" for k in range(arity)]
    return Signature.of(fn, ", ".join(names) + ", /")


def bind_primitive(lowerer, call: ast.Call, fn, arity: int) -> list[ast.expr]:
    """The operand nodes of a call to ``fn``, a callable that is one primitive of ``arity``
    operands, bound as every other call is (:func:`bind`)."""
    sig = _primitive_signature(fn, arity)
    args = bind(lowerer, call, sig, fn)
    return [args[p.name] for p in sig.params[:arity]]


@dataclass
class Bound:
    """A call's arguments by parameter name: the AST nodes, kept for located errors and for
    the lowering to lower. ``args["axis"]`` is the node given for ``axis``, or None when it
    was not given -- or given as None where None is the default, which means the same."""
    fn: object
    call: ast.Call
    nodes: dict[str, ast.expr]
    rest: tuple[ast.expr, ...] = ()           # the *args part, if the signature has one
    extra: dict[str, ast.expr] = field(default_factory=dict)   # the **kwargs part
    nones: frozenset[str] = frozenset()       # the parameters given as None

    @property
    def fname(self) -> str:
        """The callee as users write it (``np.sum``), for messages."""
        return display_name(self.fn)

    def __getitem__(self, name: str) -> ast.expr | None:
        return self.nodes.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.nodes

    def get(self, name: str, default=None):
        return self.nodes.get(name, default)

    def is_none(self, name: str) -> bool:
        """Whether ``name`` was given as None (``np.sort(x, axis=None)``)."""
        return name in self.nones


def bind(lowerer, call: ast.Call, sig: Signature, fn) -> Bound:
    """Bind ``call``'s arguments (a call to ``fn``) to ``sig`` as Python would, or raise a
    located CompileError naming the argument."""
    def fail(node, message, advice=True):
        fname = display_name(fn)           # (looked up for errors only)
        return lowerer.err(node, f"{fname}{message}", _advice(sig, fname) if advice else "")

    nodes, rest = _positional(call, sig, fail)
    extra = _keywords(call, sig, nodes, fail)
    star = next((p for p in sig.params if p.kind is _P.VAR_POSITIONAL), None)
    if star is not None and rest and star.name not in sig.takes:
        raise fail(rest[0], f": the argument '{star.name}' is not supported")
    for name, node in nodes.items():
        if name not in sig.takes:
            raise fail(node, f": the argument '{name}' is not supported")
    for p in sig.params:
        if p.kind in (*_POSITIONAL, _P.KEYWORD_ONLY) and p.default is _P.empty and p.name not in nodes:
            raise fail(call, f": missing required argument '{p.name}'")
    nones = frozenset(k for k, v in nodes.items() if _is_none(lowerer, v))
    none_default = {p.name for p in sig.params if p.default is None}
    nodes = {k: v for k, v in nodes.items() if not (k in nones and k in none_default)}
    return Bound(fn, call, nodes, rest, extra, nones)


def _positional(call, sig, fail) -> tuple[dict, tuple]:
    """The positional arguments: by parameter name, and the rest (``*args``)."""
    positional = [p for p in sig.params if p.kind in _POSITIONAL]
    if len(call.args) > len(positional) and not any(p.kind is _P.VAR_POSITIONAL for p in sig.params):
        raise fail(call, f" takes at most {len(positional)} arguments here")
    return dict(zip((p.name for p in positional), call.args)), tuple(call.args[len(positional):])


def _keywords(call, sig, nodes: dict, fail) -> dict:
    """Put the keyword arguments into ``nodes``; returns those ``**kwargs`` collects."""
    by_name = {p.name: p for p in sig.params}
    starstar = next((p for p in sig.params if p.kind is _P.VAR_KEYWORD), None)
    extra = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise fail(kw.value, ": **keywords are not supported here", advice=False)
        p = by_name.get(kw.arg)
        if p is None or p.kind in (_P.POSITIONAL_ONLY, _P.VAR_POSITIONAL, _P.VAR_KEYWORD):
            if starstar is None:
                raise fail(kw, f": unexpected keyword argument '{kw.arg}'")
            if kw.arg in sig.takes:                  # one of **kwargs the lowering names
                nodes[kw.arg] = kw.value
            elif starstar.name in sig.takes:
                extra[kw.arg] = kw.value
            else:
                raise fail(kw, f": the argument '{kw.arg}' is not supported")
            continue
        if kw.arg in nodes:
            raise fail(kw, f" got '{kw.arg}' twice", advice=False)
        nodes[kw.arg] = kw.value
    return extra


@functools.lru_cache(maxsize=None)
def display_name(fn) -> str:
    """``fn`` as users write it: ``np.sum``, ``scipy.special.expit``, ``min``."""
    if isinstance(fn, str):                            # a made callable, named by its caller
        return fn
    short = getattr(fn, "__name__", type(fn).__name__)
    names = names_of(fn, namespaces())
    if names:
        return min(names, key=lambda n: (n.rsplit(".", 1)[-1] != short, len(n)))
    owner = getattr(fn, "__objclass__", None)          # an ndarray method: ndarray.astype
    return f"{owner.__name__}.{short}" if owner is not None else short


def _advice(sig: Signature, fname: str) -> str:
    return f"{fname} takes {sig.handled()} here." if sig.takes else f"{fname} takes no arguments here."


def _is_none(lowerer, node) -> bool:
    """``None``, written or as a name bound to it (an inlined function's parameter)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    from ..values import Ref
    if isinstance(node, ast.Name):
        v = lowerer.env.get(node.id)
        return isinstance(v, Ref) and v.obj is None
    return False
