"""Computational-graph pictures: ``fg.graph(f, *args)`` and ``flatgrad graph``.

The picture is the lectures' circuit diagram: inputs on the left, the loss on the right,
one node per operation of flatgrad's IR, and on every wire the forward value (green, above)
and the gradient of the loss with respect to it (red, below).

How the numbers are found: the function is lowered to IR for the argument types and
differentiated in reverse mode without optimisation, and a small interpreter runs that IR
op by op, spelling each op with the code generator's own Python spelling
(``compiler/codegen.py``) and recording every value. The adjoint of value ``%k`` is the
last value named ``("grad", k)`` (the reverse pass accumulates fan-out with ``+``), so the
graph shows exactly the numbers the generated code computes.

The layout is a small Sugiyama-style layered layout in pure Python (longest-path layers,
dummy nodes on long wires, barycentre ordering, and vertical positions by isotonic
regression), drawn as SVG; no Graphviz or other system binary is needed. ``If`` regions
are drawn as boxes holding the branch that was taken; ``For``/``While`` regions as boxes
holding the body with the values of its last trip. ``collapse=True`` draws every region
as one node instead.
"""
from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .compiler import types as T
from .compiler.codegen import Emitter, const_text
from .compiler.frontend.source import params_of
from .compiler.ir import Block, Const, For, Function, If, Op, Var, While, blocks_of
from .compiler.primitives import P_ATOM, PRIMS

# ----------------------------------------------------------------------- the interpreter


class _Spell:
    """Lets :meth:`Emitter.expr` spell an op with every value named ``v<id>``."""

    jit = False
    checks: dict = {}      # Emitter.expr's explicit index checks: none in plain Python

    def name_of(self, a):
        if isinstance(a, Const):
            return const_text(a)
        return f"v{a.id}", P_ATOM


def _namespace() -> dict:
    from .runtime import support
    from .compiler.codegen import runtime_names
    ns = {"math": math, "np": np}
    for n in runtime_names():
        ns[n] = getattr(support, n)
    return ns


class EvalError(Exception):
    """The function raised while it was evaluated for the picture."""


def _snapshot(x):
    if isinstance(x, np.ndarray):
        return x.copy() if x.size <= 2_000_000 else x
    return x


class Interpreter:
    """Runs a :class:`Function` of the IR on Python values, recording each value's first and
    last assignment, the branch each ``If`` took and the trips of each loop."""

    def __init__(self, fn: Function):
        self.fn = fn
        self.env: dict[str, object] = {}
        self.first: dict[int, object] = {}
        self.last: dict[int, object] = {}
        self.taken: dict[int, bool] = {}        # id(If) -> took the then arm
        self.trips: dict[int, int] = {}         # id(For/While) -> trips of its last run
        self._code: dict[int, tuple] = {}
        self.ns = _namespace()

    def run(self, args):
        for p, a in zip(self.fn.params, args):
            self._set(p, a)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._block(self.fn.body)
        return tuple(self._val(a) for a in self.fn.results)

    def _val(self, a):
        return a.value if isinstance(a, Const) else self.env[f"v{a.id}"]

    def _set(self, v: Var, x) -> None:
        self.env[f"v{v.id}"] = x
        snap = _snapshot(x)
        self.first.setdefault(v.id, snap)
        self.last[v.id] = snap

    def _block(self, b: Block):
        for s in b.stmts:
            if isinstance(s, Op):
                self._op(s)
            elif isinstance(s, If):
                took = bool(self._val(s.cond))
                self.taken[id(s)] = took
                for v in s.outs:
                    self.taken[("out", v.id)] = took
                arm = s.then if took else s.orelse
                self._block(arm)
                for v, y in zip(s.outs, arm.yields):
                    self._set(v, self._val(y))
            elif isinstance(s, For):
                self._for(s)
            else:
                self._while(s)
        return b.yields

    def _op(self, s: Op) -> None:
        entry = self._code.get(id(s))
        if entry is None:
            text, _ = Emitter.expr(_Spell(), s)
            inplace = PRIMS[s.prim].inplace
            entry = (compile(text, "<flatgrad graph>", "exec" if inplace else "eval"), inplace, text)
            self._code[id(s)] = entry
        code, inplace, text = entry
        try:
            if inplace:
                exec(code, self.ns, self.env)
                result = self.env[f"v{s.args[0].id}"]
            else:
                result = eval(code, self.ns, self.env)
        except Exception as e:  # noqa: BLE001 - reported with the user's line
            where = f" at {s.loc.file}:{s.loc.line}" if s.loc else ""
            raise EvalError(f"{type(e).__name__}: {e}{where}") from e
        if len(s.outs) == 1:
            self._set(s.outs[0], result)
        elif s.outs:
            for v, x in zip(s.outs, result):
                self._set(v, x)

    def _for(self, s: For) -> None:
        start, stop, step = (int(self._val(a)) for a in (s.start, s.stop, s.step))
        carried = [self._val(a) for a in s.init]
        index, *params = s.body.params
        trips = 0
        for i in range(start, stop, step):
            self._set(index, i)
            for p, c in zip(params, carried):
                self._set(p, c)
            carried = [self._val(y) for y in self._block(s.body)]
            trips += 1
        self.trips[id(s)] = trips
        for v in s.outs:
            self.trips[("out", v.id)] = trips
        for v, c in zip(s.outs, carried):
            self._set(v, c)

    def _while(self, s: While) -> None:
        carried = [self._val(a) for a in s.init]
        trips = 0
        while True:
            for p, c in zip(s.cond.params, carried):
                self._set(p, c)
            if not bool(self._val(self._block(s.cond)[0])):
                break
            for p, c in zip(s.body.params, carried):
                self._set(p, c)
            carried = [self._val(y) for y in self._block(s.body)]
            trips += 1
            if trips > 10_000_000:
                raise EvalError("the while loop ran more than 10^7 trips")
        self.trips[id(s)] = trips
        for v in s.outs:
            self.trips[("out", v.id)] = trips
        for v, c in zip(s.outs, carried):
            self._set(v, c)


