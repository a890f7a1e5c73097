"""Runs of the app: one worker runs them one after the other; finished runs live under ``HOME/runs/<id>/``.

A run is prepared and computed in ``HOME/runs/.partial/<id>/`` and renamed into place when it has
finished (successfully or not), so a server killed mid-run leaves no half run among the listed ones and
loses none of the finished ones (leftovers of ``.partial`` are removed at the next start).
"""
from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from .._errors import NqpfError
from ..report.dashboard import safe_path
from .project import CONFIG_FILE, RESULTS, Uploads, write_project

__all__ = ["Job", "RunQueue", "META_FILE", "read_meta"]

META_FILE = "app.json"
_PARTIAL = ".partial"


@dataclass
class Job:
    """A queued, running or finished run (what the progress view shows)."""

    id: str
    title: str
    spec: dict[str, Any]
    state: str = "queued"  # queued → running → done | failed
    steps: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    created: str = ""
    started: float | None = None
    seconds: float | None = None
    started_at: float | None = None
    finished_at: float | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "state": self.state, "steps": self.steps, "error": self.error,
                "warnings": self.warnings[:50], "n_warnings": len(self.warnings), "created": self.created,
                "seconds": self.seconds, "started_at": self.started_at, "finished_at": self.finished_at, "spec": self.spec}


def read_meta(folder: Path) -> dict[str, Any] | None:
    p = folder / META_FILE
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _error_text(exc: BaseException) -> str:
    """The one line shown for a failed run: the library's message, else the CLI's line for unexpected errors."""
    if isinstance(exc, NqpfError):
        return str(exc)
    from .._errors import unexpected_error_message

    return unexpected_error_message(exc)


class RunQueue:
    """Runs specs one at a time on a single worker thread (concurrent requests are queued, never interleaved)."""

    def __init__(self, home: Path, uploads: Uploads):
        self.root = Path(home) / "runs"
        self.partial = self.root / _PARTIAL
        self.uploads = uploads
        if self.partial.exists():  # half runs of a server that was killed
            shutil.rmtree(self.partial)
        self.partial.mkdir(parents=True)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: "queue.Queue[str | None]" = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="nqpf-app-runs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ queue
    def submit(self, spec: Mapping[str, Any]) -> Job:
        """Write the project folder (refusing a bad spec at once, with the library's message) and queue the run."""
        rid = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
        folder = self.partial / rid
        try:
            write_project(spec, self.uploads, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = Job(id=rid, title=str(spec.get("title") or ""), spec=dict(spec),
                  created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        with self._lock:
            self._jobs[rid] = job
        self._queue.put(rid)
        return job

    def close(self) -> None:
        self._queue.put(None)

    def wait(self, rid: str, timeout: float = 600.0) -> Job:
        """Block until run ``rid`` has finished (for scripts and tests)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.job(rid)
            if job is not None and job.state in ("done", "failed"):
                return job
            time.sleep(0.05)
        raise TimeoutError(f"run {rid} did not finish within {timeout:g} s")

    def _work(self) -> None:
        while True:
            rid = self._queue.get()
            if rid is None:
                return
            self._run_one(self._jobs[rid])

    def _run_one(self, job: Job) -> None:
        from ..workflow import run

        folder = self.partial / job.id
        job.state, job.started, job.started_at = "running", time.monotonic(), time.time()

        def progress(step: str) -> None:
            job.steps.append({"step": str(step), "stage": re.split(r"[:\s]", str(step).strip(), maxsplit=1)[0],
                              "t": round(time.monotonic() - job.started, 2)})

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                run(folder / CONFIG_FILE, progress=progress)
            job.warnings = list(dict.fromkeys(str(w.message) for w in caught))
            state = "done"
        except BaseException as exc:  # noqa: BLE001 - every failure becomes the run's one-line error
            job.error = _error_text(exc)
            state = "failed"
            shutil.rmtree(folder / RESULTS, ignore_errors=True)  # a failed run keeps its inputs, never half outputs
        job.seconds = round(time.monotonic() - job.started, 2)
        job.finished_at = time.time()
        meta = dict(job.public(), state=state)
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(folder, self.root / job.id)  # atomic: the run appears whole or not at all
        job.state = state

    # ------------------------------------------------------------------ lookup
    def job(self, rid: str) -> Job | None:
        with self._lock:
            return self._jobs.get(rid)

    def folder(self, rid: str) -> Path | None:
        """The folder of a finished run (checked against the runs folder), or None."""
        if not isinstance(rid, str) or rid.startswith("."):
            return None
        p = safe_path(self.root, rid)
        return p if p is not None and p.parent == self.root.resolve() and (p / META_FILE).is_file() else None

    def status(self, rid: str) -> dict[str, Any] | None:
        job = self.job(rid)
        if job is not None:
            return job.public()
        folder = self.folder(rid)
        return read_meta(folder) if folder is not None else None

    def listing(self) -> list[dict[str, Any]]:
        """Runs waiting or running, then finished runs on disk (newest first)."""
        with self._lock:
            live = [j.public() for j in self._jobs.values() if j.state in ("queued", "running")]
        done = []
        for p in self.root.iterdir():
            if p.is_dir() and not p.name.startswith("."):
                m = read_meta(p)
                if m:
                    done.append({k: m.get(k) for k in ("id", "title", "state", "error", "created", "seconds")})
        done.sort(key=lambda m: m["id"], reverse=True)
        return live + done
