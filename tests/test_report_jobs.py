"""The report's independent files (workbooks, figures, unit profiles) written by forked workers equal those
written in one process, byte for byte; the job batch keeps job order, raises the first failure and refuses
to run twice."""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import warnings

import pytest

import nqpf
import nqpf.run
from nqpf.report._jobs import BackgroundJobs, JobBatch, default_processes
from nqpf.report.figures import longest_first
from nqpf.report.stage import generate_reports

fork = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="worker processes need the fork start method")


def _value(i: int) -> tuple[int, int]:
    return i, os.getpid()


@fork
def test_batch_returns_values_in_job_order_from_worker_processes():
    jobs = [lambda i=i: _value(i) for i in range(7)]
    batch = JobBatch(jobs, processes=2, order=[6, 5, 4, 3, 2, 1, 0])
    assert batch.parallel
    values = batch.result()
    assert [v for v, _ in values] == list(range(7))
    assert os.getpid() not in {pid for _, pid in values}  # drawn by the workers, not here
    assert batch.result() == values and batch.result([3, 1]) == [values[3], values[1]]


def test_batch_in_this_process_runs_jobs_in_order():
    ran = []
    batch = JobBatch([lambda i=i: ran.append(i) or i * i for i in range(4)], processes=1, order=[3, 2, 1, 0])
    assert not batch.parallel and ran == []  # nothing runs before result()
    assert batch.result([2, 0]) == [4, 0] and ran == [2, 0]  # only the jobs asked for, in that order
    assert batch.result() == [0, 1, 4, 9] and ran == [2, 0, 1, 3]  # each job runs once


@pytest.mark.parametrize("processes", [1, pytest.param(2, marks=fork)])
def test_batch_raises_the_failure_and_then_refuses(processes):
    def bad():
        raise ValueError("figure 2 failed")

    batch = JobBatch([lambda: 1, bad, lambda: 3], processes=processes)
    with pytest.raises(ValueError, match="figure 2 failed"):
        batch.result()
    with pytest.raises(RuntimeError, match="cancelled"):
        batch.result()


def test_batch_checks_the_order_and_cancel_refuses_result():
    with pytest.raises(ValueError, match="every job index once"):
        JobBatch([lambda: 1, lambda: 2], order=[0, 0])
    batch = JobBatch([lambda: 1, lambda: 2], processes=1)
    batch.cancel()
    with pytest.raises(RuntimeError, match="cancelled"):
        batch.result()


@fork
def test_background_jobs_run_in_one_other_process_in_order():
    jobs = [lambda i=i: _value(i) for i in range(5)]
    bg = BackgroundJobs(jobs)
    assert bg.parallel
    assert [v for v, _ in bg.result([3, 1])] == [3, 1]  # waits for those only (the process runs them in order)
    values = bg.result()
    assert [v for v, _ in values] == list(range(5))
    pids = {pid for _, pid in values}
    assert len(pids) == 1 and os.getpid() not in pids  # one forked process drew them all
    assert bg.result() == values


@fork
def test_background_jobs_raise_the_failure_and_cancel_stops_the_process():
    def bad():
        raise ValueError("figure 2 failed")

    bg = BackgroundJobs([lambda: 1, bad, lambda: 3])
    with pytest.raises(ValueError, match="figure 2 failed"):
        bg.result()
    with pytest.raises(RuntimeError, match="cancelled"):
        bg.result()
    import time

    slow = BackgroundJobs([lambda: time.sleep(30)])
    proc = slow._procs[0]
    slow.cancel()
    assert not proc.is_alive()
    with pytest.raises(RuntimeError, match="cancelled"):
        slow.result()


def _wait_for(path, timeout: float = 60.0) -> int:
    import time

    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return 0


@fork
def test_a_worker_with_no_job_left_ends_while_the_others_run(tmp_path):
    import time

    go = tmp_path / "go"  # job 0 runs until this file exists: no timing of the machine enters the test
    batch = JobBatch([lambda: _wait_for(go), lambda: 1], processes=2)
    assert batch.result([1]) == [1]
    deadline = time.monotonic() + 30.0
    while sum(p.is_alive() for p in batch._procs) > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    # the worker that ran job 1 found nothing left and ended (its memory is not held); the other still runs job 0
    assert [p.is_alive() for p in batch._procs].count(True) == 1
    go.touch()
    assert batch.result() == [0, 1]
    assert batch._procs == [] and not batch.busy


