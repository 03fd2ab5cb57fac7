"""Reproduce one fuzz seed: ``python -m tests.fuzz.repro SEED [--cpu] [--shrink]``.

Prints the program, its arguments and the outcome of every configuration; with
``--shrink`` also the smallest program that fails the same way as the first failure.
``--invalid`` reproduces an invalid-program seed instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings

import numpy as np

os.environ.setdefault("FLATGRAD_TIER", "cpu")     # as in __main__: cpu configurations run Numba

from . import invalid as inv  # noqa: E402
from . import runner  # noqa: E402
from .gen import random_args


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.repro")
    p.add_argument("seed", type=int)
    p.add_argument("--cpu", action="store_true", help="the cpu (Numba) target")
    p.add_argument("--shrink", action="store_true")
    p.add_argument("--invalid", action="store_true")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    work = tempfile.mkdtemp(prefix="fuzz-repro-")
    if a.invalid:
        out, detail, text, kind, bad = inv.run_invalid_seed(a.seed, work)
        print(bad.source)
        print(f"mutation ({kind}): {text!r}\noutcome: {out} {detail}")
        return 0 if out in ("OK", "ACCEPTED") else 1
    target = "cpu" if a.cpu else "python"
    prog = runner.program_for(a.seed, target)
    args = random_args(prog, a.seed)
    print(prog.source)
    print("args =", [x.tolist() if isinstance(x, np.ndarray) else x for x in args])
    cfgs = runner.configs_for(prog, np.random.default_rng(0), target=target, full=True)
    rep = runner.evaluate(prog, cfgs, work)
    if rep.gen_bad:
        print("not a valid program:", rep.gen_bad)
        return 0
    if rep.kink:
        print("not differentiable at its point (KINK):", rep.kink)
        return 0
    fail = None
    for r in rep.results:
        print(f"{r.config:28s} {r.outcome:11s} {r.detail.splitlines()[0][:200] if r.detail else ''}")
        if fail is None and r.outcome in (runner.WRONG, runner.INTERNAL):
            fail = r
    if fail and a.shrink:
        cfg = next(c for c in cfgs if c.name == fail.config)
        small, tries = runner.shrink(prog, cfg, fail.key, work, args)
        print(f"\nshrunk ({tries} tries), {fail.key}:\n")
        print(small.source)
        print(runner.evaluate(small, [cfg], work, args=args).results[0].detail)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
