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


def test_never_bundles_third_party_composites(raw, prov):
    forbidden = {"digital_economy_index_source", "nqpf_index_source", "nqpf", "gtfp",
                 "digital_policy_keyword_freq", "enterprise_digitalization_count"}
    assert forbidden.isdisjoint(set(raw["series"]))
    assert not any(re.search(r"lstm|dai|firm|city", f) for f in prov["source_folder"])
    kinds = datasets.list_datasets().set_index("name")["kind"]
    assert kinds["nqpf-index-gtfp-lstm-dai"] == "not bundled"
    assert kinds["cn-province-digital:nqpf_index_source"] == "not bundled"
    assert kinds["cn-province-energy-macro-panel"] == "not bundled"


def test_provenance_complete(raw, prov):
    assert list(prov.columns) == [
        "series", "name_zh", "name_en", "unit", "source_folder", "source_file", "source_indicator",
        "source_repository", "commit", "licence", "citation", "year_min", "year_max", "n_units",
        "n_missing", "notes",
    ]
    assert set(prov["series"]) == set(raw["series"])
    for col in ("name_zh", "name_en", "unit", "source_folder", "source_repository", "licence", "citation"):
        assert prov[col].str.len().gt(0).all(), col
    assert prov["commit"].str.fullmatch(r"[0-9a-f]{40}").all()
    assert prov["source_repository"].str.startswith("https://github.com/").all()
    # counts in the provenance table agree with the data
    p = prov.set_index("series")
    for s, g in raw.groupby("series"):
        assert int(p.loc[s, "n_missing"]) == int(g["value"].isna().sum())
        assert int(p.loc[s, "year_min"]) == int(g["year"].min())
        assert int(p.loc[s, "n_units"]) == g["unit"].nunique()
        assert set(g["unit_of_measure"]) == {p.loc[s, "unit"]}
    assert "Shan et al. (2018)" in p.loc["co2_total_apparent", "citation"]
    assert p.loc["rd_expenditure_total", "licence"].startswith("MIT")


def test_province_panel_layout_and_filters():
    p = datasets.province_panel(years=(2021, 2022), units=["北京", "Shanghai", "440000"])
    assert list(p.columns) == ["unit", "unit_name", "year", "indicator", "value"]
    assert sorted(p["unit"].unique()) == ["110000", "310000", "440000"]
    assert set(p["year"]) == {2021, 2022}
    assert set(p.loc[p.unit == "440000", "unit_name"]) == {"广东"}


def test_province_panel_rejects_unknown_units():
    with pytest.raises(ConfigError) as exc:
        datasets.province_panel(units=["北京", "Atlantis"])
    assert str(exc.value) == (
        "province_panel: unknown provinces; got ['Atlantis']. Use GB/T 2260 codes (e.g. '110000'), "
        "short Chinese names (e.g. '北京') or English names (e.g. 'Beijing')."
    )


def test_bundle_manifest_records_provenance_and_decisions():
    import hashlib
    import json
    from importlib import resources

    m = datasets.bundle_manifest()
    packaged = resources.files("nqpf.datasets").joinpath("data", "province_raw.csv.gz").read_bytes()
    assert m["sha256"] == hashlib.sha256(packaged).hexdigest()
    assert m["rows"] == len(datasets.load_province_raw())
    assert {r["series"] for r in m["series"]} == set(datasets.load_provenance()["series"])
    assert [(d["series"], d["unit"], d["year"], d["new"]) for d in m["cell_decisions"]] == [
        ("internet_penetration_rate", "350000", y, None) for y in (2014, 2015, 2016)
    ]
    assert "cn-province-energy-macro-panel" in m["not_bundled"]
    json.dumps(m, allow_nan=False)  # JSON-safe


# ------------------------------------------------------------------------------ builder

def test_build_from_fixture_slices():
    raw, prov = bb.build_bundle(FIXTURE_ROOT)
    assert set(raw["unit"]) == {"110000", "350000", "540000"}  # national row dropped
    assert set(raw["year"]) == {2014, 2015, 2016, 2020}  # 2014-2015: Fujian internet cells only
    # every value equals the source cell, read here with the csv module
    with open(FIXTURE_ROOT / "cn-province-nbs-ceads" / "nbs_province_2011_2022_long.csv", encoding="utf-8") as fh:
        src = {(r["region_code"], int(r["year"]), r["indicator"]): float(r["value"]) for r in csv.DictReader(fh)}
    for (u, y, s), v in src.items():
        assert _cell(raw, s, u, y) == v
    # the Fujian 2016 internet cell decision is applied
    assert math.isnan(_cell(raw, "internet_penetration_rate", "350000", 2016))
    assert _cell(raw, "internet_penetration_rate", "110000", 2016) == pytest.approx(77.8, abs=0.05)
    # CEADs has no Tibet; the builder does not invent rows
    assert raw[(raw.series == "co2_total_apparent")]["unit"].tolist() == ["110000", "110000", "350000", "350000"]
    assert list(prov["series"]) == [s.series for s in bb.SERIES]


