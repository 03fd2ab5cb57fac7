"""The side effects a differentiated function may have: ``print``, and ``assert``/``raise``
(their lowering: ``compiler/frontend/effects.py``). Impure: no pass removes, merges, hoists or
recomputes them; code that replays forward values runs without them (``rewrite.quiet``)."""
from __future__ import annotations

from .. import types as T
from ..primitives import defprim, variadic


def _print_text(a: list, p: dict) -> str:
    """``print('loss', x)``: the literal strings of ``parts``, the values in its None slots."""
    it = iter(a)
    return "print(" + ", ".join(next(it) if s is None else repr(s) for s in p["parts"]) + ")"


# print of numbers, arrays and literal strings (frontend/effects.py). Impure: never removed,
# merged, hoisted or recomputed. Its result is a token nothing reads, so that every pass
# sees an op with one result; codegen writes the bare call.
defprim("print", -1, lambda *values, parts: T.BOOL, variadic(_print_text, first=0),
        elementwise=False, pure=False, effect=True, nondiff=True, reads_values=False,
        reads_output=False, batch="a side effect: vmap's loop prints once per example, as a Python loop would")


def _check_text(a: list, p: dict) -> str:
    """``assert ok, "msg"`` and ``raise E("msg")`` (an ``ok`` of False): one line raising the
    user's exception with its message where ``ok`` fails (on a batch of conditions, where one
    of them does)."""
    exc = f"raise {p['exc']}({p['message']!r})"
    if a[0] == "False":
        return exc
    return f"if not {'np.all(' + a[0] + ')' if p.get('batched') else a[0]}: {exc}"


def _batch_check(bt, op, args, isb):
    """An ``assert`` on a mapped condition holds for the batch when it holds for each
    example. (A ``raise`` in an ``if`` arm is unconditional there: vmap's loop runs it.)"""
    return bt.b.op("check", args[0], **{**dict(op.params), "batched": True})


# assert and raise (frontend/lower.py: stmt_Assert, stmt_Raise). Impure like print: never
# removed, merged, hoisted or recomputed; nothing differentiates through it.
defprim("check", 1, lambda ok, exc, message, batched=False: T.BOOL, variadic(_check_text, first=1),
        elementwise=False, pure=False, effect=True, nondiff=True, reads_values=False,
        reads_output=False, batch=_batch_check)
