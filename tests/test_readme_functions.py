"""The README's list of supported functions is the one the tables give."""
from pathlib import Path

from flatgrad.compiler.library.listing import BEGIN, END, markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_exactly_the_supported_functions():
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == markdown(), (
        "the README's function list is stale: run "
        "python -m flatgrad.compiler.library.listing README.md")


def test_the_list_names_functions_from_every_source():
    text = markdown()
    for name in ("`np.sum`", "`math.exp`", "`np.where`", "`abs`", "`np.linalg.norm`", "`np.logaddexp`",
                 "`scipy.special.expit`", "`np.arccos`"):
        assert name in text
