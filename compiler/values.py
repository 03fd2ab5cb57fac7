"""Values the frontend meets that are not IR atoms: bound methods, references to Python
objects (modules, functions, None, strings), dict arguments, and variables not defined on
every path."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Undefined:
    """Marks a variable that is not assigned on every path reaching this point."""

    name: str
    why: str


@dataclass(frozen=True)
class Ref:
    """A non-numeric value met while lowering: a module, a function, None."""

    obj: object


class Record:
    """A dict argument (a pytree's dict node) as the function sees it: constant string keys
    to values (numbers, arrays, tuples, other records). Read with ``d["key"]``,
    ``d.keys()``/``d.values()``/``d.items()``, ``len(d)``, ``for k in d``."""

    def __init__(self, items: dict):
        self.items = dict(items)

    def __repr__(self) -> str:
        return f"Record({self.items!r})"


class ListValue(tuple):
    """A list as the function sees it (a list argument, ``[a, b]``, a list comprehension):
    a tuple of values, like every sequence here, that ``isinstance(x, list)`` knows for one.
    A list the frontend rebuilds without this tag reads as a tuple there."""

    def __repr__(self) -> str:
        return f"ListValue({tuple(self)!r})"


@dataclass(frozen=True, eq=False)
class SliceVal:
    """A ``slice(start, stop, step)`` object built in the function: each part an integer
    atom (a number known while compiling or an int value) or None."""

    start: object
    stop: object
    step: object

    @property
    def parts(self) -> tuple:
        return (self.start, self.stop, self.step)


class BoundMethod:
    """``x.sum`` before it is called: the array and the method's name."""

    def __init__(self, base, name):
        self.base, self.name = base, name


def is_static(v) -> bool:
    """A value the compiled code never takes as a number or an array: None, a string, or a
    function (``act=np.tanh``); fixed when compiling (a static argument, a default)."""
    return v is None or isinstance(v, str) or (callable(v) and not isinstance(v, (np.ndarray,
                                                                                  np.generic)))


def hashable(x) -> bool:
    """Can ``x`` be a dict key (the tables of callables are looked up by identity)?"""
    try:
        hash(x)
        return True
    except TypeError:
        return False
