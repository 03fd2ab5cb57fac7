"""A fuzzing campaign: ``python -m tests.fuzz --n 10000 --invalid 5000 --seed 1``.

Prints a summary (programs tried, outcome counts, failure classes, time) and writes, under
``--out`` (default ``fuzz-out/``), ``summary.md`` and one shrunk, runnable repro per failure
class (``class_NN.py``). See docs/fuzzing.md.
"""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import pickle
import re
import sys
import tempfile
import time
import warnings

# a cpu-target configuration compiles with Numba from its first call, as under pytest
# (conftest.py): flatgrad's default tier (auto) would answer it with the python tier while
# Numba compiles in the background, and the Numba code would go unchecked
os.environ.setdefault("FLATGRAD_TIER", "cpu")

from . import invalid as inv  # noqa: E402
from . import runner  # noqa: E402
from .gen import random_args


def _init_worker(workdir, cache):
    warnings.filterwarnings("ignore")
    os.environ.setdefault("FLATGRAD_CACHE_DIR", cache)
    globals()["_WORKDIR"] = workdir


def _valid(args):
    seed, cpu_frac, full = args
    try:
        rep = runner.run_seed(seed, _WORKDIR, cpu_frac=cpu_frac, full=full)
    except Exception as e:   # the fuzzer's own bug: report it, keep going
        rep = runner.ProgramReport(seed, gen_bad=f"fuzzer error {type(e).__name__}: {e}")
    if rep.outcome in (runner.OK, runner.SKIP):
        rep.source = ""
    return rep


def _invalid(seed):
    try:
        r = inv.run_invalid_seed(seed, _WORKDIR)
    except Exception as e:
        return seed, "GEN_BAD", f"fuzzer error {type(e).__name__}: {e}", "", "", ""
    if r is None:
        return seed, "GEN_BAD", "no mutation", "", "", ""
    out, detail, text, kind, bad = r
    return seed, out, detail, text, kind, bad.source if out != "OK" else ""


def _map(fn, items, jobs, workdir, cache):
    if jobs <= 1:
        _init_worker(workdir, cache)
        for it in items:
            yield fn(it)
        return
    with mp.get_context("fork").Pool(jobs, _init_worker, (workdir, cache),
                                      maxtasksperchild=200) as pool:
        yield from pool.imap_unordered(fn, items, chunksize=4)


