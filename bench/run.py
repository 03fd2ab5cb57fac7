"""Run flatgrad's benchmark suite and write bench/RESULTS.md.

    python bench/run.py                  # everything, full repeats; also rewrites README's table
    python bench/run.py --quick          # fewer, shorter repeats
    python bench/run.py --only loops     # a case name or a group; repeatable
    python bench/run.py --readme         # rewrite README's table from bench/results.json
    python bench/run.py --list

Every run records what it measured in bench/results.json (each case with the date, command,
machine and versions of the run) and renders RESULTS.md from it: the sections of the cases it
ran are rewritten, the others kept with their own stamps. A run of every case (no ``--only``)
is the *full run* the README's table quotes (bench/readme.py).

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
# One BLAS thread: NumPy and Numba call two different OpenBLAS copies whose idle threads spin,
# and the round-robin puts them side by side, so with default threads each library pays for the
# other's (bench/HISTORY.md, issue 13). Set before NumPy loads; each section records the setting.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

if __package__ in (None, ""):                       # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import readme, report, store           # noqa: E402
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
    parser.add_argument("--readme", action="store_true",
                        help="rewrite README.md's table from bench/results.json and exit")
    parser.add_argument("--results", type=Path, default=store.PATH,
                        help="the stored results (default bench/results.json)")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md",
                        help="where to write the Markdown report (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    registry = load_cases()
    if args.list:
        for spec in registry.values():
            print(f"{spec.name:20s} group={spec.group:8s} {(spec.fn.__doc__ or '').strip()}")
        return 0
    if args.readme:
        readme.write(store.load(args.results))
        print(f"wrote the table in {readme.README}")
        return 0
    cfg = Config(quick=args.quick)
    command = "python bench/run.py" + ("".join(" " + a for a in (argv if argv is not None else sys.argv[1:])))
    results = []
    for spec in select(registry, args.only):
        print(f"[bench] {spec.name} ...", flush=True)
        results.append((spec, spec.fn(cfg)))
    stamp = report.stamp(command, cfg)
    data = store.merge(store.load(args.results), results, stamp, full=not args.only,
                       order=list(registry))
    store.save(data, args.results)
    stamped = {name: {"group": e["group"], "stamp": e["stamp"], "res": store.result(e)}
               for name, e in data["cases"].items()}
    args.output.write_text(report.markdown(results, command, cfg, stamped))
    print()
    print(report.summary(results))
    print(f"\nwrote {args.output} and {args.results}")
    if not args.only and args.results == store.PATH:
        readme.write(data)
        print(f"wrote the table in {readme.README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