def _adjoints(ir: Function, run: Interpreter) -> dict[int, object]:
    """Var id -> its gradient: the last adjoint named after it, preferring the outermost."""
    best: dict[int, tuple[int, object]] = {}

    def visit(b: Block, depth: int) -> None:
        defined = list(b.params)
        for s in b.stmts:
            defined.extend(getattr(s, "outs", ()))
        for v in defined:
            if v.of and v.of[0] == "grad" and v.id in run.first:
                k = v.of[1]
                # outermost wins; at one depth the later definition (the accumulated sum);
                # inside a reversed loop the first trip run is the forward pass's last trip
                value = run.last[v.id] if depth == 0 else run.first[v.id]
                if k not in best or depth <= best[k][0]:
                    best[k] = (depth, value)
        for s in b.stmts:
            for inner in blocks_of(s):
                visit(inner, depth + 1)

    visit(ir.body, 0)
    return {k: v for k, (_, v) in best.items()}


# ----------------------------------------------------------------------- formatting

MINUS = "\u2212"


def _num(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x)).replace("-", MINUS)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "inf"
    if x == 0 or 0.01 <= abs(x) < 1e4:
        text = f"{x:.2f}"
        if text in ("-0.00",):
            text = f"{x:.1e}"
    else:
        text = f"{x:.2e}"
    return text.replace("-", MINUS)


def summary(x) -> str:
    """A short text for a value: a number, or an array's shape and norm (or its values)."""
    if x is None:
        return "?"
    if isinstance(x, tuple):
        return "(" + ", ".join(map(summary, x)) + ")"
    if isinstance(x, np.ndarray):
        shape = "(" + ",".join(map(str, x.shape)) + ("," if x.ndim == 1 else "") + ")"
        if x.size <= 3:
            return shape + " [" + " ".join(_num(v) for v in x.ravel()) + "]"
        if x.dtype.kind in "iub":
            head = " ".join(_num(v) for v in x.ravel()[:3])
            return f"{shape} [{head} \u2026]"
        return f"{shape} \u2016\u00b7\u2016={_num(float(np.linalg.norm(x)))}"
    return _num(x)


SYMBOLS = {"add": "+", "sub": MINUS, "mul": "*", "div": "/", "floordiv": "//", "mod": "%",
           "pow": "**", "neg": MINUS, "matmul": "@", "lt": "<", "le": "\u2264", "gt": ">",
           "ge": "\u2265", "eq": "==", "ne": "!=", "not": "not", "and": "and", "or": "or",
           "amax": "max", "amin": "min", "getitem": "[ ]", "transpose": ".T", "select": "where",
           "copy": "=", "copy_array": "copy", "dim": "shape"}


def _op_label(s: Op) -> str:
    label = SYMBOLS.get(s.prim, s.prim)
    extra = []
    for k, v in s.params:
        if k in ("axis",) and v is not None:
            extra.append(f"axis={v}")
        elif k == "keepdims" or k == "spec" or v is None or v is False:
            continue
        elif k not in ("dtype", "ndim"):
            extra.append(f"{k}={v}")
    if extra and s.prim in ("sum", "amax", "amin", "prod", "dim", "mean"):
        label += "(" + ",".join(extra) + ")"
    return label


# ----------------------------------------------------------------------- the graph


@dataclass
class Node:
    id: int
    kind: str                 # input, op, const, output, carried, marker, region
    label: str
    group: int | None = None
    title: str = ""
    name: str = ""            # the user's variable this node computes
    # layout
    layer: int = 0
    order: float = 0.0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass
