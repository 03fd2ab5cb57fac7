"""Tiers: which code answers a ``target="cpu"`` transform's calls, NumPy or Numba.

flatgrad emits every transform twice over: as plain Python on NumPy (the *python* tier,
ready in the milliseconds flatgrad's own compiler takes) and as Numba code (the *cpu*
tier, which can take Numba seconds to compile). ``FLATGRAD_TIER`` chooses:

``auto`` (the default)
    The first call of a signature runs the python tier at once, and the cpu tier is
    compiled in the background: by a worker *process* that fills the on-disk caches
    (flatgrad's generated module and Numba's ``cache=True`` files, so it does not compete
    with the caller for the GIL), then loaded into this process by a background thread.
    Where Numba pays (:func:`decide`: scalar code, loops, element indexing, small arrays)
    calls switch to it once it is loaded. Where the two are close (array operations on
    large arrays: Numba fuses elementwise chains, NumPy has the faster BLAS and einsum) the
    signature *races*: once Numba is loaded, calls alternate between the tiers and are
    timed, and after RACE_CALLS each the faster tier is kept. Each call's result is
    exactly what the tier that ran it computes. The worker is stopped when this process
    exits (and stops itself when this process dies without exiting): a compile cut short is
    redone by the next process that needs it. A process forked at any moment starts clean
    (``forksafe.py``): it compiles with a thread and worker of its own.
``cpu``
    Numba only: the first call of a signature waits for Numba (the behaviour before tiers).
``python``
    NumPy only, as ``target="python"``.

``Transformed.source`` names the tier running the last signature called, and
``Transformed.wait()`` blocks until the background work of a transform is done.

The worker has a time budget per compile, ``FLATGRAD_COMPILE_BUDGET`` seconds of wall clock
(default :data:`DEFAULT_BUDGET`; ``0``, ``inf`` or ``none``: no limit): a compile still running
then is abandoned, the worker process killed, and the signature stays on the python tier
(``.source``'s first line says so). The abandonment is remembered next to the generated module,
so later processes do not spend the same budget again (until the budget grows or the module
changes). The budget binds the worker process only: ``FLATGRAD_TIER=cpu`` compiles in the
caller, as asked, and where no worker can be had (no on-disk cache) the background thread
compiles with no limit.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from ..compiler import ir as I
from ..compiler import types as T
from . import forksafe

MODES = ("auto", "cpu", "python")
compiling = threading.RLock()      # held while flatgrad has Numba compile a specialisation
PROFILE = "__flatgrad_profile__"   # the module-level name of a generated module's profile
SMALL = 4096                       # arrays below this many elements: NumPy's per-op overhead dominates
RACE_CALLS = 9                     # timed calls on each tier before a race settles
DEFAULT_BUDGET = 300.0             # seconds a background compile may take (FLATGRAD_COMPILE_BUDGET)


def mode() -> str:
    """``$FLATGRAD_TIER``: ``auto`` (default), ``cpu`` or ``python``."""
    m = os.environ.get("FLATGRAD_TIER", "auto").strip().lower() or "auto"
    if m not in MODES:
        raise ValueError(f"FLATGRAD_TIER={m!r}; choose one of {', '.join(MODES)}")
    return m


def budget() -> float | None:
    """``$FLATGRAD_COMPILE_BUDGET``: the seconds one background compile may take (None: no limit)."""
    text = os.environ.get("FLATGRAD_COMPILE_BUDGET", "").strip().lower()
    if not text:
        return DEFAULT_BUDGET
    if text in ("none", "inf", "0"):
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"FLATGRAD_COMPILE_BUDGET={text!r}: a number of seconds, or none") from None
    if not seconds > 0:
        raise ValueError(f"FLATGRAD_COMPILE_BUDGET={text!r}: a number of seconds above 0, or none")
    return None if seconds == float("inf") else seconds


def over_budget(seconds: float) -> str:
    """Why a signature stays on the python tier once its compile ran out of budget."""
    return (f"compile abandoned after its budget of {seconds:g} s (FLATGRAD_COMPILE_BUDGET); "
            "the python tier stays")


# ---------------------------------------------------------------- what the program does

def profile(fn: I.Function) -> dict:
    """What in the IR decides whether Numba pays: loops, array values, element indexing."""
    loops = ops = 0
    arrays = elements = False

    def note(t) -> None:
        nonlocal arrays
        if not isinstance(t, T.Scalar):
            arrays = True

    for p in fn.params:
        note(p.type)
    for s in I.walk(fn.body):
        if isinstance(s, (I.For, I.While)):
            loops += 1
            continue
        if not isinstance(s, I.Op):
            continue
        ops += 1
        for v in s.outs:
            note(v.type)
        if s.prim == "getitem" and s.outs and isinstance(s.outs[0].type, T.Scalar):
            elements = True
        elif s.prim in ("setitem", "index_add") and len(s.args) > 1 \
                and isinstance(s.args[1].type, T.Scalar):
            elements = True
    return {"loops": loops, "ops": ops, "arrays": arrays, "elements": elements}


def profile_line(fn: I.Function) -> str:
    return f"{PROFILE} = {profile(fn)!r}\n"


def profile_of(compiled) -> dict | None:
    """The profile recorded in the generated module behind ``compiled`` (None if absent)."""
    f = compiled
    for _ in range(4):
        g = getattr(f, "py_func", None) or getattr(f, "__wrapped__", None)
        if g is None:
            break
        f = g
    mod = sys.modules.get(getattr(f, "__module__", None) or "")
    return getattr(mod, PROFILE, None)


def decide(prof: dict | None, values) -> tuple[str, str]:
    """``(tier, why)`` for a signature: ``"cpu"`` where Numba pays, else ``"python"``."""
    if prof is None:
        return "cpu", "no profile recorded"
    if not prof["arrays"]:
        return "cpu", "scalar code (Numba calls it several times faster than NumPy scalars)"
    if prof["loops"]:
        return "cpu", f"{prof['loops']} loop(s) (Numba runs loops 10-1000x faster)"
    if prof["elements"]:
        return "cpu", "element indexing (Numba runs it 10-1000x faster)"
    biggest = max((v.size for v in values if isinstance(v, np.ndarray)), default=0)
    if biggest < SMALL:
        return "cpu", (f"array operations on small arrays ({biggest} elements at most): "
                       "NumPy's per-operation overhead dominates")
    return "race", ("array operations on large arrays, no loops: NumPy and Numba run them at "
                    "about one speed (Numba fuses elementwise chains, NumPy has the faster BLAS "
                    "and einsum), so both are timed once Numba is ready and the faster is kept")


# ---------------------------------------------------------------- Numba types without Numba

def describe(value):
    """A small, hashable description of the Numba type ``value`` would have as an argument
    (computed without importing Numba); None if it is not one flatgrad passes."""
    t = type(value)
    if t is float:
        return ("s", "float64")
    if t is bool:
        return ("s", "bool")
    if t is int:
        return ("s", "int64") if -2**63 <= value < 2**63 else None
    if isinstance(value, np.ndarray):
        f = value.flags
        layout = "C" if f.c_contiguous else "F" if f.f_contiguous else "A"
        return ("a", value.dtype.name, value.ndim, layout, not f.writeable, bool(f.aligned))
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return ("s", value.dtype.name)
    return None


def numba_type(desc):
    from numba.core import types
    from numba.np.numpy_support import from_dtype
    if desc[0] == "s":
        return from_dtype(np.dtype(desc[1]))
    _, dtype, ndim, layout, readonly, aligned = desc
    return types.Array(from_dtype(np.dtype(dtype)), ndim, layout, readonly=readonly,
                       aligned=aligned)


def capture_descs(captured) -> tuple:
    """Descriptions of the module/closure arrays a generated function takes after the user's
    arguments (``__flatgrad_captures__``): their dtype and ndim; contiguous and writable, as
    such arrays nearly always are (if not, loading compiles the actual layout)."""
    return tuple(("a", w[-2], w[-1], "C", False, True) for w in captured)


# ---------------------------------------------------------------- per-signature state

class State:
    """The tiers of one signature of one transform."""

    def __init__(self, sig, python, python_module, tier: str, why: str):
        self.sig = sig
        self.python = python                  # the python tier's callable
        self.python_module = python_module
        self.cpu = None                       # the cpu tier's callable, once loaded
        self.cpu_module = None
        self.decision = tier                  # where this signature ends up ("cpu"/"python")
        self.why = why
        self.loaded: set = set()              # argument descriptions the cpu tier has loaded
        self.pending: set = set()             # ... being compiled in the background
        self.failed: str | None = None
        self.times = {"cpu": [], "python": []}    # a race's timed calls (seconds)

    @property
    def racing(self) -> bool:
        """Both tiers ready and the race not settled: calls alternate and are timed."""
        return self.decision == "race" and self.cpu is not None

    def next_racer(self) -> str:
        """The tier the next call of a race runs: the one with fewer timed calls."""
        return "cpu" if len(self.times["cpu"]) <= len(self.times["python"]) else "python"

    def record(self, tier: str, seconds: float) -> None:
        """Time one call of a race; after RACE_CALLS on each (a first, warm-up call of each
        dropped), keep the tier with the lower median and drop the other."""
        if not self.racing:
            return
        self.times[tier].append(seconds)
        cpu, python = (sorted(self.times[t][1:]) for t in ("cpu", "python"))
        if len(cpu) < RACE_CALLS or len(python) < RACE_CALLS:
            return
        mc, mp = cpu[len(cpu) // 2], python[len(python) // 2]
        self.why += (f"; timed over {RACE_CALLS} calls each: Numba {1e3 * mc:.3g} ms, "
                     f"NumPy {1e3 * mp:.3g} ms")
        if mc <= mp:
            self.decision = "cpu"
        else:
            self.decision, self.cpu, self.cpu_module = "python", None, None
            self.loaded.clear()

    def running(self, descs=None) -> str:
        if self.racing:
            return "race"
        if self.cpu is not None and (descs is None or descs in self.loaded):
            return "cpu"
        return "python"

    def header(self) -> str:
        if self.failed:
            now = f"NumPy (the Numba tier failed: {self.failed})"
        elif self.racing:
            now = "NumPy and Numba on alternate calls, timed"
        elif self.cpu is not None:
            now = "Numba"
        elif self.decision in ("cpu", "race"):
            now = "NumPy, while Numba compiles in the background"
        else:
            now = "NumPy"
        return f"# flatgrad tier: {now}. FLATGRAD_TIER=auto chose {self.decision}: {self.why}\n"


# ---------------------------------------------------------------- background compilation

class Job:
    """One signature (and argument layout) to bring to the cpu tier. ``prepare()`` (on the
    background thread) writes the cpu module and returns ``(path, module name, function name,
    descs)``, or None when no worker process can help (no on-disk cache); ``finish()`` loads
    it into this process; ``fail(message)`` records that Numba could not compile it."""

    def __init__(self, owner, prepare, finish, fail):
        self.owner, self.prepare, self.finish, self.fail = owner, prepare, finish, fail


_TAG = "FLATGRAD-TIER "


class _Service:
    """One background thread per process, running jobs in order, with one worker process
    (started on first need, kept while this process lives) doing Numba's compilation."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.cond = threading.Condition()
        self.pending: dict = {}          # owner id -> jobs not finished
        self.thread: threading.Thread | None = None
        self.proc: subprocess.Popen | None = None
        self.spawn_failed = False

    def submit(self, job: Job) -> None:
        with self.cond:
            self.pending[id(job.owner)] = self.pending.get(id(job.owner), 0) + 1
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="flatgrad-tiers",
                                               daemon=True)
                self.thread.start()
        self.jobs.put(job)

    def wait(self, owner=None, timeout: float | None = None) -> bool:
        """Block until ``owner``'s jobs (every job if None) are done; False on timeout."""
        def done():
            if owner is None:
                return not any(self.pending.values())
            return not self.pending.get(id(owner))
        with self.cond:
            return self.cond.wait_for(done, timeout)

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                self._run(job)
            except BaseException as e:  # noqa: BLE001 - a job never takes the thread down
                try:
                    with forksafe.step():
                        job.fail(f"{type(e).__name__}: {e}")
                except BaseException:  # noqa: BLE001
                    pass
            finally:
                with self.cond:
                    k = id(job.owner)
                    self.pending[k] -= 1
                    if not self.pending[k]:
                        del self.pending[k]
                    self.cond.notify_all()

    def _run(self, job: Job) -> None:
        # each stretch that takes a lock (flatgrad's cache, Numba's, the import system's) is a
        # forksafe step, which a fork waits for; waiting for the worker is not
        with forksafe.step():
            spec = job.prepare()
        if spec is not None:
            path, module, name, descs = spec
            if not _ready(path, descs):
                error = _abandoned(path, descs, budget()) or \
                    self._remote(path, module, name, descs)
                if error is not None:
                    with forksafe.step():
                        job.fail(error)
                    return
        with forksafe.step():
            job.finish()

    def _remote(self, path, module, name, descs) -> str | None:
        """Have the worker process compile (and cache) the function; the error message if
        Numba could not compile it, None if it did or if no worker could be had (then
        ``finish`` compiles here)."""
        request = json.dumps({"path": str(path), "module": module, "name": name,
                              "types": [list(d) for d in descs]}) + "\n"
        limit = budget()
        for _ in range(2):
            with forksafe.step():
                proc = self._worker()
            if proc is None:
                return None
            expired = threading.Event()
            timer = None
            if limit is not None:       # out of budget: the worker is killed, its pipe ends
                timer = threading.Timer(limit, _expire, (proc, expired))
                timer.daemon = True
                timer.start()
            try:
                proc.stdin.write(request)
                proc.stdin.flush()
                for line in proc.stdout:
                    if line.startswith(_TAG):
                        reply = json.loads(line[len(_TAG):])
                        return None if reply["ok"] or not reply.get("numba") else reply["error"]
            except (OSError, ValueError):
                pass
            finally:
                if timer is not None:
                    timer.cancel()
            self._stop()            # the worker died (or was killed): start another, once
            if expired.is_set():
                _remember_abandoned(path, descs, limit)
                return over_budget(limit)
        return None

    def _worker(self):
        if self.proc is not None and self.proc.poll() is None:
            return self.proc
        if self.spawn_failed or not sys.executable:
            return None
        env = dict(os.environ, FLATGRAD_TIER="cpu", PYTHONDONTWRITEBYTECODE="1")
        code = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
                "from flatgrad.runtime.tiers import worker_main; worker_main(int(sys.argv[2]))")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, json.dumps([p for p in sys.path if p]),
                 str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, text=True, bufsize=1)
        except OSError:
            self.spawn_failed = True
            return None
        return self.proc

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


