"""Whole generated listings, pinned: any change to what flatgrad emits for these shows up
here as a diff, to be read line by line as a reader of the lectures would read it.

    FLATGRAD_UPDATE_GOLDEN=1 python -m pytest tests/golden     # rewrite them after a review
"""
import difflib
import os
from pathlib import Path

import pytest

import flatgrad as fg

from .cases import CASES, ROOT

HERE = Path(__file__).resolve().parent


def listing(name: str) -> str:
    f, argnums, types, opts = CASES[name]
    text = fg.source(f, argnums, target="python", types=types, **opts)
    return text.replace(str(ROOT) + os.sep, "")


@pytest.mark.parametrize("name", sorted(CASES))
def test_listing_is_the_reviewed_one(name):
    path = HERE / f"{name}.py"
    got = listing(name)
    if os.environ.get("FLATGRAD_UPDATE_GOLDEN"):
        path.write_text(got)
    want = path.read_text()
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        f"{name}.py (reviewed)", f"{name}.py (now)"))
    assert got == want, "the generated listing changed:\n" + diff
