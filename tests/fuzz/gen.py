"""Random programs over flatgrad's documented subset, as a small tree that renders to source.

A program is a list of helper functions and a main function ``f``. Statements and
expressions are kept as trees (:class:`Stmt`, :class:`Expr`) so the shrinker can delete
statements, unwrap blocks and replace an expression by one of its sub-expressions of the
same shape. Everything is drawn from one ``random.Random(seed)``: a seed is a program.

The generator is weighted toward where gradient bugs live: scalars and arrays mixed in every
broadcast combination, reductions with ``axis``/``keepdims``, ``@``, indexing and slicing,
item writes into local arrays (in branches, in loops, after reads), augmented assignment,
helpers, ``if``/``for``/``while``/``break``/``continue``/early ``return``.

Semantic rules it keeps so that every program is valid Python with NumPy semantics equal to
flatgrad's documented ones:

* array arguments are never written (item or in-place), and neither is any view of them;
* only *mutable locals* (arrays made by ``np.zeros``/``np.ones``/``np.array([...])`` or an
  arithmetic result, never rebound) take item writes and in-place operators, and no other
  name ever holds a view of one;
* names first bound inside a block are not read after it;
* values stay in smooth, finite domains (``log(1 + e*e)``, ``exp(tanh(e))``, ...); kinks
  (``abs``, ``max``, ``where``, branches) are allowed and the oracle detects them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

SHAPES = [(), (2,), (3,), (1, 3), (3, 1), (2, 1), (2, 3), (3, 3)]
ARG_SHAPES = [(), (), (), (3,), (3,), (2, 3), (1, 3), (3, 1), (3, 3)]


def bshape(a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


# pairs of operand shapes whose broadcast is exactly the target, mixed ranks weighted up
BPAIRS = {s: [(a, b) for a in SHAPES for b in SHAPES if bshape(a, b) == s] for s in SHAPES}

# (source shape, template) producing the key shape by reduction
REDUCE = {
    (): [(t, tpl) for t in SHAPES[1:] for tpl in (
        "np.sum({0})", "np.mean({0})", "np.max({0})", "np.min({0})", "({0}).sum()",
        "np.prod({0})", "np.linalg.norm({0})", "np.std({0})", "np.var({0})", "({0}).mean()")],
    (3,): [((2, 3), "np.sum({0}, axis=0)"), ((3, 3), "np.mean({0}, axis=1)"),
           ((1, 3), "np.sum({0}, axis=0)"), ((3, 1), "np.max({0}, axis=1)"),
           ((3, 3), "np.max({0}, axis=0)"), ((2, 3), "({0}).sum(axis=0)"),
           ((2, 3), "np.prod({0}, axis=0)"), ((3, 1), "np.sum({0}, axis=-1)"),
           ((2, 3), "np.min({0}, axis=0)")],
    (2,): [((2, 3), "np.sum({0}, axis=1)"), ((2, 3), "np.max({0}, axis=-1)"),
           ((2, 1), "np.sum({0}, axis=1)"), ((2, 3), "np.mean({0}, axis=1)")],
    (1, 3): [((2, 3), "np.sum({0}, axis=0, keepdims=True)"),
             ((3, 3), "np.max({0}, axis=0, keepdims=True)"),
             ((2, 3), "({0}).mean(axis=0, keepdims=True)")],
    (3, 1): [((3, 3), "np.sum({0}, axis=1, keepdims=True)"),
             ((3, 3), "np.mean({0}, axis=-1, keepdims=True)")],
    (2, 1): [((2, 3), "np.sum({0}, axis=1, keepdims=True)"),
             ((2, 3), "np.max({0}, axis=1, keepdims=True)")],
    (3, 3): [], (2, 3): [],
}

MATMUL = {
    (): [((3,), (3,), "({0} @ {1})"), ((3,), (3,), "np.dot({0}, {1})")],
    (2,): [((2, 3), (3,), "({0} @ {1})")],
    (3,): [((3,), (3, 3), "({0} @ {1})"), ((3, 3), (3,), "np.dot({0}, {1})")],
    (2, 3): [((2, 3), (3, 3), "({0} @ {1})"), ((2, 1), (1, 3), "({0} @ {1})")],
    (3, 3): [((3, 1), (1, 3), "({0} @ {1})"), ((3,), (3,), "np.outer({0}, {1})"),
             ((3, 3), (3, 3), "np.matmul({0}, {1})")],
    (1, 3): [((1, 3), (3, 3), "({0} @ {1})")],
    (3, 1): [((3, 3), (3, 1), "({0} @ {1})")],
    (2, 1): [((2, 3), (3, 1), "({0} @ {1})")],
}

# (source shape, template) producing the key shape by indexing / slicing / reshaping.
# These are "views": a bare assignment of one keeps aliasing its source.
INDEX = {
    (): [((3,), "{0}[1]"), ((3,), "{0}[-1]"), ((2, 3), "{0}[1, 2]"), ((2, 3), "{0}[0][1]"),
         ((3, 3), "{0}[2, 0]"), ((1, 3), "{0}[0, 1]"), ((3, 1), "{0}[2, 0]"), ((2,), "{0}[0]")],
    (3,): [((2, 3), "{0}[0]"), ((2, 3), "{0}[-1]"), ((3, 3), "{0}[:, 1]"), ((3, 3), "{0}[1]"),
           ((3,), "{0}[::-1]"), ((3,), "{0}[np.array([2, 0, 1])]"), ((1, 3), "np.ravel({0})"),
           ((1, 3), "{0}[0]"), ((3, 1), "{0}[:, 0]"), ((3, 1), "{0}.reshape(3)")],
    (2,): [((3,), "{0}[1:]"), ((3,), "{0}[:2]"), ((2, 3), "{0}[:, 0]"), ((2, 1), "{0}[:, 0]"),
           ((3,), "{0}[np.array([0, 2])]"), ((2, 3), "{0}[np.arange(2), np.array([2, 0])]"),
           ((3, 3), "{0}[1, np.array([2, 0])]")],
    (1, 3): [((2, 3), "{0}[1:]"), ((2, 3), "{0}[:1]"), ((3,), "{0}[None, :]"),
             ((3,), "{0}.reshape(1, 3)"), ((3, 1), "{0}.T"), ((3, 3), "{0}[2:]")],
    (3, 1): [((3,), "{0}[:, None]"), ((3,), "{0}.reshape(3, 1)"), ((1, 3), "{0}.T"),
             ((3, 3), "{0}[:, 1:2]"), ((1, 3), "np.transpose({0})"),
             ((3, 3), "{0}[:, np.array([2])]")],
    (2, 1): [((2, 3), "{0}[:, 1:2]"), ((2, 3), "{0}[:, :1]"), ((2, 3), "{0}[:, np.array([1])]")],
    (2, 3): [((3, 3), "{0}[np.array([0, 2])]"), ((3, 3), "{0}[1:]"), ((3, 3), "{0}[:2]"),
             ((3, 3), "{0}[1:, np.array([2, 0, 2])]")],
    (3, 3): [((3, 3), "{0}.T"), ((3, 3), "np.transpose({0})"),
             ((3, 3), "{0}[np.array([2, 0, 2])[:, None], np.array([1, 1, 0])]")],
}
# integer-array indices of two dimensions (broadcast together, repeated positions) and
# ellipses, for the shapes they make
for _shape, _entries in {
        (2, 3): [((3,), "{0}[np.array([[0, 2, 1], [1, 1, 0]])]"),
                 ((3, 3), "{0}[np.array([[0, 2, 1], [1, 1, 0]]), np.array([[2], [0]])]"),
                 ((3, 3), "np.ravel({0})[np.array([[0, 4, 8], [3, 3, 5]])]"),
                 ((2, 3), "{0}[..., ::-1]")],
        (3, 1): [((3,), "{0}[np.array([[2], [0], [2]])]"), ((3, 3), "{0}[..., 1:2]")],
        (2, 1): [((3, 3), "{0}[np.array([[0], [2]]), 1]")],
        (3,): [((3, 3), "{0}[..., 1]"), ((2, 3), "{0}[-1, ...]")],
        (1, 3): [((3,), "{0}[None, ...]")]}.items():
    INDEX[_shape] = INDEX[_shape] + _entries
# lists in indices (integer arrays, as NumPy reads them) and boolean masks of a known count
for _shape, _entries in {
        (3,): [((3,), "{0}[[2, 0, 1]]"), ((3, 3), "{0}[[2, 0, 2], 1]")],
        (2,): [((3,), "{0}[[0, 2]]"), ((3,), "{0}[np.array([True, False, True])]"),
               ((3,), "{0}[[False, True, True]]")],
        (1, 3): [((3, 3), "{0}[[1]]")],
        (2, 3): [((3, 3), "{0}[[0, 2]]"), ((3, 3), "{0}[[True, False, True]]")],
        (3, 3): [((3, 3), "{0}[[2, 0, 2], :]")]}.items():
    INDEX[_shape] = INDEX[_shape] + _entries

UNARY_ARRAY = ["np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.exp(np.tanh({0}))",
               "np.log(1.0 + {0} * {0})", "np.sqrt(1.0 + {0} * {0})", "({0}) ** 2",
               "(-{0})", "np.abs({0})", "np.clip({0}, -0.7, 0.7)", "np.exp(0.5 * np.sin({0}))",
               "np.arctan({0})", "np.maximum({0}, 0.1)", "({0}) ** 3",
               # issue 11's functions, shape-preserving along the last axis
               "np.cumsum({0}, axis=-1)", "np.cumprod(0.5 + 0.3 * np.tanh({0}), axis=-1)",
               "np.sort({0}, axis=-1)", "np.flip({0}, axis=-1)", "np.roll({0}, 1, axis=-1)",
               "np.logaddexp({0}, 0.3)", "np.cbrt(1.5 + np.tanh({0}))", "np.exp2(np.tanh({0}))"]
UNARY_SCALAR = ["math.sin({0})", "math.cos({0})", "math.tanh({0})", "math.exp(math.tanh({0}))",
                "math.log(1.0 + {0} * {0})", "math.sqrt(1.0 + {0} * {0})", "abs({0})",
                "np.tanh({0})", "np.exp(np.sin({0}))", "({0}) ** 2", "(-{0})", "float({0})",
                "sigmoid({0})", "softplus({0})", "relu({0})", "math.atan({0})"]
BINOPS = ["({0} + {1})", "({0} - {1})", "({0} * {1})", "({0} / (2.0 + np.tanh({1})))",
          "({0} + {1})", "({0} * {1})", "np.maximum({0}, {1})", "np.minimum({0}, {1})"]
SCALAR_BIN = ["max({0}, {1})", "min({0}, {1})", "({0} / (1.0 + {1} * {1}))"]
TRANSFORM_P = 0.3        # a helper call drawn as a transform of a helper (issue 26)
RESULT_TRANSFORM_P = 0.15   # ... and one added to the result
NESTED_LITERAL_P = 0.0   # 2-D ``np.array([[...]])`` literals: rejected today (reported)
CONSTS = ["0.5", "1.5", "-0.75", "2.0", "0.25", "-1.25", "3.0"]


@dataclass
class Expr:
    """``tpl.format(*children)``; ``shape`` is its value's shape; leaves have no children."""
    tpl: str
    kids: list = field(default_factory=list)
    shape: tuple = ()
    view: bool = False          # a bare index/slice/reshape/name: may alias its source
    names: frozenset = frozenset()

    def render(self) -> str:
        return self.tpl.format(*(k.render() for k in self.kids))

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()