class Edge:
    src: int
    dst: int
    var: object               # the Var or Const the wire carries
    fwd: str = ""
    grad: str = ""
    slot: int = 0             # which input of dst
    points: list = field(default_factory=list)


@dataclass
class Group:
    id: int
    title: str
    parent: int | None
    depth: int


class _Builder:
    """Primal IR + recorded values -> nodes, wires and region boxes."""

    def __init__(self, primal: Function, run: Interpreter, grads: dict, collapse: bool,
                 out_name: str):
        self.run, self.grads, self.collapse = run, grads, collapse
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.groups: list[Group] = []
        self.src: dict[int, int] = {}
        self.params = {p.id for p in primal.params}
        self.results = tuple(primal.results)
        for p in primal.params:
            self.src[p.id] = self.node("input", p.hint or f"%{p.id}").id
        self.block(primal.body, None)
        out = self.node("output", out_name)
        for k, r in enumerate(primal.results):
            self.wire(r, out, k, show_name=False)

    def node(self, kind, label, group=None, title="") -> Node:
        n = Node(len(self.nodes), kind, label, group, title)
        self.nodes.append(n)
        return n

    def wire(self, a, dst: Node, slot: int, show_name=True) -> None:
        if isinstance(a, Const):
            c = self.node("const", summary(a.value), dst.group)
            self.edges.append(Edge(c.id, dst.id, a, "", "", slot))
            return
        if a.id not in self.src:
            return
        src = self.nodes[self.src[a.id]]
        value = self.run.last.get(a.id)
        fwd = summary(value)
        g = self.grads.get(a.id)
        grad = ""
        if g is not None and T.is_float(a.type):
            grad = summary(g)
            if isinstance(value, np.ndarray) and not isinstance(g, np.ndarray):
                grad = summary(value).split(" ")[0] + " all " + grad
        self.edges.append(Edge(src.id, dst.id, a, fwd, grad, slot))

    def alias(self, out: Var, y, group) -> None:
        if isinstance(y, Const):
            self.src[out.id] = self.node("const", summary(y.value), group).id
        elif y.id in self.src:
            self.src[out.id] = self.src[y.id]

    def new_group(self, title, parent) -> int:
        depth = 0 if parent is None else self.groups[parent].depth + 1
        self.groups.append(Group(len(self.groups), title, parent, depth))
        return len(self.groups) - 1

    def block(self, b: Block, group) -> None:
        for s in b.stmts:
            if isinstance(s, Op):
                n = self.node("op", _op_label(s), group, s.prim)
                named = [v.hint for v in s.outs if v.hint]
                if named and not (s.outs[0] in self.results and named[0] == "L"):
                    n.name = named[0]
                for k, a in enumerate(s.args):
                    self.wire(a, n, k)
                for v in s.outs:
                    self.src[v.id] = n.id
            elif self.collapse or not self._ran(s):
                self.region_node(s, group)
            elif isinstance(s, If):
                took = self._taken(s)
                g = self.new_group(f"if \u2014 the {'if' if took else 'else'} branch was taken",
                                   group)
                marker = self.node("marker", "if", g, "the condition")
                self.wire(s.cond, marker, 0)
                arm = s.then if took else s.orelse
                self.block(arm, g)
                for v, y in zip(s.outs, arm.yields):
                    self.alias(v, y, g)
            else:
                trips = self._trips(s)
                kind = "for" if isinstance(s, For) else "while"
                g = self.new_group(f"{kind} loop \u2014 {trips} trip{'s' * (trips != 1)}; "
                                   f"values of the last trip", group)
                params = s.body.params[1:] if isinstance(s, For) else s.body.params
                if isinstance(s, For):
                    idx = s.body.params[0]
                    inode = self.node("carried", idx.hint or "i", g, "the loop index")
                    self.src[idx.id] = inode.id
                    for k, a in enumerate((s.start, s.stop, s.step)):
                        if isinstance(a, Var):
                            self.wire(a, inode, k)
                for k, (p, a) in enumerate(zip(params, s.init)):
                    c = self.node("carried", p.hint or f"carried {k}", g)
                    self.wire(a, c, 0)
                    self.src[p.id] = c.id
                    if isinstance(s, While):
                        self.src[s.cond.params[k].id] = c.id
                if isinstance(s, While):
                    self.block(s.cond, g)
                self.block(s.body, g)
                for v, y in zip(s.outs, s.body.yields):
                    self.alias(v, y, g)

    def _taken(self, s):
        t = self.run.taken.get(id(s))
        if t is None and s.outs:
            t = self.run.taken.get(("out", s.outs[0].id))
        return t

    def _trips(self, s) -> int:
        t = self.run.trips.get(id(s))
        if t is None and s.outs:
            t = self.run.trips.get(("out", s.outs[0].id))
        return t or 0

    def _ran(self, s) -> bool:
        if isinstance(s, If):
            return self._taken(s) is not None
        return self._trips(s) > 0

    def region_node(self, s, group) -> None:
        from .compiler.rewrite import free_vars
        if isinstance(s, If):
            took = self._taken(s)
            label = "if" if took is None else ("if \u2192 if" if took else "if \u2192 else")
            ins = [s.cond]
        elif isinstance(s, For):
            label = f"for \u00d7{self._trips(s)}"
            ins = [s.start, s.stop, s.step, *s.init]
        else:
            label = f"while \u00d7{self._trips(s)}"
            ins = list(s.init)
        seen = {a.id for a in ins if isinstance(a, Var)}
        for b in blocks_of(s):
            for v in free_vars(b).values():
                if v.id not in seen:
                    seen.add(v.id)
                    ins.append(v)
        n = self.node("region", label, group)
        slot = 0
        for a in ins:
            if isinstance(a, Const) and not isinstance(s, If):
                continue
            self.wire(a, n, slot)
            slot += 1
        for v in s.outs:
            self.src[v.id] = n.id

    def prune(self) -> None:
        """Drop what does not reach the result (the dead ends of the IR)."""
        out = next(n.id for n in self.nodes if n.kind == "output")
        preds: dict[int, list[int]] = {}
        for e in self.edges:
            preds.setdefault(e.dst, []).append(e.src)
        keep = {out}
        keep.update(n.id for n in self.nodes if n.kind in ("input", "marker"))
        stack = list(keep)
        while stack:
            n = stack.pop()
            for p in preds.get(n, ()):
                if p not in keep:
                    keep.add(p)
                    stack.append(p)
        self.edges = [e for e in self.edges if e.src in keep and e.dst in keep]
        self.nodes = [n for n in self.nodes if n.id in keep]


