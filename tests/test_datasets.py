"""Bundled provincial data (nqpf.datasets): contents, provenance, builder, demo config."""
from __future__ import annotations

import csv
import gzip
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import datasets
from nqpf._errors import ConfigError, DataError, NqpfError
from nqpf.datasets import build_bundle as bb

from _shared import fixture_path, shared_path

FIXTURE_ROOT = fixture_path("province_bundle", "data")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return datasets.load_province_raw()


@pytest.fixture(scope="module")
def prov() -> pd.DataFrame:
    return datasets.load_provenance()


def _cell(raw: pd.DataFrame, series: str, unit: str, year: int) -> float:
    v = raw.loc[(raw.series == series) & (raw.unit == unit) & (raw.year == year), "value"]
    assert len(v) == 1, (series, unit, year)
    return float(v.iloc[0])


# ------------------------------------------------------------------------------ contents

def test_layout_and_keys(raw):
    assert list(raw.columns) == ["unit", "year", "series", "value", "unit_of_measure"]
    assert raw["unit"].map(type).eq(str).all()
    assert raw["year"].dtype == np.int64 and raw["value"].dtype == float
    assert sorted(raw["unit"].unique()) == sorted(datasets.PROVINCES)
    assert not raw.duplicated(["unit", "year", "series"]).any()
    assert raw["year"].between(2010, 2023).all()
    # one unit of measure per series
    assert raw.groupby("series")["unit_of_measure"].nunique().eq(1).all()


def test_fresh_copy_each_call(raw):
    a = datasets.load_province_raw()
    a.loc[0, "value"] = -1.0
    assert datasets.load_province_raw().loc[0, "value"] == raw.loc[0, "value"]


def test_oracle_values_from_source_readmes(raw):
    # cn-province-nbs-ceads README: 2022 GDP Guangdong 132,547 > … Tibet 2,235 (亿元)
    assert _cell(raw, "gdp", "440000", 2022) == pytest.approx(132547.1, rel=1e-6)
    assert _cell(raw, "gdp", "540000", 2022) == pytest.approx(2235, rel=1e-3)
    # same README: Beijing 2022 GDP latest vintage 45,222.4 (not the first release 41,610.9)
    assert _cell(raw, "gdp", "110000", 2022) == pytest.approx(45222.4, rel=1e-6)
    # techme README: 2023 R&D expenditure Guangdong 4,803 亿元 (bundle unit 万元); intensity Beijing 6.73 %
    assert _cell(raw, "rd_expenditure_total", "440000", 2023) == pytest.approx(4803e4, rel=1e-3)
    assert _cell(raw, "rd_intensity", "110000", 2023) == pytest.approx(6.73, abs=0.005)
    # cn-province-digital README: 2022 provincial fibre sum = 59,580,032 km (= MIIT national total)
    fibre = raw[(raw.series == "fiber_optic_cable_length") & (raw.year == 2022)]["value"].sum()
    assert fibre == pytest.approx(59_580_032, abs=1.0)
    # cn-province-digital README: computers per 100 urban households 2020 Shanghai 112.6, Tibet 48.2
    assert _cell(raw, "urban_household_computers_per_100", "310000", 2020) == pytest.approx(112.6, abs=0.05)
    assert _cell(raw, "urban_household_computers_per_100", "540000", 2020) == pytest.approx(48.2, abs=0.05)
    # CEADs README: Shanxi apparent CO2 2,248 Mt in 2022 (kept as published, flagged)
    assert _cell(raw, "co2_total_apparent", "140000", 2022) == pytest.approx(2248, rel=1e-3)