@dataclass
class Stmt:
    """A simple statement (``arms`` empty: ``head`` with ``{i}`` holes for ``exprs``) or a
    compound one: ``arms`` is a list of ``(head, exprs, body)`` (``if``/``elif``/``else``,
    ``for``, ``while``). ``setup`` is a statement that must stay before a ``while``."""
    head: str = ""
    exprs: list = field(default_factory=list)
    arms: list = field(default_factory=list)
    tag: str = ""               # what it is, for statistics and the invalid mutations
    mark: bool = False          # the mutated line of an invalid program

    def lines(self, depth: int, out: list, marks: list):
        pad = "    " * depth
        if not self.arms:
            if self.mark:
                marks.append(len(out) + 1)
            for ln in self.head.format(*(e.render() for e in self.exprs)).split("\n"):
                out.append(pad + ln)
            return
        for head, exprs, body in self.arms:
            if self.mark:
                marks.append(len(out) + 1)
            out.append(pad + head.format(*(e.render() for e in exprs)))
            for s in body:
                s.lines(depth + 1, out, marks)
            if not body:
                out.append(pad + "    pass")

    def walk(self):
        yield self
        for _, _, body in self.arms:
            for s in body:
                yield from s.walk()


@dataclass
class Func:
    name: str
    params: list            # [(name, shape)]
    body: list              # [Stmt]
    ret_shape: tuple = ()
    pure: bool = False      # no item writes: a transform may be called on it (see Gen.transform)

    def lines(self, out, marks):
        out.append(f"def {self.name}({', '.join(p for p, _ in self.params)}):")
        for s in self.body:
            s.lines(1, out, marks)
        if not self.body:
            out.append("    pass")