# ----------------------------------------------------------------------- layout

FONT = 13          # node labels
LFONT = 11.5       # wire labels (monospace)
CHAR = 0.62 * LFONT
LANE = 40          # vertical room of one labelled wire


def _text_w(text: str, size: float = LFONT) -> float:
    return 0.62 * size * len(text)


def _size(n: Node) -> None:
    if n.kind == "input":
        n.w, n.h = _text_w(n.label, FONT + 1) + 6, 24
    elif n.kind == "output":
        n.w, n.h = _text_w(n.label, FONT + 1) + 6, 24
    elif n.kind == "const":
        n.w, n.h = _text_w(n.label) + 10, 20
    elif n.kind == "dummy":
        n.w, n.h = 0, 14
    elif n.kind in ("op", "marker", "carried") and len(n.label) <= 2:
        n.w = n.h = 34
    else:
        n.w, n.h = _text_w(n.label, FONT) + 18, 28


def _isotonic(d: list[float]) -> list[float]:
    """Non-decreasing z minimising sum (z - d)^2 (pool adjacent violators)."""
    blocks: list[list[float]] = []   # [mean, weight]
    for v in d:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out = []
    for m, w in blocks:
        out.extend([m] * int(w))
    return out


def _split_inputs(nodes: list[Node], edges: list[Edge], layer: dict, succ: dict) -> None:
    """An input read far to the right gets a copy of its label next to that use (as circuit
    diagrams repeat an input), instead of a wire across the whole picture."""
    next_id = max(n.id for n in nodes) + 1
    for n in list(nodes):
        if n.kind != "input" or not succ[n.id]:
            continue
        outs = [e for e in edges if e.src == n.id]
        first = min(layer[e.dst] for e in outs)
        home = 0 if first <= 3 else first - 1
        layer[n.id] = home
        copies: dict[int, Node] = {}
        for e in outs:
            L = layer[e.dst]
            if L - home <= 3:
                continue
            c = copies.get(L)
            if c is None:
                c = Node(next_id, "input", n.label, None, n.title)
                next_id += 1
                layer[c.id] = L - 1
                copies[L] = c
                nodes.append(c)
            e.src = c.id


