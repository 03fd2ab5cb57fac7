"""Every fact about a primitive lives in its stanza (compiler/primitives.py and the library's
``defprim`` calls): no pass keeps a table of primitive names of its own, and the runtime
helpers generated code calls are the ones the stanzas declare.

The checks read the source independently of the declarations: a regular expression over the
spellings' texts, an AST scan of compiler/ for module-level tables of primitive names (a
tuple, set or list of them, or a dict keyed by them; a table the stanzas are registered from,
as special.py's predicates, is the stanzas' own text), and the reviewed golden listings' calls.

What the scan leaves, on purpose: a pass's branches on one primitive's name inside a function
(``if p == "matmul"`` in diagonal.py, ``op in ("floordiv", "mod")`` guarding a division by
zero in lower.py's folding), which say how the pass's own rule for that primitive works, not a
fact other passes could read. The stanza says *that* such a rule exists (``diagonal=True``).
"""
import ast
import builtins
import re
from pathlib import Path

import pytest

import flatgrad  # noqa: F401  (registers every primitive)
from flatgrad.compiler import batching, codegen, forward, optimize
from flatgrad.compiler.codegen import EMITTER_HELPERS, runtime_names
from flatgrad.compiler.ir import Op
from flatgrad.compiler.library import BUILTIN
from flatgrad.compiler.primitives import PRIMS
from flatgrad.runtime import support

