"""Random draws inside the function: ``rs.randn(n, d)``, ``rng.normal(size=...)``,
``np.random.uniform(...)``, ``np.random.default_rng(seed)`` -- the reparameterisation trick
(``mean + eps * np.exp(log_std)``).

A draw carries no gradient, and it must be the very numbers the user's generator gives in
plain Python, drawn once per call and in program order, leaving the generator where a plain
call leaves it. So flatgrad never draws inside the compiled code: the frontend lowers each
draw to a ``draw`` op on a generator value (a parameter for a generator the function reads
from its arguments, closure, module or ``np.random``; a ``random_generator`` op for one it
makes), then :func:`hoist` cuts the draws out of the function. They become *hidden
parameters* (after the arrays read from the module), and the ops computing them -- the draws
and what their sizes are computed from (``x.shape[0]``, an int argument) -- become a small
plain-Python function, the *prelude*, that the run time calls with the user's generators
before the compiled code, on every target (``runtime/draws.py``). Every transform then sees
the draws as inputs: the backward pass, checkpointed recomputation and tapes reuse them,
never draw again.

A ``for`` loop at the top of the function may draw in its body: the prelude draws trip by
trip and stacks the trips, and the loop reads its trip's row. What the prelude cannot compute
before the function runs is rejected with a CompileError: a draw inside an ``if`` whose
condition is only known at run time, a ``while`` loop or a nested loop (its count or its
happening depends on the computation), one whose size changes from trip to trip, and a draw
whose parameters depend on a float argument (that argument may be differentiated, and a draw
has no gradient: write ``loc + scale * rs.standard_normal(size)``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace

import numpy as np

from .. import types as T
from ..errors import CompileError
from ..inline import builder_for
from ..ir import Block, Const, For, Function, Op, Var, blocks_of, operands, uses, walk
from ..primitives import P_ATOM, PRIMS, UNPROVEN, Spelling, defprim
from .binding import bind_written, written
from .registry import lowers

GENERATORS = {np.random.RandomState: "RandomState", np.random.Generator: "Generator"}
DRAWS = "draws"      # meta: the prelude and where the run time finds each generator


def kind_of(obj) -> str | None:
    """"RandomState" or "Generator" for a NumPy random generator object, else None."""
    for cls, kind in GENERATORS.items():
        if isinstance(obj, cls):
            return kind
    return None


@dataclass(frozen=True)
class Source:
    """A generator as the frontend holds it: ``where`` the run time finds it --
    ``("arg", name)``, ``("closure", name)``, ``("global", module, name)``, ``("numpy",)``
    (NumPy's global state, ``np.random.randn``), or ``("made", id)`` (made inside the
    function) -- its kind ("RandomState" or "Generator"), and the name it shows."""

    where: tuple
    kind: str
    hint: str


@dataclass(frozen=True)
class Method:
    """``rs.normal`` before it is called."""

    source: Source
    name: str


# ======================================================================= primitives

def _draw_spelling(args, p):
    return p["call"].format(*args)


# a draw: operand 0 is the generator, ``call`` the text of the method call over the operands
# vmap: draws are made before the compiled code (runtime/draws.py), from no mapped value; a
# vmap'd function that draws is rejected where the draw is lowered
_NO_BATCH = "a random draw (made before the compiled code, never from a mapped value)"
defprim("draw", -1, lambda *ts, type, call: type, Spelling(_draw_spelling, _draw_spelling,
                                                          P_ATOM, (P_ATOM, 1)),
        elementwise=False, fresh=True, nondiff=True, pure=False, reads_output=False,
        draws=True, batch=_NO_BATCH)
# a generator made inside the function (np.random.default_rng(seed))
defprim("random_generator", -1, lambda *ts, type, call: type,
        Spelling(_draw_spelling, _draw_spelling, P_ATOM, (1,)),
        elementwise=False, fresh=True, nondiff=True, pure=False, reads_output=False,
        draws=True, batch=_NO_BATCH)


# ======================================================================= the methods

_REQUIRED = object()
_LOC_SCALE = (("loc", 0.0), ("scale", 1.0))
# distribution -> its parameters before ``size`` (name, default), and its result's dtype
_DISTRIBUTIONS = {
    "normal": (_LOC_SCALE, "float64"), "laplace": (_LOC_SCALE, "float64"),
    "logistic": (_LOC_SCALE, "float64"), "gumbel": (_LOC_SCALE, "float64"),
    "uniform": ((("low", 0.0), ("high", 1.0)), "float64"),
    "lognormal": ((("mean", 0.0), ("sigma", 1.0)), "float64"),
    "exponential": ((("scale", 1.0),), "float64"),
    "gamma": ((("shape", _REQUIRED), ("scale", 1.0)), "float64"),
    "standard_gamma": ((("shape", _REQUIRED),), "float64"),
    "beta": ((("a", _REQUIRED), ("b", _REQUIRED)), "float64"),
    "standard_t": ((("df", _REQUIRED),), "float64"),
    "chisquare": ((("df", _REQUIRED),), "float64"),
    "poisson": ((("lam", 1.0),), "int64"),
    "binomial": ((("n", _REQUIRED), ("p", _REQUIRED)), "int64"),
    "standard_normal": ((), "float64"), "standard_exponential": ((), "float64"),
    "standard_cauchy": ((), "float64"), "random": ((), "float64"),
}
_LEGACY = {"random_sample": "random", "sample": "random", "ranf": "random"}
_VECTOR = {"multivariate_normal": ("mean", "cov"), "dirichlet": ("alpha",)}
_INTEGERS = {"RandomState": "randint", "Generator": "integers"}


def supported(kind: str) -> tuple[str, ...]:
    """The method names flatgrad draws with, for a generator of ``kind``."""
    names = set(_DISTRIBUTIONS) | set(_VECTOR) | {"choice", "permutation", _INTEGERS[kind]}
    if kind == "RandomState":
        names |= set(_LEGACY) | {"rand", "randn"}
    return tuple(sorted(names))


class _Call:
    """The text of a method call being built, and its operands (operand 0: the generator)."""

    def __init__(self, gen: Var):
        self.args: list = [gen]
        self.parts: list[str] = []

    def operand(self, atom) -> str:
        self.args.append(atom)
        return "{%d}" % (len(self.args) - 1)

    def add(self, key: str | None, text: str) -> None:
        self.parts.append(text if key is None else f"{key}={text}")


def _size(lowerer, node, what: str) -> tuple:
    """The int atoms of a ``size`` (an int, or a tuple of ints such as ``x.shape``)."""
    v = lowerer.expr(node)
    dims = v if isinstance(v, tuple) else (v,)
    for d in dims:
        if not (isinstance(d, (Var, Const)) and isinstance(d.type, T.Scalar)
                and d.type.dtype in ("int64", "bool")):
            raise lowerer.err(node, f"{what}: a size is an integer or a tuple of integers")
    return tuple(dims)


def _add_size(lowerer, call: _Call, args: dict, what: str, ndim: int) -> int:
    """Add the call's ``size=`` (if given) to ``call``; the result's ndim: the size's, else
    ``ndim`` (the distribution parameters' broadcast)."""
    if "size" not in args:
        return ndim
    texts = [call.operand(d) for d in _size(lowerer, args["size"], what)]
    call.add("size", "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")")
    return len(texts)


def _number(lowerer, node, what: str):
    """A distribution parameter: a number or an array."""
    return lowerer.as_atom(lowerer.expr(node), node)


def lower_draw(lowerer, m: Method, node: ast.Call) -> Var:
    """``m.source.<m.name>(...)``: a ``draw`` op of the type NumPy's result has."""
    kind, name = m.source.kind, m.name
    what = f"{m.source.hint}.{name}"
    if name not in supported(kind):
        raise lowerer.err(node, f"flatgrad does not draw with {kind}.{name}()",
                     f"Supported: {', '.join(supported(kind))}.")
    gen = generator_var(lowerer, m.source)
    call = _Call(gen)
    if name in ("rand", "randn"):
        sizes = bind_written(lowerer, node, what, "*dims").rest
        dims = [d for a in sizes for d in _size(lowerer, a, what)]
        for d in dims:
            call.add(None, call.operand(d))
        return _emit(lowerer, node, call, name, T.Array("float64", len(dims)) if dims else T.F64)
    if name in _DISTRIBUTIONS or name in _LEGACY:
        spec, dtype = _DISTRIBUTIONS[_LEGACY.get(name, name)]
        names = tuple(p for p, _ in spec) + ("size",)
        args = bind_written(lowerer, node, what, written(names, sum(d is _REQUIRED for _, d in spec)))
        ndim = 0
        for p, _ in spec:
            if p in args:
                x = _number(lowerer, args[p], what)
                ndim = max(ndim, T.ndim(x.type))
                call.add(p, call.operand(x))
        ndim = _add_size(lowerer, call, args, what, ndim)
        return _emit(lowerer, node, call, name, T.Array(dtype, ndim) if ndim else T.Scalar(dtype))
    if name in _VECTOR:
        params = _VECTOR[name]
        args = bind_written(lowerer, node, what, written(params + ("size",), len(params)))
        for p in params:
            call.add(p, call.operand(_number(lowerer, args[p], what)))
        ndim = 1 + _add_size(lowerer, call, args, what, 0)
        return _emit(lowerer, node, call, name, T.Array("float64", ndim))
    if name in _INTEGERS.values():
        extra = ("endpoint",) if name == "integers" else ()
        args = bind_written(lowerer, node, what, written(("low", "high", "size") + extra))
        ndim = 0
        for p in ("low", "high") + extra:
            if p in args:
                x = _number(lowerer, args[p], what)
                if T.is_float(x.type):
                    raise lowerer.err(args[p], f"{what}: '{p}' must be an integer")
                ndim = max(ndim, T.ndim(x.type))
                call.add(p, call.operand(x))
        ndim = _add_size(lowerer, call, args, what, ndim)
        return _emit(lowerer, node, call, name, T.Array("int64", ndim) if ndim else T.I64)
    if name == "choice":
        return _choice(lowerer, node, call, kind, what)
    return _permutation(lowerer, node, call, what)


def _choice(lowerer, node, call, kind, what):
    extra = ("axis", "shuffle") if kind == "Generator" else ()
    args = bind_written(lowerer, node, what, written(("a", "size", "replace", "p") + extra))
    a = _number(lowerer, args["a"], what)
    if T.is_array(a.type) and a.type.ndim != 1:
        raise lowerer.err(args["a"], f"{what}: flatgrad draws from an int or a 1-D array")
    if not T.is_array(a.type) and T.is_float(a.type):
        raise lowerer.err(args["a"], f"{what}: 'a' must be an integer or a 1-D array")
    call.add("a", call.operand(a))
    ndim = _add_size(lowerer, call, args, what, 0)
    for p in ("replace", "p") + extra:
        if p in args:
            call.add(p, call.operand(_number(lowerer, args[p], what)))
    dtype = a.type.dtype if T.is_array(a.type) else "int64"
    return _emit(lowerer, node, call, "choice", T.Array(dtype, ndim) if ndim else T.Scalar(dtype))


def _permutation(lowerer, node, call, what):
    args = bind_written(lowerer, node, what, written(("x",)))
    x = _number(lowerer, args["x"], what)
    if T.is_array(x.type):
        t = x.type
    elif T.is_float(x.type):
        raise lowerer.err(args["x"], f"{what}: 'x' must be an integer or an array")
    else:
        t = T.Array("int64", 1)
    call.add(None, call.operand(x))
    return _emit(lowerer, node, call, "permutation", t)


def _emit(lowerer, node, call: _Call, name: str, t: T.Type) -> Var:
    text = "{0}." + name + "(" + ", ".join(call.parts) + ")"
    return lowerer.op(node, "draw", *call.args, type=t, call=text)


# ======================================================================= generators

def generator_var(lowerer, source: Source) -> Var:
    """The IR value of generator ``source``: one per source, shared by the helpers the
    function inlines (a parameter of the prelude; made ones are ops)."""
    table = lowerer.randoms
    v = table.get(source.where)
    if v is None:
        v = table[source.where] = lowerer.b.fresh(T.Static(source.kind), hint=source.hint)
    return v


def source_of(lowerer, where: tuple, obj, node, name: str) -> Source:
    """The Source for generator ``obj`` the function reads as ``name`` at ``where`` (a closure
    variable or a module global, as for captured arrays)."""
    if where is None or any(isinstance(step, tuple) for step in where):   # a helper's closure
        raise lowerer.err(node, f"'{name}' is a random generator in the closure of a helper; "
                           "flatgrad reads generators of the differentiated function itself, "
                           "its arguments and its module", f"Pass '{name}' to the helper.")
    return Source(where, kind_of(obj), name)


def attribute(lowerer, base, node: ast.Attribute):
    """``rs.normal`` on a generator: the method, called next. ``None``: not a generator."""
    if isinstance(base, Source):
        return Method(base, node.attr)
    return None


_NUMPY = Source(("numpy",), "RandomState", "np_random")


def _global_method(name):
    def lowering(lowerer, node, args):
        return lower_draw(lowerer, Method(_NUMPY, name), node)
    return lowering


for _name in supported("RandomState"):      # np.random.randn(...): NumPy's global state
    _fn = getattr(np.random, _name, None)
    if _fn is not None and getattr(_fn, "__self__", None) is not None:
        # (bound by lower_draw against the draw's own parameters, as rs.randn(...) is)
        lowers(_fn, signature="*args, **kwargs")(_global_method(_name))


@lowers(np.random.default_rng, np.random.RandomState)
def _make(lowerer, node, args):
    """``np.random.default_rng(seed)``, ``np.random.RandomState(seed)`` inside the function:
    a fresh generator at every call, made by the prelude."""
    kind, ctor = ("Generator", "default_rng") if args.fn is np.random.default_rng \
        else ("RandomState", "RandomState")
    operands, text = [], f"np.random.{ctor}()"
    if "seed" in args:
        seed = lowerer.atom(args["seed"])
        if T.is_float(seed.type) or T.is_array(seed.type):
            raise lowerer.err(args["seed"], f"np.random.{ctor}: flatgrad takes an integer seed here")
        operands, text = [seed], f"np.random.{ctor}({{0}})"
    v = lowerer.op(node, "random_generator", *operands, type=T.Static(kind), call=text)
    source = Source(("made", v.id), kind, "rng")
    lowerer.randoms[source.where] = v
    return source


# ======================================================================= hoisting

def _trips_spelling(args, p):
    draws = ", ".join(call.format(*args[lo:hi]) for call, (lo, hi) in zip(p["calls"], p["spans"]))
    a, b, c = args[-3:]
    return f"draw_trips(lambda: ({draws},), range({a}, {b}, {c}), {p['kinds']!r})"


# the draws of a loop's trips, made in order in the prelude (runtime/support.draw_trips): a
# tuple of arrays, one per draw of the body, its trips stacked along a first axis
defprim("draw_trips", -1, lambda *ts, type, calls, spans, kinds: type,
        Spelling(_trips_spelling, _trips_spelling, P_ATOM, (P_ATOM, 1), helpers=("draw_trips",)),
        elementwise=False, fresh=True, nondiff=True, pure=False, reads_output=False,
        batch=_NO_BATCH)
defprim("trip_draws", 1, lambda t, k, type: type, Spelling("{0}[{k}]", "{0}[{k}]", P_ATOM, (P_ATOM,)),
        elementwise=False, nondiff=True, reads_output=False, indexes=UNPROVEN, batch=_NO_BATCH)


@dataclass(frozen=True)
class Draws:
    """What the run time needs to draw before the compiled code: the prelude (a function of
    the generators, then the function's parameters and captured arrays, returning the draws
    in program order), where each generator comes from (a Source's ``where`` and its kind),
    and each draw's (dtype, ndim)."""

    prelude: Function
    sources: tuple
    types: tuple


def hoist(fn: Function, n_user: int, table: dict) -> Function:
    """``fn`` with its draws turned into hidden parameters (after all others), and its meta
    holding the :class:`Draws` that compute them. ``n_user``: how many of ``fn``'s
    parameters are the user's (the rest are captured arrays); ``table``: generator values by
    where they come from.

    A draw in the body of a loop at the top of the function (``for i in range(n): eps =
    rs.randn(d)``) is drawn trip by trip in the prelude, in the same order, and stacked: the
    loop reads its trip's row of that hidden parameter."""
    if not table:
        return fn
    _no_nested(fn.body)
    b = builder_for(fn)
    main, front, hidden = [], [], []   # main's statements, the prelude's, the draws' values
    for s in fn.body.stmts:
        if isinstance(s, Op) and PRIMS[s.prim].draws:
            front.append([s])
            hidden += [s.outs[0]] if s.prim == "draw" else []
        elif isinstance(s, For) and _drawing(s.body.stmts):
            ops, tapes, loop = _loop_draws(b, s)
            front.append(ops)
            hidden += tapes
            main.append(loop)
        else:
            front.append(None)
            main.append(s)
    if not hidden:     # generators made but never drawn from: nothing to see from outside
        return replace(fn, body=replace(fn.body, stmts=tuple(main)))
    keep, needed = [], set()
    for s, ops in zip(reversed(fn.body.stmts), reversed(front)):
        if ops is not None or {v.id for v in getattr(s, "outs", ())} & needed:
            for op in reversed(ops or [s]):
                keep.append(op)
                needed |= _reads(op)
    keep.reverse()
    _no_float_arguments(keep, fn.params[:n_user])
    fetched = [(where, v) for where, v in table.items() if where[0] != "made"]
    taken = {p.hint for p in fn.params}
    gens = _named([v for _, v in fetched], taken, "rng")
    prelude = Function(fn.name + "_draws", gens + fn.params,
                       Block((), tuple(keep), tuple(hidden)), fn.loc)
    info = Draws(prelude, tuple(w + (v.type.key,) for w, v in fetched),
                 tuple((r.type.dtype, T.ndim(r.type)) for r in hidden))
    params = _named(hidden, {p.hint for p in fn.params}, "draw")
    return replace(fn, params=fn.params + params, body=replace(fn.body, stmts=tuple(main)),
                   meta=fn.meta + ((DRAWS, info),))


def _drawing(stmts) -> bool:
    return any(isinstance(s, Op) and s.prim == "draw" for s in stmts)


def _loop_draws(b, loop: For):
    """The prelude's ops for the draws in the body of ``loop`` (a ``draw_trips`` of them all
    and a ``trip_draws`` per draw: its trips stacked), those stacks, and the loop reading
    its trip's row of each instead of drawing."""
    draws = [s for s in loop.body.stmts if isinstance(s, Op) and s.prim == "draw"]
    invariant = _invariant(loop, draws)
    args, calls, spans, kinds, types = [], [], [], [], []
    for d in draws:
        spans.append((len(args), len(args) + len(d.args)))
        calls.append(d.param("call"))
        args.extend(d.args)
        t = d.outs[0].type
        kinds.append((t.dtype, T.ndim(t)))
        types.append(T.Array(t.dtype, T.ndim(t) + 1))
    b.stmts.extend(invariant)      # (x.shape[0] in the body: the same on every trip)
    b.loc = loop.loc
    trips = b.op("draw_trips", *args, loop.start, loop.stop, loop.step, type=T.TupleT(tuple(types)),
                 calls=tuple(calls), spans=tuple(spans), kinds=tuple(kinds))
    tapes = [b.op("trip_draws", trips, k=k, type=t, hint=f"{d.outs[0].hint or 'draw'}_trips")
             for k, (t, d) in enumerate(zip(types, draws))]
    ops = list(b.stmts)
    b.stmts.clear()
    by_draw = dict(zip(map(id, draws), tapes))
    body = []
    i = loop.body.params[0]
    for s in loop.body.stmts:
        if id(s) not in by_draw:
            body.append(s)
            continue
        b.loc = s.loc
        k = i
        if not (isinstance(loop.start, Const) and loop.start.value == 0):
            k = b.sub(k, loop.start)
        if not (isinstance(loop.step, Const) and loop.step.value == 1):
            k = b.floordiv(k, loop.step)
        out = s.outs[0]
        row = b.getitem(by_draw[id(s)], k, spec=(("i",),))
        if T.is_array(out.type):   # a fresh array, as the draw was (the user may write into it)
            row = b.copy_array(row)
        body.extend(b.stmts)
        b.stmts.clear()
        body[-1] = replace(body[-1], outs=(out,))
    return ops, tapes, replace(loop, body=replace(loop.body, stmts=tuple(body)))


def _invariant(loop: For, draws) -> list:
    """The ops of ``loop``'s body that the draws' operands come from (in order), each the same
    on every trip (``x.shape[0]``, ``n // 2`` of values from outside); a CompileError if a
    draw's operand changes from trip to trip."""
    defs = {v.id: s for s in loop.body.stmts for v in getattr(s, "outs", ())}
    inside = {p.id for p in loop.body.params} | {v.id for s in walk(loop.body)
                                                 for v in getattr(s, "outs", ())}
    needed: set[int] = set()

    def visit(a, d) -> None:
        if not isinstance(a, Var) or a.id not in inside or a.id in needed:
            return
        s = defs.get(a.id)
        if not (isinstance(s, Op) and PRIMS[s.prim].pure and not PRIMS[s.prim].inplace):
            raise CompileError("this random draw's size or parameters change from one trip of "
                               "the loop to the next: flatgrad draws a loop's numbers before "
                               "the function runs, all trips alike", d.loc,
                               "Compute them before the loop, or draw every trip's numbers "
                               "before it and index them inside.")
        needed.add(a.id)
        for x in s.args:
            visit(x, d)

    for d in draws:
        for a in d.args:
            visit(a, d)
    return [s for s in loop.body.stmts if isinstance(s, Op) and s.outs[0].id in needed]


def _named(values, taken: set, default: str) -> tuple:
    """``values`` as parameters: each with a name of its own (its hint, else ``default``; a
    suffix where that is taken). The emitter names a value by its id, so its uses follow."""
    out = []
    for v in values:
        base = v.hint or default
        hint, k = base, 0
        while hint in taken:
            k += 1
            hint = f"{base}_{k}"
        taken.add(hint)
        out.append(replace(v, hint=hint))
    return tuple(out)


def _shape_only(s: Op) -> bool:
    """A number read off its arguments' shapes alone (``x.shape[0]``, ``x.size``): every
    argument a shape argument, and a scalar result (``zeros_like`` reads only a shape too,
    but makes an array)."""
    p = PRIMS[s.prim]
    return p.safe and p.arity > 0 and set(p.shape_args) == set(range(p.arity))


def _reads(s) -> set[int]:
    """The values statement ``s`` reads, inside its regions too."""
    out = {a.id for a in operands(s) if isinstance(a, Var)}
    for blk in blocks_of(s):
        out |= set(uses(blk))
    return out


def _no_nested(body: Block) -> None:
    """A draw inside an if (one whose condition is only known at run time), a while loop or
    a loop inside a loop cannot be made before the function runs; a loop at the top of the
    function may draw in its body."""
    for s in body.stmts:
        for blk in blocks_of(s):
            for inner in walk(blk):
                if not (isinstance(inner, Op) and PRIMS[inner.prim].draws):
                    continue
                if isinstance(s, For) and inner in blk.stmts and inner.prim == "draw":
                    continue
                what = "a random draw" if inner.prim == "draw" else "a random generator made"
                raise CompileError(
                    f"{what} inside an if, a while loop, a loop that can break or return, or "
                    "a nested loop: flatgrad draws the function's random numbers with NumPy "
                    "before the compiled code runs, so it must know how many there are",
                    inner.loc,
                    "Draw them all before the loop (eps = rs.randn(n, d)) and index eps[i] "
                    "inside it; draw before an if and use the draw in one branch.")


def _no_float_arguments(keep, user_params) -> None:
    """No float argument may reach a draw's parameters, except through its shape: it may be
    differentiated, and a draw has no derivative."""
    floats = {p.id: p for p in user_params if T.is_float(p.type)}
    if not floats:
        return
    defs = {v.id: s for s in keep for v in getattr(s, "outs", ())}
    for d in keep:
        if not (isinstance(d, Op) and d.prim in ("draw", "draw_trips")):
            continue
        todo = [a.id for a in d.args if isinstance(a, Var)]
        seen = set()
        while todo:
            a = todo.pop()
            if a in seen:
                continue
            seen.add(a)
            if a in floats:
                raise CompileError(
                    f"the parameters of this random draw depend on the float argument "
                    f"'{floats[a].hint}': flatgrad draws with NumPy before the function "
                    "runs, and a draw carries no gradient", d.loc,
                    "Draw a standard variable and transform it: loc + scale * "
                    "rs.standard_normal(size) (its gradient then flows to loc and scale); "
                    "or pass the parameter as an int or a captured constant.")
            s = defs.get(a)
            if s is None or (isinstance(s, Op) and _shape_only(s)):
                continue
            todo.extend(_reads(s))