def layout(nodes: list[Node], edges: list[Edge]) -> tuple[float, float, list]:
    """Place nodes in layers left to right; route each wire. Returns width, height and the
    layers' x extents."""
    by_id = {n.id: n for n in nodes}
    succ: dict[int, list[int]] = {n.id: [] for n in nodes}
    pred: dict[int, list[int]] = {n.id: [] for n in nodes}
    for e in edges:
        succ[e.src].append(e.dst)
        pred[e.dst].append(e.src)
    # topological order (the IR is in program order already; nodes were made in it)
    order = [n.id for n in nodes]
    # longest path from the inputs; constants and inputs wait
    layer = {}
    for i in order:
        n = by_id[i]
        ps = [layer[p] for p in pred[i] if by_id[p].kind not in ("const",)]
        layer[i] = 0 if n.kind == "input" else (max(ps) + 1 if ps else 1)
    # pull nodes with a single use towards it (shorter wires), never the inputs
    for i in reversed(order):
        n = by_id[i]
        if n.kind in ("input", "output") or not succ[i]:
            continue
        want = min(layer[s] for s in succ[i]) - 1
        if n.kind == "const" or want > layer[i]:
            layer[i] = max(want, 0 if n.kind == "const" else layer[i])
    for i in order:
        if by_id[i].kind == "const" and succ[i]:
            layer[i] = max(0, min(layer[s] for s in succ[i]) - 1)
    last = max(layer.values()) + 1
    for n in nodes:
        if n.kind == "output":
            layer[n.id] = last
    _split_inputs(nodes, edges, layer, succ)
    by_id = {n.id: n for n in nodes}
    for n in nodes:
        n.layer = layer[n.id]
        _size(n)
    # dummy nodes on long wires
    all_nodes = list(nodes)
    chains: dict[int, list[Node]] = {}
    next_id = max(n.id for n in nodes) + 1
    for k, e in enumerate(edges):
        a, b = by_id[e.src].layer, by_id[e.dst].layer
        chain = []
        for L in range(a + 1, b):
            d = Node(next_id, "dummy", "", by_id[e.dst].group)
            next_id += 1
            d.layer = L
            _size(d)
            chain.append(d)
            all_nodes.append(d)
        chains[k] = chain
    ids = {n.id: n for n in all_nodes}
    up: dict[int, list[int]] = {n.id: [] for n in all_nodes}
    down: dict[int, list[int]] = {n.id: [] for n in all_nodes}
    for k, e in enumerate(edges):
        path = [e.src] + [d.id for d in chains[k]] + [e.dst]
        for s, t in zip(path, path[1:]):
            down[s].append(t)
            up[t].append(s)
    layers: list[list[Node]] = [[] for _ in range(last + 1)]
    for n in all_nodes:
        layers[n.layer].append(n)
    for L in layers:
        for k, n in enumerate(L):
            n.order = k
    # crossing reduction: barycentre sweeps, regions kept together
    def sweep(L: list[Node], nbrs) -> None:
        for n in L:
            ns = nbrs[n.id]
            n._bary = sum(ids[m].order for m in ns) / len(ns) if ns else n.order
        gb: dict = {}
        for n in L:
            gb.setdefault(n.group, []).append(n._bary)
        L.sort(key=lambda n: ((sum(gb[n.group]) / len(gb[n.group])) if n.group is not None
                              else n._bary, n._bary))
        for k, n in enumerate(L):
            n.order = k

    for _ in range(6):
        for L in layers[1:]:
            sweep(L, up)
        for L in reversed(layers[:-1]):
            sweep(L, down)
    for L in layers[1:]:
        sweep(L, up)
    # room each node needs vertically: its incoming labelled wires fan out in lanes
    nin: dict[int, int] = {}
    for e in edges:
        nin[e.dst] = nin.get(e.dst, 0) + 1

    def room(n: Node) -> float:
        lanes = nin.get(n.id, 0) if n.kind != "dummy" else 0
        return max(n.h + 14, lanes * LANE, LANE if n.kind not in ("dummy",) else 18)

    # vertical positions: each node near the mean of its neighbours, no overlaps
    for L in layers:
        y = 0.0
        for n in L:
            n.y = y + room(n) / 2
            y += room(n)

    def place(L: list[Node], nbrs_list) -> None:
        if not L:
            return
        want = []
        for n in L:
            ys = [ids[m].y for nb in nbrs_list for m in nb[n.id]]
            want.append(sum(ys) / len(ys) if ys else n.y)
        offs, acc = [], 0.0
        for k, n in enumerate(L):
            if k:
                acc += (room(L[k - 1]) + room(n)) / 2
            offs.append(acc)
        z = _isotonic([w - o for w, o in zip(want, offs)])
        for n, zz, o in zip(L, z, offs):
            n.y = zz + o

    for _ in range(12):
        for L in layers[1:]:
            place(L, (up,))
        for L in reversed(layers[:-1]):
            place(L, (down,))
    for L in layers:
        place(L, (up, down))
    # horizontal positions: each gap wide enough for the labels of the wires that end in the
    # next layer
    label_w = [0.0] * (last + 2)
    for e in edges:
        w = max(_text_w(e.fwd), _text_w(e.grad))
        L = by_id[e.dst].layer
        label_w[L] = max(label_w[L], w)
    widths = [max((n.w for n in L), default=0) for L in layers]
    xs, x = [], 0.0
    for L in range(last + 1):
        if L:
            x += widths[L - 1] / 2 + max(label_w[L] + 52, 70) + widths[L] / 2
        xs.append(x)
    for n in all_nodes:
        n.x = xs[n.layer]
    # inputs right-aligned to their wires, output left-aligned
    # route
    for k, e in enumerate(edges):
        s, t = by_id[e.src], by_id[e.dst]
        pts = [(s.x + s.w / 2, s.y)] + [(d.x, d.y) for d in chains[k]]
        e.points = pts
    # lanes of the wires that enter one node: top to bottom by where they come from
    into: dict[int, list[Edge]] = {}
    for e in edges:
        into.setdefault(e.dst, []).append(e)
    for dst, es in into.items():
        t = by_id[dst]
        es.sort(key=lambda e: (e.points[-1][1], e.slot))
        n = len(es)
        for k, e in enumerate(es):
            e.lane_y = t.y + (k - (n - 1) / 2) * LANE
            e.end = (t.x - t.w / 2, t.y + (k - (n - 1) / 2) * min(8, t.h / (n + 1)))
    ys = [n.y - room(n) / 2 for n in all_nodes] + [n.y + room(n) / 2 for n in all_nodes]
    for e in edges:
        ys += [e.lane_y - LANE / 2, e.lane_y + LANE / 2]
    top = min(ys)
    left = min(n.x - n.w / 2 for n in all_nodes)
    for n in all_nodes:
        n.x -= left
        n.y -= top
    for e in edges:
        e.points = [(x - left, y - top) for x, y in e.points]
        e.lane_y -= top
        e.end = (e.end[0] - left, e.end[1] - top)
    right = max(n.x + n.w / 2 for n in all_nodes)
    bottom = max(ys) - top
    return right, bottom, chains