ROOT = Path(__file__).resolve().parents[2]
BARE_CALL = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*)\(")     # helper(...), not np.f(...) or 'a('


def test_the_old_side_tables_are_gone():
    """_SCALAR_ONLY, _SPANNING, _NEW_ARRAY and the hand-kept RUNTIME_NAMES became the stanza
    fields ``batch``, ``spans``, ``allocates`` and ``Spelling.helpers``."""
    assert not hasattr(batching, "_SCALAR_ONLY")
    assert not hasattr(forward, "_SPANNING")
    assert not hasattr(optimize, "_NEW_ARRAY")
    assert not hasattr(codegen, "RUNTIME_NAMES")
    assert {n for n, p in PRIMS.items() if p.spans} >= {"mul", "div", "pow"}
    assert not PRIMS["add"].spans          # x + y: a contribution may need broadcasting
    for name in ("matmul", "outer", "zeros", "copy_array", "exp", "add"):
        assert PRIMS[name].allocates, name
    for name in ("copy", "transpose", "getitem", "setitem", "index_add", "sum_to"):
        assert not PRIMS[name].allocates, name


def test_the_passes_tables_became_stanza_fields():
    """optimize's _GROWS, ranges' _SPEC_OPS/_TAPE_OPS/_OPAQUE, random's _DRAWING/_SHAPE_ONLY
    (and transforms' _DRAWS), diagonal's _SCALING, batching's _NO_RAISE, rows' _LINEAR/
    _LINEAR_ARRAY and lower's _INT_FOLD became ``accumulates``, ``indexes``, ``draws``,
    ``shape_args`` (with ``safe``), ``diagonal``, ``never_raises``, ``linear_in`` and
    ``folds_ints``: the same primitives as the tables held."""
    from flatgrad.compiler import diagonal, ranges, rows
    from flatgrad.compiler.frontend import lower, transforms
    from flatgrad.compiler.library import random
    from flatgrad.compiler.primitives import UNPROVEN
    for module, name in ((optimize, "_GROWS"), (ranges, "_SPEC_OPS"), (ranges, "_OPAQUE"),
                         (random, "_DRAWING"), (random, "_SHAPE_ONLY"), (diagonal, "_SCALING"),
                         (batching, "_NO_RAISE"), (rows, "_LINEAR"), (rows, "_LINEAR_ARRAY"),
                         (transforms, "_DRAWS"), (lower, "_INT_FOLD")):
        assert not hasattr(module, name), name

    def having(fact):
        return {n for n, p in PRIMS.items() if fact(p)}
    assert having(lambda p: p.accumulates) == {"index_add", "add_into"}
    assert having(lambda p: p.draws) == {"draw", "random_generator"}
    assert having(lambda p: p.indexes == UNPROVEN) == {"mask_select", "trip_draws"}
    assert {n: p.indexes for n, p in PRIMS.items() if p.indexes not in (None, UNPROVEN)} == {
        "getitem": 1, "setitem": 2, "index_add": 2, "tape_put": 1, "tape_get": 1}
    assert having(lambda p: p.diagonal) == {"mul", "div", "neg", "add", "sub", "copy",
                                            "sum_to", "matmul"}
    assert having(lambda p: p.shifts) == {"add", "sub", "mul", "div", "neg", "copy", "exp",
                                          "log", "sum", "amax", "amin", "unreduce",
                                          "broadcast_to"}
    assert having(lambda p: p.never_raises) == {
        "sum", "amax", "amin", "prod", "matmul", "outer", "einsum", "transpose", "reshape",
        "reshape_like", "expand_dims", "dim", "size", "copy_array", "zeros_like", "ones_like",
        "astype", "unreduce", "sum_to", "tape_alloc"}
    assert having(lambda p: p.linear_in == "each") == {"add", "sub", "neg", "copy", "float",
                                                       "astype"}
    assert having(lambda p: p.linear_in == "first") == {
        "sum", "transpose", "reshape", "reshape_like", "expand_dims", "getitem", "copy_array",
        "sum_to"}
    assert having(lambda p: p.folds_ints) == {"add", "sub", "mul", "floordiv", "mod"}
    for name in PRIMS:
        assert random._shape_only(Op(name, (), ())) == (name in ("dim", "size")), name


def _string_spellings(p):
    return [t for t in (p.spell.scalar, p.spell.array, p.spell.jit) if isinstance(t, str)]


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_a_spelling_declares_every_helper_it_calls(name):
    p = PRIMS[name]
    called = {n for t in _string_spellings(p) for n in BARE_CALL.findall(t)
              if not hasattr(builtins, n)}
    assert called <= set(p.helpers), f"{name} calls {sorted(called - set(p.helpers))} undeclared"


def test_every_declared_helper_exists_in_the_runtime():
    missing = [n for n in runtime_names() if not callable(getattr(support, n, None))]
    assert not missing
    assert set(EMITTER_HELPERS) <= set(runtime_names())


def test_the_golden_listings_call_only_declared_helpers():
    """What the reviewed listings call (and import) is builtins, NumPy/math, the module's own
    functions, or a helper some stanza declares."""
    declared = set(runtime_names())
    for path in sorted((ROOT / "tests" / "golden").glob("*.py")):
        text = path.read_text()
        if not text.startswith("# Generated by flatgrad"):
            continue
        tree = ast.parse(text)
        defined = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module == "flatgrad.runtime.support" for a in n.names}
        called = {c.func.id for c in ast.walk(tree)
                  if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
        outside = called - defined - set(dir(builtins))
        assert outside <= declared, (path.name, outside - declared)
        assert imported == outside, (path.name, imported, outside)


def _stanza_data(tree) -> set[str]:
    """The names a module-level loop registers stanzas from (``for n, .. in _PREDICATES.items():
    defprim(n, ..)``): the stanzas' own text, written as a table."""
    return {n.id for loop in tree.body if isinstance(loop, ast.For)
            if any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "defprim"
                   for c in ast.walk(loop))
            for n in ast.walk(loop.iter) if isinstance(n, ast.Name)}


def _prim_tables(path: Path):
    """Module-level names bound to a literal tuple/set/frozenset of two or more strings that
    are all primitive names, or to a dict keyed by them (stanza data excepted)."""
    tree = ast.parse(path.read_text())
    stanzas = _stanza_data(tree)
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        value = node.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("frozenset", "set"):
            value = value.args[0] if value.args else None
        if isinstance(value, ast.Dict):            # {prim: fact, ...}
            elts = value.keys
        elif isinstance(value, (ast.Tuple, ast.Set, ast.List)):
            elts = value.elts
        else:
            continue
        items = [e.value for e in elts if isinstance(e, ast.Constant)]
        if len(items) >= 2 and len(items) == len(elts) and all(
                isinstance(s, str) and s in PRIMS for s in items):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id not in stanzas:
                    yield t.id


def test_no_new_table_of_primitive_names_outside_the_stanzas():
    found = set()
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        found |= {(rel, n) for n in _prim_tables(path)}
    assert found == set(), "a primitive fact kept outside its stanza: make it a stanza field"
