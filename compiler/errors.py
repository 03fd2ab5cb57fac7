"""Source locations and the one user-facing error, :class:`CompileError`."""
from __future__ import annotations

import linecache
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """Where a piece of IR came from: file, 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"


class CompileError(Exception):
    """A function cannot be compiled: says where, shows the line, says what to do instead.

    The text reads::

        f.py:3:12: lambdas are not supported
            y = (lambda t: t * 2)(x)
                 ^
        Define a named function at module level and call it instead.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str = ""):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        if self.loc is None:
            head = f"error: {self.message}"
            return head + (f"\n{self.hint}" if self.hint else "")
        parts = [f"{self.loc}: {self.message}"]
        text = linecache.getline(self.loc.file, self.loc.line).rstrip("\n")
        if text:
            stripped = text.lstrip()
            indent = len(text) - len(stripped)
            parts.append("    " + stripped)
            parts.append("    " + " " * max(0, self.loc.col - indent) + "^")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)
