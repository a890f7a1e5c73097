"""Independent jobs of the report stage (figures, workbooks, unit profiles) run by forked worker processes.

A job is a callable without arguments that writes its files and returns a small, picklable value (the
paths written). With ``processes > 1`` and the fork start method the workers are forked when the batch
is made and inherit the jobs, so closures over the run in memory need no pickling; elsewhere, or with one
process, :meth:`JobBatch.result` runs the jobs in this process, in order. Either way the same job writes
the same bytes, and the results come back in job order. A worker ends as soon as no job is left for it.

:class:`BackgroundJobs` runs jobs in one forked process while this one goes on with other work (the run's
later stages): figures whose tables are ready are drawn before the report stage starts.
"""
from __future__ import annotations

import gc
from typing import Any, Callable, Sequence

__all__ = ["JobBatch", "BackgroundJobs", "default_processes"]

#: forked workers alive whose parent holds its objects frozen (:func:`_freeze`)
_FROZEN = 0


def _freeze() -> None:
    """Before a fork: move the objects made so far to the collector's permanent generation (``gc.freeze``, as the
    Python documentation advises before ``fork``) until every worker forked meanwhile has stopped
    (:func:`_unfreeze`). The collections of the workers and of this process then leave those objects' pages
    alone, so they stay shared instead of being copied into each process (measured on the demo: the report stage's
    process tree peaks about 70 MiB lower than when this process unfroze them right after the fork). Objects made
    later are collected as usual."""
    global _FROZEN
    _FROZEN += 1
    gc.freeze()


def _unfreeze() -> None:
    """A forked worker has stopped: when it was the last, this process's objects go back to its collector."""
    global _FROZEN
    _FROZEN = max(_FROZEN - 1, 0)
    if _FROZEN == 0:
        gc.unfreeze()


def default_processes(processes: int = 0) -> int:
    """``processes``, or (0) two when the machine has two or more CPUs, else one."""
    import os

    return processes or (2 if (os.cpu_count() or 1) >= 2 else 1)


