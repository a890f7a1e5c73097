"""The demo run on bundled real data (``nqpf demo`` / ``make demo``)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ._errors import ConfigError
from .run import RunOutput, run

__all__ = ["run_demo", "demo_summary", "parse_years"]


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``"2015-2022"`` → (2015, 2022); ``"2020"`` → (2020, 2020)."""
    if not text:
        return None
    parts = [p for p in text.replace("–", "-").replace(":", "-").split("-") if p.strip()]
    try:
        ys = [int(p) for p in parts]
    except ValueError:
        raise ConfigError(f"--years: expected a range like 2015-2022; got {text!r}.") from None
    if len(ys) == 1:
        return ys[0], ys[0]
    if len(ys) != 2 or ys[0] > ys[1]:
        raise ConfigError(f"--years: expected an increasing range like 2015-2022; got {text!r}.")
    return ys[0], ys[1]


def run_demo(*, out: str | Path = "nqpf-demo-output", years: str | tuple[int, int] | None = None,
             provinces: str | list[str] | None = None, weighting: str | None = None, normalisation: str | None = None,
             level: str = "province", shared: str | Path | None = None,
             progress: Callable[[str], None] | None = None, quality: str | None = None) -> RunOutput:
    """Build the default NQPF framework on the bundled provincial data and run every available stage."""
    from . import datasets

    if level != "province":
        import importlib
        import importlib.util

        if importlib.util.find_spec("nqpf.levels") is None:
            raise ConfigError(f"nqpf demo --level: only 'province' is available in this installation; got {level!r}.")
        return importlib.import_module("nqpf.levels").run_level_demo(level, out=out, shared=shared, progress=progress)
    kwargs: dict = {}
    yr = parse_years(years) if isinstance(years, str) or years is None else tuple(years)
    if yr:
        kwargs["years"] = yr
    if provinces:
        kwargs["units"] = [p.strip() for p in provinces.split(",")] if isinstance(provinces, str) else list(provinces)
    if weighting:
        kwargs["weighting"] = weighting
    if normalisation:
        if normalisation in ("pooled", "year"):
            kwargs["scope"] = normalisation
        else:
            kwargs["normalisation"] = normalisation
    cfg = datasets.demo_config(**kwargs)
    if quality:
        cfg["quality"] = {"preset": quality}
    return run(cfg, out=out, progress=progress)


def demo_summary(out: RunOutput, *, lang: str = "zh") -> str:
    """A ten-line summary: top and bottom units, element leaders, where the outputs are."""
    res = out.result
    last = res.years[-1]
    r = res.ranking(last)
    r = r[r["score"].notna()]
    names = res.node_names("zh")
    lines = [
        f"nqpf demo — {res.framework.name_zh or res.framework.id} ({res.framework.name_en}), "
        f"{res.units.shape[0]} units, {res.years[0]}–{last}, {len(res.framework.indicators)} indicators",
        f"Top 5 in {last}:    " + ", ".join(f"{u} {s:.3f}" for u, s in zip(r["unit_name"].head(5), r["score"].head(5))),
        f"Bottom 5 in {last}: " + ", ".join(f"{u} {s:.3f}" for u, s in zip(r["unit_name"].tail(5), r["score"].tail(5))),
    ]
    leaders = []
    for el in res.framework.children(res.root):
        er = res.ranking(last, el)
        er = er[er["score"].notna()]
        if len(er):
            leaders.append(f"{names.get(el, el)}: {er['unit_name'].iloc[0]}")
    lines.append("Element leaders:  " + "; ".join(leaders))
    q = res.quality
    if q is not None and len(q):
        used = q["used"].astype(bool) if "used" in q else q["series"].notna()
        hi = q["severity"].eq("high")
        lines.append(f"Data quality:     {len(q)} findings on the raw series ({int((hi & used).sum())} high-severity in series "
                     f"the index uses, {int((hi & ~used).sum())} in unused series); {res.manifest.get('counts', {}).get('decisions', 0)} "
                     "cells set missing by recorded decisions (quality.csv, changes.csv)")
    declared = list(getattr(res.framework, "declared_ids", []) or [])
    if declared:
        lines.append(f"Not measured:     {len(declared)} declared indicators have no data ({', '.join(declared[:6])}"
                     f"{', …' if len(declared) > 6 else ''}); see coverage.csv")
    excl = res.excluded
    lines.append(f"Unit-years without an index score: {int(excl['node'].isin([res.root, '*']).sum()) if len(excl) else 0} "
                 f"(reasons in excluded.csv); changed cells recorded: {len(res.changes)}")
    if out.out_dir is not None:
        out = RunOutput(result=out.result, out_dir=Path(out.out_dir).resolve(), stage_outputs=out.stage_outputs, files=out.files)
        lines.append(f"Outputs: {out.out_dir}")
        for fname, label in (("report.html", "HTML report"), ("nqpf_results.xlsx", "Excel workbook")):
            p = Path(out.out_dir) / fname
            if p.exists():
                lines.append(f"{label}: {p}")
        lines.append(f"Scores: {Path(out.out_dir) / 'scores.csv'}; manifest: {Path(out.out_dir) / 'manifest.json'}")
    return "\n".join(lines)
