"""The side effects a differentiated function may have: ``print``, ``assert`` and ``raise``.

``print("loss", x)`` becomes a ``print`` op (see its stanza in ``compiler/library/effects.py``)
that runs where the forward pass computes its values, on every target (Numba prints
numbers, arrays and literal strings too). It is impure, so no pass removes, merges, hoists
or recomputes it: the backward pass, and any code that replays forward statements to get
values back (``if`` arms, loop iterations, checkpointed segments, Jacobians' seed copies),
runs without it (``rewrite.quiet``). Every other side effect (files, outside state) stays
rejected.

``assert ok, "msg"`` and ``raise ValueError("msg")`` become a ``check`` op (its stanza is
beside print's): one generated line that raises the user's exception, with its message, where
Python would. A condition known while compiling (``assert x.ndim == 1``, a shape check on an
``if`` on a mode string) is decided then, as an ``if`` on it is, and leaves no code when it
holds. A ``raise`` ends its path, as a ``return`` does: what that path lacks needs no value
where the arms merge. The exception must be a built-in one (the generated module names it);
an f-string message is filled in with what is known while compiling and keeps the source
text of the rest (``{x[0]}``).
"""
from __future__ import annotations

import ast
import builtins

from .. import types as T
from ..ir import Const, Var
from ..values import Ref
from .objects import NO_KEY, static_key

_SPELLING = "print's sep= and end= are not supported (Numba's print takes no keywords)"


def lower_print(lowerer, node: ast.Call, items, keywords) -> Ref:
    """Emit ``print(*items)``: literal strings stay text, everything else must be a number
    or an array; ``keywords`` are the names of the keywords given. Returns None, as print
    does."""
    for k in keywords:
        if k == "file":
            raise lowerer.err(node, "print(..., file=...) writes to a file: I/O is not allowed in a "
                               "differentiated function", "Return the values and write them "
                               "outside the function.")
        if k != "flush":
            raise lowerer.err(node, _SPELLING, "Print with the default separator and line end: "
                                          "print('loss', x).")
    parts, values = [], []
    for a in _spread_fstrings(lowerer, items):
        if isinstance(a, str):
            parts.append(a)
            continue
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            parts.append(a.value)
            continue
        v = lowerer.expr(a)
        if not (isinstance(v, (Var, Const)) and isinstance(v.type, (T.Scalar, T.Array))):
            raise lowerer.err(a, f"print takes numbers, arrays and literal strings; this is {_what(v)}",
                         "Print the numbers themselves: print(a, b) rather than print((a, b)), "
                         "print(x.shape[0], x.shape[1]) rather than print(x.shape).")
        parts.append(None)
        values.append(v)
    lowerer.op(node, "print", *values, parts=tuple(parts))
    return Ref(None)


def is_print(lowerer, call: ast.Call) -> bool:
    """Is ``call`` a call of the builtin print (by name, not shadowed)?"""
    return isinstance(call.func, ast.Name) and call.func.id == "print" and \
        lowerer.resolve_callee(call.func) is print


def _what(v) -> str:
    if isinstance(v, tuple):
        return "a tuple or list"
    if isinstance(v, Ref):
        return "None" if v.obj is None else f"'{getattr(v.obj, '__name__', type(v.obj).__name__)}'"
    return f"a {type(v).__name__}"


def lower_assert(lowerer, s: ast.Assert) -> None:
    """``assert ok, msg``: nothing where ``ok`` holds while compiling, a raise where it fails
    then, else a check at run time."""
    ok = lowerer.condition(s.test)
    message = _message(lowerer, [s.msg] if s.msg is not None else [])
    if isinstance(ok, Const) and ok.value:
        return
    _check(lowerer, s, ok, "AssertionError", message)


def lower_raise(lowerer, s: ast.Raise) -> None:
    """``raise E(msg)`` (or ``raise E``): raises there at run time; the path ends."""
    exc = s.exc
    func, args = (exc.func, exc.args) if isinstance(exc, ast.Call) else (exc, [])
    if isinstance(exc, ast.Call) and exc.keywords:
        raise lowerer.err(exc, "an exception takes positional arguments only")
    cls = lowerer.resolve_callee(func)
    if not (isinstance(cls, type) and issubclass(cls, Exception)
            and getattr(builtins, cls.__name__, None) is cls):
        raise lowerer.err(func, f"flatgrad raises built-in exceptions only; "
                                f"'{ast.unparse(func)}' is not one",
                          "Raise ValueError, TypeError, RuntimeError, ... (the generated code "
                          "names the class), or check before calling the function.")
    _check(lowerer, s, Const(False, T.BOOL), cls.__name__, _message(lowerer, args))