HEADER = ("import math\n\nimport numpy as np\n\n"
          "from flatgrad import relu, sigmoid, softplus\n\n")


TRANSFORMS_IMPORT = "import flatgrad as fg"
# the immutable containers the "dict" statement may build instead of a dict
CONTAINERS = ["from collections import namedtuple", "", "Pair = namedtuple('Pair', 'v s')", "",
              "", "class Box:", "    def __init__(self, v, s):", "        self.v = v",
              "        self.s = s"]


@dataclass
class Program:
    helpers: list
    main: Func
    seed: int = 0
    outside: list = field(default_factory=list)   # module-level lines: transforms made outside

    def render(self):
        """(source, [line numbers of marked statements])."""
        out, marks = [], []
        for h in self.helpers:
            h.lines(out, marks)
            out.extend(["", ""])
        if self.outside:
            out.extend(self.outside + ["", ""])
        self.main.lines(out, marks)
        header = HEADER.rstrip("\n").split("\n")
        if any("fg." in ln for ln in out):
            header.insert(3, TRANSFORMS_IMPORT)
        if any("Pair(" in ln or "Box(" in ln for ln in out):
            header += ["", ""] + CONTAINERS
        marks = [m + len(header) + 2 for m in marks]
        return "\n".join(header + ["", ""] + out).rstrip("\n") + "\n", marks

    @property
    def source(self):
        return self.render()[0]

    @property
    def arg_shapes(self):
        return [s for _, s in self.main.params]

    def features(self):
        """Set of tags of the statements and operations it contains (for statistics)."""
        tags = set()
        for fn in self.helpers + [self.main]:
            for st in fn.body:
                for s in st.walk():
                    if s.tag:
                        tags.add(s.tag)
        return tags


class Var:
    def __init__(self, name, shape, kind="f", mutable=False, fixed=False):
        self.name, self.shape, self.kind, self.mutable = name, shape, kind, mutable
        self.fixed = fixed      # an item of a namedtuple or object: read, never reassigned


