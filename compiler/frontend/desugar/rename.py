"""Renaming variables in a syntax tree (the rewrites give their names private spellings),
and placing the nodes a rewrite makes at the source position they stand for."""
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


def placed(new: ast.AST, old: ast.AST) -> ast.AST:
    """``new`` at ``old``'s position, and every node in it without a position at its
    parent's (so errors and the generated code's line table point at ``old``)."""
    return ast.fix_missing_locations(ast.copy_location(new, old))
