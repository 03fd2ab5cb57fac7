"""The IR: typed, structured SSA made of small frozen records.

A :class:`Function` is a :class:`Block` with a name and parameters. A block is a
list of statements and the values it yields. Statements are :class:`Op` (one
primitive application) or a structured region (:class:`If`, :class:`For`,
:class:`While`) whose inner blocks take parameters and yield values, like MLIR's
``scf`` or JAX's ``cond``/``scan``/``while``. Values have no names: the emitter
names them in program order from their hints.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Union

from .errors import SourceLoc
from .types import Type


@dataclass(frozen=True, slots=True)
class Var:
    id: int
    type: Type
    hint: str | None = None          # the user's name, if any
    of: tuple[str, int] | None = None  # ("grad", id): named after another value

    def __str__(self) -> str:
        if self.hint:
            return f"%{self.id}({self.hint})"
        if self.of:
            return f"%{self.id}({self.of[0]} %{self.of[1]})"
        return f"%{self.id}"


@dataclass(frozen=True, slots=True)
class Const:
    value: Any
    type: Type

    def __str__(self) -> str:
        return repr(self.value)


Atom = Union[Var, Const]


@dataclass(frozen=True, slots=True)
class Op:
    prim: str
    args: tuple[Atom, ...]
    outs: tuple[Var, ...]
    params: tuple[tuple[str, Any], ...] = ()
    loc: SourceLoc | None = None

    def param(self, key: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == key:
                return v
        return default


@dataclass(frozen=True, slots=True)
class Block:
    params: tuple[Var, ...]
    stmts: tuple["Stmt", ...]
    yields: tuple[Atom, ...]


@dataclass(frozen=True, slots=True)
class If:
    """`outs = then.yields if cond else orelse.yields`; both blocks take no params."""

    cond: Atom
    then: Block
    orelse: Block
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None


@dataclass(frozen=True, slots=True)
class For:
    """`for i in range(start, stop, step)` carrying values.

    ``body.params`` is ``(i, *carried)``; ``body.yields`` the carried values for the
    next trip; ``outs`` the carried values after the last trip (``init`` if none).
    """

    start: Atom
    stop: Atom
    step: Atom
    init: tuple[Atom, ...]
    body: Block
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None
    parallel: bool = False      # trips independent (vmap's loop): Numba's prange may run it

    @property
    def carried(self) -> tuple[Var, ...]:
        """The body's parameters for the carried values (after the index)."""
        return self.body.params[1:]


@dataclass(frozen=True, slots=True)
class While:
    """`while cond(carried): carried = body(carried)`.

    ``cond.params`` and ``body.params`` are the carried values; ``cond.yields`` is one
    boolean; ``body.yields`` the next carried values.
    """

    init: tuple[Atom, ...]
    cond: Block
    body: Block
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None

    @property
    def carried(self) -> tuple[Var, ...]:
        return self.body.params


Stmt = Union[Op, If, For, While]


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[Var, ...]
    body: Block
    loc: SourceLoc | None = None
    meta: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def results(self) -> tuple[Atom, ...]:
        return self.body.yields


def blocks_of(stmt: Stmt) -> tuple[Block, ...]:
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, For):
        return (stmt.body,)
    if isinstance(stmt, While):
        return (stmt.cond, stmt.body)
    return ()


def operands(stmt: Stmt) -> tuple[Atom, ...]:
    """The values a statement reads from its enclosing scope (not its blocks' bodies)."""
    if isinstance(stmt, Op):
        return stmt.args
    if isinstance(stmt, If):
        return (stmt.cond,)
    if isinstance(stmt, For):
        return (stmt.start, stmt.stop, stmt.step, *stmt.init)
    if isinstance(stmt, While):
        return stmt.init
    raise TypeError(stmt)


def walk(block: Block) -> Iterator[Stmt]:
    """Every statement of a block, nested regions included, in program order."""
    for s in block.stmts:
        yield s
        for b in blocks_of(s):
            yield from walk(b)