_service = _Service()
_inherited: list = []     # a forked child's copies of its parent's worker handles, kept unused


def _stop_at_exit() -> None:
    """Background work is best effort: a compile still running when this process exits is
    stopped (not left to compete with what runs next; Numba and flatgrad write cache entries
    whole, so a cut-short one is simply redone next time)."""
    _service._stop()


atexit.register(_stop_at_exit)


@forksafe.on_child
def _after_fork() -> None:
    """A forked child has neither the parent's background thread nor a worker of its own, and
    none of its jobs: a fresh service and lock. The pipes to the parent's worker are closed
    here (at the innermost, unbuffered file: the buffered layers above may have been locked
    by the parent's thread, and skip closing a closed file), the worker left to the parent."""
    global _service, compiling
    old, _service, compiling = _service, _Service(), threading.RLock()
    proc, old.proc = old.proc, None
    if proc is not None:
        for f in (proc.stdin, proc.stdout):
            try:
                f.buffer.raw.close()
            except (AttributeError, OSError, ValueError):
                pass
        _inherited.append(proc)   # never collected here: its lock may be the parent thread's


def submit(job: Job) -> None:
    _service.submit(job)


def wait(owner=None, timeout: float | None = None) -> bool:
    return _service.wait(owner, timeout)


def _marker(path: Path, descs, kind: str = "ready") -> Path:
    h = hashlib.sha256(repr(descs).encode()).hexdigest()[:16]
    return path.with_name(f"{path.stem}.{h}.numba-{kind}")