def campaign(n, n_invalid, seed, *, cpu_frac=0.02, full=False, jobs=1, out="fuzz-out",
             shrink_classes=20, shrink_budget=90.0, progress=True):
    t0 = time.time()
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="fuzz-src-")
    cache = os.environ.get("FLATGRAD_CACHE_DIR") or tempfile.mkdtemp(prefix="fuzz-cache-")
    os.environ["FLATGRAD_CACHE_DIR"] = cache
    base = seed * 1_000_000
    counts = collections.Counter()
    cfg_counts = collections.Counter()
    classes: dict[str, dict] = {}
    oracles = collections.Counter()
    asides: dict[str, list] = {}       # why programs or configurations were set aside
    done = 0
    for rep in _map(_valid, [(base + k, cpu_frac, full) for k in range(n)], jobs, work, cache):
        done += 1
        counts[rep.outcome] += 1
        oracles[rep.oracle or "-"] += 1
        _set_aside(asides, rep)
        for r in rep.results:
            cfg_counts[r.outcome] += 1
            if r.key:
                c = classes.setdefault(r.key, {"count": 0, "programs": set(), "configs":
                                               collections.Counter(), "first": None})
                c["count"] += 1
                c["programs"].add(rep.seed)
                c["configs"][r.config] += 1
                if c["first"] is None or len(rep.source) < len(c["first"][1]):
                    c["first"] = (rep.seed, rep.source, r.config, r.detail)
        if done % 500 == 0:     # an interim summary, for long campaigns
            with open(os.path.join(out, "progress.md"), "w") as fh:
                fh.write(_summary(done, 0, seed, counts, cfg_counts, classes, collections.Counter(), {}, {},
                                  oracles, time.time() - t0, 0, 0, time.time() - t0,
                                  cpu_frac, full, jobs, asides))
        if progress and done % 100 == 0:
            bad = sum(counts[k] for k in (runner.WRONG, runner.INTERNAL))
            print(f"  {done}/{n} programs, {bad} failing, {len(classes)} classes, "
                  f"{time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    t_valid = time.time() - t0

    inv_counts = collections.Counter()
    inv_classes: dict[str, dict] = {}
    t1 = time.time()
    for seed_i, o, detail, text, kind, src in _map(
            _invalid, [base + 500_000 + k for k in range(n_invalid)], jobs, work, cache):
        inv_counts[o] += 1
        if o not in ("OK", "GEN_BAD"):
            key = f"{o} {text.splitlines()[0] if text else ''} :: " + re.sub(
                r"\d+", "N", detail.split(":")[0] if o == "WRONG_LINE" else detail)[:100]
            c = inv_classes.setdefault(key, {"count": 0, "seed": seed_i, "source": src,
                                             "detail": detail})
            c["count"] += 1
    t_invalid = time.time() - t1

    # shrink one program of each valid failure class
    shrunk = {}
    t2 = time.time()
    ordered = sorted(classes.items(), key=lambda kv: -len(kv[1]["programs"]))
    for i, (key, c) in enumerate(ordered):
        if i >= shrink_classes or key.startswith("REJECTED"):
            continue
        s, _, cfgname, _ = c["first"]
        try:
            cfg = runner.Config.parse(cfgname)
            prog = runner.program_for(s, cfg.target)
            args = random_args(prog, s)
        except Exception as e:   # noqa: BLE001 - the fuzzer's own bug: keep the results
            print(f"cannot shrink {key} (seed {s}, {cfgname}): {e}", file=sys.stderr)
            continue
        try:
            small, tries = runner.shrink(prog, cfg, key, work, args, budget_s=shrink_budget)
        except Exception as e:   # noqa: BLE001 - keep the campaign's results
            small, tries = prog, 0
            print(f"shrinking {key} failed: {e}", file=sys.stderr)
        rep = runner.evaluate(small, [cfg], work, args=args)
        shrunk[key] = (small, args, cfg, rep.results[0].detail if rep.results else "", tries)
    t_shrink = time.time() - t2

    total = time.time() - t0
    text = _summary(n, n_invalid, seed, counts, cfg_counts, classes, inv_counts, inv_classes,
                    shrunk, oracles, t_valid, t_invalid, t_shrink, total, cpu_frac, full, jobs,
                    asides)
    with open(os.path.join(out, "summary.md"), "w") as fh:
        fh.write(text)
    for j, (key, (small, args, cfg, detail, tries)) in enumerate(shrunk.items()):
        with open(os.path.join(out, f"class_{j:02d}.py"), "w") as fh:
            fh.write(_repro(key, small, args, cfg, detail, classes[key]))
    with open(os.path.join(out, "shrunk.pkl"), "wb") as fh:
        pickle.dump([(key, small, args, cfg) for key, (small, args, cfg, _, _) in
                     shrunk.items()], fh)
    for j, (key, c) in enumerate(sorted(inv_classes.items(), key=lambda kv: -kv[1]["count"])):
        with open(os.path.join(out, f"invalid_{j:02d}.py"), "w") as fh:
            fh.write(f"# {key}\n# count {c['count']}, seed {c['seed']}\n# {c['detail']}\n\n"
                     + c["source"])
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump({"programs": n, "invalid": n_invalid, "seed": seed, "outcomes": counts,
                   "config_outcomes": cfg_counts, "invalid_outcomes": inv_counts,
                   "classes": {k: {"programs": sorted(v["programs"])[:50],
                                   "count": v["count"]} for k, v in classes.items()},
                   "invalid_classes": {k: v["count"] for k, v in inv_classes.items()},
                   "set_aside": asides,
                   "seconds": total}, fh, indent=1)
    print(text)
    return counts, classes, inv_counts, inv_classes


def _set_aside(asides, rep):
    """Count why ``rep`` (or one of its configurations) was set aside, GEN_BAD or KINK, by
    reason with its digits masked, keeping the first seeds: the summary lists them so that a
    campaign's uncounted programs can be looked at."""
    why = []
    if rep.outcome in (runner.GEN_BAD, runner.KINK):
        why.append((rep.outcome, rep.gen_bad or rep.kink))
    why += [(runner.KINK, r.detail.split(":")[0]) for r in rep.results
            if r.outcome == runner.KINK]
    for outcome, reason in why:
        key = f"{outcome} " + re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "N", reason)[:90]
        a = asides.setdefault(key, [0, []])
        a[0] += 1
        if len(a[1]) < 6:
            a[1].append(rep.seed)


def _repro(key, prog, args, cfg, detail, c):
    import numpy as np
    np.set_printoptions(precision=17)
    argtext = ", ".join(repr(a) if not hasattr(a, "tolist") else f"np.array({a.tolist()!r})"
                        for a in args)
    return (f"# fuzz class: {key}\n# {c['count']} failing configurations in "
            f"{len(c['programs'])} programs, e.g. seeds {sorted(c['programs'])[:8]}\n"
            f"# configurations: {dict(c['configs'].most_common(6))}\n"
            f"# shrunk, failing under {cfg.name}: {detail[:600]}\n"
            f"# args = ({argtext},)\n\n" + prog.source +
            f"\n\nif __name__ == '__main__':\n    import flatgrad as fg\n"
            f"    from tests.fuzz.runner import Config, evaluate\n"
            f"    from tests.fuzz.gen import Program\n"
            f"    args = ({argtext},)\n    print(f(*args))\n")


