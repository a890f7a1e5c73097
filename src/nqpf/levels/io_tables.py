"""Meso level: industry digitalisation from input–output tables (产业数字化 / 数字产业化).

Two measures of China's digital economy at sector level:

* **产业数字化 (industrial digitalisation)** — for each using sector *j*, the share of its
  intermediate inputs bought from the digital-economy core sectors *D* (telecommunications,
  software and IT services; computers, communication and other electronic equipment):
  :math:`s_j = \\sum_{i \\in D} z_{ij} / \\sum_i z_{ij}` (direct), or the same share in the total
  (direct + indirect) requirements of the Leontief inverse, :math:`(L - I)` with
  :math:`L = (I - A)^{-1}`, :math:`a_{ij} = z_{ij} / x_j` (:func:`ict_input_share`);
* **数字产业化 (digital industrialisation)** — the digital core sectors' own share of gross
  output and of value added (:func:`digital_output_share`).

The NBS 42-sector tables differ between table years (2005: 通用、专用设备 in one sector, research
in 科学研究事业 + 综合技术服务业; 2015: 其他制造产品 and 废品废料 apart; 2017+: 研究和试验发展 split
from 综合技术服务 …). :func:`harmonise_sectors` maps every table year onto 39 common sectors by
name (:data:`COMMON_SECTORS`), so an industry × year panel has the same units in every year and
runs through the index and analysis engine like regions (:func:`industry_panel`).

``../shared/data/cn-industry-io`` holds the column totals of the tables (gross output,
intermediate input, value added and its components) but **not** the inter-industry flow matrix,
so the ICT-input share needs a flow table from the user (long ``year, from_sector, to_sector,
value`` or a square matrix); the output shares are computed from the shared panel.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import check_option

__all__ = [
    "IOShareMethod",
    "COMMON_SECTORS",
    "DIGITAL_CORE",
    "SECTOR_GROUPS",
    "common_sector",
    "EMPLOYMENT_MAP",
    "employment_to_sectors",
    "harmonise_sectors",
    "digital_output_share",
    "ict_input_share",
    "input_shares",
    "industry_panel",
    "industry_framework",
    "DigitalShares",
]

IOShareMethod = Literal["direct", "total"]

#: the 39 common sectors: (id, Chinese name, English name, group, name keywords in matching order)
COMMON_SECTORS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("S01", "农林牧渔", "Agriculture, forestry, animal husbandry and fishery", "primary", ("农",)),
    ("S02", "煤炭采选", "Coal mining", "mining_utilities", ("煤炭",)),
    ("S03", "石油和天然气开采", "Oil and gas extraction", "mining_utilities", ("石油和天然气开采",)),
    ("S05", "非金属矿采选", "Non-metal ore mining", "mining_utilities", ("非金属矿采选", "非金属矿和其他矿采选")),
    ("S04", "金属矿采选", "Metal ore mining", "mining_utilities", ("金属矿采选",)),
    ("S06", "食品和烟草", "Food and tobacco", "manufacturing", ("食品",)),
    ("S08", "服装皮革羽绒", "Apparel, leather, feather", "manufacturing", ("服装",)),
    ("S07", "纺织", "Textiles", "manufacturing", ("纺织",)),
    ("S09", "木材加工和家具", "Timber and furniture", "manufacturing", ("木材",)),
    ("S10", "造纸印刷和文教用品", "Paper, printing, stationery", "manufacturing", ("造纸",)),
    ("S11", "石油加工、炼焦和核燃料", "Petroleum refining, coking, nuclear fuel", "manufacturing", ("石油加工", "石油、炼焦")),
    ("S12", "化学产品", "Chemicals", "manufacturing", ("化学",)),
    ("S13", "非金属矿物制品", "Non-metallic mineral products", "manufacturing", ("非金属矿物制品",)),
    ("S14", "金属冶炼和压延加工", "Metal smelting and rolling", "manufacturing", ("金属冶炼",)),
    ("S16", "通用和专用设备（含修理）", "General and special machinery (incl. repair)", "manufacturing",
     ("通用", "专用设备", "金属制品、机械和设备修理")),
    ("S15", "金属制品", "Metal products", "manufacturing", ("金属制品",)),
    ("S17", "交通运输设备", "Transport equipment", "manufacturing", ("交通运输设备",)),
    ("S18", "电气机械和器材", "Electrical machinery", "manufacturing", ("电气",)),
    ("S19", "通信设备、计算机和其他电子设备", "Computers, communication and other electronic equipment", "manufacturing",
     ("通信设备",)),
    ("S20", "仪器仪表", "Instruments", "manufacturing", ("仪器仪表",)),
    ("S21", "其他制造和废品废料", "Other manufacturing and waste", "manufacturing", ("其他制造", "废品废料")),
    ("S22", "电力、热力", "Electricity and heat", "mining_utilities", ("电力",)),
    ("S23", "燃气", "Gas", "mining_utilities", ("燃气",)),
    ("S24", "水的生产和供应", "Water", "mining_utilities", ("水的生产",)),
    ("S25", "建筑", "Construction", "construction", ("建筑",)),
    ("S26", "交通运输、仓储和邮政", "Transport, storage and post", "services", ("交通运输", "邮政")),
    ("S27", "信息传输、软件和信息技术服务", "Telecom, software and IT services", "services", ("信息传输",)),
    ("S28", "批发和零售", "Wholesale and retail", "services", ("批发",)),
    ("S29", "住宿和餐饮", "Accommodation and catering", "services", ("住宿",)),
    ("S30", "金融", "Finance", "services", ("金融",)),
    ("S31", "房地产", "Real estate", "services", ("房地产",)),
    ("S32", "租赁和商务服务", "Leasing and business services", "services", ("租赁",)),
    ("S33", "科学研究和技术服务", "Research and technical services", "services", ("科学研究", "研究和试验", "综合技术服务")),
    ("S34", "水利、环境和公共设施管理", "Water conservancy, environment, public facilities", "services", ("水利",)),
    ("S35", "居民服务和其他服务", "Resident and other services", "services", ("居民服务",)),
    ("S36", "教育", "Education", "services", ("教育",)),
    ("S37", "卫生和社会工作", "Health and social work", "services", ("卫生",)),
    ("S38", "文化、体育和娱乐", "Culture, sports and entertainment", "services", ("文化、体育", "文化，体育")),
    ("S39", "公共管理和社会组织", "Public administration", "services", ("公共管理",)),
)
#: the digital-economy core sectors among the common sectors (数字经济核心产业 in the 42-sector tables)
DIGITAL_CORE: tuple[str, ...] = ("S19", "S27")
#: sector group of every common sector (for Dagum / Theil decompositions)
SECTOR_GROUPS: dict[str, str] = {s[0]: s[3] for s in COMMON_SECTORS}
_NAMES = {s[0]: (s[1], s[2]) for s in COMMON_SECTORS}


#: GB/T 4754-2017 sections / divisions of the employment estimate → common sectors (codes without
#: the ``GB4754_`` prefix; sections are used where the IO tables do not split them further)
EMPLOYMENT_MAP: dict[str, str] = {
    "A": "S01", "B01": "S02", "B02": "S03", "B06": "S03", "B03": "S04", "B04": "S04", "B05": "S05", "B07": "S05",
    "C01": "S06", "C02": "S06", "C03": "S06", "C04": "S06", "C05": "S07", "C06": "S08", "C07": "S08",
    "C08": "S09", "C09": "S09", "C10": "S10", "C11": "S10", "C12": "S10", "C13": "S11", "C14": "S12",
    "C15": "S12", "C16": "S12", "C17": "S12", "C18": "S13", "C19": "S14", "C20": "S14", "C21": "S15",
    "C22": "S16", "C23": "S16", "C31": "S16", "C24": "S17", "C25": "S17", "C26": "S18", "C27": "S19",
    "C28": "S20", "C29": "S21", "C30": "S21", "D01": "S22", "D02": "S23", "D03": "S24", "E": "S25",
    "F": "S28", "G": "S26", "H": "S29", "I": "S27", "J": "S30", "K": "S31", "L": "S32", "M": "S33",
    "N": "S34", "O": "S35", "P": "S36", "Q": "S37", "R": "S38", "S": "S39",
}


def employment_to_sectors(panel: pd.DataFrame, *, code: str = "industry_code") -> pd.DataFrame:
    """Sum the employment estimate by GB/T 4754 industry onto the 39 common sectors.

    Uses the rows ``indicator == 'employment'`` whose code (``GB4754_<x>``) is in
    :data:`EMPLOYMENT_MAP` (sections or divisions, never both for the same sector, so nothing is
    counted twice). The estimate (Wang, Jia & Wang 2021, 统计研究 38(12)) is a research series, not
    an NBS one; ``GB4754_B06`` (mining support activities) goes to oil and gas, the largest user.

    Returns ``unit, year, indicator, value`` with ``indicator = 'employment'`` (万人).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"industry_code": ["GB4754_C22", "GB4754_C23", "GB4754_C"], "year": 2018,
    ...                   "indicator": "employment", "value": [5.0, 4.0, 100.0]})
    >>> employment_to_sectors(p)[["unit", "value"]].values.tolist()
    [['S16', 9.0]]
    """
    if code not in panel.columns:
        raise DataError(f"employment_to_sectors: column {code!r} not found; got {list(panel.columns)}. "
                        "Pass the cn-industry-io panel (industry codes GB4754_<section or division>).")
    e = panel[panel["indicator"] == "employment"]
    key = e[code].astype(str).str.replace("GB4754_", "", regex=False)
    e = e.assign(unit=key.map(EMPLOYMENT_MAP))
    e = e[e["unit"].notna()]
    out = e.groupby(["unit", "year"], as_index=False, sort=True)["value"].sum(min_count=1)
    return out.assign(indicator="employment")[["unit", "year", "indicator", "value"]]


def common_sector(name: str) -> str:
    """The common sector id of a 42-sector table sector name (first keyword match, in :data:`COMMON_SECTORS` order).

    >>> common_sector("通信设备、计算机和其他电子设备"), common_sector("金属制品、机械和设备修理服务")
    ('S19', 'S16')
    >>> common_sector("非金属矿和其他矿采选产品"), common_sector("信息传输、计算机服务和软件业")
    ('S05', 'S27')
    """
    text = str(name).strip()
    if text.startswith("金属制品、机械"):
        return "S16"
    for sid, _zh, _en, _g, keys in COMMON_SECTORS:
        if any(k in text for k in keys):
            return sid
    raise DataError(
        f"common_sector: no common sector matches the sector name; got {name!r}. Use the NBS 42-sector names "
        "(e.g. '通信设备、计算机和其他电子设备') or map the sector yourself."
    )


def harmonise_sectors(panel: pd.DataFrame, *, sector: str = "industry", code: str = "industry_code") -> pd.DataFrame:
    """Sum a sector panel onto the 39 common sectors (additive series only).

    Parameters
    ----------
    panel : DataFrame
        Long table with the sector name column ``sector``, ``year``, ``indicator``, ``value``
        (e.g. the IO rows of ``cn-industry-io``); rows whose ``code`` does not start with ``IO``
        are ignored when the column exists.

    Returns
    -------
    DataFrame
        ``unit, unit_name, name_en, sector_group, year, indicator, value, n_source_sectors``.
    """
    need = {sector, "year", "indicator", "value"}
    if not need <= set(panel.columns):
        raise DataError(f"harmonise_sectors: missing columns {sorted(need - set(panel.columns))}; got {list(panel.columns)}. "
                        "Pass the long industry panel with sector names.")
    d = panel
    if code in d.columns:
        d = d[d[code].astype(str).str.startswith("IO")]
    d = d.assign(unit=[common_sector(n) for n in d[sector]])
    g = d.groupby(["unit", "year", "indicator"], sort=True)
    out = g["value"].sum(min_count=1).reset_index()
    out["n_source_sectors"] = g[sector].nunique().to_numpy()
    out.insert(1, "unit_name", out["unit"].map(lambda s: _NAMES[s][0]))
    out.insert(2, "name_en", out["unit"].map(lambda s: _NAMES[s][1]))
    out.insert(3, "sector_group", out["unit"].map(SECTOR_GROUPS))
    return out


def _share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Share :math:`n / d` (NaN where d ≤ 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


@dataclass(frozen=True)
class DigitalShares(Result):
    """Digital-core output shares by table year (数字产业化).

    Attributes
    ----------
    shares : DataFrame
        ``year, core_gross_output, total_gross_output, output_share, core_value_added,
        total_value_added, va_share`` (money in the table's unit, 万元).
    by_sector : DataFrame
        ``year, unit, unit_name, gross_output, value_added`` of the core sectors.
    """

    shares: pd.DataFrame
    by_sector: pd.DataFrame
    kind: str = "digital_output_share"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"shares": self.shares, "by_sector": self.by_sector}

    def summary(self) -> Summary:
        rows = [(f"{int(r.year)} value-added share", round(float(r.va_share), 4)) for r in self.shares.itertuples()]
        return Summary(title="Digital-core sectors' share (数字产业化: 数字经济核心产业占比)", rows=rows,
                       tables={"shares": self.shares},
                       notes=["Core = the 42-sector table's 通信设备、计算机和其他电子设备 and 信息传输、软件和信息技术服务; "
                              "the NBS 2021 classification of digital-economy core industries is wider (digital "
                              "product wholesale/retail, e-commerce platforms, digital content …) and narrower "
                              "(parts of electronics), so published shares differ."])


def digital_output_share(panel: pd.DataFrame, *, core: tuple[str, ...] = DIGITAL_CORE) -> DigitalShares:
    """The digital core sectors' share of gross output and value added, by year (数字产业化).

    Parameters
    ----------
    panel : DataFrame
        The IO panel of ``cn-industry-io`` (``industry_code, industry, year, indicator, value`` with
        indicators ``gross_output`` and ``value_added``) or its harmonised form
        (:func:`harmonise_sectors`, column ``unit``).
    core : tuple of str
        Common-sector ids counted as the digital core (default :data:`DIGITAL_CORE`).

    Returns
    -------
    DigitalShares
        Shares in [0, 1]: :math:`\\sum_{i \\in D} x_i / \\sum_i x_i` for gross output x and value added.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"industry": ["信息传输、软件和信息技术服务", "农林牧渔产品和服务"] * 2, "year": 2020,
    ...                   "indicator": ["gross_output"] * 2 + ["value_added"] * 2, "value": [10.0, 30, 4, 16]})
    >>> digital_output_share(p).shares[["output_share", "va_share"]].values.tolist()
    [[0.25, 0.2]]
    """
    h = panel if "unit" in panel.columns and "sector_group" in panel.columns else harmonise_sectors(panel)
    rows, parts = [], []
    for y, g in h.groupby("year", sort=True):
        w = g.pivot_table(index="unit", columns="indicator", values="value", aggfunc="sum")
        for need in ("gross_output", "value_added"):
            if need not in w.columns:
                raise DataError(f"digital_output_share: indicator {need!r} missing in {y}; got {sorted(w.columns)}. "
                                "Pass gross_output and value_added for every sector.")
        is_core = w.index.isin(core)
        go, va = w["gross_output"].to_numpy(float), w["value_added"].to_numpy(float)
        rows.append({"year": int(y), "core_gross_output": go[is_core].sum(), "total_gross_output": np.nansum(go),
                     "output_share": float(_share(np.array(go[is_core].sum()), np.array(np.nansum(go)))),
                     "core_value_added": va[is_core].sum(), "total_value_added": np.nansum(va),
                     "va_share": float(_share(np.array(va[is_core].sum()), np.array(np.nansum(va))))})
        sub = w[is_core][["gross_output", "value_added"]].reset_index()
        parts.append(sub.assign(year=int(y), unit_name=sub["unit"].map(lambda s: _NAMES[s][0])))
    by = pd.concat(parts, ignore_index=True)[["year", "unit", "unit_name", "gross_output", "value_added"]] if parts else \
        pd.DataFrame(columns=["year", "unit", "unit_name", "gross_output", "value_added"])
    return DigitalShares(shares=pd.DataFrame(rows), by_sector=by)


def input_shares(z: np.ndarray, core: np.ndarray, *, gross_output: np.ndarray | None = None,
                 method: IOShareMethod = "direct") -> np.ndarray:
    """Share of each column sector's intermediate inputs that come from the ``core`` rows.

    ``direct``: :math:`s_j = \\sum_{i \\in D} z_{ij} / \\sum_i z_{ij}`.
    ``total``: the same share in the direct and indirect requirements :math:`(L - I)`,
    :math:`L = (I - A)^{-1}`, :math:`a_{ij} = z_{ij} / x_j` (needs gross output x).
    Shares lie in [0, 1]; NaN for a sector without intermediate inputs.

    >>> z = np.array([[1.0, 2.0], [3.0, 2.0]])
    >>> input_shares(z, np.array([True, False])).tolist()
    [0.25, 0.5]
    """
    check_option(method, IOShareMethod, param="method", caller="input_shares")
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[0] != z.shape[1]:
        raise DataError(f"input_shares: the flow matrix must be square; got shape {z.shape}. Pass sectors × sectors.")
    if (z < 0).any():
        raise DataError(f"input_shares: intermediate flows must be >= 0; got {int((z < 0).sum())} negative cells. "
                        "Use the intermediate-use quadrant of the table (no imports or adjustments).")
    if method == "total":
        if gross_output is None:
            raise DataError("input_shares(method='total'): needs gross output; got gross_output=None. Pass the "
                            "sectors' total output (总产出).")
        x = np.asarray(gross_output, dtype=float)
        a = z / np.where(x > 0, x, np.nan)[None, :]
        a = np.nan_to_num(a)
        z = np.linalg.inv(np.eye(len(x)) - a) - np.eye(len(x))
    return _share(z[np.asarray(core, bool)].sum(axis=0), z.sum(axis=0))


def ict_input_share(flows: pd.DataFrame, *, core: tuple[str, ...] = DIGITAL_CORE, method: IOShareMethod = "direct",
                    gross_output: pd.DataFrame | None = None) -> pd.DataFrame:
    """产业数字化: each sector's share of intermediate inputs bought from the digital core sectors, by year.

    Parameters
    ----------
    flows : DataFrame
        Long intermediate-use flows ``year, from_sector, to_sector, value`` (sector names of the
        42-sector tables or common-sector ids); names are mapped to common sectors and summed.
    core : tuple of str
        Common-sector ids of the digital core.
    method : {'direct', 'total'}
        Direct input shares, or shares in the Leontief total requirements (then ``gross_output``
        must be given as ``year, sector, value``).

    Returns
    -------
    DataFrame
        ``unit, unit_name, year, indicator, value`` with ``indicator = 'ict_input_share'`` — a
        panel the index engine reads directly.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"year": 2020, "from_sector": ["S27", "S01", "S27", "S01"],
    ...                   "to_sector": ["S01", "S01", "S27", "S27"], "value": [1.0, 3, 2, 2]})
    >>> ict_input_share(f)[["unit", "value"]].values.tolist()
    [['S01', 0.25], ['S27', 0.5]]
    """
    need = {"year", "from_sector", "to_sector", "value"}
    if not need <= set(flows.columns):
        raise DataError(f"ict_input_share: missing columns {sorted(need - set(flows.columns))}; got {list(flows.columns)}. "
                        "Pass the intermediate-use quadrant as year, from_sector, to_sector, value.")
    ids = {s[0] for s in COMMON_SECTORS}
    to_id = lambda s: s if s in ids else common_sector(s)  # noqa: E731
    f = flows.assign(i=flows["from_sector"].astype(str).map(to_id), j=flows["to_sector"].astype(str).map(to_id))
    out = []
    for y, g in f.groupby("year", sort=True):
        m = g.pivot_table(index="i", columns="j", values="value", aggfunc="sum", fill_value=0.0)
        sectors = sorted(set(m.index) | set(m.columns))
        m = m.reindex(index=sectors, columns=sectors, fill_value=0.0)
        x = None
        if method == "total":
            if gross_output is None:
                raise DataError("ict_input_share(method='total'): needs gross output; got gross_output=None. "
                                "Pass a table year, sector, value of total output.")
            go = gross_output[gross_output["year"] == y].assign(s=lambda d: d["sector"].astype(str).map(to_id))
            x = go.groupby("s")["value"].sum().reindex(sectors).to_numpy(float)
        s = input_shares(m.to_numpy(), np.isin(sectors, core), gross_output=x, method=method)
        out.append(pd.DataFrame({"unit": sectors, "year": int(y), "indicator": "ict_input_share", "value": s}))
    res = pd.concat(out, ignore_index=True)
    res.insert(1, "unit_name", res["unit"].map(lambda s: _NAMES[s][0]))
    return res


def industry_panel(panel: pd.DataFrame, *, flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Industry × year panel (units = the 39 common sectors) for the index engine.

    Raw series: ``value_added``, ``gross_output``, ``va_compensation_employees``,
    ``va_depreciation``, ``va_operating_surplus`` (summed onto common sectors), ``employment``
    in the IO table years when the panel carries the GB/T 4754 employment estimate
    (:func:`employment_to_sectors`; none for 2020, the estimate ends in 2018) and, when
    ``flows`` are given, ``ict_input_share``. Group columns: ``sector_group`` and ``digital_core``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"industry": ["通用设备", "专用设备"], "year": 2020, "indicator": "gross_output",
    ...                   "value": [3.0, 4.0]})
    >>> industry_panel(p)[["unit", "indicator", "value"]].values.tolist()
    [['S16', 'gross_output', 7.0]]
    """
    has_code = "industry_code" in panel.columns
    io = panel[panel["industry_code"].astype(str).str.startswith("IO")] if has_code else panel
    h = harmonise_sectors(io)
    keep = ["gross_output", "value_added", "intermediate_input", "va_compensation_employees", "va_depreciation",
            "va_operating_surplus", "va_net_production_tax"]
    h = h[h["indicator"].isin(keep)]
    parts = [h[["unit", "unit_name", "year", "indicator", "value"]]]
    if has_code and (panel["indicator"] == "employment").any():
        emp = employment_to_sectors(panel)
        emp = emp[emp["year"].isin(h["year"].unique())]
        parts.append(emp.assign(unit_name=""))
    if flows is not None:
        parts.append(ict_input_share(flows))
    d = pd.concat(parts, ignore_index=True)
    d["unit_name"] = d["unit"].map(lambda s: _NAMES[s][0])
    d["sector_group"] = d["unit"].map(SECTOR_GROUPS)
    d["digital_core"] = np.where(d["unit"].isin(DIGITAL_CORE), "core", "other")
    return d[["unit", "unit_name", "sector_group", "digital_core", "year", "indicator", "value"]].reset_index(drop=True)


