"""User-given derivatives: the compile side of ``flatgrad.custom_vjp``.

A call to a custom-VJP function inside a function being compiled becomes one op of
a primitive registered for it (per argument types). Its rules inline the user's
``fwd`` and ``bwd`` functions, so every transform that meets the call uses the
user's backward: reverse mode directly; forward mode through the gradient
(``tan_out = sum_i bwd(res, 1.0)[i] * tan_i``, scalar outputs). After the
transforms, :func:`expand_custom` replaces each such op by the primal function's
own body, so emitted code calls nothing new.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import types as T
from .builder import Builder
from .errors import CompileError, SourceLoc
from .inline import builder_for
from .ir import Atom, Block, Const, Function, Op, Var, walk
from .primitives import call, defjvp, defprim, defvjp
from .rewrite import map_stmt

CUSTOM: dict[str, "CustomSpec"] = {}


def lower_into(fn, b: Builder, args: tuple, loc: SourceLoc | None = None) -> object:
    """Lower Python function ``fn`` applied to ``args`` (atoms or tuples) into ``b``."""
    from .frontend.fence import fence
    from .frontend.lower import Lowerer
    from .frontend.source import params_of, parse_function
    pf = parse_function(fn)
    fence(pf)
    argnames = params_of(fn)
    if len(args) != len(argnames):
        raise CompileError(f"'{fn.__name__}' takes {len(argnames)} argument(s), "
                           f"got {len(args)}", loc)
    sub = Lowerer(pf, fn, b, (fn.__code__,))
    out = sub.run(dict(zip(argnames, args)))
    if sub.randoms:
        raise CompileError(f"'{fn.__name__}' draws random numbers, which a custom_vjp function "
                           "and its rules cannot do", _def_loc(fn),
                           "Draw in the function that calls it and pass the draws in.")
    return out


def _def_loc(fn) -> SourceLoc | None:
    from .frontend.source import parse_function
    pf = parse_function(fn)
    return pf.loc(pf.node)


@dataclass
class CustomSpec:
    """One custom-VJP function specialised on its argument types."""

    prim: str
    fn: object
    fwd: object
    bwd: object
    arg_types: tuple
    out_type: T.Type
    checked: bool = False

    def primal(self, b: Builder, args) -> Atom:
        return lower_into(self.fn, b, tuple(args))

    def backward(self, b: Builder, args, g) -> tuple:
        """Inline ``fwd`` then ``bwd``: the gradients of every argument (None: none)."""
        name = self.fn.__name__
        if self.fwd is None or self.bwd is None:
            raise CompileError(f"custom_vjp function '{name}' has no backward rule", _def_loc(self.fn),
                               f"Call {name}.defvjp(fwd, bwd) after defining it.")
        r = lower_into(self.fwd, b, tuple(args))
        if not (isinstance(r, tuple) and len(r) == 2):
            raise CompileError(f"the forward function '{self.fwd.__name__}' of '{name}' must "
                               "return (output, residuals)", _def_loc(self.fwd))
        grads = lower_into(self.bwd, b, (r[1], g))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(args):
            raise CompileError(f"the backward function '{self.bwd.__name__}' of '{name}' returns "
                               f"{len(grads)} gradient(s), but '{name}' takes {len(args)} "
                               "input(s)", _def_loc(self.bwd),
                               "Return one gradient per input, as a tuple (None for an input "
                               "without gradient).")
        out = []
        for k, (gk, a) in enumerate(zip(grads, args)):
            if not isinstance(gk, (Var, Const)):
                out.append(None)
                continue
            if T.is_float(a.type) and T.ndim(gk.type) != T.ndim(a.type):
                raise CompileError(f"the backward function '{self.bwd.__name__}' of '{name}' "
                                   f"returns a gradient of type {gk.type} for input {k + 1}, "
                                   f"which has type {a.type}", _def_loc(self.bwd),
                                   "Return gradients shaped like the inputs.")
            out.append(gk)
        return tuple(out)


def call_custom(owner, b: Builder, args: tuple, loc) -> Atom:
    """Emit a call to custom-VJP function ``owner`` (fn, fwd, bwd attributes) into ``b``."""
    spec = _spec(owner, tuple(a.type for a in args), loc)
    if not spec.checked:   # report bad rules now, once (fwd may call the function itself)
        spec.checked = True
        try:
            spec.backward(b.child(), args, _dummy(spec.out_type))
        except CompileError:
            spec.checked = False
            raise
    b.loc = loc
    return b.op(spec.prim, *args)


def _dummy(t):
    return Var(-1, t) if T.is_array(t) else Const(1.0, t if T.is_float(t) else T.F64)


def _spec(owner, types: tuple, loc) -> CustomSpec:
    specs = owner.__dict__.setdefault("_flatgrad_specs", {})
    spec = specs.get(types)
    if spec is not None:
        return spec
    fn = owner.fn
    probe = Builder()
    params = tuple(probe.fresh(t) for t in types)
    r = lower_into(fn, probe, params, loc)
    if not isinstance(r, (Var, Const)):
        raise CompileError(f"custom_vjp function '{fn.__name__}' must return one value",
                           _def_loc(fn), "Return a number or an array (not a tuple).")
    name = f"custom_{fn.__name__}_{len(CUSTOM)}"
    spec = CustomSpec(name, fn, owner.fwd, owner.bwd, types, r.type)
    CUSTOM[name] = spec
    out_t = r.type
    defprim(name, len(types), lambda *ts: out_t, call(name, arity=len(types)),
            elementwise=False, batch="a custom_vjp function of one example's values")
    defvjp(name, *[_vjp_rule(spec, i) for i in range(len(types))])
    defjvp(name, *[_jvp_rule(spec, i) for i in range(len(types))])
    specs[types] = spec
    return spec


def _vjp_rule(spec: CustomSpec, i: int):
    def rule(b, g, out, *args):
        c = spec.backward(b, args, g)[i]
        return c if c is not None else Const(0.0, args[i].type)
    return rule


def _jvp_rule(spec: CustomSpec, i: int):
    def rule(b, t, out, *args):
        if not (isinstance(out.type, T.Scalar) and T.is_float(out.type)):
            raise CompileError(f"forward mode through custom_vjp function '{spec.fn.__name__}' "
                               f"needs a scalar output, not {out.type}", b.loc,
                               "Use reverse mode (grad/vjp) for this function.")
        c = spec.backward(b, args, Const(1.0, out.type))[i]
        return None if c is None else b.mul(t, c)
    return rule


# ---------------------------------------------------------------------- expansion

def expand_custom(fn: Function) -> Function:
    """Replace every custom op by its body: a custom-VJP op by the inlined body of the
    user's primal function, an ``odeint`` op by its solver (``compiler/ode.py``; any entry of
    ``CUSTOM`` with a ``primal(b, args)`` method). Two ops of one primitive on the same
    arguments in one scope are expanded once (the gradients of several arguments of an
    ``odeint`` call each ask for the same adjoint solve)."""
    if not any(isinstance(s, Op) and s.prim in CUSTOM for s in walk(fn.body)):
        return fn
    b = builder_for(fn)
    return replace(fn, body=_expand(fn.body, b, {}, {}))


def _expand(block: Block, b: Builder, m: dict, done: dict) -> Block:
    from .optimize import map_region
    stmts = []
    done = dict(done)          # what this block sees expanded: its own and its parents'
    for s in block.stmts:
        if isinstance(s, Op) and s.prim in CUSTOM:
            s = map_stmt(s, m)
            key = (s.prim, s.args)
            if key not in done:
                cb = b.child()
                res = CUSTOM[s.prim].primal(cb, s.args)
                stmts.extend(_expand(Block((), tuple(cb.stmts), ()), b, m, done).stmts)
                done[key] = m.get(res.id, res) if isinstance(res, Var) else res
            m[s.outs[0].id] = done[key]
        elif isinstance(s, Op):
            stmts.append(map_stmt(s, m))
        else:
            stmts.append(map_region(s, lambda blk: _expand(blk, b, m, done), m))
    return Block(block.params, tuple(stmts),
                 tuple(m.get(y.id, y) if isinstance(y, Var) else y for y in block.yields))
