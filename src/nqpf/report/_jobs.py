"""Independent jobs of the report stage (figures, workbooks, unit profiles) run by forked worker processes.

A job is a callable without arguments that writes its files and returns a small, picklable value (the
paths written). With ``processes > 1`` and the fork start method the workers are forked when the batch
is made and inherit the jobs, so closures over the run in memory need no pickling; elsewhere, or with one
process, :meth:`JobBatch.result` runs the jobs in this process, in order. Either way the same job writes
the same bytes, and the results come back in job order.

:class:`BackgroundJobs` runs jobs in one forked process while this one goes on with other work (the run's
later stages): figures whose tables are ready are drawn before the report stage starts.
"""
from __future__ import annotations

import gc
from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

__all__ = ["JobBatch", "BackgroundJobs", "default_processes"]

#: the jobs of the pool being started (a forked worker inherits them)
_PENDING: tuple = ()


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


def _run(i: int) -> Any:
    return _PENDING[i]()


def default_processes(processes: int = 0) -> int:
    """``processes``, or (0) two when the machine has two or more CPUs, else one."""
    import os

    return processes or (2 if (os.cpu_count() or 1) >= 2 else 1)


class _Jobs(ABC):
    """What :class:`JobBatch` and :class:`BackgroundJobs` share: values kept by job index, :meth:`result` waiting
    for the jobs asked for (each subclass's ``_fetch``), the first failure raised and the workers stopped, and
    :meth:`cancel`."""

    jobs: list
    _values: dict
    _cancelled: bool

    @abstractmethod
    def _fetch(self, i: int) -> None:
        """Put job ``i``'s value into ``_values`` (and any other values that came with it)."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop the workers, if any."""

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
        import multiprocessing as mp

        global _PENDING
        self.jobs = list(jobs)
        self._pool = None
        self._futures: dict[int, Any] = {}
        self._values: dict[int, Any] = {}
        self._cancelled = False
        order = list(range(len(self.jobs)) if order is None else order)
        if sorted(order) != list(range(len(self.jobs))):
            raise ValueError(f"JobBatch: order must list every job index once; got {order}")
        if processes > 1 and len(self.jobs) > 1 and "fork" in mp.get_all_start_methods() and not _PENDING:
            from concurrent.futures import ProcessPoolExecutor

            if before_fork is not None:
                before_fork()
            _PENDING = tuple(self.jobs)
            self._pool = ProcessPoolExecutor(max_workers=min(processes, len(self.jobs)), mp_context=mp.get_context("fork"))
            _freeze()  # until the workers stop (_stop)
            try:
                for i in order:  # the first submit forks every worker (fork pools do not spawn lazily)
                    self._futures[i] = self._pool.submit(_run, i)
            except BaseException:
                self._stop()
                raise
            finally:
                _PENDING = ()

    @property
    def parallel(self) -> bool:
        """True when worker processes run the jobs."""
        return self._pool is not None

    def _fetch(self, i: int) -> None:
        self._values[i] = self.jobs[i]() if self._pool is None else self._futures[i].result()

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._futures = {}
            _unfreeze()


def _serve(jobs: Sequence[Callable[[], Any]], conn) -> None:
    """The background process: run the jobs in order, send ``(index, ok, value or exception)`` after each."""
    try:
        for i, job in enumerate(jobs):
            try:
                value = job()
            except BaseException as exc:  # sent to the parent, raised there by result()
                try:
                    conn.send((i, False, exc))
                except Exception:  # an exception that cannot be pickled: its type and message
                    conn.send((i, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
                return
            conn.send((i, True, value))
    finally:
        conn.close()


class BackgroundJobs(_Jobs):
    """Jobs run one after another by one forked process while this process goes on; :meth:`result` waits for
    the jobs asked for and returns their values.

    Unlike :class:`JobBatch` no thread is started here (a ``multiprocessing`` process and a pipe), so more
    background batches, and a :class:`JobBatch`, can be forked later from this process safely. Without the fork
    start method the jobs run here when :meth:`result` asks for them. The process is a daemon: it ends with
    this one.

    Parameters
    ----------
    jobs
        Callables without arguments, run in this order; each returns a small picklable value.
    before_fork
        Called once before the process is forked.
    """

    def __init__(self, jobs: Sequence[Callable[[], Any]], *, before_fork: Callable[[], Any] | None = None):
        import multiprocessing as mp

        self.jobs = list(jobs)
        self._values: dict[int, Any] = {}
        self._cancelled = False
        self._proc = self._conn = None
        if self.jobs and "fork" in mp.get_all_start_methods():
            ctx = mp.get_context("fork")
            if before_fork is not None:
                before_fork()
            recv, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_serve, args=(self.jobs, send), daemon=True, name="nqpf-background")
            _freeze()  # as in JobBatch, until the process stops (_stop)
            try:
                self._proc.start()
            except BaseException:
                _unfreeze()
                raise
            send.close()
            self._conn = recv

    @property
    def parallel(self) -> bool:
        """True when a forked process runs the jobs."""
        return self._proc is not None

    @property
    def busy(self) -> bool:
        """True while the forked process is still running jobs."""
        return self._proc is not None and self._proc.is_alive()

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join()
            self._conn.close()
            self._proc = self._conn = None
            _unfreeze()

    def _fetch(self, i: int) -> None:
        """Run job ``i`` here (no forked process), or take the process's values until job ``i``'s has come."""
        while i not in self._values:
            if self._proc is None:
                self._values[i] = self.jobs[i]()
                return
            try:
                k, ok, value = self._conn.recv()
            except EOFError:
                self._proc.join()
                raise RuntimeError(f"BackgroundJobs: the worker process stopped (exit code {self._proc.exitcode}) "
                                   f"before job {i} was done") from None
            if not ok:
                raise value
            self._values[k] = value