def industry_framework(*, with_ict_inputs: bool = False, with_employment: bool = True) -> dict:
    """The meso-level (industry) framework as a dict (load with :func:`nqpf.framework.io.load_framework`).

    Indicators from the IO table totals and the employment estimate:

    * 劳动者 — compensation of employees per worker (劳均劳动者报酬, skill and wage level);
    * 劳动资料 — depreciation per worker (劳均固定资产折旧, capital deepening) and, with
      ``with_ict_inputs``, the ICT-input share (产业数字化, driver 算力);
    * 优化组合 — labour productivity (劳动生产率, value added per worker) and the value-added
      rate (增加值率).

    Without employment (``with_employment=False``) the per-worker indicators are replaced by
    shares of value added (compensation and depreciation per unit of value added).

    Examples
    --------
    >>> from nqpf.framework.io import load_framework
    >>> load_framework(industry_framework(with_ict_inputs=True)).indicators
    ['compensation_per_worker', 'depreciation_per_worker', 'ict_input_share', 'labour_productivity', 'va_rate']
    """
    seed_meso = {"file": "001_ee063bae6db04d62.txt", "section": "§3(二)",
                 "quote": "中观机制:人工智能通过产业结构的智能化进阶驱动新质生产力形成",
                 "rationale": "At industry level NQPF forms through the intelligent upgrading of industries; sectors are the units."}
    emp_note = ("Workers from the employment estimate by GB/T 4754 industry (Wang, Jia & Wang 2021, a research series "
                "ending in 2018): no value for 2020, where the node is aggregated over its other indicators.")
    base = {"level": "meso", "source": "cn-industry-io", "direction": 1}
    if with_employment:
        labour = {"id": "compensation_per_worker", "parent": "labourers", "name_zh": "劳均劳动者报酬",
                  "name_en": "Compensation of employees per worker", "unit": "CNY per worker",
                  "derive": "ratio(va_compensation_employees, employment)", "element": "劳动者", "driver": "none",
                  "type": "科技创新", "notes": "Pay per worker: the skill and wage level of the sector's workforce. " + emp_note}
        capital = {"id": "depreciation_per_worker", "parent": "means_of_labour", "name_zh": "劳均固定资产折旧",
                   "name_en": "Depreciation per worker", "unit": "CNY per worker",
                   "derive": "ratio(va_depreciation, employment)", "element": "劳动资料", "driver": "算力",
                   "type": "数实融合", "notes": "Consumption of fixed capital per worker: capital (equipment) deepening. " + emp_note}
        extra = [{"id": "labour_productivity", "parent": "combination", "name_zh": "劳动生产率（劳均增加值）",
                  "name_en": "Value added per worker", "unit": "CNY per worker", "derive": "ratio(value_added, employment)",
                  "element": "优化组合", "driver": "none", "type": "数实融合", "notes": emp_note}]
    else:
        labour = {"id": "compensation_share_va", "parent": "labourers", "name_zh": "劳动者报酬占增加值比重",
                  "name_en": "Compensation of employees, share of value added", "unit": "share",
                  "derive": "share(va_compensation_employees, value_added)", "element": "劳动者", "driver": "none",
                  "type": "数实融合", "notes": "Labour's share of value added; high in skill-intensive sectors but also in low-capital services."}
        capital = {"id": "depreciation_share_va", "parent": "means_of_labour", "name_zh": "固定资产折旧占增加值比重",
                   "name_en": "Depreciation, share of value added", "unit": "share",
                   "derive": "share(va_depreciation, value_added)", "element": "劳动资料", "driver": "算力",
                   "type": "数实融合", "notes": "Consumption of fixed capital per unit of value added: capital deepening."}
        extra = []
    ind = [labour, capital]
    if with_ict_inputs:
        ind.append({"id": "ict_input_share", "parent": "means_of_labour", "name_zh": "数字经济核心产业中间投入占比",
                    "name_en": "Share of intermediate inputs from digital-core sectors", "unit": "share",
                    "derive": "series(ict_input_share)", "element": "劳动资料", "driver": "算力", "type": "产业数字化",
                    "source": "user IO flow table",
                    "notes": "产业数字化: inputs bought from telecom/software/IT services and computers/electronics."})
    ind += extra + [{"id": "va_rate", "parent": "combination", "name_zh": "增加值率", "name_en": "Value-added rate",
                     "unit": "share", "derive": "share(value_added, gross_output)", "element": "优化组合", "driver": "none",
                     "type": "数实融合", "notes": "Value added per unit of gross output: the efficiency with which inputs are combined."}]
    ind = [{**base, **d} for d in ind]
    return {
        "framework": {"id": "nqpf_industry", "name_zh": "行业新质生产力指数（中观）",
                      "name_en": "Industry NQPF index (meso level)", "unit_level": "industry", "version": "1.0",
                      "description": "Industry × year index on the 39 common sectors of the NBS 42-sector input–output tables."},
        "node": [
            {"id": "NQPF", "parent": "", "name_zh": "新质生产力", "name_en": "New quality productive forces",
             "seed_refs": [seed_meso]},
            {"id": "labourers", "parent": "NQPF", "name_zh": "新型劳动者", "name_en": "New-type labourers", "element": "劳动者"},
            {"id": "means_of_labour", "parent": "NQPF", "name_zh": "新型劳动资料", "name_en": "New means of labour",
             "element": "劳动资料"},
            {"id": "combination", "parent": "NQPF", "name_zh": "要素优化组合", "name_en": "Optimal combination",
             "element": "优化组合"},
        ],
        "indicator": ind,
    }
