"""Run flatgrad's benchmark suite and write bench/RESULTS.md.

    python bench/run.py                  # everything, full repeats (a few minutes)
    python bench/run.py --quick          # fewer, shorter repeats
    python bench/run.py --only loops     # a case name or a group; repeatable
    python bench/run.py --list

Times are medians over repeats that interleave the contenders; on a shared, noisy
machine read the ratios to the hand-written reference rather than absolute times.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# The steady-state cases time the Numba tier of target="cpu" transforms from their first call
# (where FLATGRAD_TIER=auto ends up for scalar and loop code; the first_call and tiers cases
# set the tier they measure themselves).
os.environ.setdefault("FLATGRAD_TIER", "cpu")

if __package__ in (None, ""):                       # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report                           # noqa: E402
from bench.harness import REGISTRY, Config         # noqa: E402

CASE_MODULES = ("bench.cases_scalar", "bench.cases_compile", "bench.cases_loops",
                "bench.cases_arrays", "bench.cases_vectorize", "bench.cases_linalg", "bench.cases_embed",
                "bench.cases_dask", "bench.cases_vmap")


def load_cases() -> dict:
    """Import every case module (each registers its cases) and return the registry."""
    import importlib
    for name in CASE_MODULES:
        importlib.import_module(name)
    return REGISTRY


def select(registry: dict, only: list[str] | None) -> list:
    if not only:
        return list(registry.values())
    chosen = [spec for spec in registry.values() if spec.name in only or spec.group in only]
    unknown = set(only) - {s.name for s in registry.values()} - {s.group for s in registry.values()}
    if unknown:
        raise SystemExit(f"unknown case(s) {', '.join(sorted(unknown))}; "
                         f"see: python bench/run.py --list")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this case or group (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md",
                        help="where to write the Markdown report (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    registry = load_cases()
    if args.list:
        for spec in registry.values():
            print(f"{spec.name:20s} group={spec.group:8s} {(spec.fn.__doc__ or '').strip()}")
        return 0
    cfg = Config(quick=args.quick)
    results = []
    for spec in select(registry, args.only):
        print(f"[bench] {spec.name} ...", flush=True)
        results.append((spec, spec.fn(cfg)))
    command = "python bench/run.py" + ("".join(" " + a for a in (argv if argv is not None else sys.argv[1:])))
    args.output.write_text(report.markdown(results, command, cfg))
    print()
    print(report.summary(results))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