def test_write_is_byte_reproducible(tmp_path):
    raw, prov = bb.build_bundle(FIXTURE_ROOT)
    a = bb.write_bundle(raw, prov, tmp_path / "a")
    b = bb.write_bundle(raw, prov, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    back = pd.read_csv(gzip.open(a[0]), dtype={"unit": str})
    pd.testing.assert_frame_equal(back, raw, check_dtype=False)


def test_builder_missing_source_message(tmp_path):
    with pytest.raises(DataError) as exc:
        bb.build_bundle(tmp_path)
    assert str(exc.value) == (
        "build_bundle: source file cn-province-scitech-techme/cn_province_scitech_long.csv not found under "
        f"the data root; got data_root={str(tmp_path)!r}. Pass the shared 'data' folder (e.g. ../shared/data)."
    )


@pytest.mark.shared
def test_packaged_bundle_equals_rebuild_from_shared(tmp_path):
    root = shared_path("data", "cn-province-scitech-techme").parent
    raw, prov = bb.build_bundle(root)
    paths = bb.write_bundle(raw, prov, tmp_path)
    packaged = datasets.load_province_raw()
    pd.testing.assert_frame_equal(
        pd.read_csv(gzip.open(paths[0]), dtype={"unit": str}), packaged, check_dtype=False
    )
    assert paths[1].read_text(encoding="utf-8") == datasets.load_provenance().to_csv(index=False, lineterminator="\n")


# ------------------------------------------------------------------------------ demo config

def test_demo_config_defaults_validate_against_run_config():
    from nqpf.index.config import config_from_dict

    cfg = datasets.demo_config(stages=[])
    run = config_from_dict(cfg)
    assert run.data.bundled == "province" and run.data.years == (2013, 2022)
    assert len(run.data.units) == 31
    assert run.framework.path == "nqpf_province"
    assert (run.normalise.method, run.normalise.scope) == ("minmax", "pooled")
    assert (run.weight.method, run.weight.scope) == ("entropy", "pooled")
    assert (run.aggregate.method, run.aggregate.min_coverage) == ("arithmetic", 0.5)
    assert run.impute.method == "linear"
    assert (run.treat.method, run.treat.scope) == ("coinr", "pooled")


def test_demo_config_options():
    cfg = datasets.demo_config(
        years=(2016, 2020), units=["北京", "Tibet"], weighting="critic", normalisation="zscore",
        scope="year", stages=["analysis"], output="out",
    )
    assert cfg["data"]["years"] == [2016, 2020] and cfg["data"]["units"] == ["110000", "540000"]
    assert cfg["weight"] == {"method": "critic", "scope": "year"}
    assert cfg["normalise"] == {"method": "zscore", "scope": "year"}
    assert cfg["analysis"] == {} and cfg["output"] == {"dir": "out"}


def test_demo_config_default_stages_are_registered_ones():
    from nqpf.pipeline import stages

    try:
        registered = {s.name for s in stages()}
    except ImportError:  # a stage module under construction: demo_config then adds none, with a warning
        registered = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cfg = datasets.demo_config()
    expected = [s for s in datasets.DEMO_STAGES if s in registered]
    index_sections = {"title", "data", "framework", "impute", "treat", "normalise", "weight", "aggregate"}
    assert [k for k in cfg if k not in index_sections] == expected
    assert all(cfg[k] == {} for k in expected if k not in ("sensitivity", "explain"))
    if "explain" in expected:
        assert cfg["explain"] == datasets.DEMO_EXPLAIN
    if "sensitivity" in expected:
        assert cfg["sensitivity"] == datasets.DEMO_SENSITIVITY and cfg["sensitivity"] is not datasets.DEMO_SENSITIVITY


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weighting": "magic"}, "The 'weighting' parameter of demo_config must be one of 'entropy', 'equal', 'critic', 'cv', 'pca'; got 'magic'."),
        ({"scope": "per_year"}, "The 'scope' parameter of demo_config must be one of 'pooled', 'year'; got 'per_year'."),
        ({"years": (2022, 2013)}, "demo_config: years must be an inclusive (first, last) pair with first <= last; got (2022, 2013). Use e.g. years=(2013, 2022)."),
    ],
)
def test_demo_config_errors(kwargs, message):
    with pytest.raises(NqpfError) as exc:
        datasets.demo_config(stages=[], **kwargs)
    assert str(exc.value) == message


# ------------------------------------------------------------------------------ invariants

_CODES = sorted(datasets.PROVINCES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(["code", "zh", "en", "EN"])), min_size=1, max_size=40))
def test_units_resolve_to_codes_in_order_without_duplicates(picks):
    def spell(code, how):
        zh, en = datasets.PROVINCES[code]
        return {"code": code, "zh": zh, "en": en, "EN": en.upper()}[how]

    given_names = [spell(c, how) for c, how in picks]
    expected = list(dict.fromkeys(c for c, _ in picks))
    cfg = datasets.demo_config(units=given_names, stages=[])
    assert cfg["data"]["units"] == expected
