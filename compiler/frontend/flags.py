"""The internal variables SSA construction keeps beside the user's: whether the function
has returned and its value, each loop's break and continue flags, and the names they show
in generated code. ``break``, ``continue`` and ``return`` become assignments of these
flags, and the rest of their block a guard on them (:mod:`.desugar.exits`), so regions
stay single-entry, single-exit."""
from __future__ import annotations

from dataclasses import dataclass

RET, RETVAL = "$ret", "$retval"
# a comprehension's item, named ``$item<n>.<the user's name>`` while its elements are lowered
# (:mod:`.comprehensions`); a lambda made there reads it, as Python's reads the variable
ITEM = "$item"


def hint_of(name: str) -> str | None:
    """The name a variable shows in emitted code; internal flags get descriptive ones."""
    if not name.startswith("$"):
        return name.replace("#", "_")    # a tuple's item, a growing list's buffer (xs#buf)
    for prefix, hint in (("$retval", "retval"), ("$ret", "returned"), ("$brk", "broke"),
                         ("$cont", "skipped"), ("$i", None)):
        if name.startswith(prefix):
            return hint
    return None


@dataclass(frozen=True)
class LoopFlags:
    """The flag variables a loop's break and continue set (None: it has none), and whether
    a return inside it leaves the function."""

    brk: str | None
    cont: str | None
    ret: bool

    @property
    def exits(self) -> set[str]:
        """Which of break, continue and return leave the loop's trips."""
        return {kind for kind, on in (("break", self.brk), ("continue", self.cont),
                                      ("return", self.ret)) if on}