class Gen:
    """Draws one program from ``random.Random(seed)``."""

    def __init__(self, seed: int, *, max_stmts=12, array_out=None):
        self.r = random.Random(seed)
        self.seed = seed
        self.n = 0
        self.max_stmts = max_stmts
        self.helpers: list[Func] = []
        self.outside: list[str] = []
        self.array_out = array_out
        # whether to draw a transform comes from a stream of its own: a program that draws
        # none is the one this seed gave before transforms were drawn (issue 26)
        self.t = random.Random(seed * 7919 + 26)

    # ------------------------------------------------------------------ names
    def fresh(self, prefix="v"):
        self.n += 1
        return f"{prefix}{self.n}"

    # ------------------------------------------------------------------ expressions
    def leaf(self, env, shape, allow_mut=True):
        r = self.r
        cands = [v for v in env.values() if v.kind == "f" and v.shape == shape
                 and (allow_mut or not v.mutable)]
        if cands and r.random() < 0.85:
            v = r.choice(cands)
            return Expr(v.name, shape=shape, view=True, names=frozenset([v.name]))
        if r.random() < 0.75:
            d = self.derive(env, shape, allow_mut)
            if d is not None:
                return d
        if shape == ():
            ints = [v for v in env.values() if v.kind == "i"]
            if ints and r.random() < 0.3:
                v = r.choice(ints)
                return Expr(r.choice(["float({0})", "(0.5 * {0})", "({0} * {0} * 0.25)"]).replace(
                    "{0}", v.name), shape=(), names=frozenset([v.name]))
            return Expr(r.choice(CONSTS), shape=())
        c = r.random()
        if c < 0.4:
            return Expr(f"(np.ones({shape!r}) * {r.choice(CONSTS)})", shape=shape)
        vals = np.round(np.array([r.uniform(-1.5, 1.5) for _ in range(int(np.prod(shape)))]), 2)
        if len(shape) == 1:
            return Expr(f"np.array({vals.tolist()!r})", shape=shape)
        if r.random() < NESTED_LITERAL_P:      # flatgrad rejects nested list literals
            return Expr(f"np.array({vals.reshape(shape).tolist()!r})", shape=shape)
        return Expr(f"np.array({vals.tolist()!r}).reshape{shape!r}", shape=shape)

    def derive(self, env, shape, allow_mut=True):
        """``shape`` from a float name of another shape: index, reduce or broadcast it."""
        r = self.r
        have = {}
        for v in env.values():
            if v.kind == "f" and (allow_mut or not v.mutable):
                have.setdefault(v.shape, []).append(v)
        opts = [(src, tpl, True) for src, tpl in INDEX.get(shape, []) if src in have]
        opts += [(src, tpl, False) for src, tpl in REDUCE.get(shape, []) if src in have]
        if shape != () and () in have:
            opts.append(((), f"({{0}} * np.ones({shape!r}))", False))
            opts.append(((), f"(np.zeros({shape!r}) + {{0}})", False))
        if not opts:
            return None
        src, tpl, view = r.choice(opts)
        v = r.choice(have[src])
        return Expr(tpl, [Expr(v.name, shape=src, view=True, names=frozenset([v.name]))], shape,
                    view=view)

    def expr(self, env, shape, depth, allow_mut=True):
        r = self.r
        if depth <= 0 or r.random() < 0.2:
            return self.leaf(env, shape, allow_mut)
        d = depth - 1
        choices = ["bin", "bin", "bin", "un", "un", "red", "mm", "idx", "idx", "call", "cond",
                   "where"]
        if shape == ():
            choices += ["red", "red", "sbin", "item"]
        kind = r.choice(choices)
        if kind == "bin":
            a, b = r.choice(BPAIRS[shape])
            if r.random() < 0.5 and a != b:     # weight toward mixed ranks
                pass
            tpl = r.choice(BINOPS)
            if shape == () and "np.maximum" in tpl:
                tpl = r.choice(["max({0}, {1})", "({0} + {1})"])
            return Expr(tpl, [self.expr(env, a, d), self.expr(env, b, d)], shape)
        if kind == "sbin" and shape == ():
            return Expr(r.choice(SCALAR_BIN), [self.expr(env, (), d), self.expr(env, (), d)], ())
        if kind == "un":
            tpl = r.choice(UNARY_SCALAR if shape == () else UNARY_ARRAY)
            kid = self.expr(env, shape, d)
            # np.flip returns a view (flatgrad, conservatively, never writes through one)
            return Expr(tpl, [kid], shape, view=tpl.startswith("np.flip"))
        if kind == "red" and REDUCE.get(shape):
            src, tpl = r.choice(REDUCE[shape])
            if "prod" in tpl:
                return Expr(tpl.replace("{0}", "np.tanh({0})"), [self.expr(env, src, d)], shape)
            if "norm" in tpl or "std" in tpl or "var" in tpl:
                # never a constant array: std/norm are not differentiable there
                spread = f"0.3 * np.arange({int(np.prod(src))}).reshape{src!r}" if len(src) > 1 \
                    else f"0.3 * np.arange({src[0]})"
                return Expr(tpl.replace("{0}", f"(1.5 + np.sin({{0}}) + {spread})"),
                            [self.expr(env, src, d)], shape)
            return Expr(tpl, [self.expr(env, src, d)], shape)
        if kind == "mm" and MATMUL.get(shape):
            a, b, tpl = r.choice(MATMUL[shape])
            return Expr(tpl, [self.expr(env, a, d), self.expr(env, b, d)], shape)
        if kind == "idx" and INDEX.get(shape):
            src, tpl = r.choice(INDEX[shape])
            # index a name most of the time, an expression sometimes
            if r.random() < 0.7:
                inner = self.leaf(env, src, allow_mut)
            else:
                inner = self.expr(env, src, d, allow_mut)
                inner = Expr("({0})", [inner], src)
            return Expr(tpl, [inner], shape, view=True)
        if kind == "item" and shape == ():
            ints = [v for v in env.values() if v.kind == "i"]
            arrs = [v for v in env.values() if v.kind == "f" and len(v.shape) == 1]
            if ints and arrs and r.random() < 0.6:
                v, i = r.choice(arrs), r.choice(ints)
                return Expr(f"{v.name}[{i.name} % {v.shape[0]}]", shape=(),
                            names=frozenset([v.name, i.name]))
            if arrs:
                # a constant index: items of a parameter beside its whole-array uses give its
                # adjoint scatters plus full contributions (the in-place sums' hardest case)
                v = r.choice(arrs)
                return Expr(f"{v.name}[{r.randrange(v.shape[0])}]", shape=(),
                            names=frozenset([v.name]))
            return self.leaf(env, shape, allow_mut)
        if kind == "call":
            return self.call(env, shape, d)
        if kind == "cond":
            a, b = self.expr(env, shape, d), self.expr(env, shape, d)
            return Expr("({0} if {1} else {2})", [a, self.cond(env, d), b], shape,
                        view=a.view or b.view)
        if kind == "where" and shape != ():
            a = r.choice([s for s in SHAPES if bshape(s, shape) == shape])
            return Expr("np.where({0} > {1}, {2}, {3})",
                        [self.expr(env, a, d), Expr(r.choice(CONSTS)),
                         self.expr(env, shape, d), self.expr(env, shape, d)], shape)
        return self.leaf(env, shape, allow_mut)

    def cond(self, env, depth):
        r = self.r
        a = self.expr(env, (), max(0, depth))
        op = r.choice(["<", ">", "<=", ">="])
        c = Expr(f"{{0}} {op} {{1}}", [a, Expr(r.choice(CONSTS + ["0.0", "0.1"]))], ())
        if r.random() < 0.15:
            return Expr("{0} and {1}" if r.random() < 0.5 else "not ({0} or {1})",
                        [c, Expr("{0} > {1}", [self.expr(env, (), 0), self.expr(env, (), 0)])])
        if r.random() < 0.06:
            # a comparison of comparisons, on the lazy side of `and` (spelled inline there)
            return Expr("{0} and ({1} > 0.0) == ({2} < 0.5)",
                        [c, self.expr(env, (), 1), self.expr(env, (), 1)])
        return c

    # ------------------------------------------------------------------ helpers
    def call(self, env, shape, depth):
        r = self.r
        if self.t.random() < TRANSFORM_P:
            e = self.transform(env, shape, depth)
            if e is not None:
                return e
        fits = [h for h in self.helpers if h.ret_shape == shape]
        if not fits or (len(self.helpers) < 3 and r.random() < 0.3 and not self.in_helper):
            if self.in_helper or len(self.helpers) >= 3:
                return self.leaf(env, shape)
            fits = [self.helper(shape)]
        h = r.choice(fits)
        args = [self.expr(env, s, depth) for _, s in h.params]
        return Expr(f"{h.name}(" + ", ".join("{%d}" % i for i in range(len(args))) + ")",
                    args, shape)

    in_helper = False

    def helper(self, shape, first=None):
        """A new helper returning ``shape`` (its first parameter shaped ``first`` if given)."""
        r = self.r
        name = f"h{len(self.helpers)}"
        params = [(f"a{i}", r.choice(ARG_SHAPES)) for i in range(r.randint(1, 2))]
        if shape != () and r.random() < 0.5:
            params[0] = (params[0][0], shape)
        if first is not None:
            params[0] = (params[0][0], first)
        saved_n, saved_budget = self.n, self.budget
        self.budget = r.randint(1, 4)
        self.in_helper = True
        env = {p: Var(p, s) for p, s in params}
        body = self.block(env, r.randint(1, 4), depth=1, in_loop=False, ret_shape=shape)
        body.append(Stmt("return {0}", [self.nonview(env, shape, 2)], tag="return"))
        self.in_helper = False
        self.n, self.budget = saved_n + 20, saved_budget
        tags = {s.tag for st in body for s in st.walk()}
        fn = Func(name, params, body, shape,
                  pure=not ({"local", "item_write", "item_aug", "aug_array"} & tags))
        self.helpers.append(fn)
        return fn

    def transform(self, env, shape, depth):
        """A call of a transform of a pure helper, of value shape ``shape``: ``fg.grad(h,
        argnums=k)(...)``, ``fg.value_and_grad(h)(...)[i]``, ``fg.jvp(h, primals,
        tangents)[1]``, ``fg.vjp(h, ...)[1](ct)[k]``, ``fg.grad(fg.grad(h, argnums=k),
        argnums=j)(...)``, or a gradient made at module level and called here; None if no
        helper fits. Inside a helper only earlier helpers are transformed (no recursion);
        the function being differentiated transforms them again (grad of grad)."""
        r = self.r
        opts = self.transform_options(shape)
        if not opts and not self.in_helper and len(self.helpers) < 3:
            self.helper((), first=shape)          # a scalar helper to differentiate
            opts = self.transform_options(shape)
        if not opts:
            return None
        kind, h, k = r.choice(opts)
        # the point is shifted off the generator's constants and its entries off each other:
        # a point that is a constant the helper also compares with (max(0.5, a) at a = 0.5),
        # or an array of equal entries (y * np.ones(3): ties of max, sort, a std of 0), is a
        # point where the helper has no derivative, which no outer difference can see and
        # where conventions differ (flatgrad splits ties as JAX does; the runner's KINK)
        args = [Expr("({0} + %s)" % off_ties(s), [self.expr(env, s, depth)], s)
                for _, s in h.params]
        holes = ", ".join("{%d}" % i for i in range(len(args)))
        if kind == "grad":
            tpl = f"fg.grad({h.name}" + (f", argnums={k})" if k or r.random() < 0.5 else ")")
            return Expr(tpl + f"({holes})", args, shape)
        if kind == "outside":
            name = f"d{h.name}_{k}_{len(self.outside)}"
            self.outside.append(f"{name} = fg.grad({h.name}, argnums={k}, target=\"python\")")
            return Expr(f"{name}({holes})", args, shape)
        if kind in ("vg0", "vg1"):
            return Expr(f"fg.value_and_grad({h.name})({holes})[{kind[-1]}]", args, shape)
        if kind == "gg":
            a, b = k
            return Expr(f"fg.grad(fg.grad({h.name}, argnums={a}), argnums={b})({holes})", args,
                        shape)
        if kind == "jvp":
            n = len(args)
            keep = [r.random() < 0.7 for _ in range(n)]
            keep[r.randrange(n)] = True
            tans = [self.expr(env, s, max(0, depth - 1)) if kp else None
                    for (_, s), kp in zip(h.params, keep)]
            tpl = ", ".join("{%d}" % (n + i) if t is not None else "None"
                            for i, t in enumerate(tans))
            comma = "," if n == 1 else ""
            return Expr(f"fg.jvp({h.name}, ({holes}{comma}), ({tpl}{comma}))[1]",
                        args + [t if t is not None else Expr("0.0") for t in tans], shape)
        ct = self.expr(env, h.ret_shape, max(0, depth - 1))
        return Expr(f"fg.vjp({h.name}, {holes})[1]({{{len(args)}}})[{k}]", args + [ct], shape)

    def transform_options(self, shape) -> list:
        """(kind, helper, argnums) of every transform call :meth:`transform` may draw."""
        opts = []
        for h in (h for h in self.helpers if h.pure):
            ps = [s for _, s in h.params]
            if h.ret_shape == ():
                opts += [("grad", h, k) for k, s in enumerate(ps) if s == shape]
                opts += [("outside", h, k) for k, s in enumerate(ps) if s == shape]
                if shape == ():
                    opts.append(("vg0", h, 0))
                if ps[0] == shape:
                    opts.append(("vg1", h, 0))
                opts += [("gg", h, (k, j)) for k, s in enumerate(ps) if s == ()
                         for j, t in enumerate(ps) if t == shape]
            if h.ret_shape == shape:
                opts.append(("jvp", h, None))
            opts += [("vjp", h, k) for k, s in enumerate(ps) if s == shape]
        return opts

    def nonview(self, env, shape, depth):
        """An expression that cannot alias a mutable local (a bare name, slice, ...)."""
        e = self.expr(env, shape, depth)
        if e.view:
            muts = {v.name for v in env.values() if v.mutable}
            if self.in_helper or not e.kids or any(n in muts for x in e.walk() for n in x.names):
                e = Expr("({0} * 1.0)" if self.r.random() < 0.5 else "({0} + 0.0)", [e], shape)
        return e

    # ------------------------------------------------------------------ statements
    def block(self, env, n, depth, in_loop, ret_shape, nest=0):
        out = []
        for _ in range(n):
            if self.budget <= 0:
                break
            s = self.stmt(env, depth, in_loop, ret_shape, nest)
            if s is not None:
                out.extend(s if isinstance(s, list) else [s])
        return out

    budget = 0

    def stmt(self, env, depth, in_loop, ret_shape, nest):
        r = self.r
        self.budget -= 1
        w = [("assign", 5), ("aug", 2), ("local", 2 if nest == 0 else 0), ("write", 4),
             ("if", 2 if nest < 2 else 0), ("for", 2 if nest < 2 else 0),
             ("while", 1 if nest < 2 else 0), ("ret", 1 if ret_shape is not None else 0),
             ("brk", 2 if in_loop else 0), ("dict", 1), ("guard", 1)]
        kind = r.choices([k for k, _ in w], [c for _, c in w])[0]
        floats = [v for v in env.values() if v.kind == "f"]
        muts = [v for v in floats if v.mutable]
        if kind == "write" and not muts:
            kind = "local" if nest == 0 else "assign"
        if kind == "assign":
            reuse = [v for v in floats if not v.mutable and not v.fixed]
            if reuse and r.random() < 0.4:
                v = r.choice(reuse)
                if nest > 0 and v.shape != ():
                    return Stmt(f"{v.name} = {{0}}", [self.nonview(env, v.shape, 3)], tag="reassign")
                e = self.nonview(env, v.shape, 3) if nest > 0 else self.expr(env, v.shape, 3)
                if e.view and any(m.name in x.names for m in muts for x in e.walk()):
                    e = self.nonview(env, v.shape, 3)
                return Stmt(f"{v.name} = {{0}}", [e], tag="reassign")
            shape = r.choice(SHAPES)
            e = self.nonview(env, shape, 3)
            name = self.fresh()
            env[name] = Var(name, shape)
            return Stmt(f"{name} = {{0}}", [e], tag="assign")
        if kind == "aug":
            cands = [v for v in floats if (v.shape == () or v.mutable) and not v.fixed]
            if not cands:
                return None
            v = r.choice(cands)
            a = r.choice([s for s in SHAPES if bshape(s, v.shape) == v.shape])
            op = r.choice(["+=", "-=", "*=", "+=", "/="])
            e = self.expr(env, a, 2)
            if op == "/=":
                e = Expr("(2.0 + np.tanh({0}))", [e], a)
            return Stmt(f"{v.name} {op} {{0}}", [e], tag="aug_array" if v.shape else "aug_scalar")
        if kind == "dict":
            # a dict whose two items are names from then on: read, reassigned (d["v"] = ...)
            # and augmented like any other, in ifs and loops too
            # (or a namedtuple, or an object built here: their items are read only)
            name, shape = self.fresh("D"), r.choice(SHAPES)
            items = [self.nonview(env, shape, 2), self.expr(env, (), 2)]
            kind = r.choice(["dict", "dict", "dict", "Pair", "Box"])
            for key, sh in (("v", shape), ("s", ())):
                item = f'{name}["{key}"]' if kind == "dict" else f"{name}.{key}"
                env[item] = Var(item, sh, fixed=kind != "dict")
            if kind == "dict":
                return Stmt(name + ' = {{"v": {0}, "s": {1}}}', items, tag="dict")
            return Stmt(name + f" = {kind}({{0}}, s={{1}})", items, tag=kind)
        if kind == "local":
            shape = r.choice([(3,), (3,), (2, 3), (3, 3), (2,)])
            name = self.fresh("Z")
            c = r.random()
            if c < 0.35:
                e = Expr(f"np.zeros({shape!r})", shape=shape)
            elif c < 0.55:
                e = Expr(f"np.ones({shape!r})", shape=shape)
            elif c < 0.8 and len(shape) == 1:
                e = Expr("np.array([" + ", ".join("{%d}" % i for i in range(shape[0])) + "])",
                         [self.expr(env, (), 1) for _ in range(shape[0])], shape)
            else:
                e = self.nonview(env, shape, 2)
                if not e.kids or e.view:
                    e = Expr("({0} + 0.0)", [e], shape)
            env[name] = Var(name, shape, mutable=True)
            return Stmt(f"{name} = {{0}}", [e], tag="local")
        if kind == "write":
            v = r.choice(muts)
            idx, sh = self.region(v, [i for i in env.values() if i.kind == "i"])
            op = r.choice(["=", "=", "=", "+=", "*="])
            # NumPy broadcasts the value into the region: a number into a row, a row into a
            # block, length-1 axes (the value's adjoint is the region's, summed back)
            value = sh
            if r.random() < 0.4:
                value = r.choice([s for s in SHAPES if len(s) <= len(sh) and bshape(s, sh) == sh]
                                 or [sh])
            if value in SHAPES:
                # an item, reduction or slice of a name as it is, half the time: its adjoint
                # then reaches a gather or a reduction's rule unsummed if the write's is wrong
                e = (value != sh and r.random() < 0.6 and (value == () and self.item(env) or
                                                           self.derive(env, value, False))) or \
                    self.nonview(env, value, 3)
            else:
                e = Expr("np.sin({0}) * 0.5 + 1.0", [self.expr(env, (), 2)], ())
                value = ()
            tag = "item_write" if op == "=" else "item_aug"
            return Stmt(f"{v.name}{idx} {op} {{0}}", [e],
                        tag=tag if value == sh else "bcast_" + tag)
        if kind == "if":
            arms = [("if {0}:", [self.cond(env, 2)],
                     self.block(dict(env), r.randint(1, 3), depth, in_loop, ret_shape, nest + 1))]
            if r.random() < 0.3:
                arms.append(("elif {0}:", [self.cond(env, 2)],
                             self.block(dict(env), r.randint(1, 2), depth, in_loop, ret_shape,
                                        nest + 1)))
            if r.random() < 0.6:
                arms.append(("else:", [], self.block(dict(env), r.randint(1, 2), depth, in_loop,
                                                     ret_shape, nest + 1)))
            return Stmt(arms=arms, tag="if")
        if kind == "for":
            i = self.fresh("i")
            inner = dict(env)
            inner[i] = Var(i, (), "i")
            rng = r.choice(["range({n})", "range({n})", "range(1, {n})", "range({n} - 1, -1, -1)",
                            "range(0, {n}, 2)"]).format(n=r.randint(1, 4))
            body = self.block(inner, r.randint(1, 3), depth, True, ret_shape, nest + 1)
            return Stmt(arms=[(f"for {i} in {rng}:", [], body)], tag="for")
        if kind == "while":
            k = self.fresh("k")
            inner = dict(env)
            inner[k] = Var(k, (), "i")
            body = [Stmt(f"{k} += 1", tag="counter")]
            body += self.block(inner, r.randint(1, 3), depth, True, ret_shape, nest + 1)
            cond = Expr(f"{k} < {r.randint(1, 4)}")
            if r.random() < 0.3:
                cond = Expr("{0} and {1}", [cond, self.cond(env, 1)])
            return [Stmt(f"{k} = 0", tag="counter"), Stmt(arms=[("while {0}:", [cond], body)],
                                                          tag="while")]
        if kind == "ret":
            return Stmt(arms=[("if {0}:", [self.cond(env, 2)],
                               [Stmt("return {0}", [self.nonview(env, ret_shape, 3)],
                                     tag="early_return")])], tag="if")
        if kind == "guard":
            # assert and raise (a check op) that hold for every finite value, and a shape
            # assertion decided while compiling
            e = self.expr(env, r.choice(SHAPES), 2)
            c = r.random()
            if c < 0.4:
                return Stmt('assert np.all({0} == {0}), "a NaN"', [e, e], tag="assert")
            if c < 0.8:
                return Stmt(arms=[("if not np.all({0} == {0}):", [e, e],
                                   [Stmt('raise ValueError(f"NaN, pi = {{np.pi:.2f}}")', tag="raise")])], tag="if")
            arrs = [v for v in floats if v.shape]
            if not arrs:
                return None
            v = r.choice(arrs)
            return Stmt(f"assert {v.name}.ndim == {len(v.shape)}, 'rank'", tag="assert")
        if kind == "brk":
            return Stmt(arms=[("if {0}:", [self.cond(env, 1)],
                               [Stmt(r.choice(["break", "continue"]), tag="break")])], tag="if")
        return None

    def item(self, env):
        """An item of a float array that is not written (``x[1]``, ``y[0, 2]``), or None."""
        arrs = [v for v in env.values() if v.kind == "f" and v.shape and not v.mutable]
        if not arrs:
            return None
        v = self.r.choice(arrs)
        at = ", ".join(str(self.r.randrange(n)) for n in v.shape)
        return Expr(f"{v.name}[{at}]", shape=(), names=frozenset([v.name]))

    def region(self, v: Var, ints: list) -> tuple[str, tuple]:
        """An index into mutable local ``v`` and the shape of the region it selects: items,
        rows, columns, slices and integer-array rows."""
        r = self.r
        n = v.shape[0]
        if len(v.shape) == 1:
            c = r.random()
            if c < 0.25 and ints:
                return f"[{r.choice(ints).name} % {n}]", ()
            if c < 0.65:
                return f"[{r.randrange(-n, n)}]", ()
            if c < 0.85 or n < 3:
                return "[1:]", (n - 1,)
            if c < 0.93:
                return "[np.array([[2], [0]])]", (2, 1)
            return "[np.array([2, 0])]", (2,)
        m = v.shape[1]
        c = r.random()
        if c < 0.4:
            return f"[{r.randrange(n)}, {r.randrange(m)}]", ()
        if c < 0.65:
            return f"[{r.randrange(n)}]", (m,)
        if c < 0.72:
            return f"[:, {r.randrange(m)}]", (n,)
        if c < 0.76:
            return f"[..., {r.randrange(m)}]", (n,)
        if c < 0.8:
            return f"[np.array([[1], [0]]), np.array([[0], [{m - 1}]])]", (2, 1)
        if c < 0.9:
            return "[1:]", (n - 1, m)
        if n >= 3:
            return "[np.array([2, 0])]", (2, m)
        return "[:, 1:]", (n, m - 1)

    def program(self) -> Program:
        r = self.r
        nargs = r.choice([1, 2, 2, 3, 3])
        params = [(n, r.choice(ARG_SHAPES)) for n in ["x", "y", "z"][:nargs]]
        env = {p: Var(p, s) for p, s in params}
        self.budget = r.randint(3, self.max_stmts)
        array_out = self.array_out if self.array_out is not None else r.random() < 0.12
        ret = r.choice([(3,), (2, 3), (1, 3), (2,)]) if array_out else ()
        body = self.block(env, self.budget, 0, False, ret)
        # make sure the result depends on the arguments
        fin = self.nonview(env, ret, 3)
        if self.t.random() < RESULT_TRANSFORM_P:
            # a transform call in the result itself: its value and derivatives always count
            e = self.transform(env, ret, 2)
            if e is not None:
                fin = Expr("({0} + {1})", [fin, e], ret)
        if not any(p in n for p, _ in params for x in fin.walk() for n in x.names):
            p, s = r.choice(params)
            if ret == ():
                red = Expr("np.sum({0})", [Expr(p, shape=s, names=frozenset([p]))]) if s else \
                    Expr(p, names=frozenset([p]))
                fin = Expr("({0} + {1})", [fin, red], ())
        body.append(Stmt("return {0}", [fin], tag="return"))
        return Program(self.helpers, Func("f", params, body, ret), self.seed, self.outside)


def off_ties(shape) -> str:
    """A shift for the point of a transform called inside: 0.0137, times 1, 2, ... over the
    entries of an array, so that entries made equal (a broadcast scalar) differ."""
    n = int(np.prod(shape))
    if n <= 1:
        return "0.0137" if shape == () else f"0.0137 * np.ones({shape!r})"
    ramp = f"np.arange(1, {n + 1})" + (f".reshape{shape!r}" if len(shape) > 1 else "")
    return f"0.0137 * {ramp}"


def generate(seed: int, **kw) -> Program:
    return Gen(seed, **kw).program()


def random_args(prog: Program, seed: int):
    """Argument values: away from 0 and from each other (ties of max/min are kinks)."""
    r = np.random.default_rng(seed)
    out = []
    for s in prog.arg_shapes:
        v = r.uniform(0.2, 1.2, size=s) * r.choice([-1.0, 1.0], size=s)
        out.append(float(v) if s == () else np.asarray(v, dtype=np.float64))
    return out