# ----------------------------------------------------------------------- SVG

GREEN, RED, WIRE, INK = "#1b7f3a", "#c62828", "#5b5f66", "#22252a"
BOX = ["#eef4ff", "#fff6e6", "#eefaf0", "#f7eefc"]


def _curve(p, q) -> str:
    dx = (q[0] - p[0]) / 2
    return f"C {p[0] + dx:.1f},{p[1]:.1f} {q[0] - dx:.1f},{q[1]:.1f} {q[0]:.1f},{q[1]:.1f}"


def render_svg(g: "Graph") -> str:
    from copy import copy
    nodes, edges, groups = [copy(n) for n in g.nodes], [copy(e) for e in g.edges], g.groups
    width, height, _ = layout(nodes, edges)
    pad, head = 24, 58
    ox, oy = pad, head + 12
    # region boxes
    boxes = []
    for grp in sorted(groups, key=lambda x: x.depth):
        members = _members(grp.id, groups, nodes)
        if not members:
            continue
        x0 = min(n.x - n.w / 2 for n in members) - 18 + grp.depth * 0
        x1 = max(n.x + n.w / 2 for n in members) + 18
        y0 = min(n.y - n.h / 2 for n in members) - 34
        y1 = max(n.y + n.h / 2 for n in members) + 16
        boxes.append((grp, x0, y0, x1, y1))
    extra_top = min([0.0] + [b[2] for b in boxes])
    oy -= extra_top
    W = width + 2 * pad
    H = height + oy + pad + max([0.0] + [b[4] - height for b in boxes])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}" '
           f'viewBox="0 0 {W:.0f} {H:.0f}" font-family="Helvetica, Arial, sans-serif">',
           "<style>.v{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:%spx}"
           "</style>" % LFONT,
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{pad}" y="26" font-size="16" font-weight="bold" fill="{INK}">'
           f'{html.escape(g.title)}</text>',
           f'<text x="{pad}" y="46" font-size="12" fill="#555">'
           f'<tspan fill="{GREEN}">\u25a0 forward value (above each wire)</tspan>'
           f'<tspan dx="14" fill="{RED}">\u25a0 gradient \u2202{html.escape(g.out_name)}/\u2202\u00b7 '
           f'(below)</tspan>'
           + (f'<tspan dx="14">arrays: shape and \u2016\u00b7\u2016 (2-norm)</tspan>'
              if any(isinstance(v, Var) and T.is_array(v.type) for v in (e.var for e in edges))
              else "") + '</text>',
           f'<g transform="translate({ox:.1f},{oy:.1f})">']
    for grp, x0, y0, x1, y1 in boxes:
        out.append(f'<g class="region"><title>{html.escape(grp.title)}</title>'
                   f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
                   f'rx="10" fill="{BOX[grp.depth % len(BOX)]}" stroke="#9aa4b2" '
                   f'stroke-dasharray="5 4"/>'
                   f'<text x="{x0 + 10:.1f}" y="{y0 + 17:.1f}" font-size="12" fill="#445">'
                   f'{html.escape(grp.title)}</text></g>')
    by_id = {n.id: n for n in nodes}
    for e in edges:
        pts = e.points
        ex, ey = e.end
        run_end = ex - 18
        label_w = max(_text_w(e.fwd), _text_w(e.grad))
        run_start = max(pts[-1][0] + 20, run_end - label_w - 8)
        d = f"M {pts[0][0]:.1f},{pts[0][1]:.1f}"
        for p, q in zip(pts, pts[1:]):
            d += " " + _curve(p, q)
        d += " " + _curve(pts[-1], (run_start, e.lane_y))
        d += f" L {run_end:.1f},{e.lane_y:.1f} " + _curve((run_end, e.lane_y), (ex, ey))
        src = by_id[e.src]
        dash = ' stroke-dasharray="3 3"' if src.kind == "const" else ""
        out.append(f'<path d="{d}" fill="none" stroke="{WIRE}" stroke-width="1.4"{dash}/>')
        tx = run_end - 2
        if e.fwd:
            out.append(f'<text class="v" x="{tx:.1f}" y="{e.lane_y - 4:.1f}" text-anchor="end" '
                       f'fill="{GREEN}">{html.escape(e.fwd)}</text>')
        if e.grad:
            out.append(f'<text class="v" x="{tx:.1f}" y="{e.lane_y + LFONT + 1:.1f}" '
                       f'text-anchor="end" fill="{RED}">{html.escape(e.grad)}</text>')
    for n in nodes:
        label = html.escape(n.label)
        tip = f"<title>{html.escape(n.title or n.label)}</title>"
        if n.kind == "input":
            out.append(f'<g>{tip}<text x="{n.x + n.w / 2 - 2:.1f}" y="{n.y + 5:.1f}" '
                       f'text-anchor="end" font-size="{FONT + 1}" font-weight="bold" '
                       f'fill="{INK}">{label}</text></g>')
        elif n.kind == "output":
            out.append(f'<g>{tip}<circle cx="{n.x - n.w / 2:.1f}" cy="{n.y:.1f}" r="3" '
                       f'fill="{INK}"/><text x="{n.x - n.w / 2 + 8:.1f}" y="{n.y + 5:.1f}" '
                       f'font-size="{FONT + 1}" font-weight="bold" fill="{INK}">{label}</text></g>')
        elif n.kind == "const":
            out.append(f'<g>{tip}<text class="v" x="{n.x:.1f}" y="{n.y + 4:.1f}" '
                       f'text-anchor="middle" fill="#777">{label}</text></g>')
        else:
            fill = {"region": "#e8ecf4", "carried": "#f4f4f4", "marker": "#fffbe6"}.get(n.kind, "white")
            if n.w == n.h:
                shape = (f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="{n.w / 2:.1f}" fill="{fill}" '
                         f'stroke="{INK}" stroke-width="1.5"/>')
            else:
                shape = (f'<rect x="{n.x - n.w / 2:.1f}" y="{n.y - n.h / 2:.1f}" width="{n.w:.1f}" '
                         f'height="{n.h:.1f}" rx="{n.h / 2:.1f}" fill="{fill}" stroke="{INK}" '
                         f'stroke-width="1.5"/>')
            name = (f'<text x="{n.x:.1f}" y="{n.y - n.h / 2 - 5:.1f}" text-anchor="middle" '
                    f'font-size="{FONT}" font-weight="bold" font-style="italic" fill="#335">'
                    f'{html.escape(n.name)}</text>') if n.name else ""
            big = n.w == n.h and n.label in ("*", "+", MINUS, "/", "@", "**")
            out.append(f'<g>{tip}{shape}<text x="{n.x:.1f}" y="{n.y + (6 if big else 4.5):.1f}" '
                       f'text-anchor="middle" font-size="{FONT + 4 if big else FONT}" '
                       f'fill="{INK}">{label}</text>'
                       f'{name}</g>')
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def _members(gid: int, groups: list[Group], nodes: list[Node]) -> list[Node]:
    inside = {gid}
    changed = True
    while changed:
        changed = False
        for g in groups:
            if g.parent in inside and g.id not in inside:
                inside.add(g.id)
                changed = True
    return [n for n in nodes if n.group in inside]