def uses(block: Block) -> dict[int, int]:
    """How many times each Var id is read anywhere inside ``block`` (yields included)."""
    count: dict[int, int] = {}

    def visit(b: Block) -> None:
        for s in b.stmts:
            for a in operands(s):
                if isinstance(a, Var):
                    count[a.id] = count.get(a.id, 0) + 1
            for inner in blocks_of(s):
                visit(inner)
        for a in b.yields:
            if isinstance(a, Var):
                count[a.id] = count.get(a.id, 0) + 1

    visit(block)
    return count


def max_id(fn: Function) -> int:
    ids = [p.id for p in fn.params]
    for s in walk(fn.body):
        ids.extend(v.id for v in getattr(s, "outs", ()))
        for b in blocks_of(s):
            ids.extend(p.id for p in b.params)
    return max(ids, default=-1)


# ---------------------------------------------------------------- printing

def _fmt_params(params) -> str:
    return "".join(f" {k}={v!r}" for k, v in params)


def _print_block(block: Block, indent: str, out: list[str]) -> None:
    for s in block.stmts:
        loc = f"  # {s.loc.file.rsplit('/', 1)[-1]}:{s.loc.line}" if s.loc else ""
        if isinstance(s, Op):
            lhs = ", ".join(f"{v}: {v.type}" for v in s.outs)
            args = " ".join(map(str, s.args))
            out.append(f"{indent}{lhs} = {s.prim} {args}{_fmt_params(s.params)}{loc}")
            continue
        lhs = ", ".join(map(str, s.outs))
        if isinstance(s, If):
            out.append(f"{indent}{lhs} = if {s.cond}:{loc}")
            _print_block(s.then, indent + "  ", out)
            out.append(f"{indent}else:")
            _print_block(s.orelse, indent + "  ", out)
        elif isinstance(s, For):
            ps = ", ".join(map(str, s.body.params))
            init = ", ".join(map(str, s.init))
            out.append(f"{indent}{lhs} = for ({ps}) in range({s.start}, {s.stop}, {s.step})"
                       f" from ({init}):{loc}")
            _print_block(s.body, indent + "  ", out)
        elif isinstance(s, While):
            ps = ", ".join(map(str, s.body.params))
            init = ", ".join(map(str, s.init))
            out.append(f"{indent}{lhs} = while ({ps}) from ({init}):{loc}")
            out.append(f"{indent}  cond ({', '.join(map(str, s.cond.params))}):")
            _print_block(s.cond, indent + "    ", out)
            out.append(f"{indent}  body:")
            _print_block(s.body, indent + "    ", out)
    if block.yields or indent:
        out.append(f"{indent}yield {', '.join(map(str, block.yields))}")


def dump(fn: Function) -> str:
    """The textual form of a function, used by ``flatgrad show --ir`` and golden tests."""
    params = ", ".join(f"{p}: {p.type}" for p in fn.params)
    out = [f"func {fn.name}({params}):"]
    _print_block(fn.body, "  ", out)
    out[-1] = out[-1].replace("yield", "return", 1)
    return "\n".join(out)


def substitute(a, m: dict):
    """``a`` with a Var replaced by ``m[a.id]`` where ``m`` maps it."""
    return m.get(a.id, a) if isinstance(a, Var) else a


def map_region(s, block_fn, m):
    """Apply ``m`` to a region's operands and run ``block_fn`` over its blocks."""
    if isinstance(s, If):
        return replace(s, cond=substitute(s.cond, m), then=block_fn(s.then),
                       orelse=block_fn(s.orelse))
    if isinstance(s, For):
        return replace(s, start=substitute(s.start, m), stop=substitute(s.stop, m),
                       step=substitute(s.step, m), init=tuple(substitute(a, m) for a in s.init),
                       body=block_fn(s.body))
    return replace(s, init=tuple(substitute(a, m) for a in s.init), cond=block_fn(s.cond),
                   body=block_fn(s.body))