@fork
def test_a_batch_made_while_a_background_process_still_runs_has_a_count_of_its_own():
    import gc
    import time

    background = BackgroundJobs([lambda: time.sleep(0.4) or "ahead"])
    gc.collect()  # nothing of the running background process may be freed and handed to the next batch
    batch = JobBatch([lambda i=i: _value(i) for i in range(7)], processes=2, order=[6, 5, 4, 3, 2, 1, 0])
    assert [v for v, _ in batch.result()] == list(range(7))
    assert background.result() == ["ahead"]


@fork
def test_killed_workers_are_an_error_naming_the_job_waited_for():
    import signal
    import time

    batch = JobBatch([lambda: time.sleep(30)] * 2, processes=2)
    for proc in batch._procs:
        os.kill(proc.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=r"JobBatch: the worker processes stopped \(exit codes -9, -9\) before job 0 "
                                           r"was done"):
        batch.result()
    with pytest.raises(RuntimeError, match="cancelled"):
        batch.result()


@fork
def test_objects_stay_frozen_while_any_forked_worker_lives():
    import gc
    import time

    assert gc.get_freeze_count() == 0
    background = BackgroundJobs([lambda: time.sleep(0.3) or 1])
    frozen = gc.get_freeze_count()
    assert frozen > 0  # the objects made before the fork left to the workers' pages
    batch = JobBatch([lambda i=i: _value(i) for i in range(3)], processes=2)
    assert gc.get_freeze_count() >= frozen
    assert [v for v, _ in batch.result()] == [0, 1, 2]
    assert gc.get_freeze_count() > 0  # the background process still runs
    assert background.result() == [1]
    assert gc.get_freeze_count() == 0  # both stopped: every object back to the collector
    cancelled = JobBatch([lambda: time.sleep(0.5)] * 2, processes=2)
    cancelled.cancel()
    assert gc.get_freeze_count() == 0


@fork
def test_a_worker_that_cannot_be_started_leaves_nothing_frozen(monkeypatch):
    import gc

    def refuse(self):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(mp.get_context("fork").Process, "start", refuse)
    with pytest.raises(OSError, match="temporarily unavailable"):
        JobBatch([lambda: 1, lambda: 2], processes=2)
    assert gc.get_freeze_count() == 0


def test_longest_first_and_default_processes():
    assert longest_first([0.2, 1.0, 0.2, 3.0]) == [3, 1, 0, 2]  # ties keep their order
    assert default_processes(3) == 3
    assert default_processes(0) == (2 if (os.cpu_count() or 1) >= 2 else 1)


@fork
def test_report_files_equal_in_one_process_and_in_two(tmp_path):
    """A run with stage figures and unit profiles (HTML and PDF): every file the report writes is the same."""
    a = tmp_path / "a"
    cfg = nqpf.datasets.demo_config(years=(2020, 2022), units=["北京", "上海", "广东", "四川", "贵州", "甘肃"],
                                    stages=["analysis", "paths"])
    cfg["paths"] = {**cfg.get("paths", {}), "profiles": ["html", "pdf"]}  # the PDFs are on request
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=a)
    b = tmp_path / "b"
    shutil.copytree(a, b)
    opts = {"dpi": 50, "map_nodes": ["NQPF"], "map_years": [2022], "embed_font": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = generate_reports(a, {**opts, "processes": 1})
        two = generate_reports(b, {**opts, "processes": 2})
    assert one.profiles and any(p.suffix == ".pdf" for p in one.profiles)
    assert [p.relative_to(a) for p in one.profiles] == [p.relative_to(b) for p in two.profiles]
    assert one.figure_index().equals(two.figure_index()) and len(one.figures) > 5
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        if f.suffix in (".png", ".pdf", ".xlsx", ".html", ".csv"):
            assert (a / f).read_bytes() == (b / f).read_bytes(), f
