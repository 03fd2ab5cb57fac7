"""Renaming variables in a syntax tree (the rewrites give their names private spellings)."""
from __future__ import annotations

import ast


class Renamer(ast.NodeTransformer):
    """Rename every ``ast.Name`` whose id is a key of ``names`` (loads and stores alike)."""

    def __init__(self, names: dict):
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        new = self.names.get(node.id)
        if new is not None:
            return ast.copy_location(ast.Name(id=new, ctx=node.ctx), node)
        return node
