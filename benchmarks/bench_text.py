"""Benchmark: nqpf keyword counting vs. a jieba-based counter and a naive str.count loop.

Replicates the 22-report sample (``../shared/data/annual-reports-sample/annual_reports.jsonl``,
not redistributable, read in place) into a temporary folder of ``.txt`` files until it holds at
least ``--gb`` GB of text, then times in one run:

* nqpf end to end (read + normalise + MD&A detection + count, full report and MD&A,
  ``leftmost_longest`` and ``overlapping``, resumable output store) on one core and on all cores;
* the jieba-based counter researchers use (read, normalise with ``unicodedata``, detect the
  MD&A the same way, ``jieba.cut`` with the lexicon as user dictionary, count tokens);
* a naive loop (same reading / normalisation / MD&A, then ``text.count(term)`` per term).

The peers are slow, so they run on the first ``--peer-mb`` MB (jieba on ``--jieba-mb`` MB);
nqpf is timed on exactly the same documents for the ratios, and the counts are compared
document by document (they must be identical). Peak resident memory (main process plus workers)
is sampled on a quarter of the corpus and on the whole corpus to show it does not grow with the
corpus. The counting code of earlier revisions (``--baseline``, taken from git) is timed on the same
documents beside the current code, alternately in fresh interpreters, with identical counts required.
Last, the path from PDF reports: extraction + counting on 1 worker and on all cores (the resumable
runner) against counting the same text from ``.txt`` files, counts identical. The temporary corpus is
deleted at the end.

Run: ``.venv/bin/python benchmarks/bench_text.py [--gb 1.0] [--workers N]``
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = Path(os.environ.get("NQPF_SHARED", REPO.parent / "shared")) / "data" / "annual-reports-sample" / "annual_reports.jsonl"


class PeakRSS:
    """Sample resident memory and CPU time of this process and its descendants every 100 ms.

    ``peak`` is the peak total RSS (bytes); ``cpu`` the CPU seconds (user + system) used by the
    process tree during the block — on a busy machine MB per CPU-second is the per-core
    throughput, while wall-clock rates depend on what else runs.
    """

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self.cpu = 0.0
        self._cpu: dict[int, float] = {}
        self.sampler_cpu = 0.0
        self._start: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        try:
            self._loop(psutil)
        finally:
            self.sampler_cpu = time.thread_time()  # the sampler's own CPU, not counted for nqpf

    def _loop(self, psutil) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
                for p in procs:
                    try:
                        total += p.memory_info().rss
                        t = p.cpu_times()
                        used = t.user + t.system
                        self._start.setdefault(p.pid, 0.0)  # a process born during the block
                        self._cpu[p.pid] = max(self._cpu.get(p.pid, 0.0), used)
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            time.sleep(0.1)

    def __enter__(self) -> "PeakRSS":
        import psutil

        # processes alive before the block (this one, a forkserver left by an earlier run) count from now
        for p in [self.proc] + self.proc.children(recursive=True):
            try:
                t = p.cpu_times()
                self._start[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        t = self.proc.cpu_times()
        self._cpu[self.proc.pid] = t.user + t.system
        self.cpu = sum(v - self._start.get(pid, 0.0) for pid, v in self._cpu.items()) - self.sampler_cpu


def build_corpus(root: Path, gb: float) -> tuple[list[Path], int]:
    docs = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    texts = [(d["firm_code"], d["year"], d["text"].encode("utf-8")) for d in docs]
    per_replica = sum(len(t) for _, _, t in texts)
    replicas = math.ceil(gb * 1e9 / per_replica)
    dirs = []
    for r in range(replicas):
        d = root / f"r{r:04d}"
        d.mkdir(parents=True)
        for firm, year, data in texts:
            (d / f"{firm}_{year}.txt").write_bytes(data)
        dirs.append(d)
    return dirs, per_replica * replicas


def peer_pipeline(paths: list[Path], terms: list[str], counter) -> tuple[dict, float, int]:
    """Read, normalise (plain Python definition), find the MD&A, count — the way a script would."""
    from nqpf.text.sections import find_mda

    out = {}
    nbytes = 0
    t0 = time.perf_counter()
    for p in paths:
        raw = p.read_bytes()
        nbytes += len(raw)
        text = raw.decode("utf-8")
        full = "".join(unicodedata.normalize("NFKC", text).lower().split())
        span = find_mda(text)
        mda = "".join(unicodedata.normalize("NFKC", text[span.start:span.end]).lower().split()) if span else ""
        out[p.parent.name + "/" + p.name] = (counter(full, terms), counter(mda, terms))
    return out, time.perf_counter() - t0, nbytes


def naive_counter(text: str, terms: list[str]) -> int:
    return sum(text.count(t) for t in terms)


def make_jieba_counter(terms: list[str]):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for t in terms:
        tok.add_word(t, freq=10**7)  # lexicon as user dictionary, always kept whole
    termset = set(terms)

    def count(text: str, _terms) -> int:
        return sum(1 for w in tok.cut(text) if w in termset)

    return count


def nqpf_run(corpus, out: Path, workers: int, semantics: list[str]):
    from nqpf.text.corpus import count_corpus

    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        res = count_corpus(corpus, section=["full", "mda"], semantics=semantics, out=out, workers=workers)
    dt = time.perf_counter() - t0
    return res, dt, mem.peak, mem.cpu


def build_pdf_corpus(root: Path, pages: int, copies: int) -> tuple[Path, Path, int]:
    """A PDF report (``pages`` A4 pages of the first sample report's text, CJK font embedded, drawn by
    matplotlib) copied under ``copies`` firm codes, and a folder with the same text as ``.txt`` twins.

    Returns (pdf folder, txt folder, bytes of UTF-8 text per copy)."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from nqpf.report.fonts import cjk_font

    family = cjk_font().family
    first = json.loads(SAMPLE.open(encoding="utf-8").readline())["text"]
    flat = "".join(ch for ch in first if ch.isprintable() and not ch.isspace())
    lines = [flat[i:i + 44] for i in range(0, min(len(flat), pages * 60 * 44), 44)]
    pdf_dir, txt_dir = root / "pdf", root / "txt"
    pdf_dir.mkdir(parents=True)
    txt_dir.mkdir(parents=True)
    text = "\n".join(lines)
    src = pdf_dir / "000000_2022.pdf"
    with warnings.catch_warnings(), matplotlib.rc_context({"pdf.fonttype": 42}):
        warnings.simplefilter("ignore")
        with PdfPages(src) as pdf:
            for i in range(0, len(lines), 60):
                fig = plt.figure(figsize=(8.27, 11.69))
                fig.text(0.06, 0.97, "\n".join(lines[i:i + 60]), family=family, fontsize=9, va="top", linespacing=1.4)
                pdf.savefig(fig)
                plt.close(fig)
    data = src.read_bytes()
    src.unlink()
    for k in range(copies):
        (pdf_dir / f"{k + 1:06d}_2022.pdf").write_bytes(data)
        (txt_dir / f"{k + 1:06d}_2022.txt").write_text(text, encoding="utf-8")
    return pdf_dir, txt_dir, len(text.encode("utf-8"))


