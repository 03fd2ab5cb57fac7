"""One home per call (issue 23): every callable flatgrad lowers is found in the call
registry (compiler/library/registry.py) or, for a call that is one primitive, in that
primitive's stanza (``names=``) -- never in both, never twice; array methods are the same
entries (``x.sum(axis=0)`` is ``np.sum(x, axis=0)``); and no table or if-chain keyed by
callables or their names is left elsewhere."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

import flatgrad  # noqa: F401 - registers every lowering
from flatgrad import CompileError
from flatgrad.compiler import types as T
from flatgrad.compiler.frontend.lower import lower_function
from flatgrad.compiler.frontend.names import prim_of
from flatgrad.compiler.ir import dump
from flatgrad.compiler.library.registry import CALLABLE_TYPES, LOWERINGS, METHODS, lowers
from flatgrad.compiler.primitives import CALLS

COMPILER = Path(__file__).resolve().parents[2] / "compiler"


def test_no_callable_is_both_a_primitive_and_a_lowering():
    assert not [fn for fn in LOWERINGS if fn in CALLS]
    assert not [fn for fn in LOWERINGS if prim_of(fn) is not None]
    assert not [fn for fn in LOWERINGS if type(fn) in CALLABLE_TYPES]


def test_a_second_lowering_for_a_callable_is_refused():
    before = LOWERINGS[np.sum]
    with pytest.raises(ValueError, match="has a lowering already"):
        lowers(np.sum)(lambda lowerer, node, kwargs: None)
    assert LOWERINGS[np.sum] is before
    lowers(np.sum)(before)              # the same lowering again (an alias) is fine
    assert LOWERINGS[np.sum] is before


def test_every_method_means_a_registered_callable():
    assert METHODS
    assert not [name for name, fn in METHODS.items() if fn not in LOWERINGS]


def _body(fn):
    """The lowered IR without positions (a method and its function sit on other lines)."""
    text = dump(lower_function(fn, (T.parse("f64[:, :]"),)))
    return re.sub(r"\s*#.*", "", text.split("\n", 1)[1])      # (the name's line too)


def _m_sum(x):
    return x.sum(axis=0).sum()


def _f_sum(x):
    return np.sum(np.sum(x, axis=0))


def _m_chain(x):
    y = x[None].squeeze(0).swapaxes(0, 1)
    return x.T.reshape(-1).cumsum().max() + y.transpose(1, 0).prod(axis=1).mean()


def _f_chain(x):
    y = np.swapaxes(np.squeeze(x[None], 0), 0, 1)
    return (np.max(np.cumsum(np.reshape(x.T, -1))) +
            np.mean(np.prod(np.transpose(y, (1, 0)), axis=1)))


@pytest.mark.parametrize("method, function", [(_m_sum, _f_sum), (_m_chain, _f_chain)])
def test_a_method_lowers_as_its_function(method, function):
    assert _body(method) == _body(function)


def _modules():
    return sorted(p for p in COMPILER.rglob("*.py") if p.name != "registry.py")


# tables keyed by NumPy objects that are not homes of calls: the calls of a list grown in a
# loop (np.array(rows), np.stack(rows), sum(rows)) are read off the list's buffer before the
# registry is asked (a rule on the argument); dtypes by name; random generators' classes
_ARGUMENT_RULES = {("lists.py", "_ROWS_CALLS"), ("constants.py", "_DTYPES"),
                   ("random.py", "GENERATORS")}


def _is_callable_path(e: ast.expr) -> bool:
    """``np.sum``, ``math.log``, ``builtins.min``, ``scipy.special.expit`` ..."""
    while isinstance(e, ast.Attribute):
        e = e.value
    return isinstance(e, ast.Name) and e.id in ("np", "math", "builtins", "scipy")


def test_no_table_of_callables_outside_the_registry():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                    k is not None and _is_callable_path(k) for k in node.value.keys):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if not {(path.name, n) for n in names} <= _ARGUMENT_RULES:
                    found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                    and t.value.id in ("LOWERINGS", "METHODS") for t in node.targets):
                found.append(f"{path.name}:{node.lineno} writes the registry by hand")
    assert not found, "calls with a second home: " + ", ".join(found)


def test_no_dispatch_on_a_callables_name():
    """What used to be the if-chains (``ARRAY_CALLS``, ``SPECIAL`` -> ``call_*``, the array
    methods' ``if name == "reshape"``) are registry entries now."""
    gone = re.compile(r"\b(ARRAY_CALLS|SPECIAL|lowers_method|_method_via|_as_method|"
                      r"array_call|call_min|call_sum)\b")
    found = [f"{p.name}: {m.group(0)}" for p in _modules() for m in gone.finditer(p.read_text())]
    assert not found
    # a lowering never asks which NumPy function it was called as by its __name__ alone
    chains = []
    for path in _modules():
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, ast.FunctionDef):
                continue
            tests = [n for n in ast.walk(fn) if isinstance(n, ast.If) and isinstance(
                n.test, ast.Compare) and isinstance(n.test.left, ast.Name)
                and n.test.left.id == "name" and isinstance(n.test.ops[0], (ast.Eq, ast.In))]
            # (x.T, x.shape, x.size, x.ndim are attributes; a random generator's methods,
            # rng.normal(...), are draws by distribution family: random.lower_draw)
            if len(tests) >= 4 and fn.name not in ("attribute", "lower_draw"):
                chains.append(f"{path.name}:{fn.lineno} {fn.name}")
    assert not chains, "if-chains dispatching on a name: " + ", ".join(chains)


