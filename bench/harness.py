"""Timing, the case registry and result records shared by every bench case.

A *case* is a function ``case(cfg) -> CaseResult`` registered with ``@case(...)``
in one of the ``cases_*.py`` modules. It builds its contenders (callables plus
arguments), checks they agree with the reference, and times them round-robin so
that drift on a noisy machine hits every contender alike. Tables report medians
and the ratio to the reference row, which is what stays comparable between runs.
"""
from __future__ import annotations

import statistics
import time
import timeit
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

REGISTRY: dict[str, "CaseSpec"] = {}


@dataclass(frozen=True)
class Config:
    """How hard to measure: ``quick`` shortens runs, ``smoke`` shrinks problem sizes."""
    quick: bool = False
    smoke: bool = False

    @property
    def repeats(self) -> int:
        return 1 if self.smoke else (5 if self.quick else 11)

    @property
    def min_time(self) -> float:
        """Seconds one timed batch (``number`` calls) should last at least."""
        return 0.0 if self.smoke else (0.02 if self.quick else 0.1)


@dataclass
class Row:
    """One line of a case's table."""
    name: str
    seconds: float | None = None          # median time per call; None when not measured
    note: str = ""
    reference: bool = False
    spread: float | None = None            # (max - min) / median over repeats
    extra: dict[str, str] = field(default_factory=dict)   # case-specific columns


@dataclass
class CaseResult:
    title: str
    description: str
    rows: list[Row] = field(default_factory=list)
    targets: str = ""                      # the target, in words
    notes: list[str] = field(default_factory=list)
    unit_label: str = "time per call"
    extra_columns: list[str] = field(default_factory=list)

    def reference(self) -> Row | None:
        return next((r for r in self.rows if r.reference and r.seconds), None)

    def ratio(self, row: Row) -> float | None:
        ref = self.reference()
        if ref is None or row.seconds is None:
            return None
        return row.seconds / ref.seconds


@dataclass(frozen=True)
class CaseSpec:
    name: str
    group: str
    fn: Callable[[Config], CaseResult]


def case(name: str, group: str):
    """Register ``fn(cfg) -> CaseResult`` under ``name`` (used by ``--only``)."""
    def register(fn):
        REGISTRY[name] = CaseSpec(name, group, fn)
        return fn
    return register


@dataclass
class Contender:
    """A callable, the positional arguments it is timed with, and how to read its result."""
    name: str
    fn: Callable
    args: tuple
    reference: bool = False
    note: str = ""
    to_numpy: Callable[[Any], Any] | None = None   # peer results -> nested floats / arrays


def _as_flat(result, convert) -> np.ndarray:
    if convert is not None:
        result = convert(result)
    if isinstance(result, (tuple, list)):
        return np.concatenate([np.ravel(np.asarray(r, dtype=float)) for r in result])
    return np.ravel(np.asarray(result, dtype=float))


def _timer(c: Contender) -> timeit.Timer:
    names = [f"a{i}" for i in range(len(c.args))]
    ns = dict(zip(names, c.args), fn=c.fn)
    return timeit.Timer(f"fn({', '.join(names)})", globals=ns)


def _number(timer: timeit.Timer, min_time: float) -> int:
    number = 1
    while True:
        if timer.timeit(number) >= min_time or number >= 10**7:
            return number
        number *= 2 if min_time == 0 else 4


def measure(contenders: list[Contender], cfg: Config, rtol: float = 1e-6,
            check: bool = True, atol: float = 1e-12) -> list[Row]:
    """Check every contender against the reference, then time them round-robin.
    ``check=False``: contenders that compute different things (a gradient, a Hessian-vector
    product), timed together with no cross-check."""
    expected = None
    if check:
        ref = next(c for c in contenders if c.reference)
        expected = _as_flat(ref.fn(*ref.args), ref.to_numpy)
    rows, timers = [], []
    for c in contenders:
        row = Row(c.name, note=c.note, reference=c.reference)
        try:
            got = _as_flat(c.fn(*c.args), c.to_numpy)     # also the warm-up / compile call
            if expected is not None and (got.shape != expected.shape or
                                         not np.allclose(got, expected, rtol=rtol, atol=atol)):
                row.note = _join(row.note, f"WRONG RESULT (max abs err {_maxerr(got, expected)})")
            timer = _timer(c)
            timers.append((row, timer, _number(timer, cfg.min_time), []))
        except Exception as e:  # a contender failing must not sink the case
            row.note = _join(row.note, failure_note(e))
        rows.append(row)
    for _ in range(cfg.repeats):
        for row, timer, number, samples in timers:
            samples.append(timer.timeit(number) / number)
    for row, _, _, samples in timers:
        row.seconds = statistics.median(samples)
        row.spread = (max(samples) - min(samples)) / row.seconds if len(samples) > 1 else None
    return rows


def failure_note(e: BaseException) -> str:
    """``unsupported (CompileError: ...)`` for rejected programs, ``error (...)`` otherwise."""
    kind = "unsupported" if type(e).__name__ == "CompileError" else "error"
    return f"{kind} ({type(e).__name__}: {_first_line(e)})"


def _maxerr(a, b) -> str:
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    return f"{np.max(np.abs(a - b)):.3g}"


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else ""


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def skipped(name: str, why: str) -> Row:
    """A row for a contender that could not run (peer not installed, unsupported, ...)."""
    return Row(name, None, why)


def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def now() -> float:
    return time.perf_counter()


