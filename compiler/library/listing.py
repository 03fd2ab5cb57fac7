"""The supported functions, listed from the tables themselves (the README's list).

Every callable flatgrad lowers is in one of two places: a primitive stanza's ``names``
(``primitives.CALLS``, a call that is one primitive) or the call registry's ``@lowers``
(``LOWERINGS``: the library modules, the frontend's builtins and array calls). This module
names each by where users reach it (``np.linalg.solve``, ``math.exp``,
``scipy.special.expit``) and groups them by namespace.

    python -m flatgrad.compiler.library.listing            # print the Markdown list
    python -m flatgrad.compiler.library.listing README.md  # rewrite the README's list
"""
from __future__ import annotations

import re
import sys

import numpy as np

from ..frontend import array_calls, builtin_calls  # noqa: F401 - they register their lowerings
from ..frontend.source import OPAQUE_ADVICE
from ..primitives import CALLS
from . import LOWERINGS
from .naming import names_of, namespaces

BEGIN, END = "<!-- functions: begin (generated) -->", "<!-- functions: end -->"


def supported() -> dict[str, list[str]]:
    """Namespace -> the sorted names of the supported callables in it."""
    spaces = namespaces()
    objs = list(CALLS) + list(LOWERINGS)
    names = {n for o in objs for n in names_of(o, spaces)}
    names.discard("range")
    groups: dict[str, list[str]] = {}
    for n in names:
        space = n.rsplit(".", 1)[0] if "." in n else "builtins"
        space = "scipy.stats" if space.startswith("scipy.stats.") else space
        if space.startswith("np.") and isinstance(getattr(np, space[3:], None), np.ufunc):
            space = "np"                        # a ufunc's method: np.add.reduce
        groups.setdefault(space, []).append(n)
    return {k: sorted(v, key=str.lower) for k, v in groups.items()}


_TITLES = [("builtins", "Python builtins"), ("math", "math"), ("functools", "functools"),
           ("itertools", "itertools (over sequences known while compiling)"), ("np", "NumPy"),
           ("np.linalg", "NumPy linear algebra"), ("np.lib.stride_tricks", "NumPy stride tricks"),
           ("np.polynomial.polynomial", "NumPy polynomials"),
           ("scipy.integrate", "SciPy integration"), ("scipy.linalg", "SciPy linear algebra"),
           ("scipy.signal", "SciPy signal processing"), ("scipy.special", "SciPy special functions"),
           ("scipy.stats", "SciPy distributions (also frozen: `norm(loc, scale).logpdf(x)`)")]


# unsupported functions whose nearest supported neighbour a name match would not find
_NEAREST = {
    "nan_to_num": "np.where(np.isnan(x), 0.0, x)",
    "fix": "np.trunc",
    "rollaxis": "np.moveaxis",
    "nextafter": "x itself (its derivative is 1 almost everywhere)",
    "vectorize": "a Python loop, or flatgrad.vectorize",
}


def nearest(fn) -> tuple[str, str]:
    """The name a call's callee goes by (``np.linalg.pinv``) and advice naming the nearest
    supported functions, for the CompileError that rejects it."""
    spaces = namespaces()
    names = names_of(fn, spaces)
    short = getattr(fn, "__name__", type(fn).__name__)
    name = names[0] if names else short
    tip = _NEAREST.get(short)
    if tip is None:
        import difflib
        pool = [n for group in supported().values() for n in group]
        close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6) or \
            difflib.get_close_matches(short, [p.rsplit(".", 1)[-1] for p in pool], n=3, cutoff=0.6)
        tip = ", ".join(close) if close else None
    advice = f"The nearest supported: {tip}. " if tip else ""
    if not names:          # not NumPy's, math's or SciPy's: os.getpid, time.time, a C extension's
        advice += OPAQUE_ADVICE + " "
    return name, advice + ("The supported functions are listed in the README; a Python "
                           "function written in the supported subset works too.")


def markdown() -> str:
    groups = supported()
    lines = [BEGIN]
    for space, title in _TITLES:
        if groups.get(space):
            lines.append(f"- **{title}**: " + ", ".join(f"`{n}`" for n in groups[space]))
    lines.append(END)
    return "\n".join(lines)


def rewrite(path: str) -> bool:
    """Put the current list between the markers of the file at ``path``; True if it changed."""
    with open(path) as f:
        text = f.read()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda m: markdown(), text)
    if new != text:
        with open(path, "w") as f:
            f.write(new)
    return new != text


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print("rewritten" if rewrite(sys.argv[1]) else "unchanged")
    else:
        print(markdown())