def _expire(proc, expired: threading.Event) -> None:
    """The budget timer: mark the compile abandoned and kill the worker doing it."""
    expired.set()
    try:
        proc.kill()
    except OSError:
        pass


def _remember_abandoned(path: Path, descs, seconds: float) -> None:
    """Record next to the module (as that file stands now) that compiling ``descs`` ran past
    ``seconds``, for later processes with no larger budget to skip."""
    from . import cache
    try:
        cache._write_atomic(_marker(path, descs, "abandoned"), f"{_stamp(path)}\n{seconds!r}")
    except OSError:
        pass


def _abandoned(path: Path, descs, limit: float | None) -> str | None:
    """Why not to compile ``descs`` again: an earlier compile of this very module ran past a
    budget no smaller than ``limit`` (None if there was none, or the budget grew since)."""
    try:
        stamp, seconds = _marker(path, descs, "abandoned").read_text().split("\n")
        seconds = float(seconds)
    except (OSError, ValueError):
        return None
    if stamp != _stamp(path) or limit is None or seconds < limit:
        return None
    return over_budget(seconds)


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_mtime_ns} {st.st_size}"


def _ready(path: Path, descs) -> bool:
    """Whether a worker already compiled ``descs`` for the module at ``path`` (as that file
    stands now: Numba's cache keys on the file's time stamp and size)."""
    try:
        return _marker(path, descs).read_text() == _stamp(path)
    except OSError:
        return False


