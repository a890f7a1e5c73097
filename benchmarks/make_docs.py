"""Run every benchmark and write ``docs/benchmarks.md`` from what they print (``make bench``).

Each ``benchmarks/bench_*.py`` runs in its own interpreter, one after the other (so that they do not
compete for the cores), its output streamed to the terminal and kept. The page then holds, per
benchmark, the first line of its docstring, how it is run, and its printed results verbatim (Markdown
tables as tables, the rest as text blocks), under a header with the machine's cores, the load before the
run, the Python and nqpf versions and the date. Hand-written notes that explain results (which do not
change with speed) come from ``benchmarks/notes/<script>.md`` and follow that script's results. Paths of
the machine are replaced by ``…`` before anything is written.

A benchmark that fails (a result not equal to its peer exits non-zero) stops the run; the page is not
written.

Run: ``.venv/bin/python benchmarks/make_docs.py [--only bench_index …] [--keep DIR] [--reuse DIR] [--out docs/benchmarks.md]``
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: arguments per script (anything not listed runs with its defaults); Markdown output where a script has it
ARGS = {
    "bench_rank_agreement": ["--markdown"],
    "bench_demo": ["--markdown"],
    "bench_read_large": ["--rows", "1000000", "--rows", "5300000"],  # and the 200 MB file
}
#: the order of the page: what users wait for first, then the engine, then the external comparison
ORDER = ["bench_demo", "bench_county_scale", "bench_index", "bench_sensitivity", "bench_analysis", "bench_gtfp",
         "bench_text", "bench_read_large", "bench_rank_agreement"]

_PATH = re.compile(r"(?<![\w.])(?:/(?:work|tmp|root|home|Users|var|private|opt)\b[^\s'\"),;:]*)")


def scrub(text: str) -> str:
    """Replace absolute paths under the usual system, temporary and home folders (see ``_PATH``) by ``…``."""
    return _PATH.sub("…", text)


def docstring_title(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem
    first = " ".join(doc.strip().split("\n\n")[0].split())
    return re.split(r"\.\s+(?=[A-Z(])", first)[0].rstrip(".:")


def cpu_times() -> tuple[int, int] | None:
    """(CPU time the hypervisor gave to other guests — "steal" —, all CPU time), in clock ticks summed over the
    machine's cores since boot, from the first line of Linux's ``/proc/stat``; ``None`` elsewhere."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the machine's CPU time taken by the hypervisor between two :func:`cpu_times` readings.

    >>> stolen_share((10, 1000), (60, 2000))
    0.05
    """
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def run_one(path: Path) -> tuple[str, float, str, float | None]:
    """Run one benchmark, echo its output, return (output, seconds, start time, share of the CPU time stolen by
    the hypervisor meanwhile); exit if it fails."""
    started = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M}"
    before = cpu_times()
    cmd = [sys.executable, str(path), *ARGS.get(path.stem, [])]
    print(f"== {path.name} {' '.join(ARGS.get(path.stem, []))}", flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    proc.wait()
    seconds = time.perf_counter() - t
    stolen = stolen_share(before, cpu_times())
    if proc.returncode:
        raise SystemExit(f"{path.name} failed (exit {proc.returncode}); docs/benchmarks.md not written")
    if stolen is not None:
        print(f"(CPU time taken by the hypervisor meanwhile: {100 * stolen:.1f} %)", flush=True)
    return "".join(lines), seconds, started, stolen


def _is_table_line(line: str) -> bool:
    return line.startswith("|") and line.rstrip().endswith("|")


def render(output: str) -> str:
    """Markdown tables and headings as they are, every other run of lines in a text block."""
    out, block = [], []

    def flush() -> None:
        while block and not block[-1].strip():
            block.pop()
        while block and not block[0].strip():
            block.pop(0)
        if block:
            out.append("```text\n" + "\n".join(block) + "\n```")
        block.clear()

    for line in output.splitlines():
        if _is_table_line(line) or line.startswith("## "):
            flush()
            if line.startswith("## "):
                out.append("#" + line)  # a level down: the script's section is part of ours
            elif out and out[-1].startswith("|"):
                out[-1] += "\n" + line
            else:
                out.append(line)
        else:
            block.append(line)
    flush()
    return "\n\n".join(out)


def county_dominant(output: str) -> str:
    """The sentence on what dominates the county-scale analysis, from that benchmark's own breakdown."""
    m = re.search(r"^dominated by: (.*)$", output, flags=re.M)
    return f"What dominates the county-scale analysis in this run: {m.group(1)}." if m else ""


