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

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str = "",
                 calls: tuple[SourceLoc, ...] = ()):
        self.message = message
        self.loc = loc
        self.hint = hint
        self.calls = calls          # the call sites that led to ``loc``, innermost first
        super().__init__(self._render())

    def called_from(self, site: SourceLoc) -> "CompileError":
        """The same error, noting that it was met inside a call at ``site``."""
        return CompileError(self.message, self.loc, self.hint, self.calls + (site,))

    def _render(self) -> str:
        if self.loc is None:
            head = f"error: {self.message}"
            return head + (f"\n{self.hint}" if self.hint else "")
        parts = [f"{self.loc}: {self.message}"] + _show(self.loc)
        if self.hint:
            parts.append(self.hint)
        for site in self.calls:
            parts += [f"{site}: in the call from here"] + _show(site)
        return "\n".join(parts)


def _show(loc: SourceLoc) -> list[str]:
    """The source line at ``loc`` with a caret under its column."""
    text = linecache.getline(loc.file, loc.line).rstrip("\n")
    if not text:
        return []
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    return ["    " + stripped, "    " + " " * max(0, loc.col - indent) + "^"]