def load(dispatcher, descs) -> None:
    """Compile (in practice: load from Numba's cache) ``dispatcher`` for ``descs``."""
    types = tuple(numba_type(d) for d in descs)
    with compiling, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")
        dispatcher.compile(types)


def _watch_owner(owner: int, every: float = 0.5) -> None:
    """End the worker once the process it works for (its parent, ``owner``) is gone: it may
    die without stopping the worker (os._exit in a multiprocessing child, a signal), even
    before the worker started, and its compiles are wanted no more."""
    while os.getppid() == owner:
        time.sleep(every)
    os._exit(0)


def worker_main(owner: int | None = None) -> None:
    """The worker process: compile the requested functions with Numba's cache on, one JSON
    request per line on stdin, one tagged JSON reply per line on stdout."""
    from . import cache
    threading.Thread(target=_watch_owner, args=(owner or os.getppid(),), daemon=True).start()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            path = Path(req["path"])
            descs = tuple(tuple(d) for d in req["types"])
            module = cache._import(req["module"], path, path.read_text())
            load(getattr(module, req["name"]), descs)
            try:       # whole or not at all: a parent and its forked child may share it
                cache._write_atomic(_marker(path, descs), _stamp(path))
            except OSError:
                pass
            reply = {"ok": True}
        except Exception as e:  # noqa: BLE001 - reported to the parent
            text = str(e).strip().splitlines()
            reply = {"ok": False, "error": f"{type(e).__name__}: {text[0] if text else ''}",
                     "numba": type(e).__module__.startswith("numba")}
        sys.stdout.write(_TAG + json.dumps(reply) + "\n")
        sys.stdout.flush()
