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

The demos of the levels (``nqpf demo --level city|industry``) are run by
:func:`nqpf.workflow.demos.run_level_demo` from :func:`city_demo_config` and :func:`industry_demo_config`;
``nqpf.levels.run_level_demo`` is kept as an alias of it.
"""
from __future__ import annotations

from typing import Any, Literal

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

#: the levels of ``nqpf demo --level`` (the same alias as :data:`nqpf.workflow.demos.DemoLevel`)
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


def __getattr__(name: str) -> Any:
    """``nqpf.levels.run_level_demo``: kept as an alias of :func:`nqpf.workflow.demos.run_level_demo`."""
    if name == "run_level_demo":
        from ..workflow.demos import run_level_demo

        return run_level_demo
    raise AttributeError(f"module 'nqpf.levels' has no attribute {name!r}")
