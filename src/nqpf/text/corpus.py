"""Count a lexicon over a corpus of annual reports: streaming, parallel, resumable, Dask-ready.

Corpus inputs
-------------
* a folder of ``.txt`` / ``.pdf`` / ``.html`` reports (searched recursively); firm code and year
  come from the file name (``pattern``, see :func:`nqpf.text.extract.parse_file_name`);
* a ``.jsonl`` file (one JSON object per line with firm code, year and text — the layout of the
  shared ``annual_reports.jsonl``), or a ``.parquet`` table with the same columns;
* a pandas DataFrame with the same columns (small in-memory jobs).

Per document: extract → detect the MD&A on the raw text → normalise each scope → count every
requested semantics. Documents stream through a bounded queue (memory does not grow with the
corpus), run on all cores by default (``workers``) or on a Dask cluster (``scheduler``).

Resumable output (``out``)
--------------------------
``out/run.json`` holds the settings; ``out/documents.jsonl`` receives one line per finished
document, flushed as soon as it is written (a killed run loses nothing already written; a torn
last line is discarded on restart). A rerun with the same settings skips every document already
in ``documents.jsonl`` with status ``ok``; settings that differ are refused. When the corpus is
done the tables (``panel.csv``, ``groups.csv``, ``terms.csv``, ``documents.csv``) are written
from ``documents.jsonl``.
"""
from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import numbers
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .._errors import ConfigError, DataError
from .._validation import Interval, validate_params
from .extract import (
    DEFAULT_EXCLUDE_PATTERN,
    DEFAULT_NAME_PATTERN,
    SUPPORTED_SUFFIXES,
    extract_text,
    parse_file_name,
    txt_from_bytes,
)
from .lexicons import Lexicon, load_lexicon
from .matching import DEFAULT_NEGATION_CHARS, CountSpec, Matcher, parse_semantics
from .normalise import Normalisation, normalise_to_codes, text_codes
from .panel import TextCountResult, build_tables
from .sections import MDA_TITLES, find_mda

__all__ = ["CountConfig", "count_corpus", "load_text_counts", "count_document", "iter_tasks", "Progress"]

#: ``progress(docs_done, bytes_done, docs_total)`` — called after every document of this run
Progress = Callable[[int, int, "int | None"], None]

_FIRM_FIELDS = ("firm_code", "firm", "stkcd", "code", "ticker")
_YEAR_FIELDS = ("year", "fiscal_year", "fyear")
_TEXT_FIELDS = ("text", "content", "body")


