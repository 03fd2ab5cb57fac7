"""What a Dask call holds in memory, read from the cluster's own records.

Two plugins of ``distributed``, registered on a running ``Client``:

* :class:`PeakHeld` (a worker plugin): at every task of a worker that puts a result in its
  memory, the worker's own count of bytes held (``worker.state.nbytes``, what its memory
  reports show) and of results held; the peaks since the last :func:`reset`.
* :class:`Delivered` (a scheduler plugin): the size of every result a client asks for
  (a task with a client among its ``who_wants``), as the worker that computed it reported.

``measure(client, call)`` runs ``call()`` between the two and returns both. Used by
``bench/cases_dask.py`` (dask_fit's memory note) and ``tests/rows`` (the bound).
"""
from __future__ import annotations

from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin

WORKER_PLUGIN = "flatgrad-peak-held"
SCHEDULER_PLUGIN = "flatgrad-delivered"


class PeakHeld(WorkerPlugin):
    """A worker's peak bytes and results held in memory."""

    name = WORKER_PLUGIN

    def setup(self, worker):
        self.worker = worker
        self.reset()

    def reset(self) -> None:
        self.peak_bytes = self.peak_results = 0

    def transition(self, key, start, finish, **kwargs):
        if finish == "memory":
            self.peak_bytes = max(self.peak_bytes, self.worker.state.nbytes)
            self.peak_results = max(self.peak_results, len(self.worker.data))


class Delivered(SchedulerPlugin):
    """The sizes of the results that clients ask for."""

    name = SCHEDULER_PLUGIN

    async def start(self, scheduler):
        self.scheduler = scheduler
        self.sizes: list = []

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory":
            ts = self.scheduler.tasks.get(key)
            if ts is not None and ts.who_wants:
                self.sizes.append(ts.nbytes)


def install(client) -> None:
    """Register both plugins on ``client``'s cluster (again: they are replaced)."""
    client.register_plugin(PeakHeld(), name=WORKER_PLUGIN)
    client.register_plugin(Delivered(), name=SCHEDULER_PLUGIN)


def _reset_worker(dask_worker=None):
    dask_worker.plugins[WORKER_PLUGIN].reset()


def _peaks(dask_worker=None):
    p = dask_worker.plugins[WORKER_PLUGIN]
    return p.peak_bytes, p.peak_results


def _reset_scheduler(dask_scheduler=None):
    dask_scheduler.plugins[SCHEDULER_PLUGIN].sizes.clear()


def _delivered(dask_scheduler=None):
    return list(dask_scheduler.plugins[SCHEDULER_PLUGIN].sizes)


def measure(client, call):
    """``(call's result, {worker: (peak bytes, peak results held)}, [sizes of the results
    the client asked for, in bytes])`` for one ``call()`` on ``client``'s cluster (plugins
    installed with :func:`install`)."""
    client.run(_reset_worker)
    client.run_on_scheduler(_reset_scheduler)
    out = call()
    return out, client.run(_peaks), client.run_on_scheduler(_delivered)
