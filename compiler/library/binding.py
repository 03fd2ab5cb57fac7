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
        if unknown and not any(p.kind is _P.VAR_KEYWORD for p in params):   # (named **kwargs: np.pad's)
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
    params = [_param(p.arg, _P.POSITIONAL_ONLY if k < len(a.posonlyargs) else _P.POSITIONAL_OR_KEYWORD, d)
              for k, (p, d) in enumerate(zip(positional, defaults))]
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
    defaults: dict[str, object] = field(default_factory=dict)
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

    def default(self, name: str):
        """The signature's default for ``name``."""
        return self.defaults[name]


def bind(lowerer, call: ast.Call, sig: Signature, fn) -> Bound:
    """Bind ``call``'s arguments (a call to ``fn``) to ``sig`` as Python would, or raise a
    located CompileError naming the argument."""
    fname = display_name(fn)
    nodes, rest, extra = {}, (), {}
    positional = [p for p in sig.params if p.kind in _POSITIONAL]
    star = next((p for p in sig.params if p.kind is _P.VAR_POSITIONAL), None)
    args = list(call.args)
    if len(args) > len(positional) and star is None:
        raise lowerer.err(call, f"{fname} takes at most {len(positional)} arguments here",
                          _advice(sig, fname))
    for p, arg in zip(positional, args):
        nodes[p.name] = arg
    rest = tuple(args[len(positional):])
    by_name = {p.name: p for p in sig.params}
    starstar = next((p for p in sig.params if p.kind is _P.VAR_KEYWORD), None)
    for kw in call.keywords:
        if kw.arg is None:
            raise lowerer.err(kw.value, f"{fname}: **keywords are not supported here",
                              "Write the keyword arguments out: f(x, axis=0).")
        p = by_name.get(kw.arg)
        if p is None or p.kind in (_P.POSITIONAL_ONLY, _P.VAR_POSITIONAL, _P.VAR_KEYWORD):
            if starstar is not None and kw.arg in sig.takes:     # one of **kwargs flatgrad knows
                nodes[kw.arg] = kw.value
                continue
            if starstar is not None and starstar.name in sig.takes:
                extra[kw.arg] = kw.value
                continue
            if starstar is not None:
                raise lowerer.err(kw, f"{fname}: the argument '{kw.arg}' is not supported",
                                  _advice(sig, fname))
            raise lowerer.err(kw, f"{fname}: unexpected keyword argument '{kw.arg}'",
                              _advice(sig, fname))
        if kw.arg in nodes:
            raise lowerer.err(kw, f"{fname} got '{kw.arg}' twice")
        nodes[kw.arg] = kw.value
    if star is not None and rest and star.name not in sig.takes:
        raise lowerer.err(rest[0], f"{fname}: the argument '{star.name}' is not supported",
                          _advice(sig, fname))
    for name, node in nodes.items():
        if name not in sig.takes:
            raise lowerer.err(node, f"{fname}: the argument '{name}' is not supported",
                              _advice(sig, fname))
    for p in sig.params:
        if p.kind in (*_POSITIONAL, _P.KEYWORD_ONLY) and p.default is _P.empty and p.name not in nodes:
            raise lowerer.err(call, f"{fname}: missing required argument '{p.name}'",
                              _advice(sig, fname))
    defaults = {p.name: p.default for p in sig.params if p.default is not _P.empty}
    nones = frozenset(k for k, v in nodes.items() if _is_none(lowerer, v))
    nodes = {k: v for k, v in nodes.items() if not (k in nones and defaults.get(k, 0) is None)}
    return Bound(fn, call, nodes, rest, extra, defaults, nones)


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