# ----------------------------------------------------------------------- public object


class Graph:
    """The computational graph of a function at one point, with every wire's forward
    value and gradient. Jupyter shows it (``_repr_svg_``); ``.save(path)`` writes SVG, or
    PNG when ``cairosvg`` is installed."""

    def __init__(self, title, out_name, nodes, edges, groups, value, grads, params):
        self.title, self.out_name = title, out_name
        self.nodes, self.edges, self.groups = nodes, edges, groups
        self.value = value          # f(*args)
        self.grads = grads          # parameter name -> gradient (for the wrt parameters)
        self.params = params
        self._svg = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = render_svg(self)
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg

    @property
    def wires(self) -> list[tuple[str, str, str, str]]:
        """(from, to, forward text, gradient text) for every wire."""
        by_id = {n.id: n for n in self.nodes}
        return [(by_id[e.src].label, by_id[e.dst].label, e.fwd, e.grad) for e in self.edges]

    def save(self, path) -> str:
        path = str(path)
        if path.lower().endswith(".png"):
            try:
                import cairosvg
            except ImportError:
                raise RuntimeError("writing PNG needs cairosvg (pip install cairosvg); "
                                   "or save as .svg") from None
            cairosvg.svg2png(bytestring=self.svg.encode(), write_to=path, scale=1.5)
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.svg)
        return path

    def __repr__(self) -> str:
        return f"<flatgrad graph of {self.title}: {len(self.nodes)} nodes, {len(self.edges)} wires>"