def _dot3(x):
    return np.sum(x.dot(x, x))


def _outer_kw(x):
    return np.sum(np.outer(x, out=x))


def _outer_b(x):
    return np.sum(np.outer(x, b=x))


@pytest.mark.parametrize("fn, message", [(_dot3, "np.dot: the argument 'out' is not supported"),
                                         (_outer_kw, "np.outer: the argument 'out'")])
def test_a_product_binds_its_arguments_by_name(fn, message):
    with pytest.raises(CompileError, match=message) as e:
        lower_function(fn, (T.parse("f64[:, :]"),))
    assert e.value.loc is not None and e.value.loc.line == fn.__code__.co_firstlineno + 1


def test_a_keyword_operand_is_bound():
    assert _body(_outer_b) == _body(lambda x: np.sum(np.outer(x, x)))


# ---- one binder: every lowering reads its arguments bound (compiler/library/binding.py)

def _lowering_modules():
    """The modules whose functions lower calls: the library's, the frontend's call modules,
    odeint's."""
    return ([p for p in sorted((COMPILER / "library").glob("*.py")) if p.name != "binding.py"]
            + [COMPILER / "frontend" / "array_calls.py", COMPILER / "frontend" / "builtin_calls.py",
               COMPILER / "frontend" / "lists.py",
               COMPILER / "ode.py"])


_BINDERS = re.compile(r"^_?(bind|check_kwargs|array_args|bound|args_of|callargs)$")


def test_no_lowering_reads_the_call_or_binds_it_itself():
    """No ``node.args`` / ``node.keywords`` / ``kwargs[...]`` reads and no binder of its own
    in a lowering module: arguments come bound by the registry."""
    found = []
    for path in _lowering_modules():
        for n in ast.walk(ast.parse(path.read_text())):
            if isinstance(n, ast.Attribute) and n.attr in ("args", "keywords") and \
                    isinstance(n.value, ast.Name) and n.value.id == "node":
                found.append(f"{path.name}:{n.lineno} reads node.{n.attr}")
            if isinstance(n, ast.Name) and n.id == "kwargs" and isinstance(n.ctx, ast.Load):
                found.append(f"{path.name}:{n.lineno} reads kwargs")
            if isinstance(n, ast.FunctionDef) and _BINDERS.match(n.name):
                found.append(f"{path.name}:{n.lineno} defines a binder, {n.name}")
    assert not found, "arguments read around the binder: " + ", ".join(found)


def test_every_lowering_takes_bound_arguments():
    import inspect
    from flatgrad.compiler.library.registry import SIGNATURES
    assert set(SIGNATURES) == set(LOWERINGS)
    wrong = [fn for fn, lowering in LOWERINGS.items()
             if list(inspect.signature(lowering).parameters)[2:] == ["kwargs"]]
    assert not wrong


def test_a_method_binds_as_its_function():
    """``x.sum(1, keepdims=True)`` binds ``x`` to ``a``: the same IR as the function's."""
    assert _body(lambda x: x.sum(1, keepdims=True).sum()) == \
        _body(lambda x: np.sum(x, 1, keepdims=True).sum())