def page(results: dict[str, tuple[str, float, str, float | None]], started: dt.datetime, load: float | None) -> str:
    from importlib.metadata import version

    head = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`benchmarks/make_docs.py`), which runs every `benchmarks/bench_*.py` and copies",
        "what each prints. Every speed figure is a ratio against a peer measured in the same run on the same work,",
        "and every benchmark checks that both give equal results (it fails, and this page is not written, when",
        "they do not). The machine is shared, so absolute times are noisy; the ratios are what to read. The last",
        "column is the share of the machine's CPU time the hypervisor gave to other guests while the script ran",
        "(\"steal\" in Linux's /proc/stat): the times of a script with a large share are longer than the machine's own.",
        "",
        f"Run of {min(r[2] for r in results.values())} UTC on {os.cpu_count()} logical cores ({platform.machine()}, "
        f"{platform.system()}){'' if load is None else f', load average {load:.1f} before the run'}; "
        f"Python {platform.python_version()}, "
        f"nqpf {version('nqpf')}. Other work was running on the machine at the same time.",
        "",
        "| benchmark | what | started (UTC) | seconds for the script | CPU time stolen meanwhile |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for name, (_, seconds, when, stolen) in results.items():
        head.append(f"| [`{name}.py`](#{name.replace('_', '-')}) | {docstring_title(HERE / f'{name}.py')} | {when} | "
                    f"{seconds:.0f} | {'not measured' if stolen is None else f'{100 * stolen:.1f} %'} |")
    body = []
    for name, (output, _, _, _) in results.items():
        cmd = " ".join([".venv/bin/python", f"benchmarks/{name}.py", *ARGS.get(name, [])])
        body += ["", f"## {name}", "", docstring_title(HERE / f"{name}.py") + ".", "", f"Run: `{cmd}`", ""]
        if name == "bench_county_scale":
            body += [county_dominant(output), ""]
        body.append(render(scrub(output)))
        notes = HERE / "notes" / f"{name}.md"
        if notes.exists():
            body += ["", notes.read_text(encoding="utf-8").rstrip()]
    return "\n".join(head + body) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", help="run only these scripts (stems); the page is then not written")
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    ap.add_argument("--keep", help="also save each script's output in this folder (<script>.txt)")
    ap.add_argument("--reuse", help="with --only: take the other scripts' outputs from this --keep folder and write "
                                    "the page")
    args = ap.parse_args()
    found = {p.stem: p for p in sorted(HERE.glob("bench_*.py"))}
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    started = dt.datetime.now(dt.timezone.utc)
    load = os.getloadavg()[0]
    results: dict[str, tuple[str, float, str, float | None]] = {}
    for n in names:
        if args.only and n not in args.only:
            if args.reuse:
                kept = json.loads((Path(args.reuse) / f"{n}.json").read_text(encoding="utf-8"))
                results[n] = (kept["output"], kept["seconds"], kept["started"], kept.get("stolen"))
            continue
        results[n] = run_one(found[n])
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            (Path(args.keep) / f"{n}.json").write_text(json.dumps(dict(zip(("output", "seconds", "started", "stolen"), results[n])),
                                                                  ensure_ascii=False), encoding="utf-8")
    if args.only and not args.reuse:
        print("(--only: docs/benchmarks.md not written)")
        return
    text = page(results, started, None if args.reuse else load)
    assert not _PATH.search(text), "a machine path would go into the docs"
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {Path(args.out).relative_to(REPO) if Path(args.out).is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
