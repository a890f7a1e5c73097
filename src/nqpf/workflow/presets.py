"""The demo presets of every level in one module: the run configurations ``nqpf demo`` runs.

* ``province`` — :func:`demo_config` with :data:`DEMO_YEARS`, :data:`DEMO_STAGES`, :data:`DEMO_SENSITIVITY`,
  :data:`DEMO_EXPLAIN` and :data:`DEMO_RATIONALE`: the default NQPF framework on the bundled provincial
  data. They are defined next to the bundled data they describe (:mod:`nqpf.datasets`, a lower layer whose
  own examples use them) and re-exported here;
* ``city`` — :func:`city_demo_config`: the partial city index on the open city series
  (:data:`~nqpf.levels.city.CITY_DEMO_INDICATORS`, :data:`~nqpf.levels.city.CITY_DEMO_YEARS`);
* ``industry`` — :func:`industry_demo_config`: the sector index on the input–output tables.

:mod:`nqpf.workflow.demos` runs them through :func:`nqpf.workflow.run`.
"""
from __future__ import annotations

from typing import Any

from ..datasets import DEMO_EXPLAIN, DEMO_RATIONALE, DEMO_SENSITIVITY, DEMO_STAGES, DEMO_YEARS, demo_config
from ..levels import DemoLevel
from ..levels.city import CITY_DEMO_INDICATORS, CITY_DEMO_YEARS

__all__ = [
    "DemoLevel", "demo_config", "DEMO_YEARS", "DEMO_STAGES", "DEMO_SENSITIVITY", "DEMO_EXPLAIN", "DEMO_RATIONALE",
    "city_demo_config", "CITY_DEMO_INDICATORS", "CITY_DEMO_YEARS", "industry_demo_config",
]


def city_demo_config(*, indicators: tuple[str, ...] = CITY_DEMO_INDICATORS, years: tuple[int, int] = CITY_DEMO_YEARS,
                     stages: tuple[str, ...] = ("analysis", "report")) -> dict[str, Any]:
    """Run configuration of the partial city index (data passed separately as a DataFrame).

    Pooled min–max normalisation onto [0.01, 1] (so that coupling coordination, which needs
    scores in (0, 1], can run) and pooled entropy weights (as in the provincial demo), linear
    imputation in time (a city-year then needs half of the indicators), COINr outlier treatment,
    and a node half of its weight. Units with GDP in fewer than 5 of the 9 years are left out by
    :func:`nqpf.workflow.demos.run_level_demo` (``city_panel(min_gdp_years=5)``: 莱芜 exists only in the
    digital-finance file after 2014 and would be scored on one indicator). Spatial analyses need a city weights file: :func:`nqpf.workflow.demos.run_level_demo` writes
    one (:func:`nqpf.levels.city_weights`) and sets ``[analysis] weights``; without it they are skipped
    (recorded in the analysis log).

    Examples
    --------
    >>> cfg = city_demo_config()
    >>> cfg["framework"]["path"], cfg["data"]["years"], len(cfg["framework"]["indicators"])
    ('nqpf_city', [2011, 2019], 7)
    """
    cfg: dict[str, Any] = {
        "title": "nqpf demo (city level): partial prefecture-city NQPF index on open city data",
        "data": {"years": [int(years[0]), int(years[1])]},
        "framework": {"path": "nqpf_city", "indicators": list(indicators)},
        "impute": {"method": "linear"},
        "screen": {"min_coverage": 0.5, "by": "unit_year", "on": "imputed"},
        "treat": {"method": "coinr", "scope": "pooled"},
        "normalise": {"method": "minmax", "scope": "pooled", "range": [0.01, 1.0]},
        "weight": {"method": "entropy", "scope": "pooled"},
        "aggregate": {"method": "arithmetic", "min_coverage": 0.5},
    }
    for s in stages:
        cfg[s] = {"groupings": ["region4"], "permutations": 99, "seed": 0} if s == "analysis" else {}
    return cfg


def industry_demo_config(*, stages: tuple[str, ...] = ("analysis", "report")) -> dict:
    """Run configuration of the industry (meso) demo: 39 sectors × the IO table years 2005–2018.

    Equal weights over the four indicators of :func:`nqpf.levels.industry_framework` (pay, depreciation and
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
