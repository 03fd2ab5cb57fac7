"""The frontend's AST -> AST rewrites (compiler/frontend/desugar/): each on small programs,
its output read back with ast.unparse. End to end they are covered by the lowering tests."""
import ast
import textwrap

from flatgrad.compiler.frontend.desugar.index_loop import index_loop
from flatgrad.compiler.frontend.desugar.private import private_text
from flatgrad.compiler.frontend.desugar.rename import Renamer
from flatgrad.compiler.frontend.desugar.sum_loop import accumulating_loop, target_names


def _stmt(text):
    return ast.parse(textwrap.dedent(text)).body[0]


def _expr(text):
    return ast.parse(text, mode="eval").body


def _same(tree, text):
    assert ast.unparse(tree) == textwrap.dedent(text).strip()


def test_sum_of_a_generator_becomes_an_accumulating_loop():
    gen = _expr("sum(x[i] ** 2 for i in range(n) if x[i] > 0 if i != 2)").args[0]
    loop = accumulating_loop(gen, "acc", {"i": "c1"})
    _same(loop, """
        for c1 in range(n):
            if x[c1] > 0:
                if c1 != 2:
                    acc = acc + x[c1] ** 2
        """)
    # the generator itself is left as it was (the rewrite works on copies)
    assert ast.unparse(gen) == "(x[i] ** 2 for i in range(n) if x[i] > 0 if i != 2)"


def test_sum_loop_renames_tuple_targets_and_keeps_other_names():
    gen = _expr("sum(a * b for a, b in zip(x, y))").args[0]
    assert target_names(gen.generators[0].target) == ["a", "b"]
    _same(accumulating_loop(gen, "s", {"a": "p", "b": "q"}), """
        for p, q in zip(x, y):
            s = s + p * q
        """)


def test_a_loop_over_rows_becomes_a_loop_over_an_index():
    s = _stmt("""
        for row in M:
            t = t + row
        """)
    _same(index_loop(s, "values", ["it1"], "k2"), """
        for k2 in range(len(it1)):
            row = it1[k2]
            t = t + row
        """)


def test_enumerate_and_zip_over_arrays():
    s = _stmt("""
        for i, row in enumerate(M):
            t = t + i * row
        """)
    _same(index_loop(s, "enumerate", ["it1"], "k"), """
        for k in range(len(it1)):
            i = k
            row = it1[k]
            t = t + i * row
        """)
    s = _stmt("""
        for a, b in zip(x, y):
            t = t + a * b
        """)
    _same(index_loop(s, "zip", ["it1", "it2"], "k"), """
        for k in range(min(len(it1), len(it2))):
            a, b = (it1[k], it2[k])
            t = t + a * b
        """)


def test_library_text_gets_private_names_at_the_call():
    call = _expr("np.polyval(p, x)")
    call.lineno, call.col_offset = 7, 4
    tree, renames = private_text("""
        acc = 0.0 * x
        for c in p:
            acc = acc * x + c
        len(p) + acc
        """, call, {"p": None, "x": None})
    _same(tree, """
        _fg_acc = 0.0 * _fg_x
        for _fg_c in _fg_p:
            _fg_acc = _fg_acc * _fg_x + _fg_c
        len(_fg_p) + _fg_acc
        """)
    assert renames == {"acc": "_fg_acc", "x": "_fg_x", "c": "_fg_c", "p": "_fg_p"}
    assert {(n.lineno, n.col_offset) for n in ast.walk(tree) if hasattr(n, "lineno")} == {(7, 4)}


def test_renamer_renames_loads_and_stores():
    tree = Renamer({"a": "b"}).visit(ast.parse("a = a + c"))
    assert ast.unparse(tree) == "b = b + c"
    assert isinstance(tree.body[0].targets[0].ctx, ast.Store)
