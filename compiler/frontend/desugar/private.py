"""Library code written as NumPy text -> statements with private names, at a call's place.

A lowering may say what a NumPy function means in NumPy itself (``np.polyval`` as Horner's
loop). Its text is parsed; the names it binds, the values passed in and ``np`` get private
spellings ``_fg_<name>`` (so they neither see nor change the user's; builtins keep theirs),
and every node takes the position of the call, so errors and the generated code point
there::

    acc = 0.0 * x             ->      _fg_acc = 0.0 * _fg_x
    for c in p:                       for _fg_c in _fg_p:
        acc = acc * x + c                 _fg_acc = _fg_acc * _fg_x + _fg_c
    acc                               _fg_acc
"""
from __future__ import annotations

import ast
import textwrap

from .rename import Renamer


def private_text(text: str, node: ast.AST, values) -> tuple[ast.Module, dict]:
    """(the parsed ``text`` renamed and placed at ``node``, name -> private name) where
    ``values`` are the names the caller binds."""
    tree = ast.parse(textwrap.dedent(text))
    own = set(values) | {"np"} | {n.id for n in ast.walk(tree)
                                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    renames = {n.id: f"_fg_{n.id}" for n in ast.walk(tree)
               if isinstance(n, ast.Name) and n.id in own}    # builtins keep their names
    tree = Renamer(renames).visit(tree)
    for n in ast.walk(tree):
        if "lineno" in n._attributes:
            n.lineno, n.col_offset = node.lineno, node.col_offset
            n.end_lineno, n.end_col_offset = node.lineno, node.col_offset
    return tree, renames
