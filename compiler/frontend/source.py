"""Find the source of a user function and parse it, keeping real file positions."""
from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from dataclasses import dataclass

from ..errors import CompileError, SourceLoc


@dataclass(frozen=True)
class ParsedFunction:
    """A parsed function: its AST (FunctionDef or Lambda) and how to map positions back."""

    node: ast.FunctionDef | ast.Lambda
    file: str
    line_offset: int   # add to node.lineno to get the line in the file
    col_offset: int    # add to node.col_offset to get the column in the file
    name: str

    def loc(self, node: ast.AST) -> SourceLoc:
        return SourceLoc(self.file, getattr(node, "lineno", 1) + self.line_offset,
                         getattr(node, "col_offset", 0) + self.col_offset)


def params_of(fn) -> tuple[str, ...]:
    """The names of ``fn``'s positional parameters, in order."""
    code = fn.__code__
    return code.co_varnames[:code.co_argcount]


_PARSED: dict = {}


def parse_function(fn) -> ParsedFunction:
    """Parse ``fn``'s source. Raises CompileError when there is no source to read."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise CompileError(f"{fn!r} is not a Python function", None,
                           "flatgrad differentiates functions written in Python (def or lambda).")
    key = (code, code.co_filename, code.co_firstlineno)
    hit = _PARSED.get(key)
    if hit is not None:
        return hit
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise CompileError(
            f"cannot find the source code of '{fn.__name__}' (defined in {code.co_filename})",
            None, "flatgrad reads the function's source: define it in a .py file "
                  "(not in the REPL or through exec) and import it.") from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    col = _indent(text) - _indent(dedented)
    first = max(first, 1)
    try:
        tree = ast.parse(dedented)
    except SyntaxError:
        # a lambda inside a larger expression: parse the enclosing statement's lines
        tree, col = _parse_lambda_context(code, lines), 0
        first = 1
    node = _find(tree, fn, code, first - 1)
    if node is None:
        raise CompileError(f"cannot locate the definition of '{fn.__name__}' in its source",
                           SourceLoc(code.co_filename, code.co_firstlineno),
                           "Give the function its own def statement.")
    node = _QuietContexts().visit(node)
    parsed = ParsedFunction(node, code.co_filename, first - 1, col, fn.__name__)
    _PARSED[key] = parsed
    return parsed


# context managers that change only how NumPy and Python report floating-point trouble, and
# the warning filters set inside them: the values are the same without them
_QUIET = frozenset(("errstate", "catch_warnings", "printoptions"))
_FILTERS = frozenset(("simplefilter", "filterwarnings", "resetwarnings"))


def _called(node: ast.AST, names: frozenset) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)) in names


class _QuietContexts(ast.NodeTransformer):
    """``with np.errstate(divide="ignore"): body`` (also ``warnings.catch_warnings()``,
    ``np.printoptions(...)``, with no ``as``) is its body, and ``warnings.simplefilter(...)``
    in it a no-op: they change which warnings are shown, not a value. (The compiled code
    may show warnings the block silenced.)"""

    def visit_With(self, node: ast.With):
        self.generic_visit(node)
        if not all(_called(i.context_expr, _QUIET) and i.optional_vars is None
                   for i in node.items):
            return node
        body = [s for s in node.body
                if not (isinstance(s, ast.Expr) and _called(s.value, _FILTERS))]
        return body or [ast.copy_location(ast.Pass(), node)]


# what to do about a call flatgrad cannot look into (no Python source: a C function, a frozen
# module's function); said where such a call is rejected
OPAQUE_ADVICE = ("If the value does not depend on the differentiated arguments, compute it "
                 "outside the function and pass it in as an argument. A numeric function can "
                 "be rewritten with NumPy in a .py file, or registered with fg.primitive (an "
                 "elementwise formula from SymPy) or fg.custom_vjp (your own backward).")


def unreadable_call(fn, called_as: str = "") -> tuple[str, str]:
    """(message, advice) for a call, in a function being compiled, to a Python function
    whose source cannot be read (one of the standard library's frozen modules, a module
    shipped without its .py, code made by exec): flatgrad compiles what it calls from
    source, so the user's call site is where the error belongs."""
    where = fn.__code__.co_filename
    message = (f"cannot compile the call to '{called_as or fn.__qualname__}': its source code "
               f"cannot be read (defined in {where}), and flatgrad compiles the functions a "
               "compiled function calls from their source")
    if where.startswith("<") and not where.startswith("<frozen"):
        return message, ("It was defined in the REPL or through exec: define it in a .py file "
                         "and import it. " + OPAQUE_ADVICE)
    return message, OPAQUE_ADVICE


def _indent(text: str) -> int:
    for line in text.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0


def _parse_lambda_context(code, lines) -> ast.AST:
    all_lines = linecache.getlines(code.co_filename)
    try:
        return ast.parse("".join(all_lines))
    except SyntaxError:
        raise CompileError("cannot parse the source of the lambda",
                           SourceLoc(code.co_filename, code.co_firstlineno),
                           "Define the function with def.") from None


def _find(tree: ast.AST, fn, code, line_offset: int):
    name = fn.__name__
    argnames = list(params_of(fn))
    if name != "<lambda>":
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
        return None
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
             and [a.arg for a in n.args.args] == argnames]
    if len(found) > 1:
        found = [n for n in found if n.lineno + line_offset == code.co_firstlineno]
    if len(found) != 1:
        raise CompileError("cannot tell which lambda on this line is the function",
                           SourceLoc(code.co_filename, code.co_firstlineno),
                           "Give the function its own def statement.")
    return found[0]