def test_known_problems_are_handled(raw, prov):
    # Fujian 2016 internet penetration (115.0 in the source, a known error) and 2014-2015 (102.3,
    # 104.1: above 100 %) are kept as rows but set missing; no other value exceeds 100 %
    for year in (2014, 2015, 2016):
        assert math.isnan(_cell(raw, "internet_penetration_rate", "350000", year))
    assert _cell(raw, "internet_penetration_rate", "350000", 2013) == pytest.approx(95.8)
    assert raw.loc[raw.series == "internet_penetration_rate", "value"].max() < 100
    note = prov.set_index("series").loc["internet_penetration_rate", "notes"]
    assert "Fujian 2016 = 115.0" in note and "set to missing" in note
    # CEADs lacks Tibet: no rows at all, recorded
    co2 = raw[raw.series == "co2_total_apparent"]
    assert "540000" not in set(co2["unit"]) and co2["unit"].nunique() == 30
    assert "Tibet is not covered" in prov.set_index("series").loc["co2_total_apparent", "notes"]
    # telecom volume breaks recorded
    assert "within_year_share" in prov.set_index("series").loc["telecom_business_volume", "notes"]
    # the compiler's fills and estimates and the Shanghai artefact stay in the bundle as published (so the
    # quality screen sees them) and are run decisions: every run sets them missing and records each cell
    assert _cell(raw, "new_fixed_assets_electronics_telecom", "440000", 2022) == pytest.approx(1408.62)
    assert _cell(raw, "new_fixed_assets_electronics_telecom", "320000", 2019) == pytest.approx(2522.92)
    assert _cell(raw, "co2_total_apparent", "310000", 2021) == pytest.approx(161.3, abs=0.05)
    assert _cell(raw, "co2_total_apparent", "310000", 2022) == pytest.approx(216.5, abs=0.05)
    dec = datasets.run_decisions()
    for s in ("new_fixed_assets_electronics_telecom", "new_fixed_assets_computers_office"):
        d = dec[dec.series == s]
        assert len(d) == 31 * 6 and set(d.year) == set(range(2017, 2023)), s
        assert "compiler's fill" in d["reason"].iloc[0]
        assert "compiler's fills" in prov.set_index("series").loc[s, "notes"]
    e = dec[dec.series == "enterprise_informatization_level"]
    assert len(e) == 62 and set(e.year) == {2014, 2022}
    assert set(map(tuple, dec.loc[dec.series.str.startswith("co2"), ["unit", "year"]].to_numpy())) == {("310000", 2022)}
    m = datasets.bundle_manifest()
    assert {d["series"] for d in m["run_decisions"]} == set(dec.series)
    assert "NOT the tertiary share" in prov.set_index("series").loc["higher_education_share", "notes"]


def test_land_area_and_dsxs_hubs(raw):
    area = datasets.load_province_area().set_index("unit")
    assert len(area) == 31
    # computed areas against official figures: Beijing 16,410 km2, Tibet 1.2284 M km2 (within ~2 %)
    assert area.loc["110000", "area_km2"] == pytest.approx(16410, rel=0.01)
    assert area.loc["540000", "area_km2"] == pytest.approx(1228400, rel=0.025)
    assert (area["diff_pct"].abs() <= 2.2).sum() >= 23  # most provinces within ~2 %; the rest have notes
    assert area.loc[area["diff_pct"].abs() > 5, "note"].str.len().gt(0).all()
    la = raw[raw.series == "land_area"].groupby("unit")["value"]
    assert (la.nunique() == 1).all() and la.first().to_dict() == area["area_km2"].to_dict()
    hubs = datasets.load_dsxs_hubs().set_index("unit_name")
    assert len(hubs) == 31 and int(hubs["dsxs_hub_member"].sum()) == 14 and int(hubs["dsxs_cluster_host"].sum()) == 12
    assert set(hubs.loc[hubs.dsxs_hub == "京津冀"].index) == {"北京", "天津", "河北"}
    assert hubs["sources"].str.contains("S01").all()
    cfg = datasets.demo_config(stages=[])
    assert cfg["data"]["groups"]["dsxs_hub"]["520000"] == "贵州" and cfg["data"]["groups"]["dsxs_hub"]["540000"] == "none"


def test_albers_equal_area_matches_pyproj():
    """Areas on the authalic-sphere Albers equal the ellipsoidal Albers areas of PROJ (coordinates differ)."""
    pyproj = pytest.importorskip("pyproj")
    import shapely
    from shapely.geometry import box

    from nqpf.datasets._area import albers_equal_area

    t = pyproj.Transformer.from_crs("EPSG:4326", "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84", always_xy=True)
    for lon, lat in ((73.5, 39.0), (90.0, 29.0), (116.0, 39.5), (121.0, 31.0), (134.0, 48.0), (110.0, 18.5)):
        cell = shapely.segmentize(box(lon, lat, lon + 1, lat + 1), 0.01)
        ours = shapely.transform(cell, lambda xy: np.column_stack(albers_equal_area(xy[:, 0], xy[:, 1]))).area
        proj = shapely.transform(cell, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))).area
        assert ours == pytest.approx(proj, rel=1e-9), (lon, lat)
