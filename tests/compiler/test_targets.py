"""The target registry (compiler/targets.py) is the one place a target is described: the
entry points accept exactly the targets it lists for them, the command line offers them,
and no module compares a target's name."""
import re
from pathlib import Path

import pytest

import flatgrad as fg
from flatgrad import cli
from flatgrad.compiler import targets
from flatgrad.compiler.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def sq(x):
    return x * x


def test_each_target_has_its_templates_and_helper_module():
    import importlib.util
    for t in TARGETS.values():
        assert (TEMPLATES / f"{t.template}.py.j2").is_file(), t.name
        if t.kernel_template:
            assert (TEMPLATES / f"{t.kernel_template}.py.j2").is_file(), t.name
        assert importlib.util.find_spec(t.helper_module) is not None, t.name
        for as_ in (t.transforms_as, t.vmap_as):
            assert as_ is None or TARGETS[as_].transforms_as == as_


@pytest.mark.parametrize("use, make", [
    ("transform", lambda t: fg.grad(sq, target=t)),
    ("vmap", lambda t: fg.vmap(sq, target=t)),
    ("vectorize", lambda t: fg.vectorize(sq, target=t)),
])
def test_entry_points_accept_what_the_registry_says(use, make):
    for name in TARGETS:
        if name in targets.names(use):
            make(name)          # constructing compiles nothing
        else:
            with pytest.raises(ValueError, match=f"target '{name}'; choose one of "
                                                 + ", ".join(targets.names(use))):
                make(name)
    with pytest.raises(ValueError, match="unknown"):
        make("tpu")


def test_the_command_line_offers_the_registry():
    parser = cli.build_parser()
    choices = {}
    for action in parser._subparsers._group_actions:
        for name, sub in action.choices.items():
            for a in sub._actions:
                if a.dest == "target":
                    choices[name] = tuple(a.choices)
    assert choices["show"] == tuple(TARGETS)
    assert choices["export"] == choices["check"] == targets.names("transform")


def test_no_module_compares_a_target_name():
    """Code asks a target's attributes (``jit``, ``device``, ``parallel``...), never
    ``target == "cpu"``; tier names ("cpu"/"python" tiers of runtime/tiers.py) are not targets."""
    names = "|".join(TARGETS)
    pattern = re.compile(rf"target\w*\s*(==|!=|in)\s*[(\[]?\s*[\"']({names})[\"']")
    hits = []
    for folder in ("compiler", "runtime", "flatgrad"):
        for path in (ROOT / folder).rglob("*.py"):
            for k, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not hits, "\n".join(hits)
