"""Fork safety: a process made by ``os.fork()`` starts with flatgrad in a clean state.

Under ``FLATGRAD_TIER=auto`` a call starts background work (``tiers.py``): a thread of
flatgrad's that writes generated modules under ``cache.py``'s lock, imports Numba and loads
compiled code under Numba's own locks, and a worker process it talks to through pipes.
``fork()`` copies the memory of a process but only the thread that called it: a lock the
background thread held at that moment stays held in the child, by a thread that does not
exist there, and the child's next call that needs it waits forever. ``multiprocessing``
(``fork``, the default on Linux before Python 3.14), Dask's and joblib's process pools and
many users' own worker code fork.

Two hooks, registered with ``os.register_at_fork``, make a fork safe at any moment:

* **before** (in the forking thread): wait until the background thread is between *steps*
  (:func:`step`: each stretch of its work that takes a lock of flatgrad's, Numba's or the
  import system's) and keep it there until the fork is done. A step is short (a module
  written, or loaded from the caches; the first import of Numba is the longest, about a
  second); the seconds Numba compiles for are spent in the worker *process*, outside any
  step. Should a step not end within :data:`GATE_TIMEOUT` seconds, the fork goes ahead.
* **after, in the child**: every lock of flatgrad's is made anew (the module-level ones
  through :func:`on_child` functions, the transforms' and vectorize objects' own through
  :func:`track`), the parent's background thread and worker process are forgotten (the
  pipes to the worker closed in the child, the worker left to the parent), and tier switches
  in flight are abandoned: the child answers from the python tier and, at its next call,
  compiles the cpu tier itself, with a thread and worker of its own.

The on-disk caches stay shared between parent and child: every file is written whole under
a temporary name and renamed into place, so concurrent writers of one entry leave one
complete copy, and a reader never sees a partial file (``cache.py``).
"""
from __future__ import annotations

import os
import threading
import warnings
import weakref
from contextlib import contextmanager

GATE_TIMEOUT = 60.0       # seconds a fork waits for the background thread to finish a step

_gate = threading.Lock()  # held by the background thread during a step, by a fork around it
_inside: int | None = None    # the thread id in a step (it may not wait for its own gate)
_forking = False          # the gate is held by the fork in progress
_resets: list = []        # module-level resets, run in the child in registration order
_objects: weakref.WeakSet = weakref.WeakSet()   # objects with an _after_fork() method
_active = True            # False turns the hooks off (a test shows what they prevent)


@contextmanager
def step():
    """Run a stretch of background work that a fork must not cut in two."""
    global _inside
    gate = _gate
    with gate:
        _inside = threading.get_ident()
        try:
            yield
        finally:
            _inside = None


def on_child(reset):
    """Register ``reset()`` to run in a forked child (it re-creates a module's locks);
    usable as a decorator."""
    _resets.append(reset)
    return reset


def track(obj) -> None:
    """Call ``obj._after_fork()`` in a forked child (an object holding locks of its own)."""
    _objects.add(obj)


def _before() -> None:
    global _forking
    if not _active or _inside == threading.get_ident():
        return             # (a fork from inside a step, never made by flatgrad: nothing to wait for)
    _forking = _gate.acquire(timeout=GATE_TIMEOUT)
    if not _forking:
        warnings.warn(f"os.fork() waited {GATE_TIMEOUT:g} s for flatgrad's background "
                      "compilation to reach a safe point and went ahead; the child may find "
                      "Numba's locks held", RuntimeWarning, stacklevel=2)


def _after_in_parent() -> None:
    global _forking
    if _forking:
        _forking = False
        _gate.release()


def _after_in_child() -> None:
    global _gate, _inside, _forking
    if not _active:
        return
    _gate, _inside, _forking = threading.Lock(), None, False
    for reset in _resets:
        reset()
    for obj in list(_objects):
        obj._after_fork()


if hasattr(os, "register_at_fork"):       # POSIX; Windows has no fork
    os.register_at_fork(before=_before, after_in_parent=_after_in_parent,
                        after_in_child=_after_in_child)