def pdf_path(tmp: Path, args) -> None:
    """Both paths from PDF reports: extraction + counting (1 worker and all cores, resumable runner) against
    counting the same text from .txt files; the counts must be identical."""
    t0 = time.perf_counter()
    pdf_dir, txt_dir, per_copy = build_pdf_corpus(tmp / "pdfcorpus", args.pdf_pages, args.pdf_copies)
    mb = per_copy * args.pdf_copies / 1e6
    print(f"\nfrom PDF: {args.pdf_copies} copies of a {args.pdf_pages}-page PDF report "
          f"({per_copy / 1e6:.2f} MB of text each, {mb:.1f} MB in all; made in {time.perf_counter() - t0:.1f} s)")
    sem = ["leftmost_longest", "overlapping"]
    rows = []
    for label, corpus, workers in (("PDF, 1 worker", pdf_dir, 1), (f"PDF, {args.workers} workers", pdf_dir, args.workers),
                                   ("same text as .txt, 1 worker", txt_dir, 1)):
        res, dt, _, cpu = nqpf_run(corpus, tmp / f"out_pdf_{workers}_{corpus.name}", workers, sem)
        rows.append((label, dt, cpu, per_doc_totals(res, "leftmost_longest"), res))
    print(f"  {'':30s} {'wall s':>8s} {'MB/s':>8s} {'CPU s':>8s} {'MB/CPU-s':>9s} {'cores busy':>10s}")
    for label, dt, cpu, _, _ in rows:
        print(f"  {label:30s} {dt:8.2f} {mb / dt:8.2f} {cpu:8.2f} {mb / cpu:9.2f} {cpu / dt:10.2f}")
    print("  (cores busy = CPU seconds per wall second of the whole process tree: the parallel extraction uses")
    print("  that many cores on average; on a machine shared with other jobs the wall-clock gain is smaller)")
    one, par, txt = rows
    strip = lambda d: {k.split("/")[-1].rsplit(".", 1)[0]: v for k, v in d.items()}  # noqa: E731
    same = strip(one[3]) == strip(txt[3]) == strip(par[3])
    ex = one[4].documents["extractor"].iloc[0]
    print(f"  extraction ({ex}) is {100 * (1 - txt[2] / one[2]):.0f} % of the CPU time from PDF; "
          f"{args.workers} workers: {one[1] / par[1]:.2f}× the 1-worker wall-clock rate; "
          f"counts identical to the .txt run: {same}")
    if not same:
        raise SystemExit(1)