@dataclass(frozen=True)
class CountConfig:
    """Everything a worker needs to count one document (picklable, hashable by :attr:`key`)."""

    lexicon: Lexicon
    scopes: tuple[str, ...]
    semantics: tuple[CountSpec, ...]
    normalisation: Normalisation
    negation_chars: str = DEFAULT_NEGATION_CHARS
    mda_titles: tuple[str, ...] = MDA_TITLES

    def describe(self) -> dict[str, Any]:
        """JSON-safe description (stored in ``run.json`` and compared on resume)."""
        return {
            "lexicon": self.lexicon.name,
            "lexicon_fingerprint": self.lexicon.fingerprint(),
            "lexicon_partial": self.lexicon.partial,
            "scopes": list(self.scopes),
            "semantics": [s.label for s in self.semantics],
            "normalisation": self.normalisation.label,
            "negation_chars": self.negation_chars,
            "mda_titles": list(self.mda_titles),
        }

    @functools.cached_property
    def key(self) -> str:
        """Short hash of :meth:`describe` (computed once)."""
        return hashlib.sha256(json.dumps(self.describe(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


_MATCHERS: dict[str, Matcher] = {}


def _matcher(config: CountConfig) -> Matcher:
    key = config.key
    m = _MATCHERS.get(key)
    if m is None:
        m = Matcher(config.lexicon, normalisation=config.normalisation, negation_chars=config.negation_chars)
        _MATCHERS.clear()
        _MATCHERS[key] = m
    return m


def count_document(text: str, config: CountConfig, *, codes: np.ndarray | None = None) -> dict[str, Any]:
    """Count one raw text under ``config``: scopes, spans and counts (the per-document record core).

    The text is normalised once; the MD&A is located on the raw text and its normalised form is
    the matching slice of the normalised report (identical to normalising the raw span). ``codes``
    is ``text`` as code points (:func:`nqpf.text.normalise.text_codes`) when already at hand.

    Returns a dict with ``n_chars_raw``, ``scopes`` (``{scope: {n_chars, start, end, heading}}`` or
    None for an MD&A that was not found), ``counts`` (``{scope: {semantics: {term: count}}}``)
    and ``warnings``.

    Examples
    --------
    >>> from nqpf.text.lexicons import load_lexicon
    >>> cfg = CountConfig(lexicon=load_lexicon("wu2021"), scopes=("full", "mda"),
    ...                   semantics=(parse_semantics("overlapping"),), normalisation=Normalisation())
    >>> rec = count_document("第三节 管理层讨论与分析\\n大数据\\n第四节 重要事项\\n云计算", cfg)
    >>> rec["counts"]["full"]["overlapping"], rec["counts"]["mda"]["overlapping"], rec["scopes"]["mda"]["heading"]
    ({'大数据': 1, '云计算': 1}, {'大数据': 1}, '管理层讨论与分析')
    """
    matcher = _matcher(config)
    nz = config.normalisation
    scopes: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    warnings: list[str] = []
    # the normalised text stays a code-point array (no string is built) unless a jieba semantics needs it
    opts = {"nfkc": nz.nfkc, "lower": nz.lower, "remove_whitespace": nz.remove_whitespace}
    needs_matches = any(s.base in ("overlapping", "leftmost_longest") for s in config.semantics)
    # in the matcher's code order (its terms' first characters on top: the prefilter is a comparison)
    opts["perm"] = matcher.perm16
    full = normalise_to_codes(text, **opts, raw=codes) if "full" in config.scopes else None
    full_found = (matcher.matches(None, codes=full.codes, permuted=full.perm is not None)
                  if full is not None and needs_matches else None)
    for scope in config.scopes:
        found = None
        if scope == "full":
            nc, found = full, full_found
            codes = nc.codes
            info = {"start": 0, "end": len(text), "heading": None}
        else:
            span = find_mda(text, titles=config.mda_titles)
            if span is None:
                scopes[scope] = None
                warnings.append("MD&A not found")
                continue
            info = {"start": span.start, "end": span.end, "heading": span.heading}
            if span.length < 0.02 * max(len(text), 1):
                warnings.append(f"MD&A span is short ({span.length} of {len(text)} characters)")
            a = full.offset(span.start) if full is not None else None
            b = full.offset(span.end) if a is not None else None
            if b is not None:
                # the normalised MD&A is a slice of the normalised report: reuse its occurrences
                nc, codes = full, full.codes[a:b]
                if full_found is not None:
                    found = [(s - a, e - a, k) for s, e, k in full_found if s >= a and e <= b]
            else:
                nc = normalise_to_codes(text[span.start:span.end], **opts)
                codes = nc.codes
        scopes[scope] = {**info, "n_chars": len(codes)}
        counts[scope] = matcher.count_many(None, config.semantics, codes=codes, found=found,
                                           permuted=nc.perm is not None)
    return {"n_chars_raw": len(text), "scopes": scopes, "counts": counts, "warnings": warnings}


# ----------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class _Task:
    doc_id: str
    kind: str  # "file" | "jsonl" | "text" | "skip"
    payload: Any
    firm: str | None = None
    year: int | None = None
    source: str = ""
    fields: tuple[str, str, str] | None = None


def _pick(keys: Sequence[str], candidates: tuple[str, ...], override: str | None, what: str, where: str) -> str:
    if override is not None:
        if override not in keys:
            raise DataError(f"{where}: no field {override!r} for the {what}; got fields {list(keys)}. "
                            f"Pass the right name in fields={{'{what}': ...}}.")
        return override
    for c in candidates:
        if c in keys:
            return c
    raise DataError(f"{where}: cannot find the {what} field; got fields {list(keys)}. "
                    f"Name it one of {', '.join(candidates)} or pass fields={{'{what}': <name>}}.")


def _resolve_fields(keys: Sequence[str], fields: dict[str, str] | None, where: str) -> tuple[str, str, str]:
    fields = fields or {}
    return (_pick(keys, _FIRM_FIELDS, fields.get("firm"), "firm", where),
            _pick(keys, _YEAR_FIELDS, fields.get("year"), "year", where),
            _pick(keys, _TEXT_FIELDS, fields.get("text"), "text", where))


def _firm(value: Any) -> str:
    s = str(value).strip()
    return s.zfill(6) if s.isdigit() and len(s) < 6 else s


def iter_tasks(corpus: str | Path | pd.DataFrame, *, pattern: str = DEFAULT_NAME_PATTERN,
               exclude: str | None = DEFAULT_EXCLUDE_PATTERN, fields: dict[str, str] | None = None) -> Iterator[_Task]:
    """Stream the documents of a corpus as lightweight tasks (paths, raw JSONL lines or text rows)."""
    import re

    if isinstance(corpus, pd.DataFrame):
        f, y, t = _resolve_fields(list(corpus.columns), fields, "corpus DataFrame")
        for i, (firm, year, text) in enumerate(zip(corpus[f], corpus[y], corpus[t])):
            yield _Task(doc_id=f"row:{i}", kind="text", payload=text if isinstance(text, str) else "",
                        firm=_firm(firm), year=int(year), source=f"row {i}")
        return
    path = Path(corpus)
    if path.is_dir():
        excl = re.compile(exclude) if exclude else None
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        for p in files:
            rel = p.relative_to(path).as_posix()
            if excl is not None and excl.search(p.name):
                yield _Task(doc_id=rel, kind="skip", payload=f"excluded by pattern {exclude!r}", source=rel)
                continue
            parsed = parse_file_name(p.name, pattern=pattern)
            if parsed is None:
                yield _Task(doc_id=rel, kind="skip", payload="file name does not give firm code and year", source=rel)
                continue
            yield _Task(doc_id=rel, kind="file", payload=str(p), firm=parsed[0], year=parsed[1], source=rel)
        return
    if not path.is_file():
        raise DataError(f"count_corpus: the corpus {str(path)!r} does not exist; got {str(path)!r}. "
                        f"Pass a folder of reports, a .jsonl or .parquet file, or a DataFrame.")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        resolved = None
        with path.open("rb") as fh:
            for i, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                if resolved is None:
                    try:
                        first = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path.name}, line {i}: not valid JSON ({exc.msg}); got {line[:60]!r}. "
                                        f"Write one JSON object per line.") from None
                    resolved = _resolve_fields(list(first), fields, f"{path.name}, line {i}")
                yield _Task(doc_id=f"{path.name}:{i}", kind="jsonl", payload=line, source=f"{path.name}:{i}",
                            fields=resolved)
        return
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        f, y, t = _resolve_fields(pf.schema_arrow.names, fields, path.name)
        i = 0
        for batch in pf.iter_batches(batch_size=64, columns=[f, y, t]):
            d = batch.to_pydict()
            for firm, year, text in zip(d[f], d[y], d[t]):
                yield _Task(doc_id=f"{path.name}:{i}", kind="text", payload=text or "", firm=_firm(firm),
                            year=int(year), source=f"{path.name} row {i}")
                i += 1
        return
    if suffix in SUPPORTED_SUFFIXES:
        parsed = parse_file_name(path.name, pattern=pattern)
        if parsed is None:
            raise DataError(f"{path.name}: the file name does not give firm code and year; got {path.name!r}. "
                            f"Rename it like 000001_2019{suffix} or pass pattern=...")
        yield _Task(doc_id=path.name, kind="file", payload=str(path), firm=parsed[0], year=parsed[1], source=path.name)
        return
    raise DataError(f"count_corpus: unsupported corpus {path.name!r}; got suffix {suffix!r}. "
                    f"Use a folder, a .jsonl/.parquet table, or one of {', '.join(SUPPORTED_SUFFIXES)}.")


def _content_hash(task: _Task) -> str | None:
    """SHA-256 of a document's input (file bytes, raw JSONL line or text): resume keys on it, so an edited
    report is counted again."""
    h = hashlib.sha256()
    if task.kind == "file":
        try:
            with open(task.payload, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return None
    elif task.kind == "jsonl":
        h.update(task.payload)
    elif task.kind == "text":
        h.update(str(task.payload).encode("utf-8", "surrogatepass"))
    else:
        return None
    return h.hexdigest()


_CONTROL = np.ones(32, dtype=bool)
_CONTROL[[9, 10, 11, 12, 13]] = False  # \t \n \v \f \r are text


def _looks_binary(text: str, codes: np.ndarray | None = None) -> bool:
    """Text of a binary file decoded as text: NUL bytes, or many control/replacement characters
    (more than 5 % of the first 65,536 characters). ``codes`` is ``text_codes(text)`` if at hand."""
    if not text:
        return False
    n = min(len(text), 65536)
    c = text_codes(text[:n]) if codes is None else codes[:n]
    if c is None:  # lone surrogates: count on the string
        sample = text[:n]
        if "\x00" in sample:
            return True
        c = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return (int(np.count_nonzero(_CONTROL[c[c < 32]])) + sample.count("\ufffd")) / n > 0.05
    if np.count_nonzero(c == 0):
        return True
    # controls other than \t \n \v \f \r (below 9, or 14 to 31), and replacement characters
    bad = np.count_nonzero(c < 9) + np.count_nonzero((c - c.dtype.type(14)) < 18) + np.count_nonzero(c == 0xFFFD)
    return int(bad) / n > 0.05


def _process(task: _Task, config: CountConfig) -> dict[str, Any]:
    """Run one task (in a worker): read/extract, count, and return the JSON-safe record."""
    t0 = time.perf_counter()
    data = None
    if task.kind == "file" and str(task.payload).lower().endswith(".txt"):
        try:  # a text file is read once: the same bytes are hashed and decoded
            with open(task.payload, "rb") as fh:
                data = fh.read()
        except OSError:
            data = None
    sha = hashlib.sha256(data).hexdigest() if data is not None else _content_hash(task)
    rec: dict[str, Any] = {"doc_id": task.doc_id, "source": task.source, "firm": task.firm, "year": task.year,
                           "sha256": sha}
    if task.kind == "skip":
        return {**rec, "status": "skipped", "warnings": [task.payload]}
    try:
        extractor = "input text"
        warnings: list[str] = []
        if task.kind == "file":
            ex = extract_text(task.payload) if data is None else txt_from_bytes(data)
            text, extractor, warnings = ex.text, ex.extractor, list(ex.warnings)
        elif task.kind == "jsonl":
            obj = json.loads(task.payload)
            f, y, t = task.fields
            rec["firm"], rec["year"] = _firm(obj[f]), int(obj[y])
            text = obj[t] or ""
            given = obj.get("extraction")
            extractor = f"input text ({given})" if isinstance(given, str) and given else "input text"
        else:
            text = task.payload
        if not isinstance(text, str):
            raise DataError(f"{task.source}: the text field is not text; got {type(text).__name__}. "
                            "Give the report text as a string.")
        raw = text_codes(text)  # the text as code points, for the binary check and the normalisation
        if _looks_binary(text, raw):
            raise DataError(f"{task.source}: the document is binary, not text; got NUL or control bytes in its "
                            "first characters. Convert it to .txt/.pdf/.html or remove it from the corpus.")
        if not text or text.isspace():
            raise DataError(f"{task.source}: the document is empty; got no text after extraction. Check the file "
                            "(a scanned PDF needs OCR first) or remove it from the corpus.")
        core = count_document(text, config, codes=raw)
    except (DataError, OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        return {**rec, "status": "error", "warnings": [f"{type(exc).__name__}: {exc}"],
                "seconds": round(time.perf_counter() - t0, 4)}
    n_bytes = (len(data) if data is not None else os.path.getsize(task.payload)) if task.kind == "file" \
        else len(text.encode("utf-8", "surrogatepass"))
    return {**rec, "status": "ok", "extractor": extractor, "n_bytes": n_bytes,
            **core, "warnings": warnings + core["warnings"], "seconds": round(time.perf_counter() - t0, 4)}


# ----------------------------------------------------------------------------- output store


class _Store:
    """Append-only ``documents.jsonl`` plus ``run.json`` in an output folder."""

    def __init__(self, out: Path, config: CountConfig, *, resume: bool) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / "documents.jsonl"
        run = out / "run.json"
        desc = config.describe()
        if run.exists() and resume:
            old = json.loads(run.read_text(encoding="utf-8"))
            if old.get("config") != desc:
                diff = sorted(k for k in desc if old.get("config", {}).get(k) != desc[k])
                raise ConfigError(
                    f"{out}: this folder holds a run with different settings ({', '.join(diff)}); got "
                    f"{ {k: desc[k] for k in diff} }. Use a new --out folder, the same settings, or resume=False to start over."
                )
        if not resume and self.path.exists():
            self.path.unlink()
        run.write_text(json.dumps({"config": desc, "lexicon_terms": config.lexicon.terms.to_dict(orient="list"),
                                   "lexicon_citation": config.lexicon.citation, "nqpf_version": __version__},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        #: doc_id → content hash of every document counted (status ok)
        self.done: dict[str, str | None] = {}
        self.logged_skips: set[str] = set()
        self._repair_and_index()
        self.fh = self.path.open("a", encoding="utf-8")
        self._last_sync = time.monotonic()

    def _repair_and_index(self) -> None:
        if not self.path.exists():
            return
        good = 0
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    break
                good += len(line)
                if rec.get("status") == "ok":
                    self.done[rec["doc_id"]] = rec.get("sha256")
                else:
                    self.done.pop(rec["doc_id"], None)
                    if rec.get("status") == "skipped":
                        self.logged_skips.add(rec["doc_id"])
        if good < self.path.stat().st_size:
            with self.path.open("r+b") as fh:
                fh.truncate(good)

    def write(self, rec: dict[str, Any]) -> None:
        if rec.get("status") == "skipped":
            if rec["doc_id"] in self.logged_skips:
                return  # skipped files are re-checked on every run but logged once
            self.logged_skips.add(rec["doc_id"])
        self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.fh.flush()
        if time.monotonic() - self._last_sync > 5.0:
            os.fsync(self.fh.fileno())
            self._last_sync = time.monotonic()

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


def _records(path: Path) -> Iterator[dict]:
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                break


# ----------------------------------------------------------------------------- backends


_WORKER_CONFIG: list[CountConfig] = []


def _init_worker(config: CountConfig) -> None:
    """Process-pool initializer: keep the configuration (sent once, not with every document)."""
    _WORKER_CONFIG[:] = [config]
    _matcher(config)


def _process_in_worker(task: _Task) -> dict[str, Any]:
    return _process(task, _WORKER_CONFIG[0])


def _run_local(tasks: Iterator[_Task], config: CountConfig, workers: int, sink: Callable[[dict], None]) -> None:
    if workers == 1:
        for task in tasks:
            sink(_process(task, config))
        return
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":  # workers fork from a server that has the modules and the table loaded
        ctx.set_forkserver_preload(["nqpf.text._preload"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(config,)) as pool:
        pending = set()
        limit = 4 * workers
        for task in tasks:
            pending.add(pool.submit(_process_in_worker, task))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    sink(fut.result())
        for fut in pending:
            sink(fut.result())


def _run_dask(tasks: Iterator[_Task], config: CountConfig, scheduler: Any, sink: Callable[[dict], None]) -> str:
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        n_workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        [cfg] = client.scatter([config], broadcast=True)
        queue = as_completed()
        in_flight = 0
        for task in tasks:
            queue.add(client.submit(_process, task, cfg, pure=False))
            in_flight += 1
            while in_flight >= 4 * n_workers:
                fut = next(queue)
                sink(fut.result())
                fut.release()
                in_flight -= 1
        for fut in queue:
            sink(fut.result())
            fut.release()
        return str(client.scheduler.address)
    finally:
        if own:
            client.close()


# ----------------------------------------------------------------------------- public API


def _as_tuple(x: str | Sequence[str]) -> tuple[str, ...]:
    return (x,) if isinstance(x, str) else tuple(x)


@validate_params({
    "workers": [None, Interval(numbers.Integral, 1, None)],
    "allow_partial": [bool],
    "resume": [bool],
    "nfkc": [bool],
    "lower": [bool],
    "remove_whitespace": [bool],
    "negation_chars": [str],
})
def count_corpus(
    corpus: str | Path | pd.DataFrame,
    *,
    lexicon: str | Path | Lexicon = "wu2021",
    section: str | Sequence[str] = "full",
    semantics: str | Sequence[str] = "leftmost_longest",
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    pattern: str = DEFAULT_NAME_PATTERN,
    exclude: str | None = DEFAULT_EXCLUDE_PATTERN,
    fields: dict[str, str] | None = None,
    nfkc: bool = True,
    lower: bool = True,
    remove_whitespace: bool = True,
    negation_chars: str = DEFAULT_NEGATION_CHARS,
    mda_titles: Sequence[str] = MDA_TITLES,
    allow_partial: bool = False,
    resume: bool = True,
    progress: Progress | None = None,
) -> TextCountResult:
    """Count a keyword dictionary over a corpus of annual reports (firm × year panel).

    Parameters
    ----------
    corpus
        A folder of ``.txt``/``.pdf``/``.html`` reports, a ``.jsonl``/``.parquet`` table or a
        DataFrame with firm code, year and text (see the module docstring).
    lexicon
        ``'wu2021'`` (default), ``'yao2024_partial'`` (refused unless ``allow_partial``), a
        ``.csv``/``.txt``/``.yaml`` file or a :class:`~nqpf.text.lexicons.Lexicon`.
    section
        ``'full'`` (whole report), ``'mda'`` (MD&A chapter only) or both (``['full', 'mda']``).
    semantics
        One or several of ``'overlapping'``, ``'leftmost_longest'``, ``'jieba'``,
        ``'jieba_userdict'``, each optionally with a negation filter suffix ``'_neg<k>'``
        (see :mod:`nqpf.text.matching`).
    out
        Output folder (resumable; tables written there). None: in memory, no resume.
    workers
        Local processes (default: all cores; 1 = in this process).
    scheduler
        Address of a Dask distributed scheduler (``'tcp://host:8786'``) or a
        ``distributed.Client``; overrides ``workers``. File corpora need a file system the
        workers share.
    pattern, exclude
        File-name regular expression with groups ``firm`` and ``year``; names matching
        ``exclude`` (default: 摘要, English versions, cancelled) are skipped and logged.
    fields
        Field names for table corpora, e.g. ``{'firm': 'stkcd', 'year': 'fyear', 'text': 'content'}``
        (default: detected from common names).
    nfkc, lower, remove_whitespace
        Normalisation steps (see :mod:`nqpf.text.normalise`); the terms are normalised the same way.
    negation_chars
        Characters that mark a negation for the ``_neg<k>`` semantics.
    mda_titles
        MD&A chapter titles (see :func:`nqpf.text.sections.find_mda`).
    allow_partial
        Allow a partial lexicon (``yao2024_partial``) as a measure.
    resume
        With ``out``: skip documents already counted there (default). False starts over.
    progress
        ``progress(docs_done, bytes_done, docs_total)``, called after every document.

    Returns
    -------
    TextCountResult

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"firm_code": ["000001", "000002"], "year": [2019, 2019],
    ...                      "text": ["第四节 经营情况讨论与分析\\n推进移动互\\n联网与云计算\\n第五节 重要事项\\n大数据",
    ...                               "本公司未开展相关业务"]})
    >>> res = count_corpus(docs, section=["full", "mda"], semantics="overlapping", workers=1)
    >>> res.wide(scope="full")[["unit", "year", "total"]].values.tolist()
    [['000001', 2019, 4.0], ['000002', 2019, 0.0]]
    >>> res.wide(scope="mda")["total"].tolist()
    [3.0, nan]
    """
    scopes = _as_tuple(section)
    for s in scopes:
        if s not in ("full", "mda"):
            raise ConfigError(f"The 'section' parameter of count_corpus must be 'full', 'mda' or both; got {s!r}. "
                              f"Use section='mda' for the MD&A chapter only.")
    specs = tuple(parse_semantics(s) for s in _as_tuple(semantics))
    if not specs or not scopes:
        raise ConfigError("count_corpus: at least one section and one semantics are needed; got none. "
                          "Pass e.g. section='full', semantics='leftmost_longest'.")
    lex = load_lexicon(lexicon)
    lex.require_complete(allow_partial=allow_partial, where="count_corpus")
    config = CountConfig(lexicon=lex, scopes=scopes, semantics=specs,
                         normalisation=Normalisation(nfkc=nfkc, lower=lower, remove_whitespace=remove_whitespace),
                         negation_chars=negation_chars, mda_titles=tuple(mda_titles))
    tasks = iter_tasks(corpus, pattern=pattern, exclude=exclude, fields=fields)
    total = _count_total(corpus)
    workers = workers or os.cpu_count() or 1
    if total is not None:  # no idle worker processes for small corpora
        workers = max(1, min(workers, total))

    store = _Store(Path(out), config, resume=resume) if out is not None else None
    memory: list[dict] = []
    state = {"docs": 0, "bytes": 0}
    resumed = 0
    seen: set[str] = set()
    if store is not None and store.done:
        def _fresh(ts: Iterator[_Task]) -> Iterator[_Task]:
            nonlocal resumed
            for t in ts:
                seen.add(t.doc_id)
                old = store.done.get(t.doc_id, False)
                if old is not False and old is not None and old == _content_hash(t):
                    resumed += 1  # same document, same content: its stored count stands
                    continue
                yield t  # new, edited since it was counted, or counted by a version without content hashes
        tasks = _fresh(tasks)

    def sink(rec: dict) -> None:
        if store is not None:
            store.write(rec)
        else:
            memory.append(rec)
        state["docs"] += 1
        state["bytes"] += rec.get("n_bytes") or 0
        if progress is not None:
            progress(state["docs"] + resumed, state["bytes"], total)

    t0 = time.perf_counter()
    backend = "local"
    try:
        if scheduler is not None:
            backend = f"dask {_run_dask(tasks, config, scheduler, sink)}"
        else:
            _run_local(tasks, config, workers, sink)
    finally:
        if store is not None:
            store.close()
    elapsed = time.perf_counter() - t0
    params = {**config.describe(), "backend": backend, "workers": None if scheduler is not None else workers,
              "corpus": str(corpus) if not isinstance(corpus, pd.DataFrame) else "DataFrame",
              "documents_this_run": state["docs"], "documents_resumed": resumed, "seconds": round(elapsed, 3),
              "nqpf_version": __version__}
    records = list(_records(store.path)) if store is not None else memory
    if store is not None and store.done:
        gone = sorted(set(store.done) - seen)
        if gone:  # counted earlier but no longer in the corpus: logged as removed, kept out of the panel
            removed = [{"doc_id": d, "source": d, "firm": None, "year": None, "status": "removed",
                        "warnings": ["no longer in the corpus (deleted or renamed since it was counted)"]}
                       for d in gone]
            with store.path.open("a", encoding="utf-8") as fh:
                for r in removed:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            records += removed
            params["documents_removed"] = len(gone)
    return _result(records, config, params, out_dir=str(out) if out is not None else None, write=out is not None)


def _count_total(corpus: str | Path | pd.DataFrame) -> int | None:
    if isinstance(corpus, pd.DataFrame):
        return len(corpus)
    p = Path(corpus)
    if p.is_dir():
        return sum(1 for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUPPORTED_SUFFIXES)
    if p.suffix.lower() in (".jsonl", ".ndjson") and p.is_file():
        n = 0
        with p.open("rb") as fh:
            for line in fh:
                n += bool(line.strip())
        return n
    if p.suffix.lower() == ".parquet" and p.is_file():
        import pyarrow.parquet as pq

        return pq.ParquetFile(p).metadata.num_rows
    return 1 if p.is_file() else None


def _result(records: list[dict], config: CountConfig, params: dict, *, out_dir: str | None, write: bool) -> TextCountResult:
    notes: list[str] = []
    if config.lexicon.partial:
        notes.append(f"lexicon {config.lexicon.name!r} is PARTIAL (only {len(config.lexicon)} published terms); "
                     f"its counts are not the published measure.")
    tables, more = build_tables(records, lexicon_terms=config.lexicon.terms, lexicon_name=config.lexicon.name,
                                normalised_terms=config.lexicon.normalised_terms(config.normalisation),
                                scopes=config.scopes, semantics=tuple(s.label for s in config.semantics))
    res = TextCountResult(panel=tables["panel"], groups=tables["groups"], terms=tables["terms"],
                          documents=tables["documents"], params=params, notes=tuple(notes + more), out_dir=out_dir)
    if write and out_dir is not None:
        d = Path(out_dir)
        for name, df in res.tables().items():
            df.to_csv(d / f"{name}.csv", index=False)
        (d / "summary.json").write_text(json.dumps({"params": params, "notes": list(res.notes)}, ensure_ascii=False,
                                                   indent=1), encoding="utf-8")
    return res


def load_text_counts(out: str | Path) -> TextCountResult:
    """Rebuild the result of a (finished or interrupted) :func:`count_corpus` run from its folder.

    Parameters
    ----------
    out
        The ``out`` folder of a run (holding ``run.json`` and ``documents.jsonl``).

    Returns
    -------
    TextCountResult

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = tempfile.mkdtemp()
    >>> docs = pd.DataFrame({"firm": ["000001"], "year": [2020], "text": ["区块链与数字货币"]})
    >>> _ = count_corpus(docs, out=out, workers=1)
    >>> load_text_counts(out).groups["total"].tolist()
    [2]
    """
    d = Path(out)
    run = d / "run.json"
    if not run.exists():
        raise DataError(f"load_text_counts: {str(d)!r} is not a text-count output folder (no run.json); got {str(d)!r}. "
                        f"Pass the --out folder of 'nqpf text count'.")
    meta = json.loads(run.read_text(encoding="utf-8"))
    cfg = meta["config"]
    lex = Lexicon(name=cfg["lexicon"], terms=pd.DataFrame(meta["lexicon_terms"]), partial=cfg["lexicon_partial"],
                  citation=meta.get("lexicon_citation", ""))
    norm = Normalisation(nfkc="nfkc" in cfg["normalisation"].split("+"), lower="lower" in cfg["normalisation"].split("+"),
                         remove_whitespace="whitespace" in cfg["normalisation"].split("+"))
    config = CountConfig(lexicon=lex, scopes=tuple(cfg["scopes"]), semantics=tuple(parse_semantics(s) for s in cfg["semantics"]),
                         normalisation=norm, negation_chars=cfg["negation_chars"], mda_titles=tuple(cfg["mda_titles"]))
    records = list(_records(d / "documents.jsonl")) if (d / "documents.jsonl").exists() else []
    summary = d / "summary.json"
    params = json.loads(summary.read_text(encoding="utf-8"))["params"] if summary.exists() else {**cfg}
    return _result(records, config, params, out_dir=str(d), write=False)