def _summary(n, n_invalid, seed, counts, cfg_counts, classes, inv_counts, inv_classes,
             shrunk, oracles, t_valid, t_invalid, t_shrink, total, cpu_frac, full, jobs,
             asides=None):
    L = [f"# Fuzz campaign: seed {seed}, {n} valid + {n_invalid} invalid programs",
         "", f"cpu fraction {cpu_frac}, {'all' if full else 'sampled'} configurations, "
         f"{jobs} job(s); {total:.0f} s in all (valid {t_valid:.0f} s, invalid "
         f"{t_invalid:.0f} s, shrinking {t_shrink:.0f} s)", "",
         "## Valid programs", "",
         "programs: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()),
         "configurations run: " + ", ".join(f"{k} {v}" for k, v in cfg_counts.most_common()),
         "oracle: " + ", ".join(f"{k} {v}" for k, v in oracles.most_common()), "",
         "| class | configs | programs | first seeds | shrunk repro |", "|---|---|---|---|---|"]
    names = {k: f"class_{j:02d}.py" for j, k in enumerate(shrunk)}
    for key, c in sorted(classes.items(), key=lambda kv: -len(kv[1]["programs"])):
        L.append(f"| {key.replace('|', '/')} | {c['count']} | {len(c['programs'])} | "
                 f"{sorted(c['programs'])[:4]} | {names.get(key, '')} |")
    L += ["", "## Set aside (GEN_BAD: the generator's; KINK: not differentiable there)", ""]
    for key, (count, seeds) in sorted((asides or {}).items(), key=lambda kv: -kv[1][0]):
        L.append(f"- {count} × {key} (seeds {seeds})")
    L += ["", "## Invalid programs", "",
          "outcomes: " + ", ".join(f"{k} {v}" for k, v in inv_counts.most_common()), ""]
    for key, c in sorted(inv_classes.items(), key=lambda kv: -kv[1]["count"]):
        L.append(f"- {c['count']} × {key} (seed {c['seed']})")
    L += ["", "## Shrunk repros", ""]
    for key, (small, args, cfg, detail, tries) in shrunk.items():
        L += [f"### {key}", "", f"{cfg.name}, {tries} shrink tries: {detail[:400]}", "",
              "```python", small.source.split("softplus\n\n\n", 1)[-1].rstrip(), "```",
              f"args: {[a.tolist() if hasattr(a, 'tolist') else a for a in args]}", ""]
    return "\n".join(L) + "\n"


def replay(path):
    """Re-run the shrunk repros of an earlier campaign (``--replay fuzz-out``): which
    classes still fail."""
    work = tempfile.mkdtemp(prefix="fuzz-src-")
    with open(os.path.join(path, "shrunk.pkl"), "rb") as fh:
        items = pickle.load(fh)
    still = 0
    for key, prog, args, cfg in items:
        rep = runner.evaluate(prog, [cfg], work, args=args)
        r = rep.results[0] if rep.results else None
        now = r.key or r.outcome if r else rep.gen_bad
        still += bool(r and r.key == key)
        print(f"{'FAILS' if r and r.key == key else 'fixed'}  {key}\n       now: {now} "
              f"{(r.detail if r else '')[:200]}")
    return 1 if still else 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    p.add_argument("--n", type=int, default=1000, help="valid programs")
    p.add_argument("--invalid", type=int, default=None, help="invalid programs (n/2)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cpu-frac", type=float, default=0.02,
                   help="fraction of programs run on target='cpu' (Numba)")
    p.add_argument("--full", action="store_true",
                   help="every configuration for every program (slower)")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--out", default="fuzz-out")
    p.add_argument("--shrink", type=int, default=20, help="classes to shrink")
    p.add_argument("--shrink-budget", type=float, default=90.0, help="seconds per class")
    p.add_argument("--replay", metavar="DIR", help="re-run the shrunk repros in DIR")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    if a.replay:
        return replay(a.replay)
    counts, classes, inv_counts, _ = campaign(
        a.n, a.n // 2 if a.invalid is None else a.invalid, a.seed, cpu_frac=a.cpu_frac,
        full=a.full, jobs=a.jobs, out=a.out, shrink_classes=a.shrink,
        shrink_budget=a.shrink_budget)
    bad = counts[runner.WRONG] + counts[runner.INTERNAL] + inv_counts["OTHER_EXC"] + \
        inv_counts["WRONG_LINE"] + inv_counts["SILENT"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