def _spread_fstrings(lowerer, items) -> list:
    """``print`` 's arguments with each f-string spread into its text (what is known while
    compiling filled in, as Python formats it) and its run-time values, printed as ``print``
    prints them (their format specs are not applied: Numba formats nothing). ``print`` puts
    one space between its arguments: a space the text has beside a value is that one."""
    out = []
    for a in items:
        if not isinstance(a, ast.JoinedStr):
            out.append(a)
            continue
        pieces: list = []
        for part in a.values:
            text = str(part.value) if isinstance(part, ast.Constant) else \
                _formatted(lowerer, part)
            if text is None:
                pieces.append(part.value)
            elif pieces and isinstance(pieces[-1], str):
                pieces[-1] += text
            else:
                pieces.append(text)
        for k, p in enumerate(pieces):
            if isinstance(p, str):
                if k + 1 < len(pieces) and p.endswith(" "):
                    p = p[:-1]
                if k > 0 and p.startswith(" "):
                    p = p[1:]
                if p:
                    out.append(p)
            else:
                out.append(p)
    return out


def _check(lowerer, node, ok, exc: str, message: str) -> None:
    if isinstance(ok, Const):           # raises on every run that reaches it: the path ends
        ok = Const(False, T.BOOL)
        lowerer.dead = True
        lowerer.raised = node
    lowerer.op(node, "check", ok, exc=exc, message=message)


def _message(lowerer, args: list) -> str:
    """``str(E(*args))`` as far as it is known while compiling."""
    texts = [_text(lowerer, a) for a in args]
    return texts[0] if len(texts) == 1 else "(" + ", ".join(texts) + ")" if texts else ""


def _text(lowerer, node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
                continue
            text = _formatted(lowerer, part)
            if text is None:                       # as the source writes it: {s:.3g}
                conv = "" if part.conversion < 0 else "!" + chr(part.conversion)
                spec = "" if part.format_spec is None else _text(lowerer, part.format_spec)
                text = "{" + ast.unparse(part.value) + conv + (spec and ":" + spec) + "}"
            out.append(text)
        return "".join(out)
    value = _static(lowerer, node)
    return ast.unparse(node) if value is NO_KEY else str(value)


def _formatted(lowerer, part: ast.FormattedValue) -> str | None:
    """One ``{value!conv:spec}`` of an f-string as Python formats it, if its value is known
    while compiling; else None."""
    value = _static(lowerer, part.value)
    spec = "" if part.format_spec is None else _text(lowerer, part.format_spec)
    try:
        if value is NO_KEY:
            raise ValueError
        if part.conversion == ord("r"):
            value = repr(value)
        elif part.conversion == ord("a"):
            value = ascii(value)
        elif part.conversion == ord("s"):
            value = str(value)
        return format(value, spec)
    except (ValueError, TypeError):
        return None


def fstring(lowerer, node: ast.JoinedStr) -> Ref:
    """An f-string outside ``print``, ``assert`` and ``raise``: text, so every value in it
    must be known while compiling (a dict key ``f"W{i}"`` in an unrolled loop, a mode)."""
    out = []
    for part in node.values:           # (each value lowered once)
        text = str(part.value) if isinstance(part, ast.Constant) else _formatted(lowerer, part)
        if text is None:
            raise lowerer.err(part.value, f"this f-string reads '{ast.unparse(part.value)}', "
                              "known only at run time: flatgrad makes no text at run time",
                              "Print values beside text instead (print('x =', x)); f-strings "
                              "of values known while compiling (loop counters of unrolled "
                              "loops, modes, shapes) are fine.")
        out.append(text)
    return Ref("".join(out))


def _static(lowerer, node: ast.expr):
    """The value of ``node`` if it is known while compiling (a string, a number, a shape),
    else ``NO_KEY``. Its ops, if any, are dead code; what cannot be lowered (I/O) is
    refused, though Python would evaluate it only when raising."""
    return static_key(lowerer.expr(node))
