"""The builder's one way to name a value after the fact (issue 23, item 5)."""
import pathlib

from compiler import types as T
from compiler.builder import Builder
from compiler.ir import Op

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_rename_last_names_the_output_of_the_last_statement():
    b = Builder()
    x = b.fresh(T.F64)
    y = b.op("exp", x)
    new = b.rename_last(y, of=("grad", x.id))
    assert new is not None and new.id == y.id and new.of == ("grad", x.id)
    assert b.stmts[-1] == Op("exp", (x,), (new,), (), None)


def test_rename_last_refuses_a_named_value_or_one_made_earlier_or_before_the_mark():
    b = Builder()
    x = b.fresh(T.F64)
    y = b.op("exp", x)
    assert b.rename_last(x, hint="x") is None              # not made by the last statement
    z = b.op("sin", y, hint="z")
    assert b.rename_last(z, hint="w") is None              # already named
    assert b.rename_last(y, hint="y") is None              # made earlier
    mark = len(b.stmts)
    assert b.rename_last(z, mark, of=("tan", 0)) is None  # nothing emitted since the mark
    assert b.stmts[-1].outs == (z,)


def test_no_stage_patches_the_last_statement_by_hand():
    """Renaming goes through ``Builder.rename_last``: a stage that rewrites ``stmts[-1]`` is
    a second, unchecked copy of it."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "compiler").rglob("*.py")
                 if p.name != "builder.py" and "stmts[-1] =" in p.read_text()]
    assert offenders == []