def _serve(jobs: Sequence[Callable[[], Any]], order: Sequence[int], taken, conn) -> None:
    """A forked worker: take the next job of ``order`` (``taken``: a shared count of the jobs taken by every worker),
    run it, send ``(index, ok, value or exception)``; stop when no job is left, or after a failure. A worker that
    finds nothing left ends at once, so its memory (a figure worker's matplotlib caches, some 60 MiB) is not held
    while the others finish."""
    try:
        while True:
            with taken.get_lock():
                k = taken.value
                taken.value = k + 1
            if k >= len(order):
                return
            i = order[k]
            try:
                value = jobs[i]()
            except BaseException as exc:  # sent to the parent, raised there by result()
                try:
                    conn.send((i, False, exc))
                except Exception:  # an exception that cannot be pickled: its type and message
                    conn.send((i, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
                return
            conn.send((i, True, value))
    finally:
        conn.close()


class _Jobs:
    """Jobs run by forked worker processes, or in this process when :meth:`result` asks for them.

    What :class:`JobBatch` and :class:`BackgroundJobs` share: the workers (``multiprocessing`` processes, each with a
    pipe, taking the jobs in ``order`` from a shared count; no thread is started here, so more batches can be forked
    later from this process safely), values kept by job index, :meth:`result` waiting for the jobs asked for only,
    the first failure raised and the workers stopped, and :meth:`cancel`.
    """

    def __init__(self, jobs: Sequence[Callable[[], Any]], *, workers: int, order: Sequence[int] | None,
                 before_fork: Callable[[], Any] | None, name: str):
        import multiprocessing as mp

        self.jobs = list(jobs)
        self._values: dict[int, Any] = {}
        self._cancelled = False
        self._procs: list = []
        self._conns: list = []
        self._taken = None
        self._frozen = False
        order = list(range(len(self.jobs)) if order is None else order)
        if sorted(order) != list(range(len(self.jobs))):
            raise ValueError(f"{type(self).__name__}: order must list every job index once; got {order}")
        if workers < 1 or not self.jobs or "fork" not in mp.get_all_start_methods():
            return
        ctx = mp.get_context("fork")
        if before_fork is not None:
            before_fork()
        # kept until the workers stop: freed here, its shared memory would be handed to the next batch's count
        # while these workers still take jobs from it
        self._taken = taken = ctx.Value("l", 0)
        _freeze()  # until the workers stop (_stop)
        self._frozen = True
        try:
            for w in range(min(workers, len(self.jobs))):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_serve, args=(self.jobs, order, taken, send), daemon=True, name=f"{name}-{w}")
                proc.start()
                send.close()
                self._procs.append(proc)
                self._conns.append(recv)
        except BaseException:
            self._stop()
            raise

    @property
    def parallel(self) -> bool:
        """True when forked processes run the jobs."""
        return bool(self._procs)

    @property
    def busy(self) -> bool:
        """True while a forked process is still running jobs."""
        return any(p.is_alive() for p in self._procs)

    def _fetch(self, i: int) -> None:
        """Run job ``i`` here (no forked process), or take the workers' values until job ``i``'s has come."""
        from multiprocessing.connection import wait

        if not self._procs:
            self._values[i] = self.jobs[i]()
            return
        while i not in self._values:
            open_ = [c for c in self._conns if not c.closed]
            if not open_:
                for proc in self._procs:
                    proc.join(timeout=5)
                codes = ", ".join(str(p.exitcode) for p in self._procs)
                raise RuntimeError(f"{type(self).__name__}: the worker processes stopped (exit codes {codes}) "
                                   f"before job {i} was done")
            for conn in wait(open_):
                try:
                    k, ok, value = conn.recv()
                except EOFError:  # that worker has ended: nothing left for it, or it was killed
                    conn.close()
                    continue
                if not ok:
                    raise value
                self._values[k] = value

    def _stop(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join()
        for conn in self._conns:
            conn.close()
        self._procs, self._conns, self._taken = [], [], None
        if self._frozen:
            self._frozen = False
            _unfreeze()

    def cancel(self) -> None:
        """Stop the workers (jobs not yet done are dropped); :meth:`result` then refuses."""
        self._cancelled = len(self._values) < len(self.jobs)
        self._stop()

    def result(self, indices: Sequence[int] | None = None) -> list[Any]:
        """The values of the jobs ``indices`` (default: all), in that order; waits for those only. Each job
        runs once (a later call returns the value kept); the first failure is raised and the workers stopped."""
        if self._cancelled:
            raise RuntimeError(f"{type(self).__name__}.result: the jobs were cancelled")
        idx = range(len(self.jobs)) if indices is None else list(indices)
        try:
            for i in idx:
                if i not in self._values:
                    self._fetch(i)
        except BaseException:
            self._cancelled = True  # failed jobs are not run again
            self._stop()
            raise
        if len(self._values) == len(self.jobs):
            self._stop()
        return [self._values[i] for i in idx]


class JobBatch(_Jobs):
    """Jobs being run; :meth:`result` waits for them and returns their values in job order.

    Parameters
    ----------
    jobs
        Callables without arguments.
    processes
        Worker processes (``1``: the jobs run in this process when :meth:`result` is called).
    order
        Order in which the workers take the jobs (default: job order). Give the costly ones first so that
        the workers finish together (longest-first scheduling).
    before_fork
        Called once before the workers are forked (e.g. to choose the matplotlib backend).
    """

    def __init__(self, jobs: Sequence[Callable[[], Any]], *, processes: int = 1, order: Sequence[int] | None = None,
                 before_fork: Callable[[], Any] | None = None):
        super().__init__(jobs, workers=processes if processes > 1 and len(jobs) > 1 else 0, order=order,
                         before_fork=before_fork, name="nqpf-worker")


class BackgroundJobs(_Jobs):
    """Jobs run one after another by one forked process while this process goes on; :meth:`result` waits for
    the jobs asked for and returns their values. Without the fork start method the jobs run here when
    :meth:`result` asks for them. The process is a daemon: it ends with this one.

    Parameters
    ----------
    jobs
        Callables without arguments, run in this order; each returns a small picklable value.
    before_fork
        Called once before the process is forked.
    """

    def __init__(self, jobs: Sequence[Callable[[], Any]], *, before_fork: Callable[[], Any] | None = None):
        super().__init__(jobs, workers=1, order=None, before_fork=before_fork, name="nqpf-background")