_COUNT_CHILD = """
import json, sys, time
from nqpf.text.corpus import count_corpus
import pandas as pd
corpus, out = sys.argv[1], sys.argv[2]
# warm-up outside the timing: the normalisation table and the matcher are built once per process
count_corpus(pd.DataFrame({"firm": ["000001"], "year": [2020], "text": ["云计算"]}), section=["full", "mda"], workers=1)
c, t = time.process_time(), time.perf_counter()
res = count_corpus(corpus, section=["full", "mda"], semantics=["leftmost_longest", "overlapping"], out=out, workers=1)
cpu, wall = time.process_time() - c, time.perf_counter() - t
g = res.groups
print(json.dumps({"cpu": cpu, "wall": wall, "totals": g.groupby(["doc_id", "scope", "semantics"])["total"].sum()
                  .reset_index().astype(str).values.tolist()}))
"""


def former_vs_current(corpus: Path, tmp: Path, revs: list[str], repeat: int, mb: float) -> None:
    """Counting (1 worker, in a fresh interpreter each) with the code at each of ``revs`` and with the current
    code, alternately, on the same corpus; best CPU time of each and identical counts."""
    import io
    import subprocess
    import tarfile

    sides = {"current code": dict(os.environ)}
    for rev in revs:
        try:
            data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            print(f"\n(former code {rev!r} not available from git: comparison skipped)")
            continue
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp / f"former_{rev}", filter="data")
        sides[f"code at {rev}"] = {**os.environ, "PYTHONPATH": str(tmp / f"former_{rev}" / "src")}
    if len(sides) == 1:
        return
    best: dict[str, dict] = {}
    for r in range(repeat):
        for label, env in sides.items():
            out = tmp / f"cmp_{r}_{label.replace(' ', '_')}"
            proc = subprocess.run([sys.executable, "-c", _COUNT_CHILD, str(corpus), str(out)], env=env,
                                  capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(f"count with the {label} failed: {proc.stderr[-1500:]}")
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            shutil.rmtree(out, ignore_errors=True)
            if label not in best or got["cpu"] < best[label]["cpu"]:
                best[label] = got
    cur = best["current code"]
    print(f"\ncounting {mb:.0f} MB, 1 worker, fresh interpreter each, sides alternated, best of {repeat} "
          f"(read + normalise + MD&A + count + store):")
    same_all = True
    for label, got in best.items():
        same = got["totals"] == cur["totals"]
        same_all &= same
        ratio = "" if label == "current code" else f"   current is {got['cpu'] / cur['cpu']:.2f}× faster; identical counts: {same}"
        print(f"  {label:20s} {got['cpu']:7.2f} CPU s  {mb / got['cpu']:7.1f} MB per CPU-second{ratio}")
    if not same_all:
        raise SystemExit(1)


def per_doc_totals(res, semantics: str) -> dict:
    g = res.groups[res.groups["semantics"] == semantics]
    piv = g.pivot(index="doc_id", columns="scope", values="total")
    return {k: tuple(None if v[c] != v[c] else int(v[c]) for c in ("full", "mda")) for k, v in piv.iterrows()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0, help="corpus size in GB of UTF-8 text (default 1.0)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--peer-mb", type=float, default=45.0, help="MB of text for the str.count peer")
    ap.add_argument("--jieba-mb", type=float, default=9.0, help="MB of text for the jieba peer")
    ap.add_argument("--pdf-pages", type=int, default=60, help="pages of the generated PDF report")
    ap.add_argument("--baseline", default="c18ac31,934f52d", help="git revisions (comma-separated) whose counting code "
                    "is timed beside the current code (default: before the counting worked on code points, and the "
                    "UTF-32 table lookup before the 16-bit code path; '' to skip)")
    ap.add_argument("--baseline-mb", type=float, default=250.0, help="MB of text for that comparison")
    ap.add_argument("--baseline-repeat", type=int, default=3, help="runs of each side in that comparison (best taken)")
    ap.add_argument("--pdf-copies", type=int, default=24, help="copies of the PDF report in the PDF corpus (enough work "
                    "that the worker start-up does not hide the parallel extraction)")
    args = ap.parse_args()
    if not SAMPLE.exists():
        print(f"needs {SAMPLE} (the shared annual-report sample); not found", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO / "src"))
    from nqpf.text.lexicons import load_lexicon

    terms = list(load_lexicon("wu2021").normalised_terms())
    tmp = Path(tempfile.mkdtemp(prefix="nqpf_bench_text_"))
    try:
        t0 = time.perf_counter()
        dirs, nbytes = build_corpus(tmp / "corpus", args.gb)
        n_docs = 22 * len(dirs)
        print(f"corpus: {n_docs} documents, {nbytes / 1e9:.3f} GB UTF-8 text in {len(dirs)} replicas "
              f"of the 22-report sample (written in {time.perf_counter() - t0:.1f} s)")
        print(f"machine: {os.cpu_count()} logical cores; load average {os.getloadavg()[0]:.1f}")
        sem = ["leftmost_longest", "overlapping"]

        # --- nqpf on the whole corpus, one core and all cores; memory on 1/4 vs whole corpus
        quarter = tmp / "quarter"
        quarter.mkdir()
        for d in dirs[: max(1, len(dirs) // 4)]:
            (quarter / d.name).mkdir()
            for p in d.iterdir():
                os.symlink(p, quarter / d.name / p.name)
        _, _, mem_q, _ = nqpf_run(quarter, tmp / "out_q", 1, sem)
        res1, dt1, mem1, cpu1 = nqpf_run(tmp / "corpus", tmp / "out1", 1, sem)
        resn, dtn, memn, cpun = nqpf_run(tmp / "corpus", tmp / "outn", args.workers, sem)
        mb = nbytes / 1e6
        print("\nnqpf end to end (read + normalise + MD&A + count; full and MD&A; 2 semantics; resumable store)")
        print(f"  {'':10s} {'wall s':>8s} {'MB/s':>8s} {'docs/s':>8s} {'CPU s':>8s} {'MB/CPU-s':>9s}")
        for label, dt, cpu in ((f"1 worker", dt1, cpu1), (f"{args.workers} workers", dtn, cpun)):
            print(f"  {label:10s} {dt:8.2f} {mb / dt:8.1f} {n_docs / dt:8.1f} {cpu:8.2f} {mb / cpu:9.1f}")
        print("  (MB/CPU-s = throughput per core: MB of text per CPU-second of the whole process tree)")
        print(f"  peak RSS, 1 worker: {mem_q / 1e6:.0f} MB on 1/4 of the corpus, {mem1 / 1e6:.0f} MB on all of it; "
              f"{args.workers} workers: {memn / 1e6:.0f} MB (main + workers)")
        tot = resn.groups.groupby(["scope", "semantics"])["total"].sum()
        print(f"  totals: full LL {int(tot['full', 'leftmost_longest'])}, full overlapping {int(tot['full', 'overlapping'])} "
              f"(= {len(dirs)} × 406 / 419: {int(tot['full', 'leftmost_longest']) == 406 * len(dirs)} / "
              f"{int(tot['full', 'overlapping']) == 419 * len(dirs)})")

        # --- peers on the same documents, nqpf (1 worker) timed on exactly those documents
        def subset(mb_target: float) -> list[Path]:
            out, size = [], 0
            for d in dirs:
                for p in sorted(d.glob("*.txt")):
                    out.append(p)
                    size += p.stat().st_size
                if size >= mb_target * 1e6:
                    break
            return out

        rows = []
        for name, counter, target, semantics in [
            ("naive str.count loop", naive_counter, args.peer_mb, "overlapping"),
            ("jieba + user dictionary", make_jieba_counter(terms), args.jieba_mb, "leftmost_longest"),
        ]:
            paths = subset(target)
            sub = tmp / f"sub_{semantics}"
            if sub.exists():
                shutil.rmtree(sub)
            for p in paths:
                (sub / p.parent.name).mkdir(parents=True, exist_ok=True)
                os.symlink(p, sub / p.parent.name / p.name)
            c0 = time.process_time()
            peer, dtp, nb = peer_pipeline(paths, terms, counter)
            cpup = time.process_time() - c0
            res, dtq, _, cpuq = nqpf_run(sub, tmp / f"out_{semantics}", 1, [semantics])
            ours = per_doc_totals(res, semantics)
            same = ours == peer
            rows.append((name, nb / 1e6, cpup, cpuq, same, len(paths)))
        nqpf_rate = mb / cpu1
        print("\npeers (one process each, per CPU-second; the same normalisation and MD&A detection)")
        print(f"  {'peer':26s} {'MB':>6s} {'peer MB/CPU-s':>14s} {'nqpf MB/CPU-s':>14s} {'nqpf/peer':>10s}  "
              f"identical counts (nqpf rerun on the same documents)")
        for name, mbs, cpup, cpuq, same, n in rows:
            print(f"  {name:26s} {mbs:6.1f} {mbs / cpup:14.2f} {nqpf_rate:14.1f} {nqpf_rate / (mbs / cpup):9.1f}×  "
                  f"{same} ({n} docs)")
        print("  nqpf MB/CPU-s is the 1-worker rate on the whole corpus (the same documents, replicated); on the small")
        print("  peer subsets alone nqpf's fixed costs (worker start, writing the tables) would dominate.")
        if args.baseline:
            part = tmp / "cmp_corpus"
            part.mkdir()
            size = 0
            for d in dirs:
                if size >= args.baseline_mb * 1e6:
                    break
                (part / d.name).mkdir()
                for p in d.iterdir():
                    os.symlink(p, part / d.name / p.name)
                    size += p.stat().st_size
            former_vs_current(part, tmp, [r for r in args.baseline.split(",") if r], args.baseline_repeat, size / 1e6)
        pdf_path(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