def _wrt_indices(fn, wrt, sig) -> tuple[int, ...]:
    params = params_of(fn)
    if wrt is None:
        return tuple(i for i, t in enumerate(sig) if T.is_float(t))
    if isinstance(wrt, (int, str)):
        wrt = (wrt,)
    out = []
    for w in wrt:
        if isinstance(w, str):
            if w not in params:
                raise ValueError(f"{fn.__name__} has no parameter {w!r}")
            w = params.index(w)
        out.append(int(w))
    return tuple(out)


def graph(f, *args, wrt=None, collapse: bool = False, title: str | None = None) -> Graph:
    """The computational graph of ``f`` at ``args``: every operation a node, every wire
    labelled with its forward value (green) and the gradient of ``f``'s result with respect
    to it (red). ``wrt`` (indices or names) picks the parameters to differentiate (default:
    every float argument); ``collapse=True`` draws loops and branches as single nodes.

    >>> g = fg.graph(f, 2.0, -1.0, -3.0, -2.0, -3.0)
    >>> g.save("neuron.svg")          # or display g in Jupyter
    """
    from dataclasses import replace

    from .compiler.custom_rules import expand_custom
    from .compiler.frontend import lower_function
    from .compiler.reverse import reverse_ad
    from .runtime.dispatch import classify as _classify

    fn = getattr(f, "__wrapped__", f) if not hasattr(f, "__code__") else f
    if not hasattr(fn, "__code__"):
        raise TypeError(f"graph draws Python functions, not {type(f).__name__}")
    code = fn.__code__
    params = params_of(fn)
    defaults = fn.__defaults__ or ()
    if len(args) < len(params) and len(args) >= len(params) - len(defaults):
        args = tuple(args) + tuple(defaults[len(args) - (len(params) - len(defaults)):])
    if len(args) != len(params):
        raise TypeError(f"{fn.__name__}() takes {len(params)} argument(s) "
                        f"({', '.join(params)}), got {len(args)}")
    # types: floats (and float arrays) are differentiable unless wrt says otherwise
    sig, values = [], []
    for i, (name, a) in enumerate(zip(params, args)):
        floaty = isinstance(a, float) or (isinstance(a, (list, tuple, np.ndarray)) and
                                          np.asarray(a).dtype.kind == "f")
        t, v, _ = _classify(name, a, floaty)
        sig.append(t)
        values.append(v)
    nums = _wrt_indices(fn, wrt, sig)
    for i in nums:
        if not 0 <= i < len(params):
            raise ValueError(f"wrt: {fn.__name__} has no parameter number {i}")
        if not T.is_float(sig[i]):
            t, v, _ = _classify(params[i], args[i], True)
            sig[i], values[i] = t, v
    primal = lower_function(fn, tuple(sig))
    out = primal.results[0] if len(primal.results) == 1 else None
    differentiable = (out is not None and isinstance(out.type, T.Scalar) and T.is_float(out.type)
                      and nums)
    ir = expand_custom(reverse_ad(primal, nums, True) if differentiable else primal)
    run = Interpreter(ir)
    try:
        results = run.run(values)
    except EvalError as e:
        raise EvalError(f"{fn.__name__} raised {e}") from e.__cause__
    grads = _adjoints(ir, run) if differentiable else {}
    out_name = (out.hint if out is not None and out.hint else "f") if differentiable else "out"
    b = _Builder(primal, run, grads, collapse, out_name)
    b.prune()
    shown = ", ".join(f"{p}={summary(v) if not isinstance(v, float) else _short(v)}"
                      for p, v in zip(params, values))
    value = results[0] if differentiable or len(results) == 1 else results
    if title is None:
        title = f"{fn.__name__}({shown}) = {summary(value)}"
    pgrads = {params[i]: grads.get(primal.params[i].id) for i in nums} if differentiable else {}
    return Graph(title, out_name, b.nodes, b.edges, b.groups, value, pgrads, params)


def _short(v: float) -> str:
    return f"{v:g}".replace("-", MINUS)
