"""bench/results.json: every case's last measurement, each with the stamp of the run that made it.

A run of ``bench/run.py`` replaces the entries of the cases it ran and keeps the others, so
RESULTS.md (rendered from this file) never mixes a header from one run with figures from
another: each section carries its own date, command, machine and versions. A run of every
case (no ``--only``) is also recorded as ``full_run``; the README's table is made from the
cases that run measured (bench/readme.py).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from .harness import CaseResult, Row

PATH = Path(__file__).resolve().parent / "results.json"


def load(path: Path = PATH) -> dict:
    """The stored results: ``{"cases": {name: entry}, "full_run": {"stamp", "cases"} | None}``
    (the latest record of every case, and the last run of every case as it was)."""
    if not path.exists():
        return {"cases": {}, "full_run": None}
    return json.loads(path.read_text())


def save(data: dict, path: Path = PATH) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def entry(spec, res: CaseResult, stamp: dict) -> dict:
    """One case's record: its result as plain data and the stamp of the run."""
    return {"group": spec.group, "stamp": stamp, "result": asdict(res)}


def result(entry_: dict) -> CaseResult:
    """The CaseResult stored in ``entry_`` (rows rebuilt as Row objects)."""
    fields = dict(entry_["result"])
    fields["rows"] = [Row(**r) for r in fields["rows"]]
    return CaseResult(**fields)


def merge(data: dict, ran: list, stamp: dict, full: bool, order: list[str]) -> dict:
    """``data`` with the cases in ``ran`` (``[(spec, res)]``) replaced, in registry ``order``;
    cases no longer registered are dropped."""
    cases = dict(data.get("cases", {}))
    for spec, res in ran:
        cases[spec.name] = entry(spec, res, stamp)
    ordered = {name: cases[name] for name in order if name in cases}
    full_run = ({"stamp": stamp, "cases": {spec.name: entry(spec, res, stamp) for spec, res in ran}}
                if full else data.get("full_run"))
    return {"cases": ordered, "full_run": full_run}
